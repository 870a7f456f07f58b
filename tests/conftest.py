"""Shared fixtures: every test runs with its own state directory and no real OpenClaw home."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# One Hypothesis profile for every property test: a loaded CI machine (two cores
# shared with a gateway and subprocess tests) must not turn slowness into a
# failure. No per-example deadline, no too_slow health check; correctness
# checks (filter_too_much, data_too_large) stay on.
settings.register_profile("taskrunner", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("TASKRUNNER_HYPOTHESIS_PROFILE", "taskrunner"))

ROOT = Path(__file__).resolve().parent.parent
RUNNER = ROOT / "runner.py"
SHARED_CORPUS = ROOT.parent / "shared" / "corpus" / "workspaces"

_OPENCLAW_VARS = (
    "OPENCLAW_WORKSPACE_DIR",
    "OPENCLAW_CONFIG_PATH",
    "OPENCLAW_STATE_DIR",
    "OPENCLAW_PROFILE",
    "OPENCLAW_HOME",
    "OPENCLAW_GATEWAY_PORT",
    "TASKRUNNER_STATE_DIR",
    "TASKRUNNER_LOCK_DIR",
    "TASKRUNNER_TASKS_PATH",
)


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point the runner's state and OpenClaw's home at ``tmp_path``: no test touches real ones."""
    for var in _OPENCLAW_VARS:
        monkeypatch.delenv(var, raising=False)
    state = tmp_path / "state"
    state.mkdir()
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("TASKRUNNER_STATE_DIR", str(state))
    monkeypatch.setenv("OPENCLAW_HOME", str(home))
    yield state


@pytest.fixture
def state_dir(isolated_env: Path) -> Path:
    return isolated_env


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    ws = tmp_path / "workspace"
    (ws / "memory").mkdir(parents=True)
    return ws


def run_runner(
    *args: str,
    env: dict[str, str] | None = None,
    timeout: float = 60,
    cwd: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``runner.py`` the way cron does: a fresh interpreter, arguments only."""
    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    return subprocess.run(
        [sys.executable, str(RUNNER), *args],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=timeout,
        cwd=cwd,
        check=False,
    )


@pytest.fixture
def notes(workspace: Path) -> Path:
    """A workspace with the two daily notes the memory_capture tests use."""
    from capture_helpers import TODAY_NOTE, YESTERDAY_NOTE, write_note

    write_note(workspace, "2026-02-13.md", TODAY_NOTE)
    write_note(workspace, "2026-02-12.md", YESTERDAY_NOTE)
    return workspace


def copy_example_workspace(dest: Path) -> Path:
    """The shipped example workspace, notes only: a store made by trying the README's
    first command there must not leak into the tests."""
    shutil.copytree(
        ROOT / "examples" / "workspace",
        dest,
        ignore=shutil.ignore_patterns("store.json*", "store.archive.jsonl", ".*"),
    )
    return dest
