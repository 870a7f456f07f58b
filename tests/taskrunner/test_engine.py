"""The engine in-process, with injected sleep: retries, permanent errors, alerts, timeouts."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, ClassVar

import pytest

from taskrunner.engine import Engine, RunSettings
from taskrunner.errors import CorruptInput
from taskrunner.task import Task

COUNTER_ENV = "TR_TEST_COUNTER"


def bump(path: Path) -> int:
    """Count attempts across forked workers through a file."""
    n = int(path.read_text()) + 1 if path.exists() else 1
    path.write_text(str(n))
    return n


class Flaky(Task):
    """Fails until attempt ``succeed_on``; raises one alert per attempt."""

    succeed_on: ClassVar[int] = 3
    counter: ClassVar[Path]

    @property
    def name(self) -> str:
        return "flaky"

    @property
    def description(self) -> str:
        return "flaky"

    def run(self) -> dict[str, Any]:
        n = bump(self.counter)
        self.alert(f"attempt {n} saw something", level="warning")
        if n < self.succeed_on:
            raise RuntimeError(f"boom {n}")
        return {"success": True, "message": f"ok on {n}", "items_added": 5, "task": "fake"}


class Broken(Task):
    counter: ClassVar[Path]

    @property
    def name(self) -> str:
        return "broken"

    @property
    def description(self) -> str:
        return "broken"

    def run(self) -> dict[str, Any]:
        bump(self.counter)
        raise CorruptInput("store.json is not valid JSON at line 1 col 2")


def settings(state: Path, **kw: Any) -> RunSettings:
    return RunSettings(state_dir=state, lock_dir=state / "locks", workspace=None, **kw)


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def engine(sleeps: list[float]) -> Engine:
    return Engine(sleep=sleeps.append, announce=lambda line: None)


def test_retries_with_exponential_backoff_then_success(
    tmp_path: Path, engine: Engine, sleeps: list[float]
) -> None:
    Flaky.counter = tmp_path / "n"
    result = engine.run("flaky", Flaky, settings(tmp_path))
    assert result.exit_code == 0
    assert sleeps == [2.0, 4.0]
    rec = result.record
    assert rec["status"] == "success" and rec["attempts"] == 3
    assert rec["items_added"] == 5
    assert rec["task"] == "flaky"  # a task's field never overwrites the runner's
    # Only the final attempt's alerts are published.
    assert [a["message"] for a in result.alerts] == ["attempt 3 saw something"]
    assert result.alerts[0]["run_id"] == rec["run_id"]


def test_all_attempts_fail_publishes_one_error_alert(
    tmp_path: Path, engine: Engine, sleeps: list[float]
) -> None:
    Flaky.counter = tmp_path / "n"

    class NeverOk(Flaky):
        succeed_on = 99

    result = engine.run("flaky", NeverOk, settings(tmp_path))
    assert result.exit_code == 1
    assert sleeps == [2.0, 4.0, 8.0]
    assert result.record["attempts"] == 4
    assert result.record["error"] == {"type": "RuntimeError", "message": "boom 4"}
    errors = [a for a in result.alerts if a["level"] == "error"]
    assert len(errors) == 1
    assert errors[0]["message"].startswith("flaky failed after 4 attempts: RuntimeError: boom 4")


class Withdrawing(Task):
    """Takes back an alert of an earlier run and one of its own; fails when told to."""

    fail: ClassVar[bool] = False

    @property
    def name(self) -> str:
        return "withdrawing"

    @property
    def description(self) -> str:
        return "withdrawing"

    def run(self) -> dict[str, Any]:
        self.alert("loop a is open", key="loop:a")
        self.alert("loop b is open", key="loop:b")
        self.withdraw_alert("loop:a")  # closed after all, within this run
        self.withdraw_alert("loop:old")  # queued by an earlier run
        if self.fail:
            raise CorruptInput("the store broke half-way")
        return {"success": True, "message": "ok"}


def test_a_successful_run_takes_back_the_alerts_it_withdraws(
    tmp_path: Path, engine: Engine
) -> None:
    result = engine.run("withdrawing", Withdrawing, settings(tmp_path))
    assert result.exit_code == 0
    assert [a["key"] for a in result.alerts] == ["loop:b"]  # its own withdrawn one never queued
    assert result.withdrawn == ["loop:a", "loop:old"]


def test_a_failed_run_takes_nothing_back(tmp_path: Path, engine: Engine) -> None:
    class Failing(Withdrawing):
        fail = True

    result = engine.run("withdrawing", Failing, settings(tmp_path))
    assert result.exit_code == 1
    assert result.withdrawn == []


def test_retries_override_and_no_retry(tmp_path: Path, engine: Engine, sleeps: list[float]) -> None:
    Flaky.counter = tmp_path / "n"
    result = engine.run("flaky", Flaky, settings(tmp_path, retries=0))
    assert result.exit_code == 1 and result.record["attempts"] == 1 and sleeps == []


def test_permanent_error_is_not_retried(
    tmp_path: Path, engine: Engine, sleeps: list[float]
) -> None:
    Broken.counter = tmp_path / "n"
    result = engine.run("broken", Broken, settings(tmp_path))
    assert result.exit_code == 1
    assert (tmp_path / "n").read_text() == "1" and sleeps == []
    assert result.record["error"]["type"] == "CorruptInput"
    assert "line 1 col 2" in result.record["message"]


def test_result_with_retry_false_is_a_finding_not_retried(
    tmp_path: Path, engine: Engine, sleeps: list[float]
) -> None:
    class Finding(Broken):
        def run(self) -> dict[str, Any]:
            bump(self.counter)
            self.alert("disk 95% full", level="critical", key="health:disk:/")
            return {"success": False, "message": "disk critical", "retry": False}

    Finding.counter = tmp_path / "n"
    result = engine.run("finding", Finding, settings(tmp_path))
    assert result.exit_code == 1 and sleeps == []
    # The task already reported the cause at critical level: no second, generic alert.
    assert [a["key"] for a in result.alerts] == ["health:disk:/"]


def test_success_false_is_retried(tmp_path: Path, engine: Engine, sleeps: list[float]) -> None:
    class Soft(Broken):
        def run(self) -> dict[str, Any]:
            n = bump(self.counter)
            return {"success": n >= 2, "message": f"try {n}"}

    Soft.counter = tmp_path / "n"
    result = engine.run("soft", Soft, settings(tmp_path))
    assert result.exit_code == 0 and result.record["attempts"] == 2 and sleeps == [2.0]


def test_non_dict_result_is_a_plugin_error_not_retried(
    tmp_path: Path, engine: Engine, sleeps: list[float]
) -> None:
    class Bad(Broken):
        def run(self) -> Any:
            return ["not", "a", "dict"]

    result = engine.run("bad", Bad, settings(tmp_path))
    assert result.exit_code == 1 and sleeps == []
    assert result.record["error"]["type"] == "PluginError"
    assert "returned list" in result.record["message"]


def test_timeout_is_recorded_and_not_retried(
    tmp_path: Path, engine: Engine, sleeps: list[float]
) -> None:
    class Hang(Broken):
        def run(self) -> dict[str, Any]:
            import time

            time.sleep(3600)
            return {"success": True, "message": "never"}

    result = engine.run("hang", Hang, settings(tmp_path, timeout_s=0.3))
    assert result.exit_code == 1 and sleeps == []
    assert result.record["status"] == "timeout"
    assert "timed out after 0.3s" in result.record["message"]


def test_worker_dying_without_result_is_a_failure(
    tmp_path: Path, engine: Engine, sleeps: list[float]
) -> None:
    class Dies(Broken):
        def run(self) -> dict[str, Any]:
            os._exit(9)

    result = engine.run("dies", Dies, settings(tmp_path, retries=1))
    assert result.exit_code == 1 and result.record["attempts"] == 2
    assert "exited with code 9" in result.record["message"]


def test_invalid_alert_level_fails_the_attempt_clearly(tmp_path: Path, engine: Engine) -> None:
    class Loud(Broken):
        def run(self) -> dict[str, Any]:
            self.alert("x", level="fatal")
            return {"success": True, "message": "x"}

    result = engine.run("loud", Loud, settings(tmp_path, retries=0))
    assert result.record["error"]["type"] == "InvalidAlertLevel"
    assert "info, warning, error, critical" in result.record["message"]


def test_dry_run_reaches_the_task_and_skips_the_lock(tmp_path: Path, engine: Engine) -> None:
    class Dry(Broken):
        def run(self) -> dict[str, Any]:
            wrote = self.write_text(tmp_path / "out.txt", "data")
            return {"success": True, "message": f"dry={self.dry_run} wrote={wrote}"}

    result = engine.run("dry", Dry, settings(tmp_path, dry_run=True))
    assert result.record["message"] == "dry=True wrote=False"
    assert not (tmp_path / "out.txt").exists()
    assert not (tmp_path / "locks").exists()


def test_crashed_previous_run_is_reported(tmp_path: Path, engine: Engine) -> None:
    from taskrunner import runlock

    held = runlock.acquire(
        tmp_path / "locks", "dry", None, {"pid": 4242, "run_id": "7f3a" * 8, "started": "x"}
    )
    os.close(held.fd)  # the process "died" without marking the run finished

    class Ok(Broken):
        def run(self) -> dict[str, Any]:
            return {"success": True, "message": "fine"}

    result = engine.run("dry", Ok, settings(tmp_path))
    assert result.exit_code == 0
    [crashed] = result.earlier
    assert crashed["status"] == "crashed" and crashed["run_id"] == "7f3a" * 8
    assert crashed["detected_by"] == result.record["run_id"]
    # A second run finds the lock released cleanly: nothing more to report.
    assert engine.run("dry", Ok, settings(tmp_path)).earlier == []
