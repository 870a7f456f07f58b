"""memory_restore through runner.py, as cron runs it: a real subprocess."""

from __future__ import annotations

import json
from pathlib import Path

from support.memory_factory import restore_sample, stored_by_id
from support.runner import run_runner
from taskrunner.memory.store import (
    Store,
    load_store,
    save_store,
    store_path,
)


def test_runner_round_trip(workspace: Path, state_dir: Path) -> None:
    save_store(store_path(workspace), Store(memories=restore_sample(), extra={"note": "mine"}))
    done = run_runner(
        "memory_consolidate", "--workspace", str(workspace), "--date", "2026-11-29", "--json"
    )
    assert done.returncode == 0, done.stderr
    run_id = json.loads(done.stdout)["run_id"]
    dry = run_runner("memory_restore", "--workspace", str(workspace), "--run", run_id, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert set(stored_by_id(workspace)) == {"near", "fact"}
    back = run_runner("memory_restore", "--workspace", str(workspace), "--run", run_id, "--json")
    assert back.returncode == 0, back.stderr
    assert json.loads(back.stdout)["restored"] == 4
    assert set(stored_by_id(workspace)) == {m["id"] for m in restore_sample()}
    assert load_store(store_path(workspace)).extra == {"note": "mine"}
    missing = run_runner("memory_restore", "--workspace", str(workspace), "--id", "m_nope")
    assert missing.returncode == 1 and "m_nope" in missing.stderr


# -- a fresh workspace: no memory/ folder at all ----------------------------------


def test_runner_on_a_fresh_workspace_creates_nothing(tmp_path: Path, state_dir: Path) -> None:
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    listed = run_runner("memory_restore", "--workspace", str(fresh), "--json")
    assert listed.returncode == 0, listed.stderr
    record = json.loads(listed.stdout)
    assert record["message"].startswith("Nothing to restore") and record["attempts"] == 1
    assert list(fresh.iterdir()) == []
    # asking for a run is a mistake (wrong workspace?): one attempt, no lock, no retry
    asked = run_runner("memory_restore", "--workspace", str(fresh), "--run", "c1", "--json")
    assert asked.returncode == 1
    record = json.loads(asked.stdout)
    assert record["attempts"] == 1 and record["error"]["type"] == "InvalidRequest"
    assert "store.archive.jsonl does not exist" in record["error"]["message"]
    assert list(fresh.iterdir()) == []
