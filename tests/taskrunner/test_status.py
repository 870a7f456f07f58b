"""``runner.py status``: schedules, last runs, overdue tasks, lock holders, alerts, jobs."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from support.paths import RUNNER
from support.plugin_factory import write_task
from support.runner import run_runner, runner_holding
from taskrunner import status
from taskrunner.alerts import AlertQueue
from taskrunner.install import manifest
from taskrunner.runlog import RunLog

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def record(workspace: Path, task: str, ago_min: int, state: str) -> dict[str, object]:
    return {
        "task": task,
        "workspace": str(workspace),
        "status": state,
        "success": state == "success",
        "timestamp": (NOW - timedelta(minutes=ago_min)).isoformat(),
        "message": f"{task} {state}",
    }


def install_record(state_dir: Path, workspace: Path, tasks: dict[str, int]) -> None:
    jobs = {
        task: {
            "task": task,
            "schedule": {"kind": "every", "every_seconds": period},
            "period_seconds": period,
            "timeout_seconds": 60,
        }
        for task, period in tasks.items()
    }
    manifest.save(
        state_dir,
        {
            f"crontab:{workspace}": {
                "target": "crontab",
                "workspace": str(workspace),
                "agent": None,
                "installed_at": (NOW - timedelta(days=1)).isoformat(),
                "jobs": jobs,
            }
        },
    )


def test_gather_per_task_rows_and_alerts_by_level(state_dir: Path, workspace: Path) -> None:
    install_record(state_dir, workspace, {"memory_capture": 3600, "system_health": 300})
    log = RunLog(state_dir)
    for rec in (
        record(workspace, "memory_capture", 200, "success"),
        record(workspace, "memory_capture", 140, "failed"),
        record(workspace, "memory_capture", 80, "failed"),
        record(workspace, "system_health", 3, "success"),
        record(workspace, "system_health", 1, "locked"),
        record(workspace / "other", "system_health", 0, "failed"),  # another workspace
    ):
        log.append(rec)
    AlertQueue(state_dir).add(
        [
            {"task": "t", "level": "error", "message": "a", "key": "a"},
            {"task": "t", "level": "warning", "message": "b", "key": "b"},
            {"task": "t", "level": "warning", "message": "c", "key": "c"},
        ]
    )
    args = argparse.Namespace(json=True, offline=True, openclaw_bin=None)
    doc = status.gather(args, state_dir, now=NOW)
    rows = {r["task"]: r for r in doc["tasks"]}
    capture, health = rows["memory_capture"], rows["system_health"]
    assert capture["overdue"] is True  # 200 min since the last success, hourly + 15 min grace
    assert capture["last_run"]["status"] == "failed"
    assert capture["last_success_age_seconds"] == 200 * 60
    assert capture["success_rate"] == 1 / 3
    assert health["overdue"] is False and health["last_run"]["status"] == "locked"
    assert health["success_rate"] == 1.0 and health["recent_runs"] == 1  # locked is not a run
    assert doc["alerts"] == {"pending": 3, "by_level": {"error": 1, "warning": 2}}
    assert doc["openclaw"] == {"checked": False, "reason": "nothing installed into OpenClaw"}
    text = status.render(doc)
    assert "memory_capture  OVERDUE" in text
    assert "alerts: 3 pending (1 error, 2 warning)" in text


def test_status_names_the_lock_holder_of_a_running_task(
    state_dir: Path, workspace: Path, tmp_path: Path
) -> None:
    plugins = tmp_path / "plugins"
    ready = tmp_path / "ready"
    write_task(
        plugins,
        "sleeper",
        f"open({str(ready)!r}, 'w').close()\ntime.sleep(60)\n"
        "return {'success': True, 'message': ''}",
    )
    env = {"TASKRUNNER_TASKS_PATH": str(plugins), "TASKRUNNER_CRONTAB_FILE": str(tmp_path / "tab")}
    done = run_runner("install", "--target", "crontab", "--workspace", str(workspace),
                      "--every", "sleeper=5m", "--no-skill", env=env)  # fmt: skip
    assert done.returncode == 0, done.stderr
    with runner_holding("sleeper", "--workspace", str(workspace), env=env, ready=ready) as holder:
        proc = run_runner("status", "--json", "--offline", env=env)
        assert proc.returncode == 0, proc.stderr
        rows = {r["task"]: r for r in json.loads(proc.stdout)["tasks"]}
        assert rows["sleeper"]["running"]["pid"] == holder.pid
        assert rows["sleeper"]["schedule"] == {"kind": "every", "every_seconds": 300}
        assert rows["memory_capture"]["running"] is None
        text = run_runner("status", "--offline", env=env).stdout
        assert f"sleeper  running (pid {holder.pid})" in text
    proc = run_runner("status", "--json", "--offline", env=env)
    rows = {r["task"]: r for r in json.loads(proc.stdout)["tasks"]}
    assert rows["sleeper"]["running"] is None  # finished: the lock file says so


def test_status_without_an_install_says_how_to_get_one(state_dir: Path) -> None:
    proc = run_runner("status")
    assert proc.returncode == 0
    # Pasted into a plain shell (no TASKRUNNER_STATE_DIR there), it installs into this state.
    assert f"`{sys.executable} {RUNNER} --state-dir {state_dir} install` sets them up" in (
        proc.stdout
    )


def test_status_on_a_corrupt_queue_says_so_exits_1_and_leaves_it_untouched(
    state_dir: Path,
) -> None:
    queue = state_dir / "alerts" / "pending.json"
    queue.parent.mkdir()
    truncated = b'[{"id": "a1", "level": "error", "message": "disk 9'  # cut off mid-write
    queue.write_bytes(truncated)
    for argv in (("status", "--offline"), ("status", "--offline", "--json")):
        proc = run_runner(*argv)
        assert proc.returncode == 1, argv
        assert "Traceback" not in proc.stderr
        assert f"the alert queue {queue} is not valid JSON" in proc.stdout
        assert queue.read_bytes() == truncated  # reading never changes the file
        assert sorted(p.name for p in queue.parent.iterdir()) == ["pending.json"]
    assert (
        json.loads(run_runner("status", "--offline", "--json").stdout)["alerts"]["pending"] is None
    )
