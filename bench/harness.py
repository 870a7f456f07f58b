"""What the benches share: child processes, peak RSS, the two JSON floors, medians.

Every measurement runs in a fresh child process (``python3 bench/<script>.py
--child NAME ARGS...``), so no run inherits another's heap, caches or peak
RSS. A child prints one JSON object as its last line of output.
"""

from __future__ import annotations

import json
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def peak_rss_mb() -> float:
    """This process's peak resident set size so far, in MB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Linux reports KiB, macOS bytes.
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def run_child(script: Path, *args: str) -> dict[str, Any]:
    """Run ``script --child args...`` in a fresh interpreter; its JSON answer."""
    proc = subprocess.run(
        [sys.executable, str(script), "--child", *args],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"child {args[0]} failed:\n{proc.stderr}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def child_main(children: dict[str, Callable[[list[str]], dict[str, Any]]], argv: list[str]) -> int:
    """Run the child named by ``argv[0]`` and print its answer."""
    print(json.dumps(children[argv[0]](argv[1:])))
    return 0


def floor_slow(store: Path, scratch: Path) -> dict[str, Any]:
    """``json.load`` + ``json.dump`` of the store: the floor the issue first set."""
    t0 = time.perf_counter()
    with open(store, encoding="utf-8") as fh:
        doc = json.load(fh)
    with open(scratch, "w", encoding="utf-8") as fh:
        json.dump(doc, fh, ensure_ascii=False)
    return {"seconds": time.perf_counter() - t0, "rss_mb": peak_rss_mb()}


def floor_fast(store: Path, scratch: Path) -> dict[str, Any]:
    """``f.read()`` + ``json.loads`` + ``f.write(json.dumps(...))``: the C fast path."""
    t0 = time.perf_counter()
    with open(store, "rb") as fh:
        doc = json.loads(fh.read())
    with open(scratch, "w", encoding="utf-8") as fh:
        fh.write(json.dumps(doc, ensure_ascii=False))
    return {"seconds": time.perf_counter() - t0, "rss_mb": peak_rss_mb()}


def loads_rss(store: Path) -> dict[str, Any]:
    """Peak RSS of ``json.loads`` of the store (with its bytes read), the memory reference."""
    with open(store, "rb") as fh:
        doc = json.loads(fh.read())
    del doc
    return {"rss_mb": peak_rss_mb()}


FLOOR_CHILDREN: dict[str, Callable[[list[str]], dict[str, Any]]] = {
    "floor_slow": lambda a: floor_slow(Path(a[0]), Path(a[1])),
    "floor_fast": lambda a: floor_fast(Path(a[0]), Path(a[1])),
    "loads_rss": lambda a: loads_rss(Path(a[0])),
}


def floors(script: Path, store: Path, scratch: Path, repeat: int) -> dict[str, float]:
    """Median seconds of both floors (interleaved, fresh processes) and ``json.loads``'s RSS."""
    slow: list[float] = []
    fast: list[float] = []
    for _ in range(repeat):
        slow.append(run_child(script, "floor_slow", str(store), str(scratch))["seconds"])
        fast.append(run_child(script, "floor_fast", str(store), str(scratch))["seconds"])
    rss = statistics.median(
        run_child(script, "loads_rss", str(store))["rss_mb"] for _ in range(min(3, repeat))
    )
    return {
        "slow_s": statistics.median(slow),
        "fast_s": statistics.median(fast),
        "loads_rss_mb": rss,
    }


def ratio_line(label: str, seconds: float, floor: dict[str, float], target: float | None) -> str:
    """``label  1.23 s  slow floor 1.00x  fast floor 1.50x (target <= 1.3x)``."""
    wanted = f" (target <= {target:g}x)" if target is not None else ""
    return (
        f"  {label:<22} {seconds:7.3f} s   ratio to slow floor {seconds / floor['slow_s']:.2f}x   "
        f"ratio to fast floor {seconds / floor['fast_s']:.2f}x{wanted}"
    )


def floor_lines(floor: dict[str, float]) -> list[str]:
    return [
        f"  {'slow floor':<22} {floor['slow_s']:7.3f} s   json.load + json.dump",
        f"  {'fast floor':<22} {floor['fast_s']:7.3f} s   read + json.loads + write(json.dumps)",
    ]


def rss_line(label: str, rss_mb: float, floor: dict[str, float], target: float | None) -> str:
    wanted = f" (target <= {target:g}x)" if target is not None else ""
    return (
        f"  {label:<22} {rss_mb:7.0f} MB  json.loads {floor['loads_rss_mb']:.0f} MB   "
        f"ratio {rss_mb / floor['loads_rss_mb']:.2f}x{wanted}"
    )


def floor_report(
    label: str,
    rss_label: str,
    ours: dict[str, Any],
    other: dict[str, Any],
    floor: dict[str, float],
    target: str,
) -> list[str]:
    """The floors, then time and peak RSS of a run on a store this code wrote (``ours``)
    and on one it did not (``other``) against them; ``target`` follows the time ratio."""
    return [
        *floor_lines(floor),
        ratio_line(label, ours["seconds"], floor, None) + f" ({target})",
        ratio_line("  store not ours", other["seconds"], floor, None),
        rss_line(rss_label, ours["rss_mb"], floor, 1.5),
        rss_line("  store not ours", other["rss_mb"], floor, None),
    ]
