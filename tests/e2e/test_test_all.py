"""test_all.py: every task dry-run, one line each; exit 1 only when a task could not run."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from support.fake_gateway import FakeGateway, free_port
from support.fake_openclaw import FakeOpenclaw
from support.paths import ROOT, copy_example_workspace
from support.plugin_factory import write_task

#: the date of the shipped example notes (examples/workspace/memory/2026-11-28.md)
EXAMPLE_DATE = "2026-11-28"
TASKS = [
    "memory_capture",
    "memory_consolidate",
    "memory_forget",
    "memory_guard",
    "memory_restore",
    "noop",
    "system_health",
]


def tree_digest(root: Path) -> str:
    """A fingerprint of every file under ``root``: names and contents."""
    h = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        h.update(str(path.relative_to(root)).encode())
        if path.is_file():
            h.update(path.read_bytes())
    return h.hexdigest()


def run_test_all(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "test_all.py"), *args],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **env},
        timeout=300,
    )


def task_lines(stdout: str) -> dict[str, str]:
    lines = [
        line for line in stdout.splitlines() if line.split()[:1] in (["ok"], ["found"], ["FAIL"])
    ]
    return {line.split()[1]: line for line in lines}


@pytest.fixture
def example(tmp_path: Path) -> Path:
    ws = tmp_path / "example"
    copy_example_workspace(ws)
    return ws


def test_every_task_dry_runs_and_nothing_is_written(
    example: Path, state_dir: Path, tmp_path: Path
) -> None:
    openclaw = FakeOpenclaw(tmp_path / "bin")
    before_ws, before_state = tree_digest(example), tree_digest(state_dir)
    with FakeGateway() as gateway:
        env = {
            "OPENCLAW_GATEWAY_PORT": str(gateway.port),
            "TASKRUNNER_OPENCLAW_BIN": str(openclaw.path),
        }
        proc = run_test_all("--workspace", str(example), "--date", EXAMPLE_DATE, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = task_lines(proc.stdout)
    assert sorted(lines) == TASKS
    assert all(line.startswith("ok") for line in lines.values()), proc.stdout
    # --date reaches capture (the example notes are of that day) and is kept
    # from the tasks that take no --date (they would refuse it).
    assert "would add" in lines["memory_capture"]
    assert proc.stdout.splitlines()[-1] == "7 of 7 tasks ran in dry run"
    assert tree_digest(example) == before_ws
    assert tree_digest(state_dir) == before_state


def test_a_health_finding_is_shown_but_is_not_a_failure(
    example: Path, state_dir: Path, tmp_path: Path
) -> None:
    # Nothing listens on this port: system_health finds the gateway down (critical),
    # which is what it is for; the task itself ran.
    env = {
        "OPENCLAW_GATEWAY_PORT": str(free_port()),
        "TASKRUNNER_OPENCLAW_BIN": str(FakeOpenclaw(tmp_path / "bin").path),
    }
    proc = run_test_all("--workspace", str(example), env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    health = task_lines(proc.stdout)["system_health"]
    assert health.startswith("found") and "gateway not reachable" in health
    assert "7 of 7 tasks ran in dry run (1 reported a finding" in proc.stdout


def test_without_any_openclaw_it_uses_the_shipped_example(state_dir: Path, tmp_path: Path) -> None:
    # A newcomer's machine: no ~/.openclaw, no openclaw on PATH, no gateway.
    env = {
        "OPENCLAW_GATEWAY_PORT": str(free_port()),
        "TASKRUNNER_OPENCLAW_BIN": str(tmp_path / "no-openclaw-here"),
    }
    proc = run_test_all(env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "using the shipped example workspace" in proc.stderr
    assert sorted(task_lines(proc.stdout)) == TASKS


def test_a_task_that_cannot_run_makes_it_exit_1(
    example: Path, state_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "broken.py").write_text("raise RuntimeError('half-written plugin')\n")
    write_task(plugins, "crashes", "raise ValueError('bug in the task')", attrs="retries = 0")
    env = {
        "TASKRUNNER_TASKS_PATH": str(plugins),
        "OPENCLAW_GATEWAY_PORT": str(free_port()),
        "TASKRUNNER_OPENCLAW_BIN": str(FakeOpenclaw(tmp_path / "bin").path),
    }
    proc = run_test_all("--workspace", str(example), env=env)
    assert proc.returncode == 1
    lines = task_lines(proc.stdout)
    assert lines["broken"].startswith("FAIL") and "half-written plugin" in lines["broken"]
    assert lines["crashes"].startswith("FAIL") and "bug in the task" in lines["crashes"]
    assert lines["noop"].startswith("ok")
    assert "7 of 9 tasks ran in dry run" in proc.stdout


def test_a_bad_date_is_a_usage_error(state_dir: Path) -> None:
    proc = run_test_all("--date", "28/11/2026", env={})
    assert proc.returncode == 1
    assert "expected a date as YYYY-MM-DD" in proc.stderr
    assert "Traceback" not in proc.stderr
