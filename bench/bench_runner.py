#!/usr/bin/env python3
"""Runner overhead: ``python3 runner.py noop`` against ``python3 -c pass``.

Both commands run interleaved (so machine noise hits both alike), the
median wall time of each is taken, and their ratio printed. Target: <= 1.3.

    python3 bench/bench_runner.py [--runs 30]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def timed(cmd: list[str], env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - t0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=30, help="runs of each command (>= 10)")
    args = parser.parse_args()
    runs = max(10, args.runs)
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "TASKRUNNER_STATE_DIR": str(Path(tmp) / "state"),
            "OPENCLAW_HOME": str(Path(tmp) / "home"),
        }
        # Cron runs from a user's folder where .pyc files are cached after the
        # first run; a shell with PYTHONDONTWRITEBYTECODE would recompile every time.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        runner = [sys.executable, str(ROOT / "runner.py"), "noop"]
        baseline = [sys.executable, "-c", "pass"]
        for cmd in (runner, baseline):  # warm the page cache and .pyc files
            timed(cmd, env)
        t_runner: list[float] = []
        t_base: list[float] = []
        for _ in range(runs):
            t_base.append(timed(baseline, env))
            t_runner.append(timed(runner, env))
    m_runner, m_base = statistics.median(t_runner), statistics.median(t_base)
    print(f"python3 -c pass       median {m_base * 1000:7.1f} ms  ({runs} runs)")
    print(f"python3 runner.py noop median {m_runner * 1000:7.1f} ms  ({runs} runs, interleaved)")
    print(f"ratio {m_runner / m_base:.2f} (target <= 1.30)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
