"""The alert queue under real processes: concurrent producers and drainers lose nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from support.alerts import read_queue
from support.paths import ROOT, RUNNER
from support.runner import run_runner

PRODUCER = """
import sys
from pathlib import Path
from taskrunner.alerts import AlertQueue
from taskrunner.errors import AlertQueueError

state, proc, count = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
queue = AlertQueue(state)
for i in range(count):
    queue.add([{"task": "producer", "level": "warning", "message": f"p{proc}-a{i}",
                "run_id": f"run-{proc}"}])
"""


DRAINER = """
import json, sys, time
from pathlib import Path
from taskrunner.alerts import AlertQueue
from taskrunner.errors import AlertQueueError

state, stop = Path(sys.argv[1]), Path(sys.argv[2])
queue = AlertQueue(state)

def emit(batch):
    if batch:
        sys.stdout.write(json.dumps(batch) + "\\n")
        sys.stdout.flush()

while True:
    finished = stop.exists()  # checked first: the last drain runs after every producer
    queue.drain(emit)
    if finished:
        break
    time.sleep(0.002)
"""


PROCESSES = 10


ALERTS_EACH = 50


def _python(code: str, *args: str, stdout: Any = subprocess.PIPE) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-c", code, *args],
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def _start_producers(state_dir: Path) -> list[subprocess.Popen[str]]:
    return [_python(PRODUCER, str(state_dir), str(p), str(ALERTS_EACH)) for p in range(PROCESSES)]


def _wait_ok(proc: subprocess.Popen[str]) -> str:
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    return out


def _expected_messages() -> set[str]:
    return {f"p{p}-a{i}" for p in range(PROCESSES) for i in range(ALERTS_EACH)}


def test_concurrent_producers_lose_and_duplicate_nothing(state_dir: Path) -> None:
    for proc in _start_producers(state_dir):
        _wait_ok(proc)
    entries = read_queue(state_dir)  # valid JSON, an array
    assert len(entries) == PROCESSES * ALERTS_EACH
    assert {e["message"] for e in entries} == _expected_messages()
    assert len({e["id"] for e in entries}) == len(entries)
    assert all(e["count"] == 1 for e in entries)


def _check_drained_exactly_once(drained: list[dict[str, Any]], state_dir: Path) -> None:
    ids = [e["id"] for e in drained]
    messages = [e["message"] for e in drained]
    assert len(drained) == PROCESSES * ALERTS_EACH
    assert len(set(ids)) == len(ids), "an alert was drained twice"
    assert sorted(messages) == sorted(_expected_messages())
    assert read_queue(state_dir) == []


def test_concurrent_drainers_and_producers_deliver_every_alert_once(
    state_dir: Path, tmp_path: Path
) -> None:
    stop = tmp_path / "stop"
    outputs = [tmp_path / f"drained-{n}.jsonl" for n in range(2)]
    drainers = []
    for output in outputs:
        # A file, not a pipe: a drainer blocked on a full pipe would hold the
        # queue lock and stall the producers until this test read it.
        with output.open("w") as sink:
            drainers.append(_python(DRAINER, str(state_dir), str(stop), stdout=sink))
    for proc in _start_producers(state_dir):
        _wait_ok(proc)
    stop.touch()
    for proc in drainers:
        _wait_ok(proc)
    drained = [
        entry
        for output in outputs
        for line in output.read_text().splitlines()
        for entry in json.loads(line)
    ]
    _check_drained_exactly_once(drained, state_dir)


@pytest.mark.skipif(not RUNNER.exists(), reason="runner.py not present")
def test_runner_alerts_drain_loop_with_producers(state_dir: Path) -> None:
    producers = _start_producers(state_dir)
    drained: list[dict[str, Any]] = []

    def drain_once() -> None:
        result = run_runner("alerts", "--drain")
        assert result.returncode == 0, result.stderr
        batch = json.loads(result.stdout)
        assert isinstance(batch, list)
        drained.extend(batch)

    while any(p.poll() is None for p in producers):
        drain_once()
    for proc in producers:
        _wait_ok(proc)
    drain_once()  # after the last producer
    _check_drained_exactly_once(drained, state_dir)
