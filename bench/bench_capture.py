#!/usr/bin/env python3
"""memory_capture into a large store, against the JSON floor of that store.

For each store size: two daily notes (~60 items: mostly new, a few exact and
near duplicates of stored memories) are captured into a store of N
memories (bench/memgen.py, seeded). The time of a whole capture run (find
and read the notes, extract, lock, load, merge, save with fsync) is set
against the floor: a bare ``json.load`` + ``json.dump`` of the same store
file. Runs are interleaved and the median of each is taken. Target: capture
<= 1.5 x floor at 100k.

    python3 bench/bench_capture.py [--sizes 10000 100000] [--repeat 7]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from memgen import generate  # noqa: E402

from taskrunner.memory.store import Store, save_store, store_path  # noqa: E402
from taskrunner.task import TaskContext  # noqa: E402
from tasks.memory_capture import MemoryCaptureTask  # noqa: E402

TODAY = date(2026, 11, 29)
NOW = datetime(2026, 11, 29, 22, 0, tzinfo=timezone(timedelta(hours=1)))

TOPICS = [
    "gateway restart policy",
    "nightly backup of the workspace",
    "telegram bot webhook",
    "token budget for research",
    "cron job for the morning digest",
    "ssh keys on the build server",
    "postgres connection pool size",
    "heartbeat interval",
    "whatsapp reconnect handling",
    "blog publishing pipeline",
]


def _note(rng_offset: int, stored: list[dict[str, Any]]) -> str:
    """A realistic daily note of ~30 items, two of them copies of stored memories."""
    lines = [f"# {TODAY.isoformat()}", ""]
    for n, topic in enumerate(TOPICS[:6]):
        i = n + rng_offset
        lines += [
            f"## {topic.capitalize()} ({9 + n}:{15 * (n % 4):02d})",
            f"- **Decision:** keep the {topic} as it is until release {i}",
            f"- [ ] TODO: check the {topic} logs after deploy {i}",
            f"- We learned that the {topic} needs a retry after {i + 2} failures",
            f"- **Owner**: alex handles the {topic} this week ({i})",
            "",
        ]
    lines += ["```", "- TODO: not an item, inside code", "```", ""]
    # An exact duplicate (other case) and a near duplicate (one word more) of stored memories.
    lines.append(f"- **{stored[rng_offset]['text'].lower()}**")
    lines.append(f"- **{stored[rng_offset + 1]['text']} again**")
    return "\n".join(lines) + "\n"


def _capture(workspace: Path, state_dir: Path) -> dict[str, Any]:
    task = MemoryCaptureTask()
    task.bind(
        TaskContext(
            task_name="memory_capture",
            run_id="bench",
            state_dir=state_dir,
            workspace=workspace,
            options={"date": TODAY},
            clock=lambda: NOW,
            log_sink=lambda line: None,
            alert_sink=lambda alert: None,
        )
    )
    return task.run()


def _floor(store: Path, scratch: Path) -> float:
    """The floor the target is set against: ``json.load`` + ``json.dump``."""
    t0 = time.perf_counter()
    with store.open("rb") as source:
        doc = json.load(source)
    with scratch.open("w") as target:
        json.dump(doc, target)
    return time.perf_counter() - t0


def _strict_floor(store: Path, scratch: Path) -> float:
    """A lower floor: one-shot ``json.dumps`` (``json.dump`` streams in chunks, slower)."""
    t0 = time.perf_counter()
    doc = json.loads(store.read_bytes())
    scratch.write_text(json.dumps(doc))
    return time.perf_counter() - t0


def bench(size: int, repeat: int, tmp: Path) -> dict[str, Any]:
    workspace = tmp / f"ws-{size}"
    (workspace / "memory").mkdir(parents=True)
    state_dir = tmp / "state"
    state_dir.mkdir(exist_ok=True)
    memories = generate(size, seed=7)
    path = store_path(workspace)
    save_store(path, Store(memories=memories))
    original = path.read_bytes()
    (workspace / "memory" / f"{TODAY - timedelta(days=1)}.md").write_text(_note(0, memories))
    (workspace / "memory" / f"{TODAY}-1430.md").write_text(_note(20, memories))
    scratch = tmp / "floor.json"
    captures: list[float] = []
    floors: list[float] = []
    strict: list[float] = []
    result: dict[str, Any] = {}
    for _ in range(repeat):
        path.write_bytes(original)  # every capture starts from the same store
        floors.append(_floor(path, scratch))
        strict.append(_strict_floor(path, scratch))
        t0 = time.perf_counter()
        result = _capture(workspace, state_dir)
        captures.append(time.perf_counter() - t0)
    capture_s = statistics.median(captures)
    floor_s = statistics.median(floors)
    strict_s = statistics.median(strict)
    return {
        "memories": size,
        "store_mb": len(original) / 1e6,
        "items": result["items_extracted"],
        "added": result["items_added"],
        "known": result["items_skipped"],
        "capture_s": capture_s,
        "floor_s": floor_s,
        "ratio": capture_s / floor_s,
        "strict_s": strict_s,
        "strict_ratio": capture_s / strict_s,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=7, help="runs of each (median taken)")
    args = parser.parse_args()
    print(
        f"{'memories':>9} {'store MB':>9} {'items':>6} {'added':>6} {'known':>6} "
        f"{'capture s':>10} {'floor s':>8} {'ratio':>6} {'strict s':>9} {'ratio':>6}"
    )
    with tempfile.TemporaryDirectory() as name:
        for size in args.sizes:
            row = bench(size, max(3, args.repeat), Path(name))
            print(
                f"{row['memories']:>9} {row['store_mb']:>9.1f} {row['items']:>6} "
                f"{row['added']:>6} {row['known']:>6} {row['capture_s']:>10.3f} "
                f"{row['floor_s']:>8.3f} {row['ratio']:>6.2f} "
                f"{row['strict_s']:>9.3f} {row['strict_ratio']:>6.2f}",
                flush=True,
            )
    print(
        "floor = json.load + json.dump of the same store file (the target's reference); "
        "strict = json.loads + one-shot json.dumps + write. Capture includes its fsync."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
