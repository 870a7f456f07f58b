"""Restore planning and writing: times, versions, damaged copies."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest

from support.clock import Clock
from support.guard import guard_dir, make_guard, note_text, write, write_notes
from taskrunner.errors import InvalidRequest
from taskrunner.guard import commands
from taskrunner.guard.restore import parse_time


@pytest.fixture
def berlin(local_tz: Callable[[str], None]) -> None:
    local_tz("Europe/Berlin")


def test_times_are_local_and_a_date_means_its_end(berlin: None) -> None:
    ts, iso = parse_time("2026-12-01")
    assert iso == "2026-12-01T23:59:59+01:00"
    assert datetime.fromtimestamp(ts).astimezone().date().isoformat() == "2026-12-01"
    assert parse_time("2026-07-01T08:30")[1] == "2026-07-01T08:30:00+02:00"
    assert parse_time("2026-07-01 08:30:15")[1] == "2026-07-01T08:30:15+02:00"
    assert parse_time("2026-07-01T08:30+00:00")[1] == "2026-07-01T08:30:00+00:00"
    for bad in ("yesterday", "2026-13-01", "01/12/2026", ""):
        with pytest.raises(InvalidRequest, match="YYYY-MM-DD"):
            parse_time(bad)


def test_a_damaged_copy_is_never_restored(workspace: Path, state_dir: Path) -> None:
    clock = Clock()
    write_notes(workspace, "memory/a.md", "memory/b.md")
    make_guard(workspace, state_dir, clock).run()
    gd = guard_dir(state_dir, workspace)
    guard = make_guard(workspace, state_dir, clock)
    entry = guard.journal.load_current().state["memory/a.md"]
    assert entry.hash is not None
    obj = gd.objects / entry.hash[:2] / entry.hash[2:]
    obj.write_bytes(b"X" * obj.stat().st_size)  # same size, other bytes: bit rot
    (workspace / "memory" / "a.md").unlink()
    (workspace / "memory" / "b.md").unlink()
    clock.advance(minutes=15)
    result = commands.restore(make_guard(workspace, state_dir, clock), "memory/", None, None)
    assert result["success"] is False and result["retry"] is False
    assert result["restored"] == ["memory/b.md"]
    assert "damaged" in result["failed"][0]
    assert not (workspace / "memory" / "a.md").exists()
    assert (workspace / "memory" / "b.md").read_text() == note_text(2)


def test_at_picks_what_each_file_held_then(workspace: Path, state_dir: Path) -> None:
    clock = Clock()
    write(workspace, "MEMORY.md", "first\n")
    make_guard(workspace, state_dir, clock).run()
    clock.advance(hours=2)
    write(workspace, "MEMORY.md", "second, longer\n")
    make_guard(workspace, state_dir, clock).run()
    between = clock.now.timestamp() - 3600
    with pytest.raises(InvalidRequest, match="no version"):
        commands.restore(
            make_guard(workspace, state_dir, clock),
            "MEMORY.md",
            datetime.fromtimestamp(clock.now.timestamp() - 86400).astimezone().isoformat(),
            None,
        )
    at = datetime.fromtimestamp(between).astimezone().isoformat(timespec="seconds")
    result = commands.restore(make_guard(workspace, state_dir, clock), "MEMORY.md", at, None)
    assert result["restored"] == ["MEMORY.md"]
    assert (workspace / "MEMORY.md").read_text() == "first\n"
    # Asked again: it already holds that version, nothing is written.
    result = commands.restore(make_guard(workspace, state_dir, clock), "MEMORY.md", at, None)
    assert result["unchanged"] == ["MEMORY.md"] and result["restored"] == []


def test_a_version_prefix_must_be_unique_and_hex(workspace: Path, state_dir: Path) -> None:
    clock = Clock()
    write(workspace, "MEMORY.md", "one\n")
    make_guard(workspace, state_dir, clock).run()
    for bad, message in [("zz12", "not a hash"), ("ab", "not a hash"), ("0000000", "no version")]:
        with pytest.raises(InvalidRequest, match=message):
            commands.restore(make_guard(workspace, state_dir, clock), "MEMORY.md", None, bad)
    with pytest.raises(InvalidRequest, match="not both"):
        commands.restore(make_guard(workspace, state_dir, clock), "MEMORY.md", "2026-01-01", "abcd")
