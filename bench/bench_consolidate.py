"""Benchmark memory_consolidate against the JSON floor, brute force and datasketch.

    python3 bench/bench_consolidate.py                 # N = 10k, 100k, 1M
    python3 bench/bench_consolidate.py --sizes 10k,100k

For each size, in fresh child processes (so peak RSS is per measurement):
- the floor: a bare ``json.load`` + ``json.dump`` of the same store file
  (and ``json.loads`` + ``json.dumps``, the C fast path, for reference);
- ``memory_consolidate`` run as the task runs it (lock, load, plan, archive
  append, ``.bak``, atomic store write), wall time and peak RSS;
- the peak RSS of ``json.load`` alone, for the memory target;
- datasketch ``MinHashLSH`` at the same threshold (when importable): its
  time against our exact join and how many true pairs it misses.
Then, for a store of ``--check-size`` (<= 5k) memories, it checks that the
join's pairs equal the brute-force pairs and that the plan's merges equal a
brute-force walk of the rules.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

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


def child_floor(path: Path, out: Path) -> dict[str, Any]:
    t0 = time.perf_counter()
    with open(path, encoding="utf-8") as fh:
        doc = json.load(fh)
    t1 = time.perf_counter()
    load_rss = _peak_rss_mb()
    with open(out, "w", encoding="utf-8") as fh:
        json.dump(doc, fh, ensure_ascii=False)
    t2 = time.perf_counter()
    del doc
    gc.collect()
    t3 = time.perf_counter()
    doc = json.loads(path.read_bytes())
    t4 = time.perf_counter()
    out.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    t5 = time.perf_counter()
    return {
        "load_s": t1 - t0,
        "dump_s": t2 - t1,
        "fast_load_s": t4 - t3,
        "fast_dump_s": t5 - t4,
        "load_rss_mb": load_rss,
    }


def child_load_rss(path: Path) -> dict[str, Any]:
    with open(path, encoding="utf-8") as fh:
        doc = json.load(fh)
    del doc
    return {"load_rss_mb": _peak_rss_mb()}


def child_consolidate(workspace: Path) -> dict[str, Any]:
    from taskrunner.task import TaskContext
    from tasks.memory_consolidate import MemoryConsolidateTask

    state = workspace.parent / "state"
    state.mkdir(exist_ok=True)
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
    from taskrunner.memory.similarity import WordSets
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
    from taskrunner.memory.similarity import WordSets

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
    "generate": lambda a: child_generate(int(a[0]), Path(a[1]), int(a[2])),
    "floor": lambda a: child_floor(Path(a[0]), Path(a[1])),
    "load_rss": lambda a: child_load_rss(Path(a[0])),
    "consolidate": lambda a: child_consolidate(Path(a[0])),
    "phases": lambda a: child_phases(Path(a[0])),
    "datasketch": lambda a: child_datasketch(Path(a[0])),
}


def run_child(*args: str) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, __file__, "--child", *args],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"child {args[0]} failed:\n{proc.stderr}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


# -- brute-force check -------------------------------------------------------


def brute_force_check(n: int, seed: int) -> str:
    from memgen import generate

    from taskrunner.memory.consolidate import _walk_key, identify, plan_consolidation
    from taskrunner.memory.normalize import normalize_text
    from taskrunner.memory.similarity import (
        brute_force_pairs,
        is_near_duplicate,
        similar_pairs,
        words,
    )

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
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per size below 1M")
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

    sizes = [_size(s) for s in args.sizes.split(",") if s.strip()]
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


def _bench_size(n: int, work: Path, args: argparse.Namespace, have_datasketch: bool) -> None:
    store = work / f"store-{n}.json"
    if not store.exists():
        run_child("generate", str(n), str(store), str(args.seed))
    mb = store.stat().st_size / 1e6
    repeat = args.repeat if n < 1_000_000 else 1
    floors = [run_child("floor", str(store), str(work / "floor-out.json")) for _ in range(repeat)]
    floor_s = min(f["load_s"] + f["dump_s"] for f in floors)
    fast_floor_s = min(f["fast_load_s"] + f["fast_dump_s"] for f in floors)
    load_rss = run_child("load_rss", str(store))["load_rss_mb"]
    runs = []
    for attempt in range(repeat):
        workspace = work / f"ws-{n}-{attempt}"
        (workspace / "memory").mkdir(parents=True, exist_ok=True)
        shutil.copyfile(store, workspace / "memory" / "store.json")
        runs.append(run_child("consolidate", str(workspace)))
        shutil.rmtree(workspace.parent / "state", ignore_errors=True)
        shutil.rmtree(workspace, ignore_errors=True)
    best = min(runs, key=lambda r: r["seconds"])
    rss = max(r["rss_mb"] for r in runs)
    res = best["result"]
    print(f"\nN={n:,} ({mb:.0f} MB store)")
    print(
        f"  consolidate      {best['seconds']:7.2f} s   "
        f"({res['before']:,} -> {res['after']:,}: {res['pruned_stale']:,} stale, "
        f"{res['merged_duplicates']:,} duplicates)"
    )
    print(
        f"  floor            {floor_s:7.2f} s   json.load + json.dump      "
        f"ratio {best['seconds'] / floor_s:.2f}x (target <= 3x)"
    )
    print(
        f"  fast floor       {fast_floor_s:7.2f} s   json.loads + json.dumps    "
        f"ratio {best['seconds'] / fast_floor_s:.2f}x"
    )
    print(
        f"  peak RSS         {rss:7.0f} MB  json.load alone {load_rss:.0f} MB   "
        f"ratio {rss / load_rss:.2f}x (target <= 2x)"
    )
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
