"""The memory_consolidate task: archive, backup and rewrite of the store, dry run, bad input."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from support import harness
from support.collector import young_generation_sizes
from support.files import snapshot
from support.memory_factory import LONG, consolidation_sample, mem, write_store
from taskrunner.errors import PermanentError, StoreCorrupt, WorkspaceMissing
from taskrunner.memory.store import archive_path, backup_path, load_store, store_path
from tasks.memory_consolidate import MemoryConsolidateTask

TODAY = date(2026, 11, 29)


NOW = datetime(2026, 11, 29, 3, 0, tzinfo=timezone(timedelta(hours=1)))


def run_task(
    workspace: Path | None,
    state_dir: Path,
    *,
    dry_run: bool = False,
    run_id: str = "run-1",
    **options: Any,
) -> tuple[dict[str, Any], list[dict[str, Any]], list[str]]:
    options.setdefault("date", TODAY)
    task = MemoryConsolidateTask()
    run = harness.run_at(task, state_dir, workspace, NOW, dry_run=dry_run, run_id=run_id, **options)
    return run.result, run.alerts, run.logs


def test_task_archives_backs_up_and_rewrites(workspace: Path, state_dir: Path) -> None:
    before = write_store(workspace, consolidation_sample(), owner="kept verbatim")
    result, alerts, _ = run_task(workspace, state_dir)
    assert result["success"] is True and alerts == []
    assert {k: result[k] for k in ("before", "after", "pruned_stale", "merged_duplicates")} == {
        "before": 5,
        "after": 2,
        "pruned_stale": 1,
        "merged_duplicates": 2,
    }
    assert result["archived_to"] == str(archive_path(workspace))
    assert result["backup"] == str(backup_path(store_path(workspace)))
    assert backup_path(store_path(workspace)).read_bytes() == before
    store = load_store(store_path(workspace))
    assert store.extra == {"owner": "kept verbatim"}
    assert [m["id"] for m in store.memories] == ["keep", "fact"]
    assert store.memories[0]["seen_count"] == 6
    assert store.memories[0]["merged_from"] == ["dup", "near"]
    lines = [json.loads(x) for x in archive_path(workspace).read_text().splitlines()]
    assert [(r["memory"]["id"], r["reason"], r["duplicate_of"]) for r in lines] == [
        ("dup", "duplicate", "keep"),
        ("near", "duplicate", "keep"),
        ("old", "stale", None),
    ]
    assert all(r["run_id"] == "run-1" and r["removed_at"] == NOW.isoformat() for r in lines)
    assert lines[0]["memory"] == consolidation_sample()[1]


def test_task_with_nothing_to_do_writes_nothing(workspace: Path, state_dir: Path) -> None:
    write_store(workspace, [mem("a", "one fact"), mem("b", "another fact entirely")])
    store = store_path(workspace)
    mtime = store.stat().st_mtime_ns
    result, _, _ = run_task(workspace, state_dir)
    assert result["pruned_stale"] == result["merged_duplicates"] == 0
    assert result["archived_to"] is None and result["backup"] is None
    assert store.stat().st_mtime_ns == mtime
    assert not archive_path(workspace).exists()
    assert not backup_path(store).exists()


def test_task_without_a_store_creates_nothing(workspace: Path, state_dir: Path) -> None:
    before = snapshot(workspace)
    result, _, _ = run_task(workspace, state_dir)
    assert result["before"] == result["after"] == 0
    assert result["message"].startswith("Nothing to consolidate")
    assert snapshot(workspace) == before  # not even the lock file


def test_dry_run_reports_and_writes_nothing(workspace: Path, state_dir: Path) -> None:
    write_store(workspace, consolidation_sample())
    before = snapshot(workspace)
    before_state = snapshot(state_dir)
    result, _, logs = run_task(workspace, state_dir, dry_run=True)
    assert snapshot(workspace) == before  # no lock file, no archive, no backup
    assert snapshot(state_dir) == before_state
    assert (result["pruned_stale"], result["merged_duplicates"], result["after"]) == (1, 2, 2)
    assert result["message"].startswith("Would remove")
    text = "\n".join(logs)
    assert "would prune 1 stale, would merge 2 duplicates" in text
    # the texts a person judges, with the reason and the similarity
    assert f"dup: duplicate (similarity 1.000) of keep: {LONG.upper()!r} -> {LONG!r}" in text
    assert f"near: duplicate (similarity 0.944) of keep: {LONG + ' today'!r} -> {LONG!r}" in text
    # Ages are local-date notions: the stored UTC instant is converted to the local date first.
    old_day = datetime.fromisoformat("2026-10-01T00:00:00+00:00").astimezone().date()
    assert f"old: stale ({(TODAY - old_day).days} days old): 'an old header'" in text


def test_options_change_the_prune_rule(workspace: Path, state_dir: Path) -> None:
    write_store(workspace, consolidation_sample())
    result, _, _ = run_task(workspace, state_dir, dry_run=True, max_age_days=60)
    assert result["pruned_stale"] == 0
    result, _, _ = run_task(workspace, state_dir, dry_run=True, min_importance=0.05)
    assert result["pruned_stale"] == 0
    result, _, _ = run_task(workspace, state_dir, dry_run=True, date=date(2026, 10, 10))
    assert result["pruned_stale"] == 0


def test_corrupt_store_is_permanent_and_untouched(workspace: Path, state_dir: Path) -> None:
    store_path(workspace).write_bytes(b'{"version": 1, "memories": [\n{"id": "a"\n')
    before = snapshot(workspace)
    with pytest.raises(StoreCorrupt) as info:
        run_task(workspace, state_dir)
    assert isinstance(info.value, PermanentError)
    assert "store.json.bak" in str(info.value)
    assert snapshot(workspace) == {**before, "memory/store.json.lock": b""}
    task = MemoryConsolidateTask()
    alerts = harness.bind_task(
        task, state_dir, workspace=workspace, dry_run=True, run_id="r"
    ).alerts
    with pytest.raises(StoreCorrupt):
        task.run()
    assert alerts and alerts[0]["level"] == "error" and "store.json.bak" in alerts[0]["message"]


def test_missing_workspace(tmp_path: Path, state_dir: Path) -> None:
    with pytest.raises(WorkspaceMissing):
        run_task(tmp_path / "nope", state_dir)


def test_a_store_write_that_fails_takes_the_runs_archive_records_back(
    workspace: Path, state_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tasks.memory_consolidate as module
    from taskrunner.errors import WriteFailed
    from taskrunner.memory.store import Store

    old = "2026-01-01T00:00:00+00:00"
    write_store(workspace, [mem("a", "an old header", importance=0.1, last_seen_at=old)])
    archive = workspace / "memory" / "store.archive.jsonl"
    archive.write_text("")

    def full_disk(path: Path, store: Store, **kwargs: object) -> None:
        raise WriteFailed(f"cannot write {path}: No space left on device")

    monkeypatch.setattr(module, "save_store_lines", full_disk)
    task = module.MemoryConsolidateTask()
    harness.bind_task(
        task,
        state_dir,
        workspace=workspace,
        options={"date": date(2026, 11, 28)},
        run_id="r-failed",
    )
    with pytest.raises(WriteFailed):
        task.run()
    assert archive.read_bytes() == b""  # the run that did not complete left nothing to restore


def test_the_collector_never_walks_the_loaded_store(workspace: Path, state_dir: Path) -> None:
    # Collections are paused while the store is in memory; the store must be
    # freed before they resume, or the first one walks every memory loaded.
    many = [mem(f"m{i}", f"fact number {i} of many") for i in range(5000)]
    write_store(workspace, consolidation_sample() + many)
    with young_generation_sizes() as walked:
        result, _, _ = run_task(workspace, state_dir)
    assert result["merged_duplicates"] == 2
    assert walked, "no collection ran after the consolidation"
    assert max(walked) < 4000, walked  # the store alone is over 10,000 objects
