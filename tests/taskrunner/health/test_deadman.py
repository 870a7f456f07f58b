"""The dead-man's switch: overdue tasks, auto-disabled and missing jobs, as health findings."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from support.fake_gateway import FakeGateway
from support.fake_openclaw import FakeOpenclaw, job
from support.harness import run_task
from support.runner import in_plain_shell
from taskrunner.health import deadman
from taskrunner.health.state import plan_alerts
from taskrunner.install import manifest
from taskrunner.runlog import RunLog
from tasks.system_health import SystemHealthTask

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
WS = "/home/me/.openclaw/workspace"


def installed(task: str = "memory_capture", period_s: int = 3600, **extra: Any) -> dict[str, Any]:
    return {
        "task": task,
        "workspace": WS,
        "target": "openclaw",
        "schedule": {"kind": "cron", "expr": "0 * * * *"},
        "period_seconds": period_s,
        "timeout_seconds": 600,
        "installed_at": (NOW - timedelta(days=3)).isoformat(),
        "declaration_key": f"taskrunner:{task}",
        **extra,
    }


def run(task: str, ago: timedelta, status: str = "success") -> dict[str, Any]:
    return {"task": task, "workspace": WS, "status": status, "timestamp": (NOW - ago).isoformat()}


def listed(task: str = "memory_capture") -> list[dict[str, Any]]:
    entry = job(f"id-{task}", f"taskrunner {task}", last="ok")
    entry["declarationKey"] = f"taskrunner:{task}"
    return [entry]


def keys(check: Any) -> list[tuple[str, str]]:
    return [(p.key, p.level) for p in check.problems]


def test_on_time_late_and_never_run() -> None:
    jobs = [installed()]
    # hourly, grace 15 min: 70 min since the last success is fine, 80 min is overdue
    ok = deadman.check_schedule(
        jobs, [run("memory_capture", timedelta(minutes=70))], listed(), NOW, "r"
    )
    assert ok.status == "ok" and not ok.problems
    late = [
        run("memory_capture", timedelta(minutes=80)),
        run("memory_capture", timedelta(minutes=20), "failed"),
    ]
    check = deadman.check_schedule(jobs, late, listed(), NOW, "runner.py")
    assert keys(check) == [("health:overdue:memory_capture", "error")]
    assert "last succeeded 80 minutes ago" in check.problems[0].message
    assert check.data["overdue"] == ["memory_capture"]
    never = deadman.check_schedule(jobs, [], listed(), NOW, "runner.py")
    assert "has not succeeded since it was installed 3.0 days ago" in never.problems[0].message


def test_grace_covers_a_long_running_task() -> None:
    slow = installed(timeout_seconds=2400)
    recent = [run("memory_capture", timedelta(minutes=90))]
    assert not deadman.check_schedule([slow], recent, listed(), NOW, "r").problems


def test_auto_disabled_failing_and_missing_jobs() -> None:
    ours = job("id-ours", "taskrunner memory_capture", enabled=False)
    ours["declarationKey"] = "taskrunner:memory_capture"
    ours["state"]["autoDisabled"] = {"reason": "consecutive-failures", "atMs": 1}
    theirs = job("id-theirs", "backup", enabled=False)
    theirs["state"]["autoDisabled"] = {"reason": "consecutive-failures"}
    paused = job("id-health", "taskrunner system_health", enabled=False)
    paused["declarationKey"] = "taskrunner:system_health"
    jobs = [installed(), installed("system_health", 300), installed("memory_consolidate", 86400)]
    recent = [
        run(t, timedelta(minutes=1))
        for t in ("memory_capture", "system_health", "memory_consolidate")
    ]
    check = deadman.check_schedule(jobs, recent, [ours, theirs, paused], NOW, "runner.py")
    found = dict(keys(check))
    assert found["health:cron:id-ours"] == "error"
    assert found["health:cron:id-theirs"] == "warning"
    assert found["health:install:system_health"] == "warning"
    assert found["health:install:memory_consolidate"] == "error"
    messages = {p.key: p.message for p in check.problems}
    assert "`openclaw cron enable id-ours`" in messages["health:cron:id-ours"]
    assert "missing" in messages["health:install:memory_consolidate"]


def test_unreadable_listing_keeps_known_job_problems_and_one_recovery_notice() -> None:
    jobs = [installed()]
    before = deadman.check_schedule(jobs, [], [], NOW, "r")  # missing + never ran
    alerts, state = plan_alerts({}, [before], NOW.isoformat())
    assert {a["key"] for a in alerts} == {
        "health:overdue:memory_capture",
        "health:install:memory_capture",
    }
    blind = deadman.check_schedule(
        jobs, [run("memory_capture", timedelta(minutes=1))], None, NOW, "r"
    )
    alerts, state = plan_alerts(state, [blind], NOW.isoformat())
    # overdue recovered (one notice); the job problem is kept while it could not be looked at
    assert [a["key"] for a in alerts] == ["health:overdue:memory_capture:recovered"]
    assert "health:install:memory_capture" in state


class QuickHealth(SystemHealthTask):
    gateway_recheck_delay_s = 0.0


def run_health(
    state_dir: Path, workspace: Path, gw: FakeGateway, fake: FakeOpenclaw
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """system_health at NOW against ``gw`` and ``fake``: its result and the alerts it raised."""
    options = {"gateway_url": gw.url, "openclaw_bin": str(fake.path)}
    options.update(disk_warn=99.8, disk_critical=99.9)
    done = run_task(QuickHealth(), state_dir, workspace=workspace, now=NOW, options=options)
    return done.result, done.alerts


@pytest.fixture
def gw() -> Iterator[FakeGateway]:
    with FakeGateway() as server:
        yield server


def test_system_health_reports_an_overdue_task_from_the_run_log(
    state_dir: Path, workspace: Path, gw: FakeGateway, tmp_path: Path
) -> None:
    fake = FakeOpenclaw(tmp_path / "bin")
    listed = job("id-cap", "taskrunner memory_capture", last="ok")
    listed["declarationKey"] = "taskrunner:memory_capture"
    fake.jobs(listed)
    manifest.save(
        state_dir,
        {"openclaw:x": {"target": "openclaw", "workspace": str(workspace), "agent": "main",
                        "installed_at": (NOW - timedelta(days=2)).isoformat(),
                        "jobs": {"memory_capture": {**installed(), "workspace": str(workspace)}}}},
    )  # fmt: skip
    RunLog(state_dir).append(
        {"task": "memory_capture", "workspace": str(workspace), "status": "success",
         "timestamp": (NOW - timedelta(hours=5)).isoformat()}
    )  # fmt: skip
    result, alerts = run_health(state_dir, workspace, gw, fake)
    assert result["success"] is True
    schedule = next(c for c in result["checks"] if c["name"] == "schedule")
    assert schedule["status"] == "warning" and schedule["overdue"] == ["memory_capture"]
    assert [(a["key"], a["level"]) for a in alerts] == [("health:overdue:memory_capture", "error")]
    assert "5.0 hours ago" in alerts[0]["message"]


def test_a_corrupt_install_record_is_an_unknown_schedule_not_a_crash(
    state_dir: Path, workspace: Path, gw: FakeGateway, tmp_path: Path
) -> None:
    record = manifest.manifest_path(state_dir)
    record.parent.mkdir(parents=True)
    record.write_text("[]")
    fake = FakeOpenclaw(tmp_path / "bin")
    fake.jobs()
    result, alerts = run_health(state_dir, workspace, gw, fake)
    schedule = next(c for c in result["checks"] if c["name"] == "schedule")
    assert schedule["status"] == "unknown" and "install record" in schedule["detail"]
    assert [a["key"] for a in alerts] == ["health:install"]
    assert record.read_text() == "[]"  # a reader leaves it as it is


def test_the_commands_of_an_overdue_alert_work_pasted_into_a_plain_shell(
    state_dir: Path, workspace: Path, gw: FakeGateway, tmp_path: Path
) -> None:
    # Installed with a state dir of its own (TASKRUNNER_STATE_DIR here); a new terminal
    # has neither that variable nor, on a Mac, a python3 the runner accepts on its PATH.
    fake = FakeOpenclaw(tmp_path / "bin")
    listed = job("id-cap", "taskrunner memory_capture", last="ok")
    listed["declarationKey"] = "taskrunner:memory_capture"
    fake.jobs(listed)
    manifest.save(
        state_dir,
        {"openclaw:x": {"target": "openclaw", "workspace": str(workspace), "agent": "main",
                        "installed_at": (NOW - timedelta(days=2)).isoformat(),
                        "jobs": {"memory_capture": {**installed(), "workspace": str(workspace)}}}},
    )  # fmt: skip
    _, alerts = run_health(state_dir, workspace, gw, fake)
    [overdue] = [a for a in alerts if a["key"] == "health:overdue:memory_capture"]
    commands = re.findall(r"`([^`]*)`", overdue["message"])
    assert [c.split()[-1] for c in commands] == ["status", "memory_capture"]
    status, history = (in_plain_shell(c) for c in commands)
    assert status.returncode == 0, status.stderr
    assert "memory_capture" in status.stdout and "No scheduled tasks" not in status.stdout
    assert history.returncode == 0, history.stderr
