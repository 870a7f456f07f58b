"""The manifest journal and its checkpoint: round trips, crashes, corruption."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from support.clock import Clock
from support.guard import guard_dir, make_guard, note_text, objects_on_disk, write, write_notes
from taskrunner.guard.journal import Journal
from taskrunner.guard.layout import GuardPaths
from taskrunner.guard.manifest import Entry, Event, replay

paths_st = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    min_size=1,
    max_size=30,
)
ints = st.integers(min_value=0, max_value=2**63 - 1)
entries = st.builds(
    Entry,
    hash=st.one_of(st.none(), st.text(alphabet="0123456789abcdef", min_size=64, max_size=64)),
    note=st.one_of(st.none(), st.text(max_size=40)),
    **dict.fromkeys(("size", "mtime_ns", "ctime_ns", "ino", "lines", "chars", "seen_ns"), ints),
)
events = st.builds(
    Event,
    seq=st.integers(min_value=1, max_value=10**9),
    ts=st.floats(min_value=0, max_value=4e9, allow_nan=False),
    at=st.text(max_size=30),
    run=st.text(max_size=32),
    kind=st.sampled_from(["scan", "restore"]),
    put=st.dictionaries(paths_st, entries, max_size=5),
    stat=st.dictionaries(paths_st, entries, max_size=3),
    gone=st.lists(paths_st, max_size=3, unique=True).map(sorted),
)


@given(events)
def test_an_event_survives_its_json_line(event: Event) -> None:
    line = json.dumps(event.to_json(), ensure_ascii=False)
    assert "\n" not in line
    assert Event.from_json(json.loads(line)) == event


@given(st.lists(events, max_size=8))
def test_the_journal_and_its_checkpoint_give_the_same_state(
    tmp_path_factory: pytest.TempPathFactory, evs: list[Event]
) -> None:
    root = tmp_path_factory.mktemp("j")
    journal = Journal(GuardPaths(root))
    evs = [
        Event(i + 1, e.ts, e.at, e.run, e.kind, e.put, e.stat, e.gone) for i, e in enumerate(evs)
    ]
    size = good = 0
    state: dict[str, Entry] = {}
    for i, event in enumerate(evs):
        size, ino = journal.append(event, good_bytes=good, size=size)
        good = size
        state = replay(evs[: i + 1])
        if i == len(evs) // 2:
            journal.write_checkpoint(state, event.seq, (size, ino), maintained_ts=1.0)
    assert journal.read_all().events == evs
    current = journal.load_current()
    assert current.state == replay(evs) == state
    assert current.last_seq == len(evs)


def test_an_incomplete_last_line_is_ignored_then_cut_off(workspace: Path, state_dir: Path) -> None:
    write(workspace, "MEMORY.md", "# m\n")
    guard = make_guard(workspace, state_dir, Clock())
    guard.run()
    gd = guard_dir(state_dir, workspace)
    whole = gd.journal.read_bytes()
    with open(gd.journal, "ab") as fh:
        fh.write(b'{"seq": 2, "ts": 1.0, "put": {"memory/x.md": {"ha')  # killed mid-write
    current = Journal(gd).load_current()
    assert current.last_seq == 1 and not current.corrupt
    assert any("incomplete" in p for p in current.problems)
    write(workspace, "memory/2026-11-01.md", note_text(1))
    result = make_guard(workspace, state_dir, Clock()).run()
    assert result["changed"] == ["memory/2026-11-01.md"]
    data = gd.journal.read_bytes()
    assert data.startswith(whole) and data.count(b"\n") == 2
    assert [e.seq for e in Journal(gd).read_all().events] == [1, 2]


def test_a_checkpoint_that_does_not_match_is_ignored(workspace: Path, state_dir: Path) -> None:
    write(workspace, "MEMORY.md", "# m\n")
    make_guard(workspace, state_dir, Clock()).run()
    gd = guard_dir(state_dir, workspace)
    gd.checkpoint.write_text("{not json")
    write(workspace, "USER.md", "# u\n")
    result = make_guard(workspace, state_dir, Clock()).run()
    assert result["changed"] == ["USER.md"]
    assert set(Journal(gd).load_current().state) == {"MEMORY.md", "USER.md"}


def three_daily_versions(workspace: Path, state_dir: Path, clock: Clock) -> GuardPaths:
    """A note edited on three days, the guard run after each edit; the guard's folder."""
    for day in range(3):
        write(workspace, "memory/2026-11-01.md", note_text(day))
        make_guard(workspace, state_dir, clock).run()
        clock.advance(days=1)
    return guard_dir(state_dir, workspace)


def test_a_corrupt_journal_line_makes_no_run_delete_anything(
    workspace: Path, state_dir: Path
) -> None:
    clock = Clock()
    gd = three_daily_versions(workspace, state_dir, clock)
    lines = gd.journal.read_bytes().split(b"\n")
    lines[1] = b"{garbage" + lines[1][8:]
    gd.journal.write_bytes(b"\n".join(lines))
    before = objects_on_disk(gd)
    clock.advance(days=400)  # every old version is past its time
    result = make_guard(workspace, state_dir, clock).run()
    assert result["success"]
    assert "retention skipped" in result["maintenance"]["skipped"]
    assert objects_on_disk(gd) == before
    assert result["problems"]["memory_guard:snapshots"] == "error"
    alert = next(a for a in result["alerts"] if a["key"] == "memory_guard:snapshots")
    assert (
        "cannot be read (expecting property name enclosed in double quotes at column 2)"
        in (alert["message"])
    )
    # Runs between maintenance passes do not look again: the problem stays, unrepeated,
    # and is not declared recovered.
    clock.advance(minutes=15)
    later = make_guard(workspace, state_dir, clock).run()
    assert "maintenance" not in later
    assert later["problems"]["memory_guard:snapshots"] == "error"
    assert later["alerts"] == []


def test_a_missing_object_is_reported_healed_when_possible_and_deletes_nothing(
    workspace: Path, state_dir: Path
) -> None:
    clock = Clock()
    write_notes(workspace, "memory/2026-11-01.md", "memory/2026-11-02.md")
    make_guard(workspace, state_dir, clock).run()
    (workspace / "memory" / "2026-11-02.md").unlink()
    clock.advance(hours=1)
    make_guard(workspace, state_dir, clock).run()
    gd = guard_dir(state_dir, workspace)
    objects = objects_on_disk(gd)
    for name in objects:
        (gd.objects / name[:2] / name[2:]).unlink()
    clock.advance(days=2)
    result = make_guard(workspace, state_dir, clock).run()
    assert result["objects_healed"] == 1  # the note that still exists gave its copy back
    assert "1 snapshot objects are missing" in result["maintenance"]["skipped"]
    assert result["problems"]["memory_guard:snapshots"] == "error"
    assert len(objects_on_disk(gd)) == 1
    from taskrunner.guard import commands

    try:
        commands.restore(
            make_guard(workspace, state_dir, clock), "memory/2026-11-02.md", None, None
        )
    except Exception as exc:  # pragma: no cover - the assertion below says what failed
        raise AssertionError(exc) from exc
    assert not (workspace / "memory" / "2026-11-02.md").exists()


def test_a_journal_line_of_the_wrong_shape_is_said_in_json_words() -> None:
    with pytest.raises(ValueError, match=r"^ts must be a number, not null$"):
        Event.from_json({"seq": 1, "ts": None, "at": "", "run": ""})
    with pytest.raises(ValueError, match=r'^seq must be a whole number, not "7"$'):
        Event.from_json({"seq": "7", "ts": 1, "at": "", "run": ""})


def test_a_lost_journal_makes_maintenance_delete_nothing(workspace: Path, state_dir: Path) -> None:
    clock = Clock()
    gd = three_daily_versions(workspace, state_dir, clock)
    before = objects_on_disk(gd)
    assert len(before) == 3
    gd.journal.unlink()  # history gone (a user's clean-up, a disk fault)
    clock.advance(days=400)
    result = make_guard(workspace, state_dir, clock).run()
    assert result["problems"]["memory_guard:snapshots"] == "error"
    clock.advance(days=1)
    make_guard(workspace, state_dir, clock).run()
    assert objects_on_disk(gd) == before, "unreferenced is not a reason to delete"
