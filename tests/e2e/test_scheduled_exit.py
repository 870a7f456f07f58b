"""The scheduler exit policy (``--scheduled``): 0 whenever the run was recorded and reported.

OpenClaw counts every non-zero exit as an error and switches a job off after
ten in a row; a scheduled run that failed, overlapped or found problems has
done its job once the record is written and the alert queued. The plain CLI
keeps 0/1/2.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from support.plugin_factory import write_task
from support.runner import run_runner, runner_holding


@pytest.fixture
def plugins(tmp_path: Path) -> dict[str, str]:
    folder = tmp_path / "plugins"
    write_task(folder, "always_fails", "raise RuntimeError('disk on fire')")
    write_task(
        folder,
        "sleeper",
        "open(os.environ['SLEEPER_READY'], 'w').close()\n"
        "time.sleep(60)\n"
        "return {'success': True, 'message': 'slept'}",
    )
    return {"TASKRUNNER_TASKS_PATH": str(folder)}


def records(state: Path) -> list[dict[str, object]]:
    lines = (state / "logs" / "tasks.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines]


def test_failed_run_exits_0_when_scheduled_and_1_otherwise(
    plugins: dict[str, str], state_dir: Path, workspace: Path
) -> None:
    common = ("always_fails", "--no-retry", "--workspace", str(workspace))
    plain = run_runner(*common, env=plugins)
    assert plain.returncode == 1
    scheduled = run_runner(*common, "--scheduled", env=plugins)
    assert scheduled.returncode == 0, scheduled.stderr
    assert [r["status"] for r in records(state_dir)] == ["failed", "failed"]
    queued = json.loads((state_dir / "alerts" / "pending.json").read_text())
    assert queued and queued[0]["level"] == "error" and "disk on fire" in queued[0]["message"]


def test_locked_overlap_exits_0_when_scheduled_and_2_otherwise(
    plugins: dict[str, str], state_dir: Path, workspace: Path, tmp_path: Path
) -> None:
    ready = tmp_path / "ready"
    env = {**plugins, "SLEEPER_READY": str(ready)}
    second = ("sleeper", "--workspace", str(workspace))
    with runner_holding(*second, env=env, ready=ready):
        assert run_runner(*second, env=plugins).returncode == 2
        scheduled = run_runner(*second, "--scheduled", env=plugins)
        assert scheduled.returncode == 0, scheduled.stderr
        assert "already running" in scheduled.stderr
    statuses = [r["status"] for r in records(state_dir)]
    assert statuses.count("locked") == 2


def test_scheduled_run_that_cannot_be_recorded_exits_1(
    plugins: dict[str, str], state_dir: Path, workspace: Path
) -> None:
    (state_dir / "logs").write_text("not a folder")  # the run log cannot be written
    proc = run_runner("noop", "--scheduled", "--workspace", str(workspace), env=plugins)
    assert proc.returncode == 1
    assert "could not write the run log" in proc.stderr


def test_scheduled_run_whose_alert_cannot_be_queued_exits_1(
    plugins: dict[str, str], state_dir: Path, workspace: Path
) -> None:
    (state_dir / "alerts").write_text("not a folder")
    proc = run_runner(
        "always_fails", "--no-retry", "--scheduled", "--workspace", str(workspace), env=plugins
    )
    assert proc.returncode == 1
    assert "could not queue alerts" in proc.stderr
    assert records(state_dir)[-1]["alerts_not_queued"]


def test_usage_errors_still_exit_1_when_scheduled(workspace: Path) -> None:
    proc = run_runner("no_such_task", "--scheduled")
    assert proc.returncode == 1 and "unknown task" in proc.stderr
