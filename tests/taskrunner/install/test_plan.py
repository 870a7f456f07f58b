"""What install schedules: tasks, command lines, timeouts above the worst case."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from taskrunner import discovery, paths
from taskrunner.errors import UsageError
from taskrunner.install import plan
from taskrunner.install.schedule import cron, every


def names(env: dict[str, str] | None = None) -> list[str]:
    return [n for n, _, _ in plan.scheduled_tasks({}, env)]


def test_defaults_schedule_the_builtin_tasks_that_exist() -> None:
    builtin = set(discovery.discover({}))
    expected = [n for n, _ in plan.DEFAULT_SCHEDULES if n in builtin]
    assert names({}) == expected
    assert {"memory_capture", "memory_consolidate", "system_health", "memory_guard"} <= set(
        expected
    )


def test_overrides_replace_defaults_and_unknown_tasks_are_refused() -> None:
    overrides = plan.parse_overrides(["system_health=10m"], ["memory_capture=30 * * * *"])
    assert overrides == {"system_health": every("10m"), "memory_capture": cron("30 * * * *")}
    chosen = {n: s for n, s, _ in plan.scheduled_tasks(overrides)}
    assert chosen["system_health"] == every("10m")
    assert chosen["memory_consolidate"] == cron("0 3 * * *")
    with pytest.raises(UsageError, match="unknown task"):
        plan.scheduled_tasks(plan.parse_overrides(["nope=5m"], []))
    with pytest.raises(UsageError, match="TASK=SCHEDULE"):
        plan.parse_overrides(["5m"], [])
    with pytest.raises(UsageError, match="two schedules"):
        plan.parse_overrides(["noop=5m"], ["noop=0 * * * *"])


def test_job_timeout_exceeds_attempts_times_timeout_plus_backoff(tmp_path: Path) -> None:
    class Slow:
        retries = 3
        timeout_s = 600.0
        max_backoff_s = 60.0
        backoff_jitter = 0.5

    # 4 attempts x 600 s + waits 2, 4, 8 s (each up to +50 % jitter)
    assert plan.worst_case_s(Slow) == pytest.approx(2400 + 14 * 1.5)
    assert plan.job_timeout_s(Slow) > plan.worst_case_s(Slow)
    for name, _, cls in plan.scheduled_tasks({}):
        assert plan.job_timeout_s(cls) > (cls.retries + 1) * cls.timeout_s, name


def test_argv_is_absolute_with_workspace_and_state_pinned(tmp_path: Path) -> None:
    target = plan.Target(tmp_path / "ws", tmp_path / "st", "main")
    argv = plan.runner_argv("system_health", target)
    assert Path(argv[0]).is_absolute() and Path(argv[0]).samefile(sys.executable)
    assert argv[1] == str(paths.RUNNER_HOME / "runner.py")
    assert argv[2:4] == ("system_health", "--scheduled")
    assert argv[4:] == ("--workspace", str(tmp_path / "ws"), "--state-dir", str(tmp_path / "st"))


def test_declaration_keys_per_agent(tmp_path: Path) -> None:
    main = plan.Target(tmp_path, tmp_path, "main", default_agent=True)
    ops = plan.Target(tmp_path, tmp_path, "ops", default_agent=False)
    assert main.declaration_key("memory_capture") == "taskrunner:memory_capture"
    assert ops.declaration_key("memory_capture") == "taskrunner:ops:memory_capture"
    a = plan.Target(tmp_path / "a", tmp_path, None, default_agent=False)
    b = plan.Target(tmp_path / "b", tmp_path, None, default_agent=False)
    assert a.declaration_key("noop").startswith("taskrunner:ws-")
    assert a.declaration_key("noop") != b.declaration_key("noop")
