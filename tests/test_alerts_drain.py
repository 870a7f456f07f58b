"""Draining the alert queue: claims, slow and vanishing readers, crashed drains."""

from __future__ import annotations

import fcntl
import json
import logging
import os
import signal
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, RUNNER

from taskrunner.alerts import CLAIM_TIMEOUT_S, AlertQueue
from taskrunner.errors import AlertQueueError

TZ = timezone(timedelta(hours=1))
T0 = datetime(2026, 3, 1, 3, 0, tzinfo=TZ)

needs_runner = pytest.mark.skipif(not RUNNER.exists(), reason="runner.py not present")

#: long enough that a JSON batch of this many alerts overflows a pipe buffer (64 KiB) several times
MANY_ALERTS = 1000
_FILLER = "x" * 200


class Clock:
    """A settable clock."""

    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def alert(message: str, *, task: str = "disk_check", **extra: Any) -> dict[str, Any]:
    return {"task": task, "level": "warning", "message": message, "run_id": "run-1", **extra}


def read_queue(state_dir: Path) -> list[dict[str, Any]]:
    data = json.loads((state_dir / "alerts" / "pending.json").read_text(encoding="utf-8"))
    assert isinstance(data, list)
    return data


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
    queue = AlertQueue(state_dir, clock=Clock())
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
    clock = Clock()
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
    clock = Clock()
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
    queue = AlertQueue(state_dir, clock=Clock())
    [entry] = queue.add([alert("a")])
    claim = {"token": "t1", "pid": dead_pid(), "host": os.uname().nodename}
    write_queue(state_dir, [{**entry, "claim": {**claim, "claimed_at": T0.isoformat()}}])
    assert queue.drain(lambda b: None) == [entry]
    assert read_queue(state_dir) == []


def test_a_claim_from_another_host_is_only_taken_over_after_the_timeout(
    state_dir: Path,
) -> None:
    clock = Clock()
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
    queue = AlertQueue(state_dir, clock=Clock())
    [entry] = queue.add([alert("a")])
    write_queue(state_dir, [{**entry, "claim": claim}])
    assert queue.drain(lambda b: None) == [entry]


def test_a_repeat_of_a_claimed_alert_is_queued_fresh_not_folded_in(state_dir: Path) -> None:
    clock = Clock()
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
    clock = Clock()
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


# -- real processes ------------------------------------------------------------------------


def queue_many(state_dir: Path) -> list[dict[str, Any]]:
    queue = AlertQueue(state_dir)
    return queue.add([alert(f"alert {i} {_FILLER}") for i in range(MANY_ALERTS)])


def runner_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    return {**env, **extra}


def start_drain(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, str(RUNNER), "alerts", "--drain"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )


def bytes_waiting(fd: int) -> int:
    raw = fcntl.ioctl(fd, termios.FIONREAD, struct.pack("i", 0))
    return int(struct.unpack("i", raw)[0])


def wait_for_output(proc: subprocess.Popen[bytes], timeout_s: float = 60) -> None:
    """Wait until the drain has started writing (so it has claimed its alerts)."""
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout_s
    while bytes_waiting(proc.stdout.fileno()) == 0:
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        assert time.monotonic() < deadline, "the drain never started writing"
        time.sleep(0.01)


@pytest.fixture
def reaper() -> Iterator[list[subprocess.Popen[Any]]]:
    """Processes a test started: killed if the test leaves them running."""
    procs: list[subprocess.Popen[Any]] = []
    yield procs
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
        proc.wait()


@needs_runner
@pytest.mark.parametrize("unbuffered", [True, False], ids=["unbuffered", "buffered"])
def test_drain_to_a_reader_that_closes_early_keeps_every_alert(
    state_dir: Path, unbuffered: bool, reaper: list[subprocess.Popen[Any]]
) -> None:
    stored = queue_many(state_dir)
    env = runner_env(PYTHONUNBUFFERED="1") if unbuffered else runner_env()
    proc = start_drain(env)
    reaper.append(proc)
    assert proc.stdout is not None and proc.stderr is not None
    head = proc.stdout.read(100_000)  # `| head -c 100000`
    assert len(head) == 100_000
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 1, err
    assert "they stay queued for the next drain" in err
    assert "Traceback" not in err
    assert read_queue(state_dir) == stored  # all there, none left claimed


@needs_runner
def test_a_stalled_drain_reader_does_not_block_task_runs(
    state_dir: Path, reaper: list[subprocess.Popen[Any]]
) -> None:
    stored = queue_many(state_dir)
    drain = start_drain(runner_env())
    reaper.append(drain)
    wait_for_output(drain)  # its stdout is a pipe nobody reads: the drain is stuck writing
    producer = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from pathlib import Path; from taskrunner.alerts import AlertQueue; "
            "AlertQueue(Path(sys.argv[1])).add([{'task': 'disk_check', 'level': 'warning', "
            "'message': sys.argv[2], 'run_id': 'run-2'}, {'task': 'disk_check', "
            "'level': 'error', 'message': 'new alert', 'run_id': 'run-2'}])",
            str(state_dir),
            stored[0]["message"],  # a repeat of an alert the drain claimed
        ],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stderr=subprocess.PIPE,
    )
    reaper.append(producer)
    try:
        # Generous: it takes milliseconds, but must not hang the suite if it blocks.
        _, producer_err = producer.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail("adding an alert waited for the drain's stalled reader")
    assert producer.returncode == 0, producer_err.decode()
    assert drain.poll() is None  # still stuck: the add did not wait for it to finish
    during = AlertQueue(state_dir).pending()
    assert len(during) == MANY_ALERTS + 2
    assert {e["claim"]["pid"] for e in during[:MANY_ALERTS]} == {drain.pid}
    assert [e.get("claim") for e in during[MANY_ALERTS:]] == [None, None]

    out, err = drain.communicate(timeout=60)  # the reader finally reads everything
    assert drain.returncode == 0, err.decode()
    first = json.loads(out)
    assert first == stored
    second = AlertQueue(state_dir).drain(lambda batch: None)
    assert [(e["message"], e["count"]) for e in second] == [
        (stored[0]["message"], 1),
        ("new alert", 1),
    ]
    delivered = [e["id"] for e in first + second]
    assert len(delivered) == len(set(delivered)) == MANY_ALERTS + 2
    assert read_queue(state_dir) == []


@needs_runner
def test_alerts_of_a_drain_killed_mid_write_go_to_the_next_drain(
    state_dir: Path, reaper: list[subprocess.Popen[Any]]
) -> None:
    stored = queue_many(state_dir)
    drain = start_drain(runner_env())
    reaper.append(drain)
    wait_for_output(drain)
    drain.send_signal(signal.SIGKILL)
    drain.wait(timeout=60)
    assert all("claim" in e for e in read_queue(state_dir))  # it died holding them

    again = start_drain(runner_env())
    reaper.append(again)
    out, err = again.communicate(timeout=60)
    assert again.returncode == 0, err.decode()
    assert json.loads(out) == stored
    assert "took over alerts claimed by a drain that died" in err.decode()
    assert read_queue(state_dir) == []
