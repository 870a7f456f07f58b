"""The memory_capture task: what it captures, which notes it reads, its lock, end to end."""

from __future__ import annotations

import argparse
import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from support.capture import (
    NOW,
    NOW_ISO,
    by_text,
    capture,
    memories,
    write_note,
)
from support.collector import young_generation_sizes
from support.files import snapshot
from support.harness import bind_task
from support.memory_factory import mem, write_store
from taskrunner.cli.argparsing import iso_date
from taskrunner.errors import PermanentError, StoreCorrupt, WorkspaceMissing
from taskrunner.memory.kinds import importance_of
from taskrunner.memory.normalize import memory_id
from taskrunner.memory.store import lock_path, store_path
from tasks.memory_capture import MemoryCaptureTask

# -- what is captured --------------------------------------------------------------


def test_first_run_captures_items_with_provenance(notes: Path, state_dir: Path) -> None:
    run = capture(notes, state_dir)
    assert run.result["success"] is True
    assert run.result["files_read"] == ["memory/2026-02-12.md", "memory/2026-02-13.md"]
    assert run.result["items_extracted"] == 7
    assert run.result["items_added"] == 7 and run.result["items_skipped"] == 0
    stored = by_text(notes)
    assert set(stored) == {
        "the VPN drops every hour",
        "Always reply in English",
        "User prefers short answers",
        "use SQLite for the cache",
        "Rotate the JWT token",
        "Completed the security audit",
        "We learned that cron runs in UTC",
    }
    # Headers are the section of the items under them; a status ping is no memory.
    decision = stored["use SQLite for the cache"]
    assert decision == {
        "id": memory_id("use SQLite for the cache"),
        "text": "use SQLite for the cache",
        "kind": "decision",
        "importance": importance_of("decision"),
        "created_at": NOW_ISO,
        "last_seen_at": NOW_ISO,
        "date": "2026-02-13",
        "note_date": "2026-02-13",
        "sources": [{"file": "memory/2026-02-13.md", "line": 4}],
        "seen_count": 1,
        "section": ["Cache layer"],
    }
    assert stored["the VPN drops every hour"]["date"] == "2026-02-12"
    assert stored["the VPN drops every hour"]["kind"] == "blocker"
    assert stored["Rotate the JWT token"]["kind"] == "todo"
    assert stored["Completed the security audit"]["kind"] == "completed"
    assert stored["Always reply in English"]["kind"] == "rule"
    assert stored["Always reply in English"]["importance"] == importance_of("rule")
    assert stored["the VPN drops every hour"]["section"] == ["Gateway"]


def test_second_run_adds_nothing_and_does_not_rewrite_the_store(
    notes: Path, state_dir: Path
) -> None:
    capture(notes, state_dir)
    path = store_path(notes)
    before = path.stat()
    content = path.read_bytes()
    again = capture(notes, state_dir, now=NOW + timedelta(hours=1))
    assert again.result["items_added"] == 0
    assert again.result["items_skipped"] == again.result["items_extracted"] == 7
    assert "nothing new" in again.result["message"]
    after = path.stat()
    assert path.read_bytes() == content
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_a_sighting_from_a_new_source_updates_the_memory(notes: Path, state_dir: Path) -> None:
    capture(notes, state_dir)
    later = NOW + timedelta(days=1)
    write_note(notes, "2026-02-14.md", "- **Decision:** use SQLite for the cache\n")
    run = capture(notes, state_dir, day="2026-02-14", now=later)
    assert run.result["items_added"] == 0 and run.result["items_skipped"] > 0
    memory = by_text(notes)["use SQLite for the cache"]
    assert memory["seen_count"] == 2
    assert memory["last_seen_at"] == later.isoformat(timespec="seconds")
    assert memory["created_at"] == NOW_ISO and memory["date"] == "2026-02-13"
    assert memory["sources"] == [
        {"file": "memory/2026-02-13.md", "line": 4},
        {"file": "memory/2026-02-14.md", "line": 1},
    ]


def test_exact_duplicates_through_markup_case_and_width(notes: Path, state_dir: Path) -> None:
    capture(notes, state_dir)
    write_note(notes, "2026-02-13-1430.md", "- DECISION: Use `SQLITE` for the **cache**\n")
    run = capture(notes, state_dir)
    assert run.result["items_added"] == 0
    assert by_text(notes)["use SQLite for the cache"]["seen_count"] == 2


def test_near_duplicates_of_stored_memories_are_not_added(notes: Path, state_dir: Path) -> None:
    write_note(
        notes,
        "2026-02-13_standup.md",
        "- We decided to move billing to the new cluster after the review on Friday\n",
    )
    capture(notes, state_dir)
    write_note(
        notes,
        "2026-02-13-retro.md",
        "- We decided to move billing to the new cluster after the long review on Friday\n",
    )
    run = capture(notes, state_dir)
    assert run.result["items_added"] == 0
    texts = [m["text"] for m in memories(notes) if "billing" in m["text"]]
    assert texts == ["We decided to move billing to the new cluster after the review on Friday"]
    assert by_text(notes)[texts[0]]["seen_count"] == 2


def test_numbers_and_negations_keep_near_duplicates_apart(workspace: Path, state_dir: Path) -> None:
    write_note(
        workspace,
        "2026-02-13.md",
        "- We decided the gateway listens on port 8080 for the main agent service today\n"
        "- We decided the gateway listens on port 8081 for the main agent service today\n"
        "- We decided we will deploy the billing service to the new cluster this week\n"
        "- We decided we will not deploy the billing service to the new cluster this week\n",
    )
    run = capture(workspace, state_dir)
    assert run.result["items_added"] == 4


def test_repeats_within_one_run_become_one_memory(workspace: Path, state_dir: Path) -> None:
    write_note(
        workspace, "2026-02-13.md", "- TODO: back up the store\n\n- TODO: back up the store\n"
    )
    run = capture(workspace, state_dir)
    assert run.result["items_added"] == 1 and run.result["items_skipped"] == 1
    (memory,) = memories(workspace)
    assert memory["seen_count"] == 2
    assert [s["line"] for s in memory["sources"]] == [1, 3]


def test_a_stronger_kind_raises_the_importance(workspace: Path, state_dir: Path) -> None:
    write_note(workspace, "2026-02-13.md", "## Rotate keys\n- TODO: rotate keys\n")
    capture(workspace, state_dir)
    (memory,) = memories(workspace)
    assert memory["kind"] == "todo" and memory["importance"] == importance_of("todo")


def test_unknown_fields_and_keys_survive_a_capture(workspace: Path, state_dir: Path) -> None:
    path = store_path(workspace)
    kept = {"id": "m_hand", "text": "hand written", "pinned": True, "x": {"deep": [1]}}
    path.write_text(json.dumps({"version": 1, "owner": "me", "memories": [kept]}))
    write_note(workspace, "2026-02-13.md", "- TODO: new item\n")
    capture(workspace, state_dir)
    doc = json.loads(path.read_text())
    assert doc["owner"] == "me"
    assert doc["memories"][0] == kept
    assert [m["text"] for m in doc["memories"]] == ["hand written", "new item"]


def test_a_legacy_array_store_is_upgraded_on_write(workspace: Path, state_dir: Path) -> None:
    path = store_path(workspace)
    path.write_text(json.dumps(["old fact", {"text": "use sqlite for the cache"}]))
    write_note(workspace, "2026-02-13.md", "- **Decision:** Use SQLite for the cache\n")
    run = capture(workspace, state_dir)
    assert run.result["items_added"] == 0
    doc = json.loads(path.read_text())
    assert doc["version"] == 1 and len(doc["memories"]) == 2


def test_a_corrupt_store_is_a_permanent_error_left_untouched(notes: Path, state_dir: Path) -> None:
    path = store_path(notes)
    broken = b'{"version": 1, "memories": [\n{"text": "a"},,\n]}'
    path.write_bytes(broken)
    task = MemoryCaptureTask()
    run = bind_task(task, state_dir, workspace=notes, options={"date": date(2026, 2, 13)}, now=NOW)
    alerts = run.alerts
    with pytest.raises(StoreCorrupt) as caught:
        task.run()
    assert isinstance(caught.value, PermanentError)
    assert "(expecting value at line 2 column 15)" in str(caught.value) and "fix it by hand" in str(
        caught.value
    )
    # capture never writes a backup: none is offered
    assert "cp " not in str(caught.value) and "no backup" in str(caught.value)
    (alert,) = [a for a in alerts if a["level"] == "error"]
    assert alert["key"] == f"memory-store-corrupt:{path}"
    assert alert["message"] == str(caught.value) and "not valid JSON" in alert["message"]
    assert path.read_bytes() == broken
    assert sorted(p.name for p in path.parent.iterdir()) == [
        "2026-02-12.md",
        "2026-02-13.md",
        "store.json",
        "store.json.lock",
    ]


def test_dry_run_writes_nothing_and_takes_no_lock(notes: Path, state_dir: Path) -> None:
    before = snapshot(notes.parent)
    run = capture(notes, state_dir, dry_run=True)
    assert run.result["items_added"] == 7
    # The runner says "dry run:" once, before the message: the message does not repeat it.
    assert run.result["message"] == "would add 7 new memories from 2 notes (7 items)"
    assert any("would add 7 new memories" in line for line in run.logs)
    # Each item it would add, with its kind, text, source and section.
    assert any(
        "would add decision: 'use SQLite for the cache' (memory/2026-02-13.md:4 under Cache layer)"
        in line
        for line in run.logs
    )
    assert snapshot(notes.parent) == before
    assert not lock_path(notes).exists()


def test_dry_run_on_an_existing_store_leaves_it_alone(notes: Path, state_dir: Path) -> None:
    capture(notes, state_dir)
    write_note(notes, "2026-02-13-1900.md", "- TODO: something new\n")
    before = snapshot(notes.parent)
    run = capture(notes, state_dir, dry_run=True)
    assert run.result["items_added"] == 1
    assert snapshot(notes.parent) == before


# -- which notes are read ------------------------------------------------------------


def test_note_name_variants_and_what_is_never_read(workspace: Path, state_dir: Path) -> None:
    memory = workspace / "memory"
    for name in (
        "2026-02-13.md",
        "2026-02-13-1430.md",
        "2026-02-13-vendor-pitch.md",
        "2026-02-13_standup.md",
        "2026-02-12-RECAP.md",
    ):
        write_note(workspace, name, f"- TODO: from {name}\n")
    for skipped in (
        "2026-02-11.md",  # the day before yesterday
        "2026-02-13.txt",
        "2026-02-13.md.bak",
        "notes-2026-02-13.md",
        "MEMORY.md",
        "2026-02-30.md",
    ):
        write_note(workspace, skipped, f"- TODO: must not read {skipped}\n")
    for generated in (".dreams", "dreaming/light", "imports"):
        (memory / generated).mkdir(parents=True)
        (memory / generated / "2026-02-13.md").write_text("- TODO: generated\n")
    run = capture(workspace, state_dir)
    assert run.result["files_read"] == [
        "memory/2026-02-12-RECAP.md",
        "memory/2026-02-13-1430.md",
        "memory/2026-02-13-vendor-pitch.md",
        "memory/2026-02-13.md",
        "memory/2026-02-13_standup.md",
    ]
    assert all(text.startswith("from ") for text in by_text(workspace))


def test_date_option_and_default_today(workspace: Path, state_dir: Path) -> None:
    write_note(workspace, "2026-02-13.md", "- TODO: thirteenth\n")
    assert capture(workspace, state_dir, day=None).result["files_read"] == ["memory/2026-02-13.md"]
    assert capture(workspace, state_dir, day="2026-02-14").result["files_read"] == [
        "memory/2026-02-13.md"
    ]
    assert capture(workspace, state_dir, day="2026-02-15").result["files_read"] == []
    with pytest.raises(PermanentError, match="not a date"):
        capture(workspace, state_dir, day="13/02/2026")
    with pytest.raises(argparse.ArgumentTypeError, match="YYYY-MM-DD"):
        iso_date("tomorrow")


def test_no_memory_folder_is_not_an_error_and_creates_nothing(
    tmp_path: Path, state_dir: Path
) -> None:
    workspace = tmp_path / "bare"
    workspace.mkdir()
    run = capture(workspace, state_dir)
    assert run.result["success"] is True
    assert run.result["message"] == "no daily notes for 2026-02-12 or 2026-02-13"
    assert list(workspace.iterdir()) == []


def test_a_missing_workspace_is_reported(tmp_path: Path, state_dir: Path) -> None:
    with pytest.raises(WorkspaceMissing):
        capture(tmp_path / "absent", state_dir)


def test_a_note_without_items_leaves_the_store_alone(workspace: Path, state_dir: Path) -> None:
    write_note(workspace, "2026-02-13.md", "# 2026-02-13\n## Heartbeat\n- all quiet\n")
    store_path(workspace).write_text("{broken")  # not even read
    run = capture(workspace, state_dir)
    assert run.result["message"] == "nothing to capture in 1 note"
    assert store_path(workspace).read_text() == "{broken"
    assert not lock_path(workspace).exists()


# -- what the messages say -------------------------------------------------------------


def test_messages_say_what_happened(workspace: Path, state_dir: Path) -> None:
    write_note(workspace, "2026-02-13.md", "- TODO: call Sam\n- TODO: call Sam\n")
    first = capture(workspace, state_dir)
    # An empty store knows nothing: the second copy repeats the first, in the same notes.
    assert first.result["message"] == (
        "added 1 new memory from 1 note (2 items: 1 repeated in the same notes)"
    )
    again = capture(workspace, state_dir)
    assert again.result["message"] == "nothing new in 1 note (2 items: 2 already known)"
    write_note(workspace, "2026-02-13.md", "- TODO: call Sam\n- TODO: call Sam\n- TODO: pay rent\n")
    dry = capture(workspace, state_dir, dry_run=True)
    assert dry.result["message"] == (
        "would add 1 new memory from 1 note (3 items: 2 already known)"
    )
    assert not dry.result["message"].startswith("dry run")  # the runner says it, once
    assert any(
        line.endswith("dry run: would add todo: 'pay rent' (memory/2026-02-13.md:3)")
        for line in dry.logs
    )


def test_the_collector_never_walks_the_loaded_store(workspace: Path, state_dir: Path) -> None:
    # As in memory_consolidate: the store is freed before collections resume.
    write_store(workspace, [mem(f"m{i}", f"fact number {i} of many") for i in range(5000)])
    write_note(workspace, "2026-02-13.md", "- Decided to keep the NAS backup job enabled\n")
    with young_generation_sizes() as walked:
        run = capture(workspace, state_dir)
    assert run.result["items_added"] == 1
    assert walked, "no collection ran after the capture"
    assert max(walked) < 4000, walked  # the store alone is over 10,000 objects
