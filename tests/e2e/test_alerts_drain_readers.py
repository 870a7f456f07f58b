"""runner.py alerts --drain to real readers: one that closes early or stalls; a drain killed."""

from __future__ import annotations

import fcntl
import json
import os
import signal
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from support.alerts import alert, read_queue
from support.paths import ROOT, RUNNER
from taskrunner.alerts import AlertQueue

#: long enough that a JSON batch of this many alerts overflows a pipe buffer (64 KiB) several times
MANY_ALERTS = 1000
_FILLER = "x" * 200


def queue_many(state_dir: Path) -> list[dict[str, Any]]:
    queue = AlertQueue(state_dir)
    return queue.add([alert(f"alert {i} {_FILLER}") for i in range(MANY_ALERTS)])


def runner_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    return {**env, **extra}


def start_drain(
    reaper: list[subprocess.Popen[Any]], env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """``runner.py alerts --drain`` in the background (``env``: ``runner_env()``), handed to
    ``reaper`` so it does not outlive the test."""
    proc = subprocess.Popen(
        [sys.executable, str(RUNNER), "alerts", "--drain"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=runner_env() if env is None else env,
    )
    reaper.append(proc)
    return proc


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


@pytest.mark.parametrize("unbuffered", [True, False], ids=["unbuffered", "buffered"])
def test_drain_to_a_reader_that_closes_early_keeps_every_alert(
    state_dir: Path, unbuffered: bool, reaper: list[subprocess.Popen[Any]]
) -> None:
    stored = queue_many(state_dir)
    env = runner_env(PYTHONUNBUFFERED="1") if unbuffered else runner_env()
    proc = start_drain(reaper, env)
    assert proc.stdout is not None and proc.stderr is not None
    head = proc.stdout.read(100_000)  # `| head -c 100000`
    assert len(head) == 100_000
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 1, err
    assert "they stay queued for the next drain" in err
    assert "Traceback" not in err
    assert read_queue(state_dir) == stored  # all there, none left claimed


def test_a_stalled_drain_reader_does_not_block_task_runs(
    state_dir: Path, reaper: list[subprocess.Popen[Any]]
) -> None:
    stored = queue_many(state_dir)
    drain = start_drain(reaper)
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


def test_alerts_of_a_drain_killed_mid_write_go_to_the_next_drain(
    state_dir: Path, reaper: list[subprocess.Popen[Any]]
) -> None:
    stored = queue_many(state_dir)
    drain = start_drain(reaper)
    wait_for_output(drain)
    drain.send_signal(signal.SIGKILL)
    drain.wait(timeout=60)
    assert all("claim" in e for e in read_queue(state_dir))  # it died holding them

    again = start_drain(reaper)
    out, err = again.communicate(timeout=60)
    assert again.returncode == 0, err.decode()
    assert json.loads(out) == stored
    assert "took over alerts claimed by a drain that died" in err.decode()
    assert read_queue(state_dir) == []
