"""Newest wording: the notes' latest words are the text, every other wording is in history."""

from __future__ import annotations

import copy
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from support.capture import capture, memories, write_note
from support.harness import run_task
from support.memory_factory import mem
from taskrunner.memory.consolidate import plan_consolidation
from taskrunner.memory.store import load_store, store_path
from taskrunner.memory.survivor import merge_into
from taskrunner.memory.wording import adopt_group, current_wording, history_of, restore_wording
from tasks.memory_restore import MemoryRestoreTask

BASE = (
    "We decided that the nightly backup job on the NAS stays as it is for now because the "
    "restore test last week went well"
)
EDITED = BASE.replace("because", "since")  # a near-duplicate with other words


def _texts(memory: dict[str, Any]) -> set[str]:
    return {memory["text"], *(w.text for w in history_of(memory))}


# -- capture -------------------------------------------------------------------


def test_an_edited_line_gives_the_memory_its_new_words(workspace: Path, state_dir: Path) -> None:
    note = write_note(workspace, "2026-02-13.md", f"# Notes\n- {BASE}\n")
    capture(workspace, state_dir)
    [before] = memories(workspace)
    note.write_text(f"# Notes\n- {EDITED}\n", encoding="utf-8")
    run = capture(workspace, state_dir)
    assert run.result["items_added"] == 0 and run.result["memories_reworded"] == 1
    [after] = memories(workspace)
    assert after["id"] == before["id"] and after["text"] == EDITED
    assert after["text_source"] == {
        "file": "memory/2026-02-13.md",
        "line": 2,
        "noted_on": "2026-02-13",
    }
    assert after["history"] == [
        {"text": BASE, "file": "memory/2026-02-13.md", "line": 2, "noted_on": "2026-02-13"}
    ]
    # unchanged notes: nothing to write
    raw = store_path(workspace).read_bytes()
    assert capture(workspace, state_dir).result["memories_reworded"] == 0
    assert store_path(workspace).read_bytes() == raw


def test_the_newest_note_wins_and_an_older_wording_only_joins_history(
    workspace: Path, state_dir: Path
) -> None:
    write_note(workspace, "2026-02-12.md", f"- {BASE}\n")
    write_note(workspace, "2026-02-13.md", f"- {EDITED}\n")
    capture(workspace, state_dir)
    [memory] = memories(workspace)
    assert memory["text"] == EDITED  # the 13th is newer than the 12th
    assert [w.text for w in history_of(memory)] == [BASE]
    # A backfill of an older note with a third wording: history, not the text.
    older = EDITED.replace("went well", "went fine")
    write_note(workspace, "2026-02-01.md", f"- {older}\n")
    capture(workspace, state_dir, day="2026-02-01")
    [memory] = memories(workspace)
    assert memory["text"] == EDITED
    assert _texts(memory) == {BASE, EDITED, older}
    assert memory["note_date"] == "2026-02-13"  # the latest note it was seen in


def test_a_later_line_of_the_same_note_is_newer(workspace: Path, state_dir: Path) -> None:
    write_note(workspace, "2026-02-13.md", f"- {EDITED}\n## Other\n- {BASE}\n")
    capture(workspace, state_dir)
    [memory] = memories(workspace)
    assert memory["text"] == BASE and [w.text for w in history_of(memory)] == [EDITED]


def test_lines_moving_do_not_change_the_wording(workspace: Path, state_dir: Path) -> None:
    note = write_note(workspace, "2026-02-13.md", f"- {EDITED}\n- {BASE}\n")
    capture(workspace, state_dir)
    assert memories(workspace)[0]["text"] == BASE
    note.write_text(f"- {EDITED}\n\n\n\n- {BASE}\n", encoding="utf-8")
    capture(workspace, state_dir)
    [memory] = memories(workspace)
    assert memory["text"] == BASE  # still the later line, now line 5


@pytest.mark.parametrize(
    ("before", "after"),
    [
        # too short, or too much changed, to be a near-duplicate: the line says it is the same
        ("- Never push to main without a review", "- Never push to main without two reviews"),
        ("- Port: 8080", "- Port: 8081"),  # a digit: the guard keeps two lines apart, not this
        ("- Always reply in English", "- Always reply in Portuguese"),
        ("- 馆长喜欢清淡", "- 馆长喜欢辣"),  # a Chinese line is one word
        ("- TODO: call Sam", "- TODO: call Sam and Ana"),
    ],
)
def test_a_line_edited_in_place_is_a_new_wording_not_a_new_memory(
    workspace: Path, state_dir: Path, before: str, after: str
) -> None:
    note = write_note(workspace, "2026-02-13.md", f"# Notes\n{before}\n- Buy milk\n")
    capture(workspace, state_dir)
    [old, _] = memories(workspace)
    note.write_text(f"# Notes\n{after}\n- Buy milk\n", encoding="utf-8")
    run = capture(workspace, state_dir)
    assert (run.result["items_added"], run.result["memories_reworded"]) == (0, 1)
    [edited, _] = memories(workspace)
    assert edited["id"] == old["id"] and edited["kind"] == old["kind"]
    assert edited["text"] == after.removeprefix("- ").removeprefix("TODO: ")
    assert [w.text for w in history_of(edited)] == [old["text"]]
    assert edited["sources"] == old["sources"] and edited["seen_count"] == old["seen_count"]


@pytest.mark.parametrize(
    ("before", "after", "why"),
    [
        ("- Call the plumber", "- Buy eggs for the party", "too little of the line is left"),
        ("- Sam prefers tea", "- TODO: ask Sam about tea", "another kind"),
    ],
)
def test_a_line_replaced_by_something_else_is_a_new_memory(
    workspace: Path, state_dir: Path, before: str, after: str, why: str
) -> None:
    note = write_note(workspace, "2026-02-13.md", f"{before}\n")
    capture(workspace, state_dir)
    note.write_text(f"{after}\n", encoding="utf-8")
    run = capture(workspace, state_dir)
    assert (run.result["items_added"], run.result["memories_reworded"]) == (1, 0), why
    assert not any(history_of(m) for m in memories(workspace)), why


def test_a_line_inserted_above_is_new_and_the_memory_below_moves(
    workspace: Path, state_dir: Path
) -> None:
    # Line 1 now holds a line like the old one, but the old one is still in
    # the note (moved to line 2): an insertion, not an edit.
    note = write_note(workspace, "2026-02-13.md", "- Port: 8080\n")
    capture(workspace, state_dir)
    note.write_text("- Port: 8081\n- Port: 8080\n", encoding="utf-8")
    run = capture(workspace, state_dir)
    assert (run.result["items_added"], run.result["memories_reworded"]) == (1, 0)
    by_text = {m["text"]: m for m in memories(workspace)}
    assert by_text["Port: 8080"]["sources"] == [{"file": "memory/2026-02-13.md", "line": 2}]
    assert by_text["Port: 8081"]["sources"] == [{"file": "memory/2026-02-13.md", "line": 1}]


@pytest.mark.parametrize(
    ("before", "after", "line_now"),
    [
        # two lines deleted above the edit: the line below it moved up two
        (
            "# Notes\n- Buy milk\n- Call the bank\n- Port: 8080\n- Feed the cat\n",
            "# Notes\n- Port: 8081\n- Feed the cat\n",
            2,
        ),
        # two lines inserted above: the line above it moved down two
        (
            "# Notes\n- Buy milk\n- Port: 8080\n",
            "# Notes\n- Water the plants\n- Renew the passport\n- Buy milk\n- Port: 8081\n",
            5,
        ),
        # lines deleted between the line above (which stayed) and the edit
        (
            "- Buy milk\n- Call the bank\n- Pay the rent\n- Port: 8080\n- Feed the cat\n",
            "- Buy milk\n- Port: 8081\n- Feed the cat\n",
            2,
        ),
    ],
)
def test_a_line_edited_while_lines_above_it_moved_is_still_its_memorys_edit(
    workspace: Path, state_dir: Path, before: str, after: str, line_now: int
) -> None:
    note = write_note(workspace, "2026-02-13.md", before)
    capture(workspace, state_dir)
    [port] = [m for m in memories(workspace) if m["text"] == "Port: 8080"]
    count = len(memories(workspace))
    note.write_text(after, encoding="utf-8")
    run = capture(workspace, state_dir)
    assert run.result["memories_reworded"] == 1
    assert len(memories(workspace)) == count + run.result["items_added"]
    [edited] = [m for m in memories(workspace) if m["id"] == port["id"]]
    assert edited["text"] == "Port: 8081"
    assert [w.text for w in history_of(edited)] == ["Port: 8080"]
    assert edited["sources"] == [{"file": "memory/2026-02-13.md", "line": line_now}]
    assert not any(m["text"] == "Port: 8080" for m in memories(workspace))


def test_a_line_moved_past_its_neighbour_and_edited_is_a_new_memory(
    workspace: Path, state_dir: Path
) -> None:
    # An edit stays between the lines around it; a line that changed places
    # with its neighbour and changed its words is another line.
    note = write_note(workspace, "2026-02-13.md", "- Port: 8080\n- Buy milk\n")
    capture(workspace, state_dir)
    note.write_text("- Buy milk\n- Port: 8081\n", encoding="utf-8")
    run = capture(workspace, state_dir)
    assert (run.result["items_added"], run.result["memories_reworded"]) == (1, 0)
    assert sorted(m["text"] for m in memories(workspace)) == [
        "Buy milk",
        "Port: 8080",
        "Port: 8081",
    ]


def test_an_edit_in_another_note_is_no_edit_of_this_one(workspace: Path, state_dir: Path) -> None:
    write_note(workspace, "2026-02-12.md", "- Port: 8080\n")
    capture(workspace, state_dir, day="2026-02-12")
    write_note(workspace, "2026-02-13.md", "- Port: 8081\n")
    run = capture(workspace, state_dir)
    assert run.result["items_added"] == 1  # the guard: two lines, two ports


def _state(workspace: Path) -> list[tuple[str, str, str | None, list[tuple[str, int]]]]:
    """Each memory as (text, kind, status, sources), in store order."""
    return [
        (m["text"], m["kind"], m.get("status"), [(s["file"], s["line"]) for s in m["sources"]])
        for m in memories(workspace)
    ]


def test_a_new_todo_where_a_done_one_was_is_a_new_open_todo(
    workspace: Path, state_dir: Path
) -> None:
    note = write_note(workspace, "2026-02-13.md", "- TODO: call Sam about the invoice\n")
    capture(workspace, state_dir)
    note.write_text("- [x] call Sam about the invoice\n", encoding="utf-8")
    capture(workspace, state_dir)
    note.write_text("- TODO: call Dan about the invoice\n", encoding="utf-8")
    run = capture(workspace, state_dir)
    assert run.result["items_added"] == 1
    state = {text: (kind, status) for text, kind, status, _ in _state(workspace)}
    assert state == {
        "call Sam about the invoice": ("todo", "done"),
        "call Dan about the invoice": ("todo", "open"),
    }


def test_a_finished_item_is_never_reworded_by_the_open_line_now_in_its_place(
    workspace: Path, state_dir: Path
) -> None:
    lines = "- [x] email the landlord about the lease\n- [ ] email the accountant about the taxes\n"
    note = write_note(workspace, "2026-02-13.md", lines)
    capture(workspace, state_dir)
    # The ticked line deleted, the open one edited: it is now line 1.
    note.write_text("- [ ] email the accountant about the taxes by Friday\n", encoding="utf-8")
    capture(workspace, state_dir)
    state = {text: (kind, status) for text, kind, status, _ in _state(workspace)}
    assert state["email the landlord about the lease"] == ("completed", None)
    assert state["email the accountant about the taxes by Friday"] == ("todo", "open")


def test_ticking_a_todo_while_rewording_it_closes_it(workspace: Path, state_dir: Path) -> None:
    note = write_note(workspace, "2026-02-13.md", "- [ ] renew the TLS certificate for the site\n")
    capture(workspace, state_dir)
    note.write_text("- [x] renewed the TLS certificate for the site and www\n", encoding="utf-8")
    run = capture(workspace, state_dir)
    assert (run.result["items_added"], run.result["loops_closed"]) == (0, 1)
    [todo] = memories(workspace)
    assert todo["status"] == "done" and todo["text"] == "renew the TLS certificate for the site"
    assert todo["closed_by"]["line"] == 1


def test_words_still_in_another_note_read_now_are_no_edit(workspace: Path, state_dir: Path) -> None:
    write_note(workspace, "2026-02-12.md", "- Staging DB password rotates every 30 days\n")
    today = write_note(workspace, "2026-02-13.md", "- Staging DB password rotates every 30 days\n")
    capture(workspace, state_dir)
    today.write_text("- Prod DB password rotates every 90 days\n", encoding="utf-8")
    run = capture(workspace, state_dir)
    assert (run.result["items_added"], run.result["memories_reworded"]) == (1, 0)
    texts = sorted(text for text, *_ in _state(workspace))
    assert texts == [
        "Prod DB password rotates every 90 days",
        "Staging DB password rotates every 30 days",
    ]


def test_words_still_in_a_note_not_read_now_are_no_edit(workspace: Path, state_dir: Path) -> None:
    write_note(workspace, "2026-02-01.md", "- Port: 8080\n")
    capture(workspace, state_dir, day="2026-02-01")
    today = write_note(workspace, "2026-02-13.md", "- Port: 8080\n")
    capture(workspace, state_dir)
    today.write_text("- Port: 8081\n", encoding="utf-8")
    run = capture(workspace, state_dir)  # reads the 12th and the 13th, not the 1st
    assert (run.result["items_added"], run.result["memories_reworded"]) == (1, 0)


def test_copies_edited_apart_become_one_memory_each_and_stay_so(
    workspace: Path, state_dir: Path
) -> None:
    line = "- Deploy window is Friday {} UTC\n"
    note = write_note(
        workspace, "2026-02-13.md", line.format("18:00") + "- x\n" + line.format("18:00")
    )
    capture(workspace, state_dir)
    note.write_text(line.format("19:00") + "- x\n" + line.format("20:00"), encoding="utf-8")
    run = capture(workspace, state_dir)
    assert (run.result["items_added"], run.result["memories_reworded"]) == (1, 1)
    after = _state(workspace)
    assert sorted(text for text, *_ in after) == [
        "Deploy window is Friday 19:00 UTC",
        "Deploy window is Friday 20:00 UTC",
        "x",
    ]
    # Capturing again, after an unrelated line is added, changes none of them.
    note.write_text(note.read_text(encoding="utf-8") + "- Buy bread\n", encoding="utf-8")
    again = capture(workspace, state_dir)
    assert (again.result["items_added"], again.result["memories_reworded"]) == (1, 0)
    assert _state(workspace)[: len(after)] == after


def test_an_edited_line_and_a_copy_of_its_new_words_are_one_memory(
    workspace: Path, state_dir: Path
) -> None:
    note = write_note(workspace, "2026-02-13.md", "- The API listens on port 8080\n- x\n")
    capture(workspace, state_dir)
    note.write_text(
        "- The API listens on port 8443\n- x\n- The API listens on port 8443\n", encoding="utf-8"
    )
    run = capture(workspace, state_dir)
    assert (run.result["items_added"], run.result["memories_reworded"]) == (0, 1)
    [api, _] = _state(workspace)
    assert api[0] == "The API listens on port 8443"
    assert api[3] == [("memory/2026-02-13.md", 1), ("memory/2026-02-13.md", 3)]


def test_long_lines_edited_are_new_wordings(workspace: Path, state_dir: Path) -> None:
    # 200 lines of about 1,900 characters, each edited (bench_capture.py
    # measures how long that takes).
    words = [f"w{i % 97}x{i % 13}" for i in range(300)]
    before = "".join(f"- {i} {' '.join(words[i % 7 :])}\n" for i in range(200))
    note = write_note(workspace, "2026-02-13.md", before)
    capture(workspace, state_dir)
    note.write_text(before.replace(" w", " edited w", 1 * 10**6), encoding="utf-8")
    run = capture(workspace, state_dir)
    assert (run.result["items_added"], run.result["memories_reworded"]) == (0, 200)


# -- consolidate -----------------------------------------------------------------


def test_the_survivor_keeps_its_id_and_takes_the_newest_wording() -> None:
    keeper = mem("keep", BASE, importance=0.9, date="2026-02-01")
    newer = mem("newer", EDITED, date="2026-02-10")
    plan = plan_consolidation([keeper, newer], today=date(2026, 2, 13))
    [survivor] = plan.memories
    assert survivor["id"] == "keep" and survivor["text"] == EDITED
    assert survivor["history"] == [
        {"text": BASE, "file": "memory/keep.md", "line": 1, "noted_on": "2026-02-01"}
    ]
    assert survivor["merged_from"] == ["newer"]


WORDINGS = [BASE, EDITED, BASE.upper(), BASE + " indeed", EDITED.replace("NAS", "nas box")]


@st.composite
def groups(draw: st.DrawFn) -> list[dict[str, Any]]:
    size = draw(st.integers(1, 5))
    out = []
    for n in range(size):
        fields: dict[str, Any] = {"date": f"2026-02-{draw(st.integers(1, 4)):02d}"}
        fields["sources"] = [{"file": f"memory/{n % 2}.md", "line": draw(st.integers(1, 3))}]
        if draw(st.booleans()):
            fields["history"] = [
                {"text": draw(st.sampled_from(WORDINGS)), "file": "memory/old.md", "line": 1}
            ]
        out.append(mem(f"m{n}", draw(st.sampled_from(WORDINGS)), **fields))
    return out


@settings(max_examples=300, deadline=None)
@given(groups(), st.randoms(use_true_random=False))
def test_merging_loses_no_wording_and_ignores_order(group: list[dict[str, Any]], rng: Any) -> None:
    merged = merge_into(group[0], group[1:])
    every = {m["text"] for m in group} | {w.text for m in group for w in history_of(m)}
    assert _texts(merged) == every  # no wording lost
    assert merged["text"] not in {w.text for w in history_of(merged)}
    newest = max(group, key=lambda m: (current_wording(m).position, m["text"]))
    assert merged["text"] == newest["text"]
    # the same group in another order gives the same wording and history
    shuffled = copy.deepcopy(group)
    rng.shuffle(shuffled)
    keeper = next(m for m in shuffled if m["id"] == group[0]["id"])
    again = merge_into(keeper, [m for m in shuffled if m is not keeper])
    assert (again["text"], again.get("history")) == (merged["text"], merged.get("history"))


def test_restoring_a_wording_swaps_it_with_the_text() -> None:
    memory = mem(
        "m", EDITED, history=[{"text": BASE, "file": "a.md", "line": 3, "noted_on": "2026-02-01"}]
    )
    adopt_group(memory, [memory])  # nothing to change
    assert memory["text"] == EDITED
    chosen = restore_wording(memory, 1)
    assert chosen.text == BASE and memory["text"] == BASE
    assert memory["text_source"] == {"file": "a.md", "line": 3, "noted_on": "2026-02-01"}
    assert [w.text for w in history_of(memory)] == [EDITED]


def _restore(workspace: Path, state_dir: Path, **options: Any) -> tuple[dict[str, Any], list[str]]:
    done = run_task(MemoryRestoreTask(), state_dir, workspace=workspace, options=options)
    return done.result, done.logs


def test_memory_restore_lists_and_brings_back_a_wording(workspace: Path, state_dir: Path) -> None:
    note = write_note(workspace, "2026-02-13.md", f"- {BASE}\n")
    capture(workspace, state_dir)
    note.write_text(f"- {EDITED}\n", encoding="utf-8")
    capture(workspace, state_dir)
    [memory] = memories(workspace)
    listed, logs = _restore(workspace, state_dir, ids=[memory["id"]], wordings=True)
    assert listed["wordings"] == [
        {
            "id": memory["id"],
            "text": EDITED,
            "earlier": [
                {
                    "wording": 1,
                    "text": BASE,
                    "file": "memory/2026-02-13.md",
                    "line": 1,
                    "noted_on": "2026-02-13",
                }
            ],
        }
    ]
    assert any(BASE in line for line in logs)
    done, _ = _restore(workspace, state_dir, ids=[memory["id"]], wording=1)
    assert done["text"] == BASE
    [memory] = load_store(store_path(workspace)).memories
    assert memory["text"] == BASE and [w.text for w in history_of(memory)] == [EDITED]
    assert (workspace / "memory" / "store.json.bak").exists()


def test_a_wording_brought_back_stays_until_a_newer_one_is_captured(
    workspace: Path, state_dir: Path
) -> None:
    note = write_note(workspace, "2026-02-13.md", f"- {BASE}\n")
    capture(workspace, state_dir)
    note.write_text(f"- {EDITED}\n", encoding="utf-8")
    capture(workspace, state_dir)
    [memory] = memories(workspace)
    _restore(workspace, state_dir, ids=[memory["id"]], wording=1)
    # The note still says EDITED, where it was read: that is not news.
    again = capture(workspace, state_dir)
    assert again.result["memories_reworded"] == 0
    assert [m["text"] for m in memories(workspace)] == [BASE]
    # A newer wording is.
    newer = BASE.replace("went well", "went fine")  # a near-duplicate of the text now
    assert newer not in (BASE, EDITED)
    note.write_text(f"- {newer}\n", encoding="utf-8")
    capture(workspace, state_dir)
    [memory] = memories(workspace)
    assert memory["text"] == newer and "wording_kept_over" not in memory
    assert {w.text for w in history_of(memory)} == {BASE, EDITED}
