"""One attempt in a forked worker: its result and alerts come back, and it can always be stopped."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from support.processes import alive, wait_until_dead
from taskrunner.errors import PermanentError
from taskrunner.worker import run_attempt

Sink = Callable[[dict[str, Any]], None]


def test_the_result_and_the_alerts_come_back_in_order() -> None:
    def target(alert: Sink) -> dict[str, Any]:
        alert({"level": "warning", "message": "first"})
        alert({"level": "info", "message": "second ✓"})
        return {"success": True, "message": "done", "pid": os.getpid()}

    outcome = run_attempt(target, timeout_s=30)
    assert outcome.kind == "result" and outcome.error is None
    assert outcome.result is not None and outcome.result["message"] == "done"
    assert outcome.result["pid"] != os.getpid()  # it ran in another process
    assert [a["message"] for a in outcome.alerts] == ["first", "second ✓"]


def test_a_timeout_stops_a_c_loop_that_no_signal_handler_can_interrupt(tmp_path: Path) -> None:
    pidfile = tmp_path / "worker.pid"

    def target(alert: Sink) -> dict[str, Any]:
        pidfile.write_text(str(os.getpid()))
        return {"sum": sum(range(10**13))}  # hours of C code, no bytecode in between

    outcome = run_attempt(target, timeout_s=1.0)
    assert outcome.kind == "timeout" and outcome.result is None
    assert not alive(int(pidfile.read_text()))


def test_what_the_task_started_dies_with_the_attempt(tmp_path: Path) -> None:
    pidfile = tmp_path / "grandchild.pid"

    def target(alert: Sink) -> dict[str, Any]:
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(3600)"])
        pidfile.write_text(str(child.pid))
        return {"success": True, "message": "left a child behind"}

    outcome = run_attempt(target, timeout_s=30)
    assert outcome.kind == "result"
    assert wait_until_dead([int(pidfile.read_text())]) == []


@pytest.mark.parametrize(
    ("error", "permanent"),
    [(RuntimeError("flaky network"), False), (PermanentError("bad config"), True)],
)
def test_an_exception_is_an_error_permanent_only_when_it_says_so(
    error: Exception, permanent: bool
) -> None:
    def target(alert: Sink) -> dict[str, Any]:
        raise error

    outcome = run_attempt(target, timeout_s=30)
    assert outcome.kind == "error"
    assert outcome.error == {
        "type": type(error).__name__,
        "message": str(error),
        "permanent": permanent,
        "user_error": False,  # only InvalidRequest is the user's own mistake
    }


def test_sys_exit_in_a_task_is_a_permanent_error_saying_what_to_do() -> None:
    def target(alert: Sink) -> dict[str, Any]:
        sys.exit(0)

    outcome = run_attempt(target, timeout_s=30)
    assert outcome.kind == "error" and outcome.error is not None
    assert outcome.error["permanent"] is True
    assert "called sys.exit(0); a task returns a dict instead" in outcome.error["message"]


def test_a_worker_that_dies_without_a_result_is_reported_not_retried_forever() -> None:
    def target(alert: Sink) -> dict[str, Any]:
        os._exit(7)

    outcome = run_attempt(target, timeout_s=30)
    assert outcome.kind == "died" and outcome.error is not None
    assert outcome.error["type"] == "WorkerDied" and outcome.error["permanent"] is False
    assert "without a result" in outcome.error["message"]


def test_a_result_that_is_not_json_is_a_plugin_error() -> None:
    def target(alert: Sink) -> dict[str, Any]:
        return {("a", "tuple"): "as a key"}  # type: ignore[dict-item]

    outcome = run_attempt(target, timeout_s=30)
    assert outcome.kind == "error" and outcome.error is not None
    assert outcome.error["type"] == "PluginError"
    assert "result not serializable" in outcome.error["message"]


def test_the_runners_lock_is_closed_in_the_worker(tmp_path: Path) -> None:
    fd = os.open(tmp_path / "task.lock", os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)

    def target(alert: Sink) -> dict[str, Any]:
        try:
            os.fstat(fd)
        except OSError:
            return {"closed": True}
        return {"closed": False}

    try:
        outcome = run_attempt(target, timeout_s=30, close_fds=[fd])
    finally:
        os.close(fd)
    assert outcome.result == {"closed": True}


def test_with_json_output_a_tasks_stdout_goes_to_stderr(capfd: pytest.CaptureFixture[str]) -> None:
    def target(alert: Sink) -> dict[str, Any]:
        os.write(1, b"printed by the task\n")
        return {"success": True}

    capfd.readouterr()
    assert run_attempt(target, timeout_s=30, stdout_to_stderr=True).kind == "result"
    out, err = capfd.readouterr()
    assert "printed by the task" in err and "printed by the task" not in out


def test_an_attempt_ends_when_the_result_arrives_not_when_the_pipe_closes() -> None:
    def target(alert: Sink) -> dict[str, Any]:
        # A daemon-like child keeps every inherited descriptor, the result pipe too.
        if os.fork() == 0:
            time.sleep(3600)
            os._exit(0)
        return {"success": True}

    # Waiting for the pipe to close would wait for the child's hour: the timeout
    # would come first and the attempt would count as timed out.
    outcome = run_attempt(target, timeout_s=60)
    assert outcome.kind == "result" and outcome.result == {"success": True}
