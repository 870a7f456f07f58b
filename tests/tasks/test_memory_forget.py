"""memory_forget: a memory taken out on purpose stays out, and comes back only when asked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from support.capture import NOW, by_text, capture, memories, write_note
from support.files import snapshot
from support.harness import run_task
from taskrunner.errors import InvalidRequest
from taskrunner.memory.archive import read_archive
from taskrunner.memory.forgetting import (
    FORGOTTEN_KEY,
    forgotten_lines,
    remember_forgotten,
    tombstone,
    unforget,
)
from taskrunner.memory.normalize import memory_id
from taskrunner.memory.store import Store, archive_path, load_store, save_store, store_path
from tasks.memory_forget import MemoryForgetTask
from tasks.memory_restore import MemoryRestoreTask

NOTE = "# Notes\n- Port: 8080\n- Always reply in English\n- Buy milk\n"


def forget(workspace: Path, state_dir: Path, *ids: str, dry_run: bool = False) -> dict[str, Any]:
    task = MemoryForgetTask()
    run = run_task(
        task, state_dir, workspace=workspace, dry_run=dry_run, options={"ids": list(ids)}, now=NOW
    )
    assert run.alerts == []
    return run.result


def restore(workspace: Path, state_dir: Path, **options: Any) -> dict[str, Any]:
    return run_task(MemoryRestoreTask(), state_dir, workspace=workspace, options=options).result


@pytest.fixture
def captured(workspace: Path, state_dir: Path) -> Path:
    write_note(workspace, "2026-02-13.md", NOTE)
    capture(workspace, state_dir)
    return workspace


def test_a_forgotten_memory_leaves_the_store_for_the_archive(
    captured: Path, state_dir: Path
) -> None:
    port = by_text(captured)["Port: 8080"]
    result = forget(captured, state_dir, port["id"])
    assert result["forgotten"] == [port["id"]] and result["message"].startswith("Forgot 1 memory")
    assert sorted(by_text(captured)) == ["Always reply in English", "Buy milk"]
    [record] = read_archive(archive_path(captured)).records
    assert record["reason"] == "forgotten" and record["memory"] == port
    assert load_store(store_path(captured)).extra[FORGOTTEN_KEY] == [
        {
            "id": port["id"],
            "texts": [port["id"]],
            "files": ["memory/2026-02-13.md"],
            "forgotten_at": "2026-02-13T21:30:00+01:00",
        }
    ]


def test_capture_does_not_take_it_back_from_the_note_it_came_from(
    captured: Path, state_dir: Path
) -> None:
    forget(captured, state_dir, by_text(captured)["Port: 8080"]["id"])
    note = captured / "memory" / "2026-02-13.md"
    note.write_text(NOTE + "- Water the plants\n", encoding="utf-8")  # the note changed
    run = capture(captured, state_dir)
    assert run.result["items_added"] == 1 and run.result["items_skipped"] == 3
    assert run.result["message"].endswith("(4 items: 2 already known, 1 forgotten)")
    assert "Port: 8080" not in by_text(captured)
    # the next run over the same notes takes the shortcut, and says the same
    again = capture(captured, state_dir)
    assert again.result["message"].endswith("(4 items: 3 already known, 1 forgotten)")
    # also the day after, when the note is yesterday's
    assert "Port: 8080" not in {m["text"] for m in memories(captured)}
    capture(captured, state_dir, day="2026-02-14")
    assert "Port: 8080" not in by_text(captured)


def test_the_same_words_written_anew_are_a_memory_again(captured: Path, state_dir: Path) -> None:
    forget(captured, state_dir, by_text(captured)["Port: 8080"]["id"])
    # in another note: the user wrote it again
    write_note(captured, "2026-02-14.md", "- Port: 8080\n")
    capture(captured, state_dir, day="2026-02-14")
    [again] = [m for m in memories(captured) if m["text"] == "Port: 8080"]
    assert again["sources"] == [{"file": "memory/2026-02-14.md", "line": 1}]
    # edited where it was: new words
    note = captured / "memory" / "2026-02-13.md"
    note.write_text(NOTE.replace("8080", "9090"), encoding="utf-8")
    capture(captured, state_dir)
    assert "Port: 9090" in by_text(captured)


def test_every_wording_of_a_reworded_memory_is_forgotten(workspace: Path, state_dir: Path) -> None:
    note = write_note(workspace, "2026-02-13.md", "- Never push to main without a review\n")
    capture(workspace, state_dir)
    note.write_text("- Never push to main without two reviews\n", encoding="utf-8")
    capture(workspace, state_dir)
    [rule] = memories(workspace)
    forget(workspace, state_dir, rule["id"])
    # both wordings back in the note: neither becomes a memory
    note.write_text(
        "- Never push to main without a review\n- Never push to main without two reviews\n",
        encoding="utf-8",
    )
    run = capture(workspace, state_dir)
    assert memories(workspace) == [] and run.result["items_skipped"] == 2


def test_restore_brings_it_back_and_capture_knows_it_again(captured: Path, state_dir: Path) -> None:
    port = by_text(captured)["Port: 8080"]
    forget(captured, state_dir, port["id"])
    result = restore(captured, state_dir, ids=[port["id"]])
    assert result["restored"] == 1
    assert by_text(captured)["Port: 8080"] == port
    assert FORGOTTEN_KEY not in load_store(store_path(captured)).extra
    (captured / "memory" / "2026-02-13.md").write_text(NOTE + "- Water it\n", encoding="utf-8")
    run = capture(captured, state_dir)
    assert run.result["items_added"] == 1 and "forgotten" not in run.result["message"]
    assert [m["text"] for m in memories(captured)].count("Port: 8080") == 1


def test_the_forget_run_is_restored_whole_by_its_run_id(captured: Path, state_dir: Path) -> None:
    stored = by_text(captured)
    task = MemoryForgetTask()
    ids = [stored["Port: 8080"]["id"], stored["Buy milk"]["id"]]
    run = run_task(task, state_dir, workspace=captured, options={"ids": ids}, run_id="forget-1")
    assert "memory_restore --run forget-1 --workspace" in run.result["message"]
    assert sorted(by_text(captured)) == ["Always reply in English"]
    assert restore(captured, state_dir, run="forget-1")["restored"] == 2
    assert by_text(captured) == stored
    assert FORGOTTEN_KEY not in load_store(store_path(captured)).extra


def test_an_unknown_id_forgets_nothing_and_says_where_ids_are(
    captured: Path, state_dir: Path
) -> None:
    before = snapshot(captured)
    port = by_text(captured)["Port: 8080"]["id"]
    with pytest.raises(InvalidRequest) as caught:
        forget(captured, state_dir, port, "m_nope")
    message = str(caught.value)
    assert message.startswith("no memory m_nope in ") and "nothing was forgotten" in message
    assert "memory_search --json" in message
    assert snapshot(captured) == before


def test_forgetting_twice_is_forgetting(captured: Path, state_dir: Path) -> None:
    port = by_text(captured)["Port: 8080"]["id"]
    forget(captured, state_dir, port)
    before = snapshot(captured)
    result = forget(captured, state_dir, port)
    assert result["message"] == f"nothing to forget: {port} already forgotten"
    assert result["forgotten"] == [] and result["already_forgotten"] == [port]
    assert snapshot(captured) == before


def test_a_dry_run_names_what_it_would_forget_and_writes_nothing(
    captured: Path, state_dir: Path
) -> None:
    before = snapshot(captured)
    port = by_text(captured)["Port: 8080"]["id"]
    task = MemoryForgetTask()
    run = run_task(task, state_dir, workspace=captured, dry_run=True, options={"ids": [port]})
    assert run.result["message"] == "Would forget 1 memory"
    assert any("would forget" in line and "'Port: 8080'" in line for line in run.lines())
    assert snapshot(captured) == before


def test_without_an_id_it_lists_what_was_forgotten(captured: Path, state_dir: Path) -> None:
    assert forget(captured, state_dir)["listed"] == []
    port = by_text(captured)["Port: 8080"]["id"]
    forget(captured, state_dir, port)
    before = snapshot(captured)
    result = forget(captured, state_dir)
    assert result["listed"] == [{"id": port, "forgotten_at": "2026-02-13T21:30:00+01:00"}]
    assert result["message"].endswith(
        "remembers 1 forgotten memory; forget one with --id MEMORY_ID "
        "(memory_search --json shows the ids)"
    )
    assert snapshot(captured) == before


def test_a_failed_store_write_leaves_no_archive_record(
    captured: Path, state_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = snapshot(captured)

    def full_disk(*_: object, **__: object) -> bytes:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("tasks.memory_forget.save_store", full_disk)
    with pytest.raises(OSError):
        forget(captured, state_dir, by_text(captured)["Port: 8080"]["id"])
    after = snapshot(captured)
    # the archive is cut back to what it was (none: empty), the store untouched
    assert after.pop("memory/store.archive.jsonl", b"") == b""
    after.pop("memory/store.json.bak", None)
    assert {k: v for k, v in after.items() if not k.endswith(".lock")} == {
        k: v for k, v in before.items() if not k.endswith(".lock")
    }


def test_an_entry_this_code_cannot_read_is_kept_and_skips_nothing(
    workspace: Path, state_dir: Path
) -> None:
    junk = ["not an entry", {"id": "m_x", "texts": "m_y"}]
    save_store(store_path(workspace), Store(extra={FORGOTTEN_KEY: list(junk)}))
    write_note(workspace, "2026-02-13.md", NOTE)
    assert capture(workspace, state_dir).result["items_added"] == 3
    forget(workspace, state_dir, by_text(workspace)["Buy milk"]["id"])
    entries = load_store(store_path(workspace)).extra[FORGOTTEN_KEY]
    assert entries[:2] == junk and entries[2]["texts"] == [memory_id("Buy milk")]


def test_a_forgotten_list_that_is_no_list_is_refused_not_replaced(
    captured: Path, state_dir: Path
) -> None:
    store = load_store(store_path(captured))
    store.extra[FORGOTTEN_KEY] = {"hand": "edited"}
    save_store(store_path(captured), store)
    before = snapshot(captured)
    with pytest.raises(InvalidRequest, match=r'"forgotten" .* is an object, not a list'):
        forget(captured, state_dir, by_text(captured)["Port: 8080"]["id"])
    assert snapshot(captured) == before


_file = st.sampled_from(["memory/2026-02-12.md", "memory/2026-02-13.md", "memory/x.md"])
_text = st.text(st.sampled_from("ab c8"), min_size=1, max_size=8)
_wording = st.fixed_dictionaries(
    {"text": _text, "file": _file, "line": st.integers(1, 9), "noted_on": st.just("2026-02-13")}
)


@settings(max_examples=200, deadline=None)
@given(
    text=_text,
    sources=st.lists(st.fixed_dictionaries({"file": _file, "line": st.integers(1, 9)}), max_size=3),
    history=st.lists(_wording, max_size=3),
    others=st.lists(st.sampled_from(["junk", 3, None]), max_size=2),
)
def test_every_wording_is_skipped_in_every_note_it_came_from_until_restored(
    text: str, sources: list[dict[str, Any]], history: list[dict[str, Any]], others: list[Any]
) -> None:
    memory = {"id": "m_1", "text": text, "sources": sources, "history": history}
    extra: dict[str, Any] = {FORGOTTEN_KEY: list(others)}
    remember_forgotten(extra, [tombstone(memory, "2026-02-13T21:30:00+01:00")])
    skipped = forgotten_lines(extra)
    wordings = [text, *(entry["text"] for entry in history)]
    notes = {s["file"] for s in sources} | {entry["file"] for entry in history}
    notes |= {sources[0]["file"]} if sources else set()
    for note in notes:
        for wording in wordings:
            assert (note, memory_id(wording)) in skipped
    assert {note for note, _ in skipped} <= notes
    assert unforget(extra, {"m_1"}) is True
    assert forgotten_lines(extra) == frozenset()
    assert extra.get(FORGOTTEN_KEY, []) == others  # what this code cannot read stays
