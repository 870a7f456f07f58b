#!/usr/bin/env python3
"""memory_guard on 2,000 notes: an unchanged run against simply reading the files once.

Generates 2,000 synthetic daily notes of 2-8 KB (real notes' size range;
nothing copied from anyone's notes), a MEMORY.md and a USER.md, takes the
first snapshot, lets the files settle, then times, in fresh processes and
interleaved so machine noise hits both alike:

- baseline: ``python3 -c`` reading every tracked file once (walk + read);
- ``python3 runner.py memory_guard`` over the unchanged files;
- ``python3 runner.py noop``, the runner's own cost (start-up, worker, run
  log), so the guard's own share can be told apart.

Prints both medians and their ratio, and the snapshot folder's size and
file count before and after the unchanged runs (they must not grow).

    python3 bench/bench_guard.py [--notes 2000] [--runs 15]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_VOCABULARY = (
    "decided deploy cache gateway cron restart memory note user prefers short answers "
    "the a to of and we it fixed shipped learned agreed todo blocker review docs sqlite "
    "backup heartbeat session model token budget tests green release tag branch merge"
)
WORDS = _VOCABULARY.split()

READ_ONCE = """
import os, sys
root = sys.argv[1]
total = 0
for name in ("MEMORY.md", "USER.md", "AGENTS.md", "SOUL.md", "IDENTITY.md"):
    try:
        with open(os.path.join(root, name), "rb") as fh:
            total += len(fh.read())
    except FileNotFoundError:
        pass
for folder, dirs, files in os.walk(os.path.join(root, "memory")):
    dirs[:] = [d for d in dirs if not d.startswith(".")]
    for name in files:
        if name.endswith(".md"):
            with open(os.path.join(folder, name), "rb") as fh:
                total += len(fh.read())
print(total)
"""


def note(rng: random.Random, day: int, target: int) -> str:
    lines = [f"# 2026-{1 + day // 28 % 12:02d}-{1 + day % 28:02d} (note {day})", ""]
    size = 0
    while size < target:
        if rng.random() < 0.1:
            line = f"## {rng.choice(WORDS).title()} {rng.choice(WORDS)}"
        else:
            line = "- " + " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 18)))
        lines.append(line)
        size += len(line) + 1
    return "\n".join(lines) + "\n"


def make_workspace(ws: Path, notes: int, seed: int) -> int:
    rng = random.Random(seed)
    (ws / "memory").mkdir(parents=True)
    total = 0
    for i in range(notes):
        text = note(rng, i, rng.randint(2_000, 8_000))
        year = 2024 + i // 336
        name = f"{year}-{1 + i // 28 % 12:02d}-{1 + i % 28:02d}-{i:04d}.md"
        (ws / "memory" / name).write_text(text, encoding="utf-8")
        total += len(text.encode())
    (ws / "MEMORY.md").write_text(note(rng, 9999, 12_000), encoding="utf-8")
    (ws / "USER.md").write_text(note(rng, 9998, 1_500), encoding="utf-8")
    return total


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, str]:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"{cmd[1:3]} failed ({proc.returncode}): {proc.stderr.strip()[-500:]}")
    return elapsed, proc.stdout


def folder_size(root: Path) -> tuple[int, int]:
    files = [p for p in root.rglob("*") if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--notes", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=15, help="timed runs of each (>= 5)")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    runs = max(5, args.runs)
    with tempfile.TemporaryDirectory() as tmp:
        ws, state = Path(tmp) / "workspace", Path(tmp) / "state"
        total = make_workspace(ws, args.notes, args.seed)
        env = {**os.environ, "TASKRUNNER_STATE_DIR": str(state), "OPENCLAW_HOME": tmp}
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        guard = [sys.executable, str(ROOT / "runner.py"), "memory_guard", "--workspace", str(ws)]
        baseline = [sys.executable, "-c", READ_ONCE, str(ws)]
        noop = [sys.executable, str(ROOT / "runner.py"), "noop", "--workspace", str(ws)]
        first, _ = timed([*guard, "--json"], env)
        # Files written less than 2 s before they were read are read once more (the
        # same-tick rewrite rule); a 15-minute schedule never sees that, so settle first.
        time.sleep(2.1)
        timed(guard, env)
        snapshots = next((state / "guard").iterdir())
        before = folder_size(snapshots)
        t_guard: list[float] = []
        t_base: list[float] = []
        t_noop: list[float] = []
        record: dict[str, object] = {}
        for _ in range(runs):
            t_base.append(timed(baseline, env)[0])
            t_noop.append(timed(noop, env)[0])
            elapsed, out = timed([*guard, "--json"], env)
            t_guard.append(elapsed)
            record = json.loads(out)
        after = folder_size(snapshots)
    m_guard, m_base = statistics.median(t_guard), statistics.median(t_base)
    m_noop = statistics.median(t_noop)
    print(f"{args.notes} notes + MEMORY.md + USER.md, {total / 1e6:.1f} MB of notes")
    print(f"first run (everything copied)       {first * 1000:8.1f} ms")
    print(f"read every file once (python3 -c)   {m_base * 1000:8.1f} ms median ({runs} runs)")
    print(
        f"memory_guard, nothing changed       {m_guard * 1000:8.1f} ms median ({runs} runs, "
        f"interleaved; files read: {record.get('files_read')}, in-task "
        f"{record.get('duration_seconds')} s)"
    )
    print(f"runner.py noop (the runner's own cost) {m_noop * 1000:5.1f} ms median")
    print(f"ratio guard / read-once {m_guard / m_base:.2f}")
    print(f"ratio (guard - noop) / read-once {(m_guard - m_noop) / m_base:.2f}")
    print(f"snapshot folder before: {before[0]} files, {before[1]:,} bytes")
    print(f"snapshot folder after:  {after[0]} files, {after[1]:,} bytes")
    grew = after != before
    print("snapshot folder grew: " + ("YES (a defect)" if grew else "no"))
    return 1 if grew else 0


if __name__ == "__main__":
    sys.exit(main())
