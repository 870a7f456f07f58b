"""memory_consolidate through runner.py, as cron runs it: a real subprocess."""

from __future__ import annotations

import json
from pathlib import Path

from support.memory_factory import consolidation_sample, write_store
from support.runner import run_runner
from taskrunner.memory.store import (
    archive_path,
    store_path,
)


def test_runner_on_a_fresh_workspace_creates_nothing(tmp_path: Path, state_dir: Path) -> None:
    fresh = tmp_path / "fresh"  # no memory/ folder: the lock's folder does not exist
    fresh.mkdir()
    for dry in ([], ["--dry-run"]):
        done = run_runner("memory_consolidate", "--workspace", str(fresh), "--json", *dry)
        assert done.returncode == 0, done.stderr
        record = json.loads(done.stdout)
        assert record["message"].startswith("Nothing to consolidate")
        assert record["attempts"] == 1 and record["before"] == 0
        assert list(fresh.iterdir()) == []
    alerts = state_dir / "alerts"
    assert not alerts.exists() or not [p for p in alerts.rglob("*") if p.is_file()]


def test_runner_end_to_end(workspace: Path, state_dir: Path) -> None:
    write_store(workspace, consolidation_sample())
    args = ("memory_consolidate", "--workspace", str(workspace), "--date", "2026-11-29")
    dry = run_runner(*args, "--dry-run", "--json")
    assert dry.returncode == 0, dry.stderr
    assert json.loads(dry.stdout)["merged_duplicates"] == 2
    assert "duplicate (similarity 1.000) of keep" in dry.stderr
    assert not archive_path(workspace).exists()
    done = run_runner(*args, "--json")
    assert done.returncode == 0, done.stderr
    record = json.loads(done.stdout)
    assert record["task"] == "memory_consolidate" and record["success"] is True
    assert (record["before"], record["after"]) == (5, 2)
    archived = [json.loads(x) for x in archive_path(workspace).read_text().splitlines()]
    assert {r["run_id"] for r in archived} == {record["run_id"]}
    again = json.loads(run_runner(*args, "--json").stdout)
    assert again["after"] == 2 and again["backup"] is None


def test_runner_reports_a_corrupt_store_and_exits_1(workspace: Path, state_dir: Path) -> None:
    store_path(workspace).write_text("[1, 2")
    done = run_runner("memory_consolidate", "--workspace", str(workspace))
    assert done.returncode == 1
    assert "store.json.bak" in done.stderr
    assert store_path(workspace).read_text() == "[1, 2"
    queued = "".join(p.read_text() for p in (state_dir / "alerts").glob("*") if p.is_file())
    assert "store.json.bak" in queued


def test_runner_rejects_bad_options(workspace: Path) -> None:
    for bad in (["--date", "2026-13-01"], ["--max-age-days", "-1"], ["--min-importance", "2"]):
        done = run_runner("memory_consolidate", "--workspace", str(workspace), *bad)
        assert done.returncode == 1, bad
        assert bad[0] in done.stderr or "expected" in done.stderr or "must" in done.stderr
