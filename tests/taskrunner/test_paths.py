from __future__ import annotations

from pathlib import Path

import pytest

from taskrunner import paths
from taskrunner.errors import ConfigError


def env(home: Path, **extra: str) -> dict[str, str]:
    return {"OPENCLAW_HOME": str(home), **extra}


def test_default_workspace_is_under_openclaw_home(tmp_path: Path) -> None:
    assert paths.resolve_workspace(None, env(tmp_path)) == tmp_path / ".openclaw" / "workspace"


def test_cli_value_beats_environment(tmp_path: Path) -> None:
    e = env(tmp_path, OPENCLAW_WORKSPACE_DIR=str(tmp_path / "from-env"))
    assert paths.resolve_workspace(str(tmp_path / "cli"), e) == tmp_path / "cli"
    assert paths.resolve_workspace(None, e) == tmp_path / "from-env"


def test_config_workspace_in_json5_with_tilde(tmp_path: Path) -> None:
    state = tmp_path / ".openclaw"
    state.mkdir()
    (state / "openclaw.json").write_text(
        "// my config\n{agents: {defaults: {workspace: '~/agent-ws',},}, /* trailing */}\n"
    )
    assert paths.resolve_workspace(None, env(tmp_path)) == tmp_path / "agent-ws"


def test_profile_and_state_dir_and_config_path(tmp_path: Path) -> None:
    assert paths.openclaw_state_dir(env(tmp_path, OPENCLAW_PROFILE="work")) == (
        tmp_path / ".openclaw-work"
    )
    assert paths.openclaw_state_dir(env(tmp_path, OPENCLAW_PROFILE="default")) == (
        tmp_path / ".openclaw"
    )
    explicit = tmp_path / "elsewhere"
    e = env(tmp_path, OPENCLAW_STATE_DIR=str(explicit))
    assert paths.resolve_workspace(None, e) == explicit / "workspace"
    cfg = tmp_path / "conf.json5"
    cfg.write_text('{"agents": {"defaults": {"workspace": "/srv/ws"}}}')
    e = env(tmp_path, OPENCLAW_CONFIG_PATH=str(cfg))
    assert paths.resolve_workspace(None, e) == Path("/srv/ws")


def test_invalid_config_is_a_clear_config_error(tmp_path: Path) -> None:
    state = tmp_path / ".openclaw"
    state.mkdir()
    (state / "openclaw.json").write_text("{agents: ")
    with pytest.raises(ConfigError, match=r"openclaw\.json is not valid JSON5"):
        paths.resolve_workspace(None, env(tmp_path))


def test_state_and_lock_dirs(tmp_path: Path) -> None:
    assert paths.resolve_state_dir(None, {}) == paths.RUNNER_HOME
    assert paths.resolve_state_dir(None, {"TASKRUNNER_STATE_DIR": str(tmp_path)}) == tmp_path
    assert paths.resolve_state_dir(str(tmp_path / "x"), {}) == tmp_path / "x"
    assert paths.resolve_lock_dir(tmp_path, {}) == tmp_path / "locks"
    locks = tmp_path / "private"
    assert paths.resolve_lock_dir(tmp_path, {"TASKRUNNER_LOCK_DIR": str(locks)}) == locks


def test_extra_task_dirs_split_on_pathsep(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    assert paths.extra_task_dirs({"TASKRUNNER_TASKS_PATH": f"{a}:{b}::"}) == [a, b]


def test_config_include_is_followed_for_the_workspace(tmp_path: Path) -> None:
    state = tmp_path / ".openclaw"
    (state / "parts").mkdir(parents=True)
    (state / "parts" / "agents.json5").write_text("{defaults: {workspace: '/srv/included'}}")
    (state / "openclaw.json").write_text("{agents: {$include: './parts/agents.json5'}}")
    assert paths.resolve_workspace(None, env(tmp_path)) == Path("/srv/included")
