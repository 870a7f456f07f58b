"""Provenance across note edits: sources follow their lines, sightings are not recounted."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from support.capture import capture as run_capture
from support.paths import copy_example_workspace
from taskrunner.memory.extract import extract_items
from taskrunner.memory.merge import (
    MAX_SOURCES_PER_NOTE,
    Sighting,
    merge_sightings,
)
from taskrunner.memory.normalize import memory_id
from taskrunner.memory.store import MAX_SOURCES, load_store, store_path

NOW = datetime(2026, 11, 28, 21, 0, tzinfo=timezone(timedelta(hours=1)))
NOW_ISO = NOW.isoformat(timespec="seconds")


def capture(workspace: Path, state_dir: Path, day: str, now: datetime = NOW) -> dict[str, Any]:
    return run_capture(workspace, state_dir, day=day, now=now).result


def by_text(workspace: Path) -> dict[str, dict[str, Any]]:
    return {m["text"]: m for m in load_store(store_path(workspace)).memories}


def assert_sources_hold_their_items(workspace: Path, files: list[str]) -> None:
    """Every source in a note just read names a line whose item is that memory's."""
    line_ids: dict[tuple[str, int], str] = {}
    for rel in files:
        for item in extract_items((workspace / rel).read_text(encoding="utf-8")):
            line_ids[(rel, item.line)] = memory_id(item.text)
    for memory in load_store(store_path(workspace)).memories:
        for source in memory["sources"]:
            if source["file"] in files:
                assert line_ids.get((source["file"], source["line"])) == memory["id"], (
                    memory["text"],
                    source,
                )


@pytest.fixture
def example(tmp_path: Path) -> Path:
    target = tmp_path / "ws"
    copy_example_workspace(target)
    return target


#: an item of the example's 2026-11-28 note, on its line 9
STACK = "Stack: SQLite for storage, no server"


def insert_line_at_top(path: Path, line: str) -> None:
    """Insert ``line`` right after the note's front matter (its first four lines)."""
    lines = path.read_text(encoding="utf-8").split("\n")
    path.write_text("\n".join([*lines[:4], line, *lines[4:]]), encoding="utf-8")


# -- editing a note ------------------------------------------------------------------


def test_inserting_a_line_moves_sources_without_new_sightings(
    example: Path, state_dir: Path
) -> None:
    first = capture(example, state_dir, "2026-11-28")
    files = first["files_read"]
    before = by_text(example)
    assert before[STACK]["sources"] == [{"file": "memory/2026-11-28.md", "line": 9}]
    insert_line_at_top(example / "memory" / "2026-11-28.md", "# x")

    later = NOW + timedelta(hours=1)
    second = capture(example, state_dir, "2026-11-28", now=later)
    assert second["items_added"] == 0
    after = by_text(example)
    budget = after[STACK]
    assert budget["seen_count"] == 1
    assert budget["sources"] == [{"file": "memory/2026-11-28.md", "line": 10}]
    assert budget["last_seen_at"] == NOW_ISO
    # Nothing was seen again: only the lines changed.
    for text, memory in before.items():
        assert after[text]["seen_count"] == memory["seen_count"], text
        assert after[text]["last_seen_at"] == memory["last_seen_at"], text
    assert_sources_hold_their_items(example, files)
    assert second["sources_moved"] > 0 and second["memories_updated"] == 0
    assert "moved" in second["message"]

    # And the edited note, unchanged since, rewrites nothing.
    path = store_path(example)
    stat, content = path.stat(), path.read_bytes()
    third = capture(example, state_dir, "2026-11-28", now=later + timedelta(hours=1))
    assert third["sources_moved"] == 0 and third["memories_updated"] == 0
    assert path.read_bytes() == content
    assert (path.stat().st_ino, path.stat().st_mtime_ns) == (stat.st_ino, stat.st_mtime_ns)


def test_a_second_copy_of_an_item_is_a_new_sighting(workspace: Path, state_dir: Path) -> None:
    note = workspace / "memory" / "2026-02-13.md"
    note.write_text("# day\n- TODO: back up the store\n")
    capture(workspace, state_dir, "2026-02-13")
    # The item twice in the note now: its second line is a new sighting.
    note.write_text("# day\n- TODO: back up the store\n- TODO: back up the store\n")
    result = capture(workspace, state_dir, "2026-02-13", now=NOW + timedelta(hours=1))
    (memory,) = load_store(store_path(workspace)).memories
    assert memory["seen_count"] == 2
    assert sorted(s["line"] for s in memory["sources"]) == [2, 3]
    assert memory["last_seen_at"] == (NOW + timedelta(hours=1)).isoformat(timespec="seconds")
    assert result["memories_updated"] == 1


def test_removing_one_copy_drops_its_source_but_keeps_the_count(
    workspace: Path, state_dir: Path
) -> None:
    note = workspace / "memory" / "2026-02-13.md"
    note.write_text("- TODO: back up the store\n## Other\n- TODO: back up the store\n")
    capture(workspace, state_dir, "2026-02-13")
    note.write_text("## Other\n- TODO: back up the store\n")
    capture(workspace, state_dir, "2026-02-13")
    (memory,) = load_store(store_path(workspace)).memories
    assert memory["sources"] == [{"file": "memory/2026-02-13.md", "line": 2}]
    assert memory["seen_count"] == 2  # both sightings happened


def test_an_item_deleted_from_a_note_keeps_its_source(workspace: Path, state_dir: Path) -> None:
    note = workspace / "memory" / "2026-02-13.md"
    note.write_text("- TODO: first\n- TODO: second\n")
    capture(workspace, state_dir, "2026-02-13")
    note.write_text("- TODO: second\n")
    capture(workspace, state_dir, "2026-02-13")
    stored = by_text(workspace)
    # Nothing in the note is "first" any more: the memory still says where it was seen.
    assert stored["first"]["sources"] == [{"file": "memory/2026-02-13.md", "line": 1}]
    assert stored["second"]["sources"] == [{"file": "memory/2026-02-13.md", "line": 1}]
    assert stored["second"]["seen_count"] == 1


# -- bounded sources -------------------------------------------------------------------


def test_a_line_repeated_698_times_keeps_a_bounded_list(workspace: Path, state_dir: Path) -> None:
    note = workspace / "memory" / "2026-02-13.md"
    note.write_text("- TODO: 状态 系统稳定 (a heartbeat log line)\n" * 698)
    first = capture(workspace, state_dir, "2026-02-13")
    assert first["items_added"] == 1 and first["items_skipped"] == 697
    (memory,) = load_store(store_path(workspace)).memories
    assert [s["line"] for s in memory["sources"]] == list(range(1, MAX_SOURCES_PER_NOTE + 1))
    assert memory["seen_count"] == MAX_SOURCES_PER_NOTE
    path = store_path(workspace)
    content = path.read_bytes()
    again = capture(workspace, state_dir, "2026-02-13", now=NOW + timedelta(hours=1))
    assert again["items_added"] == 0 and path.read_bytes() == content


def test_a_legacy_list_of_698_sources_is_trimmed_once(workspace: Path, state_dir: Path) -> None:
    note = workspace / "memory" / "2026-02-13.md"
    note.write_text("- TODO: heartbeat ok\n" * 698)
    legacy = {
        "id": memory_id("heartbeat ok"),
        "text": "heartbeat ok",
        "kind": "todo",
        "importance": 0.75,
        "sources": [{"file": "memory/2026-02-13.md", "line": n} for n in range(1, 699)],
        "seen_count": 698,
    }
    path = store_path(workspace)
    path.write_text(json.dumps({"version": 1, "memories": [legacy]}))
    capture(workspace, state_dir, "2026-02-13")
    (memory,) = load_store(path).memories
    assert [s["line"] for s in memory["sources"]] == list(range(1, MAX_SOURCES_PER_NOTE + 1))
    assert memory["sources_truncated"] == 698 - MAX_SOURCES_PER_NOTE
    assert memory["seen_count"] == 698
    content = path.read_bytes()
    capture(workspace, state_dir, "2026-02-13")
    assert path.read_bytes() == content


def _sighting(text: str, file: str, line: int) -> Sighting:
    return Sighting(text=text, kind="todo", file=file, line=line, day=date(2026, 2, 13))


def test_a_memory_keeps_at_most_max_sources() -> None:
    old = [
        {"file": f"memory/2025-{1 + n // 28:02d}-{1 + n % 28:02d}.md", "line": 3}
        for n in range(150)
    ]
    memory = {"id": memory_id("ship it"), "text": "ship it", "sources": old, "seen_count": 150}
    memories = [memory]
    today = [_sighting("ship it", f"memory/2026-02-13-{n:04d}.md", 1) for n in range(3)]
    result = merge_sightings(memories, today, now_iso=NOW_ISO)
    assert result.updated == 1 and result.changed
    sources = memory["sources"]
    assert len(sources) == MAX_SOURCES
    # The first sighting and every note just read are kept; the oldest others go.
    assert sources[0] == old[0]
    assert sources[-3:] == [{"file": s.file, "line": 1} for s in today]
    assert sources[1:-3] == old[150 - (MAX_SOURCES - 4) :]
    assert memory["sources_truncated"] == 150 + 3 - MAX_SOURCES
    assert memory["seen_count"] == 153
    # Seeing the same notes again changes nothing.
    again = merge_sightings(memories, today, now_iso=NOW_ISO)
    assert not again.changed and len(memory["sources"]) == MAX_SOURCES


# -- properties -------------------------------------------------------------------------

ITEM_LINES = [
    "- TODO: rotate the token",
    "- DECISION: use SQLite",
    "- BLOCKER: VPN drops",
    "- **Port**: 8080",
    "- TODO: rotate the token",
]
FILLER = ["", "## A header", "- Checked email: nothing new", "- **Time:** 14:30"]
note_lines = st.lists(st.sampled_from(ITEM_LINES + FILLER), min_size=1, max_size=30)


def _sightings(files: dict[str, list[str]]) -> list[Sighting]:
    found: list[Sighting] = []
    for rel, lines in files.items():
        found.extend(_sighting(i.text, rel, i.line) for i in extract_items("\n".join(lines)))
    return found


def _check_sources(memories: list[dict[str, Any]], files: dict[str, list[str]]) -> None:
    for memory in memories:
        for source in memory["sources"]:
            lines = files[source["file"]]
            (item,) = extract_items(lines[source["line"] - 1])
            assert memory_id(item.text) == memory["id"]


@settings(max_examples=200, deadline=None)
@given(
    first=st.dictionaries(st.sampled_from(["memory/a.md", "memory/b.md"]), note_lines, min_size=1),
    data=st.data(),
)
def test_reordering_lines_never_counts_sightings_and_sources_stay_true(
    first: dict[str, list[str]], data: st.DataObject
) -> None:
    memories: list[dict[str, Any]] = []
    merge_sightings(memories, _sightings(first), now_iso=NOW_ISO)
    _check_sources(memories, first)
    counts = {m["id"]: m["seen_count"] for m in memories}
    # Shuffle each note and pad it with prose: the same items, on other lines.
    edited = {
        rel: data.draw(st.permutations(lines + data.draw(st.lists(st.sampled_from(FILLER)))))
        for rel, lines in first.items()
    }
    merge_sightings(memories, _sightings(edited), now_iso="2026-11-29T00:00:00+01:00")
    _check_sources(memories, edited)
    assert {m["id"]: m["seen_count"] for m in memories} == counts
    assert all(m["last_seen_at"] == NOW_ISO for m in memories)
    # Unchanged notes: nothing to write.
    assert not merge_sightings(memories, _sightings(edited), now_iso=NOW_ISO).changed


@settings(max_examples=200, deadline=None)
@given(versions=st.lists(note_lines, min_size=1, max_size=4))
def test_any_edit_sequence_keeps_sources_true_and_bounded(versions: list[list[str]]) -> None:
    memories: list[dict[str, Any]] = []
    for lines in versions:
        files = {"memory/a.md": lines}
        merge_sightings(memories, _sightings(files), now_iso=NOW_ISO)
        present = {memory_id(s.text) for s in _sightings(files)}
        _check_sources([m for m in memories if m["id"] in present], files)
        for memory in memories:
            assert len(memory["sources"]) <= MAX_SOURCES_PER_NOTE
            assert memory["seen_count"] >= len(memory["sources"])
        assert not merge_sightings(memories, _sightings(files), now_iso=NOW_ISO).changed
