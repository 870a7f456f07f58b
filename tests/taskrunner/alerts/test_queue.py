"""The alert queue: dedupe, levels, corruption handling, and real concurrent processes."""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from support.alerts import alert, read_queue
from taskrunner.alerts import AlertQueue
from taskrunner.errors import AlertQueueError, InvalidAlertLevel, LockFileError
from taskrunner.task import ALERT_LEVELS

TZ = timezone(timedelta(hours=1))


def ticking_clock(start: datetime | None = None) -> Callable[[], datetime]:
    """A clock that moves one minute forward on every call."""
    moment = [start or datetime(2026, 3, 1, 3, 0, tzinfo=TZ)]

    def clock() -> datetime:
        now = moment[0]
        moment[0] = now + timedelta(minutes=1)
        return now

    return clock


# -- format and dedupe ----------------------------------------------------------


def test_add_stores_the_documented_entry(state_dir: Path) -> None:
    queue = AlertQueue(state_dir, clock=ticking_clock())
    [entry] = queue.add([alert("disk 91% full", level="error")])
    assert entry == {
        "id": entry["id"],
        "task": "disk_check",
        "level": "error",
        "message": "disk 91% full",
        "timestamp": "2026-03-01T03:00:00+01:00",
        "run_id": "run-1",
        "key": None,
        "count": 1,
        "last_timestamp": "2026-03-01T03:00:00+01:00",
    }
    assert isinstance(entry["id"], str) and entry["id"]
    assert read_queue(state_dir) == [entry]


def test_ids_are_unique(state_dir: Path) -> None:
    queue = AlertQueue(state_dir)
    stored = queue.add([alert(f"m{i}") for i in range(200)])
    assert len({e["id"] for e in stored}) == 200


def test_repeat_of_a_pending_alert_raises_its_count(state_dir: Path) -> None:
    queue = AlertQueue(state_dir, clock=ticking_clock())
    [first] = queue.add([alert("backup is 3 days old")])
    [second] = queue.add([{**alert("backup is 3 days old", level="error"), "run_id": "run-2"}])
    assert second["id"] == first["id"]
    [entry] = queue.pending()
    assert entry["count"] == 2
    assert entry["timestamp"] == "2026-03-01T03:00:00+01:00"  # first seen, kept
    assert entry["last_timestamp"] == "2026-03-01T03:01:00+01:00"
    # the newest repeat speaks for the alert
    assert entry["level"] == "error"
    assert entry["run_id"] == "run-2"


def test_explicit_key_merges_alerts_whose_message_changes(state_dir: Path) -> None:
    queue = AlertQueue(state_dir, clock=ticking_clock())
    queue.add([alert("disk 91% full", key="disk")])
    queue.add([alert("disk 93% full", key="disk")])
    queue.add([alert("disk 95% full", key="disk")])
    [entry] = queue.pending()
    assert entry["count"] == 3
    assert entry["message"] == "disk 95% full"
    assert entry["key"] == "disk"


def test_repeats_inside_one_batch_are_merged(state_dir: Path) -> None:
    queue = AlertQueue(state_dir)
    stored = queue.add([alert("same"), alert("same"), alert("other")])
    assert [e["count"] for e in queue.pending()] == [2, 1]
    assert stored[0]["id"] == stored[1]["id"] != stored[2]["id"]


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (alert("same", task="one"), alert("same", task="two")),
        (alert("x", task="one", key="k"), alert("x", task="two", key="k")),
        (alert("same"), alert("same", key="k")),
        (alert("a", key="k1"), alert("a", key="k2")),
    ],
    ids=["message-other-task", "key-other-task", "key-vs-message", "other-key"],
)
def test_different_alerts_are_both_queued(state_dir: Path, a: dict, b: dict) -> None:
    queue = AlertQueue(state_dir)
    queue.add([a])
    queue.add([b])
    assert [e["count"] for e in queue.pending()] == [1, 1]


def test_drained_alert_is_queued_again_when_it_recurs(state_dir: Path) -> None:
    queue = AlertQueue(state_dir)
    queue.add([alert("still broken")])
    queue.drain(lambda batch: None)
    queue.add([alert("still broken")])
    [entry] = queue.pending()
    assert entry["count"] == 1


def test_a_withdrawn_alert_leaves_the_queue_unless_it_is_being_delivered(state_dir: Path) -> None:
    queue = AlertQueue(state_dir)
    queue.add([alert("open todo: call the bank", key="loop:a")])
    queue.add([alert("open todo: renew the domain", key="loop:b")])
    # The heartbeat is delivering loop:b right now: that one is the drain's to remove.
    during: list[list[dict[str, Any]]] = []

    def emit(batch: list[Any]) -> None:
        queue.add([alert("open todo: call the bank", key="loop:a")])  # a fresh, unclaimed repeat
        queue.add([], withdraw=[("disk_check", "loop:a"), ("disk_check", "loop:b")])
        during.append(read_queue(state_dir))

    queue.drain(emit)
    [left] = during
    assert [(e["key"], "claim" in e) for e in left] == [("loop:a", True), ("loop:b", True)]
    assert read_queue(state_dir) == []


def test_withdrawing_takes_only_that_tasks_key_and_comes_before_new_alerts(
    state_dir: Path,
) -> None:
    queue = AlertQueue(state_dir)
    queue.add(
        [
            alert("open todo: call the bank", key="loop:a"),
            alert("open todo: call the bank", task="other", key="loop:a"),
            alert("open todo: call the bank"),  # no key: never a withdrawal's
        ]
    )
    queue.add(
        [alert("open todo: call the bank again", key="loop:a")],
        withdraw=[("disk_check", "loop:a")],
    )
    assert [(e["task"], e["key"], e["message"], e["count"]) for e in read_queue(state_dir)] == [
        ("other", "loop:a", "open todo: call the bank", 1),
        ("disk_check", None, "open todo: call the bank", 1),
        ("disk_check", "loop:a", "open todo: call the bank again", 1),
    ]


def test_withdrawing_from_no_queue_creates_nothing(state_dir: Path) -> None:
    assert AlertQueue(state_dir).add([], withdraw=[("disk_check", "loop:a")]) == []
    assert not (state_dir / "alerts").exists()
    queue = AlertQueue(state_dir)
    queue.add([alert("disk 91% full", key="disk")])
    before = (state_dir / "alerts" / "pending.json").stat().st_mtime_ns
    queue.add([], withdraw=[("disk_check", "nothing-like-it")])
    assert (state_dir / "alerts" / "pending.json").stat().st_mtime_ns == before  # not rewritten


# -- levels ---------------------------------------------------------------------


@pytest.mark.parametrize("level", ALERT_LEVELS)
def test_every_documented_level_is_accepted(state_dir: Path, level: str) -> None:
    AlertQueue(state_dir).add([alert("m", level=level)])
    assert [e["level"] for e in read_queue(state_dir)] == [level]


@pytest.mark.parametrize("level", ["WARNING", "warn", "fatal", "", None])
def test_unknown_level_is_rejected_and_nothing_is_queued(state_dir: Path, level: Any) -> None:
    queue = AlertQueue(state_dir)
    queue.add([alert("kept")])
    before = (state_dir / "alerts" / "pending.json").read_bytes()
    with pytest.raises(InvalidAlertLevel, match="info, warning, error, critical"):
        queue.add([alert("fine"), {**alert("bad"), "level": level}])
    assert (state_dir / "alerts" / "pending.json").read_bytes() == before


# -- drain ------------------------------------------------------------------------


def test_drain_emits_then_removes_exactly_those(state_dir: Path) -> None:
    queue = AlertQueue(state_dir)
    stored = queue.add([alert("a"), alert("b")])
    seen: list[list[dict[str, Any]]] = []
    drained = queue.drain(seen.append)
    assert seen == [stored] == [drained]
    assert queue.pending() == []
    assert read_queue(state_dir) == []


def test_drain_removes_nothing_when_emit_fails(state_dir: Path) -> None:
    queue = AlertQueue(state_dir)
    stored = queue.add([alert("a"), alert("b")])

    def broken_stdout(batch: list[dict[str, Any]]) -> None:
        raise BrokenPipeError(32, "Broken pipe")

    with pytest.raises(BrokenPipeError):
        queue.drain(broken_stdout)
    assert queue.pending() == stored


def test_drain_of_a_missing_queue_emits_empty_and_creates_nothing(state_dir: Path) -> None:
    seen: list[list[dict[str, Any]]] = []
    assert AlertQueue(state_dir).drain(seen.append) == []
    assert seen == [[]]
    assert not (state_dir / "alerts").exists()


def test_listing_a_missing_queue_creates_nothing(state_dir: Path) -> None:
    assert AlertQueue(state_dir).pending() == []
    assert not (state_dir / "alerts").exists()


# -- files on disk -------------------------------------------------------------------


def test_alerts_directory_is_private(state_dir: Path) -> None:
    AlertQueue(state_dir).add([alert("a")])
    assert stat.S_IMODE(os.stat(state_dir / "alerts").st_mode) == 0o700


def test_symlink_at_the_lock_path_is_not_followed(state_dir: Path, tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    (state_dir / "alerts").mkdir(mode=0o700)
    (state_dir / "alerts" / "pending.json.lock").symlink_to(victim)
    with pytest.raises(LockFileError, match="symbolic link"):
        AlertQueue(state_dir).add([alert("a")])
    assert victim.read_text() == "precious\n"
    assert not (state_dir / "alerts" / "pending.json").exists()


@pytest.mark.parametrize(
    "content",
    [b'[{"id": "x", "task": "t"', b'{"not": "an array"}', b"[1, 2]", b"\xff\xfe garbage", b""],
    ids=["truncated", "object", "array-of-numbers", "not-utf8", "empty"],
)
def test_corrupted_queue_is_moved_aside_and_a_fresh_one_started(
    state_dir: Path, content: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    queue_dir = state_dir / "alerts"
    queue_dir.mkdir(mode=0o700)
    (queue_dir / "pending.json").write_bytes(content)
    queue = AlertQueue(state_dir, clock=ticking_clock())
    with caplog.at_level(logging.WARNING, logger="taskrunner.alerts"):
        [entry] = queue.add([alert("fresh")])
    [moved] = queue_dir.glob("pending.json.corrupt-*")
    assert moved.name.startswith("pending.json.corrupt-20260301T03")
    assert moved.read_bytes() == content  # byte for byte
    # The fresh queue starts with an error alert saying where the old one went,
    # so the heartbeat hears of it instead of draining an empty queue.
    [notice, stored] = read_queue(state_dir)
    assert stored == entry
    assert notice["level"] == "error" and str(moved) in notice["message"]
    assert "were not delivered" in notice["message"]
    [warning] = [r for r in caplog.records if r.name == "taskrunner.alerts"]
    assert str(moved) in warning.getMessage()


def test_earlier_corrupt_copy_is_never_overwritten(state_dir: Path) -> None:
    queue_dir = state_dir / "alerts"
    queue_dir.mkdir(mode=0o700)
    frozen = datetime(2026, 3, 1, 3, 0, tzinfo=TZ)
    queue = AlertQueue(state_dir, clock=lambda: frozen)
    (queue_dir / "pending.json").write_bytes(b"first broken")
    queue.add([alert("a")])
    (queue_dir / "pending.json").write_bytes(b"second broken")
    queue.add([alert("b")])
    copies = sorted(p.name for p in queue_dir.glob("pending.json.corrupt-*"))
    assert copies == [
        "pending.json.corrupt-20260301T030000",
        "pending.json.corrupt-20260301T030000-1",
    ]
    assert (queue_dir / copies[0]).read_bytes() == b"first broken"
    assert (queue_dir / copies[1]).read_bytes() == b"second broken"


def test_listing_reports_corruption_and_never_moves_the_file(state_dir: Path) -> None:
    queue_dir = state_dir / "alerts"
    queue_dir.mkdir(mode=0o700)
    (queue_dir / "pending.json").write_text("nope")
    with pytest.raises(AlertQueueError, match="is not valid JSON") as caught:
        AlertQueue(state_dir).pending()
    assert "left untouched" in str(caught.value)
    assert "is not valid JSON (expecting value at line 1 column 1)" in str(caught.value)
    assert (queue_dir / "pending.json").read_text() == "nope"
    assert sorted(p.name for p in queue_dir.iterdir()) == ["pending.json"]


def test_a_drain_of_a_corrupt_queue_delivers_the_report_not_an_empty_list(
    state_dir: Path,
) -> None:
    queue_dir = state_dir / "alerts"
    queue_dir.mkdir(mode=0o700)
    (queue_dir / "pending.json").write_text("[{broken")
    batches: list[list[dict[str, object]]] = []
    AlertQueue(state_dir, clock=ticking_clock()).drain(batches.append)
    [[notice]] = batches
    [moved] = queue_dir.glob("pending.json.corrupt-*")
    assert notice["level"] == "error" and str(moved) in str(notice["message"])
    assert moved.read_text() == "[{broken"
    assert read_queue(state_dir) == []  # delivered once, then removed


def test_unreadable_queue_is_a_clear_error_and_left_alone(state_dir: Path) -> None:
    queue_path = state_dir / "alerts" / "pending.json"
    queue_path.mkdir(parents=True)  # a directory where the file should be
    (queue_path / "keep.txt").write_text("precious\n")
    queue = AlertQueue(state_dir)
    for call in (
        lambda: queue.add([alert("a")]),
        queue.pending,
        lambda: queue.drain(lambda batch: None),
    ):
        with pytest.raises(AlertQueueError, match="cannot read the alert queue") as caught:
            call()
        assert str(queue_path) in str(caught.value)
        assert "move it aside" in str(caught.value)
    assert (queue_path / "keep.txt").read_text() == "precious\n"
    assert not list(queue_path.parent.glob("pending.json.corrupt-*"))
