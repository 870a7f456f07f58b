"""memory_restore: undo memory_consolidate from the archive, by run id or memory id."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from support.files import snapshot
from support.harness import run_at
from support.memory_factory import mem, restore_sample, stored_by_id, write_store
from taskrunner.errors import ConfigError
from taskrunner.memory.encoding import canonical_json as _canonical
from taskrunner.memory.store import archive_path, backup_path, load_store, store_path
from taskrunner.task import Task
from tasks.memory_consolidate import MemoryConsolidateTask
from tasks.memory_restore import MemoryRestoreTask

TODAY = date(2026, 11, 29)
NOW = datetime(2026, 11, 29, 3, 0, tzinfo=timezone(timedelta(hours=1)))
OLD = "2026-10-01T00:00:00+00:00"


def run(
    task: Task,
    workspace: Path,
    state_dir: Path,
    *,
    run_id: str,
    dry_run: bool = False,
    **options: Any,
) -> tuple[dict[str, Any], list[str]]:
    done = run_at(task, state_dir, workspace, NOW, dry_run=dry_run, run_id=run_id, **options)
    return done.result, done.logs


def consolidate(workspace: Path, state_dir: Path, run_id: str = "c1") -> dict[str, Any]:
    return run(MemoryConsolidateTask(), workspace, state_dir, run_id=run_id, date=TODAY)[0]


def restore(
    workspace: Path, state_dir: Path, *, dry_run: bool = False, **options: Any
) -> tuple[dict[str, Any], list[str]]:
    options.setdefault("ids", [])
    return run(MemoryRestoreTask(), workspace, state_dir, run_id="r1", dry_run=dry_run, **options)


@pytest.fixture
def consolidated(workspace: Path, state_dir: Path) -> Path:
    write_store(workspace, restore_sample())
    result = consolidate(workspace, state_dir)
    assert (result["pruned_stale"], result["merged_duplicates"]) == (2, 2)
    assert set(stored_by_id(workspace)) == {"near", "fact"}
    return workspace


def test_round_trip_restores_the_original_set(consolidated: Path, state_dir: Path) -> None:
    result, _ = restore(consolidated, state_dir, run="c1")
    assert result["restored"] == 4 and result["already_present"] == 0
    assert result["unmerged"] == 2
    after = stored_by_id(consolidated)
    before = {m["id"]: m for m in restore_sample()}
    assert set(after) == set(before)
    # every removed memory comes back exactly as it was
    for mid in ("keep", "dup", "old", "old2"):
        assert after[mid] == before[mid]
    # the keeper gives back the counts and lineage of what it absorbed
    assert after["near"]["seen_count"] == before["near"]["seen_count"]
    assert "merged_from" not in after["near"]
    assert after["fact"] == before["fact"]
    # nothing is lost from the archive: restoring does not remove lines
    assert len(archive_path(consolidated).read_text().splitlines()) == 4


def test_restore_twice_adds_nothing_and_does_not_rewrite(
    consolidated: Path, state_dir: Path
) -> None:
    restore(consolidated, state_dir, run="c1")
    store = store_path(consolidated)
    before = store.read_bytes()
    mtime = store.stat().st_mtime_ns
    result, _ = restore(consolidated, state_dir, run="c1")
    assert result["restored"] == 0 and result["already_present"] == 4
    assert store.read_bytes() == before and store.stat().st_mtime_ns == mtime


def test_restore_one_memory_by_id(consolidated: Path, state_dir: Path) -> None:
    result, _ = restore(consolidated, state_dir, ids=["old"])
    assert result["restored"] == 1 and result["not_found"] == []
    assert set(stored_by_id(consolidated)) == {"near", "fact", "old"}
    assert backup_path(store_path(consolidated)).exists()


def test_consolidating_again_after_restore_archives_again(
    consolidated: Path, state_dir: Path
) -> None:
    restore(consolidated, state_dir, run="c1")
    second = consolidate(consolidated, state_dir, run_id="c2")
    assert (second["pruned_stale"], second["merged_duplicates"]) == (2, 2)
    near = stored_by_id(consolidated)["near"]
    assert near["seen_count"] == 1 + 2 + 3  # counted once, not twice
    # restoring by id takes the latest archived version
    restore(consolidated, state_dir, ids=["dup"])
    assert stored_by_id(consolidated)["dup"] == restore_sample()[1]


def test_dry_run_writes_nothing(consolidated: Path, state_dir: Path) -> None:
    before = snapshot(consolidated)
    result, logs = restore(consolidated, state_dir, run="c1", dry_run=True)
    assert result["restored"] == 4 and result["message"].startswith("Would restore")
    assert snapshot(consolidated) == before
    assert any("would restore old" in line for line in logs)


def test_nothing_matching_is_an_error(consolidated: Path, state_dir: Path) -> None:
    with pytest.raises(ConfigError, match="no archived run 'nope'"):
        restore(consolidated, state_dir, run="nope")
    with pytest.raises(ConfigError, match="no archived memory id 'm_missing'"):
        restore(consolidated, state_dir, ids=["m_missing"])


def test_nothing_selected_lists_the_archived_runs(consolidated: Path, state_dir: Path) -> None:
    before = snapshot(consolidated)
    result, logs = restore(consolidated, state_dir)
    assert result["restored"] == 0
    assert [(r["run_id"], r["count"]) for r in result["runs"]] == [("c1", 4)]
    assert "--run RUN_ID or --id MEMORY_ID" in result["message"]
    assert any("run c1: 4 memories" in line for line in logs)
    assert snapshot(consolidated) == before


def test_restore_into_a_missing_store_creates_it(consolidated: Path, state_dir: Path) -> None:
    store_path(consolidated).unlink()
    result, _ = restore(consolidated, state_dir, run="c1")
    assert result["restored"] == 4 and result["backup"] is None
    assert set(stored_by_id(consolidated)) == {"keep", "dup", "old", "old2"}


# -- ids that repeat, memories without one ------------------------------------

SHARED = "the backup drive is the grey one on the shelf"


def legacy_items() -> list[Any]:
    """A legacy bare array: two equal strings (upgraded to one id) and a hand-made shared id."""
    return [
        *restore_sample(),
        SHARED,
        SHARED,
        mem("m_dup", "first memory given this id by hand", importance=0.1, last_seen_at=OLD),
        mem("m_dup", "second memory given this id by hand", importance=0.1, last_seen_at=OLD),
    ]


def multiset(memories: list[dict[str, Any]], *, drop: tuple[str, ...] = ()) -> Counter[str]:
    return Counter(_canonical({k: v for k, v in m.items() if k not in drop}) for m in memories)


@pytest.fixture
def legacy(workspace: Path, state_dir: Path) -> list[dict[str, Any]]:
    """Consolidated as run c1; returns the memories as the store held them before."""
    store_path(workspace).write_text(json.dumps(legacy_items()), encoding="utf-8")
    before = load_store(store_path(workspace)).memories
    result = consolidate(workspace, state_dir)
    assert (result["pruned_stale"], result["merged_duplicates"]) == (4, 3)
    return before


def archived_memories(workspace: Path) -> list[dict[str, Any]]:
    lines = archive_path(workspace).read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["memory"] for line in lines]


def test_run_restores_memories_that_share_an_id(
    legacy: list[dict[str, Any]], workspace: Path, state_dir: Path
) -> None:
    result, _ = restore(workspace, state_dir, run="c1")
    assert (result["restored"], result["already_present"], result["skipped"]) == (7, 0, [])
    after = load_store(store_path(workspace)).memories
    # the original multiset: two copies of the shared text, both m_dup memories, ...
    widened = ("sources", "importance", "created_at", "last_seen_at", "note_date")
    assert multiset(after, drop=widened) == multiset(legacy, drop=widened)
    assert multiset(archived_memories(workspace)) <= multiset(after)
    twins = [m for m in after if m["text"] == SHARED]
    assert len(twins) == 2 and twins[0] == twins[1] == legacy[6]
    assert sorted(m["text"] for m in after if m["id"] == "m_dup") == [
        "first memory given this id by hand",
        "second memory given this id by hand",
    ]
    # and again: everything is there, nothing is added or rewritten
    before = store_path(workspace).read_bytes()
    again, logs = restore(workspace, state_dir, run="c1")
    assert (again["restored"], again["already_present"]) == (0, 7)
    assert "7: an identical memory is already in the store" in again["message"]
    assert any("skipped m_dup (run c1): an identical memory" in line for line in logs)
    assert store_path(workspace).read_bytes() == before


def test_id_takes_the_latest_version_then_the_run_brings_the_rest(
    legacy: list[dict[str, Any]], workspace: Path, state_dir: Path
) -> None:
    result, _ = restore(workspace, state_dir, ids=["m_dup"])
    assert result["restored"] == 1
    assert [
        m["text"] for m in load_store(store_path(workspace)).memories if m["id"] == "m_dup"
    ] == ["second memory given this id by hand"]
    result, _ = restore(workspace, state_dir, run="c1")
    assert (result["restored"], result["already_present"]) == (6, 1)
    assert result["skipped"] == [
        {"id": "m_dup", "run_id": "c1", "why": "an identical memory is already in the store"}
    ]
    assert len(load_store(store_path(workspace)).memories) == len(legacy)


def test_memories_without_an_id_come_back_as_they_were(workspace: Path, state_dir: Path) -> None:
    bare = {"text": "a note nobody gave an id", "importance": 0.1, "last_seen_at": OLD}
    write_store(workspace, [bare, dict(bare), mem("fact", "kept")])
    assert consolidate(workspace, state_dir)["pruned_stale"] == 2
    result, _ = restore(workspace, state_dir, run="c1")
    assert result["restored"] == 2
    assert load_store(store_path(workspace)).memories == [mem("fact", "kept"), bare, bare]


def test_an_archived_memory_without_text_is_skipped_and_named(
    consolidated: Path, state_dir: Path
) -> None:
    lines = archive_path(consolidated).read_text(encoding="utf-8").splitlines()
    broken = json.loads(lines[-1])
    broken["memory"]["text"] = None  # a hand edit gone wrong
    archive_path(consolidated).write_text("\n".join([*lines[:-1], json.dumps(broken)]) + "\n")
    result, logs = restore(consolidated, state_dir, run="c1")
    assert result["restored"] == 3
    assert result["skipped"] == [
        {
            "id": broken["memory"]["id"],
            "run_id": "c1",
            "why": "the archived memory has no text string (restoring it would break the store)",
        }
    ]
    assert any("has no text string" in line for line in logs)
    load_store(store_path(consolidated))  # still a valid store
