"""Draining the alert queue: claims, slow and vanishing readers, crashed drains."""

from __future__ import annotations

import fcntl
import json
import logging
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from support.alerts import alert, read_queue
from support.clock import Clock
from taskrunner.alerts import CLAIM_TIMEOUT_S, AlertQueue
from taskrunner.errors import AlertQueueError

TZ = timezone(timedelta(hours=1))
T0 = datetime(2026, 3, 1, 3, 0, tzinfo=TZ)


def write_queue(state_dir: Path, entries: list[dict[str, Any]]) -> None:
    (state_dir / "alerts").mkdir(mode=0o700, exist_ok=True)
    (state_dir / "alerts" / "pending.json").write_text(json.dumps(entries), encoding="utf-8")


def dead_pid() -> int:
    """The pid of a process that has exited and been reaped."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def assert_unlocked(state_dir: Path) -> None:
    """Fail (instead of deadlocking) if the queue lock is held while a drain's output is written."""
    fd = os.open(state_dir / "alerts" / "pending.json.lock", os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # raises BlockingIOError if held
    finally:
        os.close(fd)


# -- the claim protocol, in one process -----------------------------------------------


def test_pending_lists_claimed_alerts_while_a_drain_is_writing(state_dir: Path) -> None:
    queue = AlertQueue(state_dir, clock=Clock(T0))
    stored = queue.add([alert("a"), alert("b")])
    during: list[dict[str, Any]] = []

    def emit(batch: list[dict[str, Any]]) -> None:
        assert_unlocked(state_dir)
        during.extend(queue.pending())

    drained = queue.drain(emit)
    assert drained == stored  # the consumer gets the documented entries, no claim
    assert [e["id"] for e in during] == [e["id"] for e in stored]
    assert {e["claim"]["pid"] for e in during} == {os.getpid()}
    assert {e["claim"]["claimed_at"] for e in during} == {T0.isoformat()}
    assert queue.pending() == []


def test_a_second_drain_skips_alerts_claimed_by_a_live_drain(state_dir: Path) -> None:
    clock = Clock(T0)
    queue = AlertQueue(state_dir, clock=clock)
    stored = queue.add([alert("a"), alert("b")])
    inner: list[list[dict[str, Any]]] = []

    def emit(batch: list[dict[str, Any]]) -> None:
        assert_unlocked(state_dir)
        clock.now = T0 + timedelta(seconds=CLAIM_TIMEOUT_S - 1)
        inner.append(AlertQueue(state_dir, clock=clock).drain(lambda b: None))

    assert queue.drain(emit) == stored
    assert inner == [[]]
    assert read_queue(state_dir) == []


def test_a_stuck_drains_claim_is_taken_over_after_the_timeout(
    state_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    clock = Clock(T0)
    queue = AlertQueue(state_dir, clock=clock)
    stored = queue.add([alert("a")])
    inner: list[list[dict[str, Any]]] = []

    def emit(batch: list[dict[str, Any]]) -> None:
        assert_unlocked(state_dir)
        clock.now = T0 + timedelta(seconds=CLAIM_TIMEOUT_S)
        inner.append(AlertQueue(state_dir, clock=clock).drain(lambda b: None))

    with caplog.at_level(logging.WARNING, logger="taskrunner.alerts"):
        assert queue.drain(emit) == stored
    # at least once: both drains delivered it, and both say so
    assert inner == [stored]
    assert "took over alerts claimed by a drain that died or is stuck" in caplog.text
    assert "may be delivered twice" in caplog.text
    assert read_queue(state_dir) == []


def test_a_dead_drains_claim_is_taken_over_at_once(state_dir: Path) -> None:
    queue = AlertQueue(state_dir, clock=Clock(T0))
    [entry] = queue.add([alert("a")])
    claim = {"token": "t1", "pid": dead_pid(), "host": os.uname().nodename}
    write_queue(state_dir, [{**entry, "claim": {**claim, "claimed_at": T0.isoformat()}}])
    assert queue.drain(lambda b: None) == [entry]
    assert read_queue(state_dir) == []


def test_a_claim_from_another_host_is_only_taken_over_after_the_timeout(
    state_dir: Path,
) -> None:
    clock = Clock(T0)
    queue = AlertQueue(state_dir, clock=clock)
    [entry] = queue.add([alert("a")])
    # That pid means nothing here, dead or alive: only the claim's age counts.
    claim = {"token": "t1", "pid": dead_pid(), "host": "another-host"}
    write_queue(state_dir, [{**entry, "claim": {**claim, "claimed_at": T0.isoformat()}}])
    assert queue.drain(lambda b: None) == []
    clock.now = T0 + timedelta(seconds=CLAIM_TIMEOUT_S)
    assert queue.drain(lambda b: None) == [entry]


@pytest.mark.parametrize(
    "claim",
    ["junk", {"token": "t", "pid": "12", "host": None, "claimed_at": "yesterday"}, {}],
    ids=["not-an-object", "bad-fields", "empty"],
)
def test_a_hand_edited_claim_does_not_keep_an_alert_forever(state_dir: Path, claim: Any) -> None:
    queue = AlertQueue(state_dir, clock=Clock(T0))
    [entry] = queue.add([alert("a")])
    write_queue(state_dir, [{**entry, "claim": claim}])
    assert queue.drain(lambda b: None) == [entry]


def test_a_repeat_of_a_claimed_alert_is_queued_fresh_not_folded_in(state_dir: Path) -> None:
    clock = Clock(T0)
    queue = AlertQueue(state_dir, clock=clock)
    [first] = queue.add([alert("disk 91% full", key="disk")])
    repeats: list[dict[str, Any]] = []

    def emit(batch: list[dict[str, Any]]) -> None:
        assert_unlocked(state_dir)
        clock.now = T0 + timedelta(minutes=5)
        repeats.extend(queue.add([alert("disk 93% full", key="disk")]))

    assert queue.drain(emit) == [first]
    [repeat] = repeats
    assert repeat["id"] != first["id"]
    # the repeat survived the drain that removed the claimed entry, with its own count
    assert queue.pending() == [repeat]
    assert repeat["count"] == 1 and repeat["message"] == "disk 93% full"


def test_a_failed_drain_releases_its_claims_and_folds_repeats_back(state_dir: Path) -> None:
    clock = Clock(T0)
    queue = AlertQueue(state_dir, clock=clock)
    [first] = queue.add([alert("disk 91% full", key="disk")])
    [other] = queue.add([alert("backup is old", task="backup")])

    def emit(batch: list[dict[str, Any]]) -> None:
        assert_unlocked(state_dir)
        clock.now = T0 + timedelta(minutes=5)
        queue.add([alert("disk 93% full", key="disk")])
        raise BrokenPipeError(32, "Broken pipe")

    with pytest.raises(BrokenPipeError):
        queue.drain(emit)
    later = (T0 + timedelta(minutes=5)).isoformat()
    assert queue.pending() == [
        {**first, "count": 2, "message": "disk 93% full", "last_timestamp": later},
        other,
    ]


def test_drain_releases_its_claims_when_interrupted(state_dir: Path) -> None:
    queue = AlertQueue(state_dir)
    stored = queue.add([alert("a")])

    def emit(batch: list[dict[str, Any]]) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        queue.drain(emit)
    assert queue.pending() == stored


def test_a_drain_that_cannot_remove_what_it_delivered_says_so(state_dir: Path) -> None:
    queue = AlertQueue(state_dir)
    queue.add([alert("a")])
    queue_path = state_dir / "alerts" / "pending.json"

    def emit(batch: list[dict[str, Any]]) -> None:
        queue_path.unlink()
        queue_path.mkdir()  # the queue became unreadable after the claim

    with pytest.raises(AlertQueueError, match="delivered but could not be removed from"):
        queue.drain(emit)
