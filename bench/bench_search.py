#!/usr/bin/env python3
"""memory_search on a large store, against loading that store.

For each store size (bench/memgen.py, seeded, written by the store's own
writer) the time of a search — read the file, find, rank, parse the hits —
is set against the floor a naive search starts from: a bare ``json.loads``
of the same file. Queries: a rare word, a word in about a third of the
memories, two words, no query (newest first), and ``--open`` with no
query. Runs are interleaved and the median of each is taken. Target: every
query <= 0.6 x the floor at 100k (so well under a second where the store
itself takes about one to load).

    python3 bench/bench_search.py [--sizes 10000 100000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from memgen import generate  # noqa: E402

from taskrunner.memory.search import Query, search, tokens  # noqa: E402
from taskrunner.memory.store import Store, save_store  # noqa: E402

TARGET_RATIO = 0.6


def _queries(memories: list[dict[str, object]]) -> dict[str, Query]:
    df: Counter[str] = Counter()
    for memory in memories[:: max(1, len(memories) // 5000)]:
        df.update(set(tokens(str(memory["text"]))))
    sample = sum(1 for _ in memories[:: max(1, len(memories) // 5000)])
    ranked = sorted(df, key=lambda t: (df[t], t))
    words = [t for t in ranked if t.isalpha()]
    rare = next(t for t in words if df[t] >= 2)
    third = min(words, key=lambda t: (abs(df[t] - sample // 3), t))
    return {
        f"rare word ({rare!r})": Query(text=rare),
        f"common word ({third!r}, ~1/3 of memories)": Query(text=third),
        f"two words ({rare!r} {third!r})": Query(text=f"{rare} {third}"),
        "no query (newest first)": Query(),
        "--open, no query": Query(open_only=True),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            memories = generate(size, seed=1)
            path = Path(tmp) / f"store-{size}.json"
            save_store(path, Store(memories=memories))
            queries = _queries(memories)
            del memories
            floor: list[float] = []
            times: dict[str, list[float]] = {name: [] for name in queries}
            hits: dict[str, int] = {}
            for _ in range(args.repeat):
                started = time.perf_counter()
                json.loads(path.read_bytes())
                floor.append(time.perf_counter() - started)
                for name, query in queries.items():
                    started = time.perf_counter()
                    hits[name] = len(search(path, query))
                    times[name].append(time.perf_counter() - started)
            base = statistics.median(floor)
            mb = path.stat().st_size / 1e6
            print(f"{size:,} memories, {mb:.1f} MB; floor json.loads {base:.3f} s")
            for name, samples in times.items():
                median = statistics.median(samples)
                ratio = median / base
                ok = ratio <= TARGET_RATIO or size < 100_000
                failed = failed or not ok
                mark = "ok" if ok else f"ABOVE TARGET {TARGET_RATIO}"
                print(
                    f"  {name:<48} {median:.3f} s  {ratio:.2f} x floor  {hits[name]} hits  {mark}"
                )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
