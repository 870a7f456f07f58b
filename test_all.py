#!/usr/bin/env python3
"""Dry-run every task the runner can find; one line per task, non-zero exit if any fails.

Writes nothing: each task runs with ``--dry-run``. Extra arguments (for example
``--workspace DIR``) are passed to every task.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from taskrunner import discovery  # noqa: E402
from taskrunner.errors import TaskrunnerError  # noqa: E402

#: seconds one dry run may take before it counts as failed
DRY_RUN_TIMEOUT_S = 300


def main(argv: list[str]) -> int:
    try:
        specs = discovery.discover()
    except TaskrunnerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    failures = 0
    width = max((len(name) for name in specs), default=4)
    for name in sorted(specs):
        cmd = [sys.executable, str(HERE / "runner.py"), name, "--dry-run", "--json", *argv]
        try:
            proc = subprocess.run(
                cmd, capture_output=True, text=True, timeout=DRY_RUN_TIMEOUT_S, check=False
            )
        except subprocess.TimeoutExpired:
            failures += 1
            print(f"FAIL  {name:<{width}}  no answer within {DRY_RUN_TIMEOUT_S}s")
            continue
        message = _message(proc)
        ok = proc.returncode == 0
        failures += not ok
        print(f"{'ok  ' if ok else 'FAIL'}  {name:<{width}}  {message}")
    print(f"{len(specs) - failures} of {len(specs)} tasks ok in dry run")
    return 1 if failures else 0


def _message(proc: subprocess.CompletedProcess[str]) -> str:
    try:
        record = json.loads(proc.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        lines = proc.stderr.strip().splitlines()
        return lines[-1] if lines else f"exit {proc.returncode}"
    return f"{record.get('message')} ({record.get('duration_seconds')}s)"


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
