"""The agent workspace, resolved in the order OpenClaw 2026.9.6 resolves it."""

from __future__ import annotations

from pathlib import Path

import pytest

from taskrunner.errors import ConfigError
from taskrunner.openclaw.workspace import (
    agent_ids,
    agent_workspace,
    normalize_agent_id,
    resolve_workspace,
)


def env(home: Path, **extra: str) -> dict[str, str]:
    return {"OPENCLAW_HOME": str(home), **extra}


def test_default_workspace_is_under_openclaw_home(tmp_path: Path) -> None:
    assert resolve_workspace(None, env(tmp_path)) == tmp_path / ".openclaw" / "workspace"


def test_cli_value_beats_environment(tmp_path: Path) -> None:
    e = env(tmp_path, OPENCLAW_WORKSPACE_DIR=str(tmp_path / "from-env"))
    assert resolve_workspace(str(tmp_path / "cli"), e) == tmp_path / "cli"
    assert resolve_workspace(None, e) == tmp_path / "from-env"


def test_config_workspace_in_json5_with_tilde(tmp_path: Path) -> None:
    state = tmp_path / ".openclaw"
    state.mkdir()
    (state / "openclaw.json").write_text(
        "// my config\n{agents: {defaults: {workspace: '~/agent-ws',},}, /* trailing */}\n"
    )
    assert resolve_workspace(None, env(tmp_path)) == tmp_path / "agent-ws"


def test_config_include_is_followed_for_the_workspace(tmp_path: Path) -> None:
    state = tmp_path / ".openclaw"
    (state / "parts").mkdir(parents=True)
    (state / "parts" / "agents.json5").write_text("{defaults: {workspace: '/srv/included'}}")
    (state / "openclaw.json").write_text("{agents: {$include: './parts/agents.json5'}}")
    assert resolve_workspace(None, env(tmp_path)) == Path("/srv/included")


# -- OpenClaw 2026.9.6 resolveAgentWorkspaceDir order ---------------------------


def write_config(home: Path, text: str) -> None:
    state = home / ".openclaw"
    state.mkdir(exist_ok=True)
    (state / "openclaw.json").write_text(text)


def test_config_workspace_beats_openclaw_workspace_dir(tmp_path: Path) -> None:
    write_config(tmp_path, "{agents: {defaults: {workspace: '/srv/from-config'}}}")
    e = env(tmp_path, OPENCLAW_WORKSPACE_DIR=str(tmp_path / "from-env"))
    assert resolve_workspace(None, e) == Path("/srv/from-config")


def test_workspace_dir_env_is_used_without_a_config_workspace(tmp_path: Path) -> None:
    write_config(tmp_path, "{gateway: {port: 1}}")
    e = env(tmp_path, OPENCLAW_WORKSPACE_DIR=str(tmp_path / "from-env"))
    assert resolve_workspace(None, e) == tmp_path / "from-env"


def test_agents_own_workspace_beats_defaults_and_env(tmp_path: Path) -> None:
    write_config(
        tmp_path,
        "{agents: {defaults: {workspace: '/srv/shared'},"
        " list: [{id: 'main', default: true, workspace: '/srv/main-own'}, {id: 'Ops'}]}}",
    )
    e = env(tmp_path, OPENCLAW_WORKSPACE_DIR=str(tmp_path / "from-env"))
    assert resolve_workspace(None, e) == Path("/srv/main-own")
    # a non-default agent: the shared path plus its id (normalized to lower case)
    assert resolve_workspace(None, e, agent="Ops") == Path("/srv/shared/ops")


def test_non_default_agent_without_any_workspace_uses_state_workspace_id(tmp_path: Path) -> None:
    write_config(tmp_path, "{agents: {list: [{id: 'main', default: true}, {id: 'ops'}]}}")
    e = env(tmp_path, OPENCLAW_WORKSPACE_DIR=str(tmp_path / "from-env"))
    assert resolve_workspace(None, e, agent="ops") == tmp_path / ".openclaw" / "workspace-ops"
    # the default agent falls back to the environment, then <state>/workspace
    assert resolve_workspace(None, e) == tmp_path / "from-env"
    assert resolve_workspace(None, env(tmp_path)) == tmp_path / ".openclaw" / "workspace"


def test_sole_agent_is_the_default_and_several_without_default_is_an_error(
    tmp_path: Path,
) -> None:
    write_config(tmp_path, "{agents: {defaults: {workspace: '/srv/w'}, list: [{id: 'solo'}]}}")
    assert resolve_workspace(None, env(tmp_path)) == Path("/srv/w")
    write_config(tmp_path, "{agents: {list: [{id: 'a'}, {id: 'b'}]}}")
    with pytest.raises(ConfigError, match=r"several agents \(a, b\).*--agent ID"):
        resolve_workspace(None, env(tmp_path))
    assert resolve_workspace(None, env(tmp_path), agent="b") == (
        tmp_path / ".openclaw" / "workspace-b"
    )


def test_agent_entries_object_form_and_id_normalization(tmp_path: Path) -> None:
    config = {"agents": {"entries": {"Work Bot": {"workspace": "/srv/wb"}}}}
    assert agent_ids(config) == ["work-bot"]
    assert agent_workspace(config, "work bot", env(tmp_path)) == Path("/srv/wb")
    assert normalize_agent_id("  ") == "main"
