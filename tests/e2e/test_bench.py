"""The benches keep working: each runs at a tiny size and prints its ratio lines (figures at real
sizes come from running them by hand; no timing is asserted here)."""

from __future__ import annotations

import subprocess
import sys

from support.paths import ROOT

BENCH = ROOT / "bench"


def run_bench(*args: str) -> str:
    proc = subprocess.run(
        [sys.executable, *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_bench_capture_runs_and_reports_its_ratios() -> None:
    out = run_bench(
        str(BENCH / "bench_capture.py"), "--n", "200", "--repeat", "1", "--notes", "20", "40"
    )
    for label in ("slow floor", "fast floor"):
        assert label in out
    assert (
        "capture (new items)" in out
        and "ratio to fast floor" in out
        and "ratio to slow floor" in out
    )
    assert "capture peak RSS" in out and "ratio" in out
    assert "capture (unchanged)" in out and "ratio to noop" in out
    assert "re-capture per note" in out


def test_bench_consolidate_runs_and_reports_its_ratios() -> None:
    out = run_bench(
        str(BENCH / "bench_consolidate.py"), "--n", "200", "--repeat", "1", "--check-size", "200"
    )
    assert "brute-force check at N=200: OK" in out
    for label in ("slow floor", "fast floor", "consolidate peak RSS"):
        assert label in out
    assert "ratio to fast floor" in out and "ratio to slow floor" in out


def test_bench_runner_runs_and_reports_its_ratio() -> None:
    out = run_bench(str(BENCH / "bench_runner.py"), "--runs", "10")
    assert "ratio" in out
