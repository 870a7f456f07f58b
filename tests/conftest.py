"""Shared fixtures: every test runs with its own state directory and no real OpenClaw home."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from support.capture import TODAY_NOTE, YESTERDAY_NOTE, write_note
from support.fake_gateway import FakeGateway
from support.fake_openclaw import REAL_2026_9_6_LISTING, FakeOpenclaw

# One Hypothesis profile for every property test: a loaded CI machine (two cores
# shared with a gateway and subprocess tests) must not turn slowness into a
# failure. No per-example deadline, no too_slow health check; correctness
# checks (filter_too_much, data_too_large) stay on.
settings.register_profile("taskrunner", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("TASKRUNNER_HYPOTHESIS_PROFILE", "taskrunner"))

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
def local_tz() -> Iterator[Callable[[str], None]]:
    """Set the process's local timezone (``TZ``, then ``tzset``) for one test: call it with
    a zone name. TZ is put back by hand after the test, then ``tzset`` runs again."""
    previous = os.environ.get("TZ")

    def set_tz(name: str) -> None:
        os.environ["TZ"] = name
        time.tzset()

    try:
        yield set_tz
    finally:
        if previous is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = previous
        time.tzset()


@pytest.fixture
def state_dir(isolated_env: Path) -> Path:
    return isolated_env


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    ws = tmp_path / "workspace"
    (ws / "memory").mkdir(parents=True)
    return ws


@pytest.fixture
def plugins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A user's own task folder (TASKRUNNER_TASKS_PATH), empty: a test writes its plugins there."""
    folder = tmp_path / "my-tasks"
    folder.mkdir()
    monkeypatch.setenv("TASKRUNNER_TASKS_PATH", str(folder))
    return folder


@pytest.fixture
def notes(workspace: Path) -> Path:
    """A workspace with the two daily notes the memory_capture tests use."""
    write_note(workspace, "2026-02-13.md", TODAY_NOTE)
    write_note(workspace, "2026-02-12.md", YESTERDAY_NOTE)
    return workspace


@pytest.fixture
def gw() -> Iterator[FakeGateway]:
    """A gateway on 127.0.0.1 that answers /healthz and /readyz as a healthy one does."""
    with FakeGateway() as server:
        yield server


@pytest.fixture
def fake(tmp_path: Path) -> FakeOpenclaw:
    """An ``openclaw`` executable (a real process) that lists the jobs of a real 2026.9.6."""
    openclaw = FakeOpenclaw(tmp_path / "bin")
    openclaw.set(stdout=REAL_2026_9_6_LISTING)
    return openclaw
