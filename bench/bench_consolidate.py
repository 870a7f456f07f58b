"""Benchmark memory_consolidate against the JSON floor, brute force and datasketch.

    python3 bench/bench_consolidate.py                 # N = 10k, 100k, 1M
    python3 bench/bench_consolidate.py --sizes 10k,100k
    python3 bench/bench_consolidate.py --n 200 --repeat 1   # a quick check

For each size, each measurement in a fresh child process (so peak RSS is
per measurement), medians of ``--repeat`` runs:
- the slow floor (``json.load`` + ``json.dump``) and the fast floor
  (``f.read()`` + ``json.loads`` + ``f.write(json.dumps(...))``) of the same
  store file, interleaved;
- ``memory_consolidate`` run as the task runs it (lock, load, plan, archive
  append, ``.bak``, atomic store write), wall time and peak RSS, on a store
  this code wrote last (as after any capture) and, for reference, on one
  it did not (then every kept memory is encoded, not copied as its line);
- the peak RSS of ``json.loads`` of the store, for the memory target.
Targets: <= 2.5x the fast floor (moonshot 2.0x), peak RSS <= 1.5x;
- datasketch ``MinHashLSH`` at the same threshold (when importable): its
  time against our exact join and how many true pairs it misses.
Then, for a store of ``--check-size`` (<= 5k) memories, it checks that the
join's pairs equal the brute-force pairs and that the plan's merges equal a
brute-force walk of the rules.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

import harness

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

TODAY = date(2026, 11, 29)
THRESHOLD = 0.9


def _peak_rss_mb() -> float:
    """This process's peak resident set size (VmHWM), in MB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def _size(text: str) -> int:
    text = text.strip().lower()
    factor = 1
    if text.endswith("k"):
        factor, text = 1_000, text[:-1]
    elif text.endswith("m"):
        factor, text = 1_000_000, text[:-1]
    return int(float(text) * factor)


# -- child processes -------------------------------------------------------


def child_generate(n: int, path: Path, seed: int) -> dict[str, Any]:
    from memgen import generate

    from taskrunner.memory.store import Store, save_store

    memories = generate(n, seed=seed)
    save_store(path, Store(memories=memories))
    return {"bytes": path.stat().st_size}


def child_consolidate(workspace: Path, ours: bool) -> dict[str, Any]:
    from taskrunner.memory.store import store_path
    from taskrunner.memory.store_lines import remember_written
    from taskrunner.task import TaskContext
    from tasks.memory_consolidate import MemoryConsolidateTask

    state = workspace.parent / "state"
    state.mkdir(exist_ok=True)
    if ours:  # as the last capture left it: its bytes recorded as written by this code
        remember_written(state, workspace, store_path(workspace).read_bytes())
    task = MemoryConsolidateTask()
    task.bind(
        TaskContext(
            task_name="memory_consolidate",
            run_id="bench",
            state_dir=state,
            workspace=workspace,
            options={"date": TODAY},
            log_sink=lambda line: None,
        )
    )
    start_rss = _peak_rss_mb()
    t0 = time.perf_counter()
    result = task.run()
    elapsed = time.perf_counter() - t0
    return {
        "seconds": elapsed,
        "rss_mb": _peak_rss_mb(),
        "start_rss_mb": start_rss,
        "result": {k: result[k] for k in ("before", "after", "pruned_stale", "merged_duplicates")},
    }


def child_phases(path: Path) -> dict[str, Any]:
    """Where the time goes: load, the plan's parts, serialisation (no writes)."""
    from taskrunner.memory.consolidate import gc_paused, plan_consolidation
    from taskrunner.memory.exact_duplicates import exact_groups
    from taskrunner.memory.similarity_join import WordSets
    from taskrunner.memory.store import dumps_store, load_store

    t0 = time.perf_counter()
    store = load_store(path)
    t1 = time.perf_counter()
    plan = plan_consolidation(store.memories, today=TODAY)
    t2 = time.perf_counter()
    dumps_store(store)
    t3 = time.perf_counter()
    texts = [m["text"] for m in store.memories]
    with gc_paused():
        t4 = time.perf_counter()
        word_sets = WordSets.from_texts(texts)
        t5 = time.perf_counter()
        word_sets.join()
        t6 = time.perf_counter()
        exact_groups(texts)
        t7 = time.perf_counter()
    del plan
    return {
        "load_s": t1 - t0,
        "plan_s": t2 - t1,
        "dumps_s": t3 - t2,
        "word_sets_s": t5 - t4,
        "join_s": t6 - t5,
        "exact_groups_s": t7 - t6,
    }


def child_datasketch(path: Path) -> dict[str, Any]:
    from datasketch import MinHash, MinHashLSH

    from taskrunner.memory.consolidate import gc_paused
    from taskrunner.memory.similarity_join import WordSets

    with open(path, encoding="utf-8") as fh:
        texts = [m["text"] for m in json.load(fh)["memories"]]
    with gc_paused():
        t0 = time.perf_counter()
        word_sets = WordSets.from_texts(texts)
        pairs = word_sets.join()
        ours_s = time.perf_counter() - t0
    # datasketch gets the distinct word sets (as strings), untimed
    tokens = {rank: token for token, rank in word_sets.ranks.items()}
    sets = [
        [t if isinstance(t := tokens[r], bytes) else t.encode("utf-8") for r in ranks]
        for ranks in word_sets.sets
    ]
    t1 = time.perf_counter()
    if hasattr(MinHash, "bulk"):
        hashes = MinHash.bulk(sets, num_perm=128)
    else:
        hashes = []
        for words in sets:
            m = MinHash(num_perm=128)
            m.update_batch(words)
            hashes.append(m)
    lsh = MinHashLSH(threshold=THRESHOLD, num_perm=128)
    with lsh.insertion_session() as session:
        for key, minhash in enumerate(hashes):
            if sets[key]:
                session.insert(key, minhash, check_duplication=False)
    found: set[tuple[int, int]] = set()
    for key, minhash in enumerate(hashes):
        if sets[key]:
            for other in lsh.query(minhash):
                if other != key:
                    found.add((min(key, other), max(key, other)))
    lsh_s = time.perf_counter() - t1
    truth = set(pairs)
    return {
        "ours_s": ours_s,
        "lsh_s": lsh_s,
        "true_pairs": len(truth),
        "missed": len(truth - found),
        "lsh_candidates": len(found),
    }


CHILDREN = {
    **harness.FLOOR_CHILDREN,
    "generate": lambda a: child_generate(int(a[0]), Path(a[1]), int(a[2])),
    "consolidate": lambda a: child_consolidate(Path(a[0]), a[1] == "ours"),
    "phases": lambda a: child_phases(Path(a[0])),
    "datasketch": lambda a: child_datasketch(Path(a[0])),
}


def run_child(*args: str) -> dict[str, Any]:
    return harness.run_child(Path(__file__), *args)


# -- brute-force check -------------------------------------------------------


def brute_force_check(n: int, seed: int) -> str:
    from memgen import generate

    from taskrunner.memory.consolidate import _walk_key, identify, plan_consolidation
    from taskrunner.memory.normalize import normalize_text
    from taskrunner.memory.similarity import brute_force_pairs, is_near_duplicate, words
    from taskrunner.memory.similarity_join import similar_pairs

    memories = generate(n, seed=seed)
    sets = [words(m["text"]) for m in memories]
    t0 = time.perf_counter()
    join = similar_pairs(sets)
    join_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    brute = brute_force_pairs(sets)
    brute_s = time.perf_counter() - t0
    pairs_ok = join == brute

    plan = plan_consolidation(memories, today=TODAY)
    survivors = sorted(set(range(n)) - {r.index for r in plan.removed if r.reason == "stale"})
    order = sorted(survivors, key=lambda i: (_walk_key(memories[i]), json.dumps(memories[i])))
    norm = {i: normalize_text(memories[i]["text"]) for i in survivors}
    kept: list[int] = []
    expected: dict[int, int] = {}
    for i in order:
        keeper = None
        if not memories[i].get("pinned"):
            keeper = next(
                (k for k in kept if norm[k] == norm[i] or is_near_duplicate(sets[k], sets[i])),
                None,
            )
        if keeper is None:
            kept.append(i)
        else:
            expected[i] = keeper
    got = {r.index: r.duplicate_of for r in plan.removed if r.reason == "duplicate"}
    merges_ok = got == {i: identify(memories[k]) for i, k in expected.items()}
    verdict = "OK" if pairs_ok and merges_ok else "MISMATCH"
    return (
        f"brute-force check at N={n}: {verdict} — join {len(join)} pairs in {join_s:.3f} s, "
        f"brute force {len(brute)} pairs in {brute_s:.1f} s (pairs equal: {pairs_ok}); "
        f"plan merges {len(got)} = brute-force walk merges {len(expected)} "
        f"(equal: {merges_ok})"
    )


# -- main ---------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10k,100k,1m", help="comma-separated store sizes")
    parser.add_argument("--n", type=_size, help="one store size (instead of --sizes)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per size below 1M")
    parser.add_argument("--check-size", type=int, default=5000, help="brute-force check size")
    parser.add_argument(
        "--datasketch-max", type=_size, default=100_000, help="largest N to run datasketch on"
    )
    parser.add_argument("--phases", action="store_true", help="also print a time breakdown")
    parser.add_argument("--keep", type=Path, help="keep generated stores in this directory")
    parser.add_argument("--child", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(CHILDREN[args.child[0]](args.child[1:])))
        return 0

    sizes = [args.n] if args.n else [_size(s) for s in args.sizes.split(",") if s.strip()]
    try:
        import datasketch  # noqa: F401

        have_datasketch = True
    except ImportError:
        have_datasketch = False
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, seed {args.seed}")
    if args.check_size:
        print(brute_force_check(min(args.check_size, 5000), args.seed))
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-consolidate-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        for n in sizes:
            _bench_size(n, work, args, have_datasketch)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


def _consolidate_runs(n: int, store: Path, work: Path, repeat: int, ours: bool) -> dict[str, Any]:
    runs = []
    for attempt in range(repeat):
        workspace = work / f"ws-{n}-{attempt}"
        (workspace / "memory").mkdir(parents=True, exist_ok=True)
        shutil.copyfile(store, workspace / "memory" / "store.json")
        runs.append(run_child("consolidate", str(workspace), "ours" if ours else "not-ours"))
        shutil.rmtree(workspace.parent / "state", ignore_errors=True)
        shutil.rmtree(workspace, ignore_errors=True)
    return {
        "seconds": statistics.median(r["seconds"] for r in runs),
        "rss_mb": statistics.median(r["rss_mb"] for r in runs),
        "result": runs[-1]["result"],
    }


def _bench_size(n: int, work: Path, args: argparse.Namespace, have_datasketch: bool) -> None:
    store = work / f"store-{n}.json"
    if not store.exists():
        run_child("generate", str(n), str(store), str(args.seed))
    mb = store.stat().st_size / 1e6
    repeat = max(1, args.repeat if n < 1_000_000 else min(args.repeat, 3))
    floor = harness.floors(Path(__file__), store, work / "floor-out.json", repeat)
    ours = _consolidate_runs(n, store, work, repeat, ours=True)
    other = _consolidate_runs(n, store, work, repeat, ours=False)
    res = ours["result"]
    print(f"\nN={n:,} ({mb:.0f} MB store), medians of {repeat}")
    print(
        f"  consolidate: {res['before']:,} -> {res['after']:,}: {res['pruned_stale']:,} stale, "
        f"{res['merged_duplicates']:,} duplicates"
    )
    report = harness.floor_report(
        "consolidate", "consolidate peak RSS", ours, other, floor, "target <= 2.5x, moonshot 2.0x"
    )
    print("\n".join(report))
    if args.phases:
        phases = run_child("phases", str(store))
        print("  phases           " + ", ".join(f"{k} {v:.2f}" for k, v in phases.items()))
    if have_datasketch and n <= args.datasketch_max:
        ds = run_child("datasketch", str(store))
        print(
            f"  datasketch LSH   {ds['lsh_s']:7.2f} s   our exact join {ds['ours_s']:.2f} s   "
            f"ratio {ds['lsh_s'] / ds['ours_s']:.1f}x; missed {ds['missed']} of "
            f"{ds['true_pairs']} true pairs ({ds['lsh_candidates']} candidates)"
        )
    elif have_datasketch:
        print(f"  datasketch LSH   skipped above --datasketch-max {args.datasketch_max:,}")
    else:
        print("  datasketch LSH   not installed")


if __name__ == "__main__":
    sys.exit(main())
