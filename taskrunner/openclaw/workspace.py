"""The agent workspace, resolved exactly as OpenClaw resolves it.

Resolution follows OpenClaw 2026.9.6 (``resolveAgentWorkspaceDir`` and
``resolveDefaultAgentWorkspaceDir``): ``--workspace``, else the agent's own
``workspace`` in the config (``agents.list[]``), else for the default agent
``agents.defaults.workspace``, else ``OPENCLAW_WORKSPACE_DIR``, else
``<state>/workspace``; for any other agent ``agents.defaults.workspace`` plus
``/<agentId>``, else ``<state>/workspace-<agentId>``. Nothing here depends on
the current directory or PATH (cron starts us anywhere), except a path typed on
the command line, which is relative to where it was typed.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import ConfigError, WorkspaceMissing
from .config import (
    clean,
    config_get,
    environ,
    expand_user_path,
    load_openclaw_config,
    openclaw_config_path,
    openclaw_state_dir,
)

# typing is only needed by the type checker: keep it off the startup path.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any


#: the agent OpenClaw assumes when the config lists none
DEFAULT_AGENT_ID = "main"
_AGENT_ID_OK = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$", re.IGNORECASE)


def normalize_agent_id(value: str | None) -> str:
    """An agent id in OpenClaw's canonical form (lower case, ``[a-z0-9_-]``, ≤ 64)."""
    trimmed = (value or "").strip()
    if _AGENT_ID_OK.match(trimmed):
        return trimmed.lower()
    cleaned = re.sub(r"[^a-z0-9_-]+", "-", trimmed.lower()).strip("-")[:64]
    return cleaned or DEFAULT_AGENT_ID


def agent_entries(config: Mapping[str, Any]) -> list[dict[str, Any]] | None:
    """The configured agents (``agents.list`` or ``agents.entries``); None without a roster."""
    agents = config.get("agents")
    if not isinstance(agents, dict):
        return None
    entries = agents.get("entries")
    if isinstance(entries, dict):
        return [{**e, "id": k} for k, e in entries.items() if isinstance(e, dict)]
    roster = agents.get("list")
    if roster is None:
        return None
    if not isinstance(roster, list):
        return []
    return [e for e in roster if isinstance(e, dict) and isinstance(e.get("id"), str)]


def agent_ids(config: Mapping[str, Any]) -> list[str]:
    """Every configured agent id, in config order (``["main"]`` without a roster)."""
    entries = agent_entries(config)
    if entries is None:
        return [DEFAULT_AGENT_ID]
    return list(dict.fromkeys(normalize_agent_id(e["id"]) for e in entries))


def default_agent_id(config: Mapping[str, Any]) -> str | None:
    """The default agent: the one marked ``default: true``, else the only one; None if ambiguous."""
    entries = agent_entries(config)
    if entries is None:
        return DEFAULT_AGENT_ID
    agents = config.get("agents")
    if not (isinstance(agents, dict) and agents.get("ownership") == "explicit"):
        marked = [e for e in entries if e.get("default") is True]
        if len(marked) == 1:
            return normalize_agent_id(marked[0]["id"])
    return normalize_agent_id(entries[0]["id"]) if len(entries) == 1 else None


def _config_path_value(config: Mapping[str, Any], dotted: str) -> str | None:
    value = config_get(config, dotted)
    return value.strip() if isinstance(value, str) and value.strip() else None


def default_workspace_dir(env: Mapping[str, str] | None = None) -> Path:
    """``OPENCLAW_WORKSPACE_DIR``, else ``<state>/workspace`` (OpenClaw's process default)."""
    explicit = clean(environ(env).get("OPENCLAW_WORKSPACE_DIR"))
    if explicit:
        return expand_user_path(explicit, env, base=Path.cwd()).resolve()
    return (openclaw_state_dir(env) / "workspace").resolve()


def agent_workspace(
    config: Mapping[str, Any], agent_id: str, env: Mapping[str, str] | None = None
) -> Path:
    """The workspace of ``agent_id``, exactly as OpenClaw's ``resolveAgentWorkspaceDir``."""
    agent = normalize_agent_id(agent_id)
    base = openclaw_config_path(env).parent
    entries = agent_entries(config) or []
    own = next((e.get("workspace") for e in entries if normalize_agent_id(e["id"]) == agent), None)
    if isinstance(own, str) and own.strip():
        return expand_user_path(own, env, base=base).resolve()
    shared = _config_path_value(config, "agents.defaults.workspace")
    if agent == default_agent_id(config):
        if shared:
            return expand_user_path(shared, env, base=base).resolve()
        return default_workspace_dir(env)
    if shared:
        return (expand_user_path(shared, env, base=base) / agent).resolve()
    return (openclaw_state_dir(env) / f"workspace-{agent}").resolve()


def resolve_agent(config: Mapping[str, Any], agent: str | None) -> str:
    """``agent`` (normalized), else the default agent; a clear error when there is none."""
    if agent and agent.strip():
        return normalize_agent_id(agent)
    default = default_agent_id(config)
    if default is None:
        ids = ", ".join(agent_ids(config)) or "none"
        raise ConfigError(
            f"the OpenClaw config lists several agents ({ids}) and none is the default: "
            "pass --agent ID or --workspace DIR"
        )
    return default


def resolve_workspace(
    cli_value: str | None, env: Mapping[str, str] | None = None, *, agent: str | None = None
) -> Path:
    """The agent workspace, by OpenClaw's rules (see the module docstring)."""
    if cli_value:
        # A path typed on the command line is relative to where it was typed.
        return expand_user_path(cli_value, env, base=Path.cwd()).resolve()
    config = load_openclaw_config(env)
    return agent_workspace(config, resolve_agent(config, agent), env)


def workspace_problem(path: Path, typed: str | None = None) -> str:
    """One line: why ``path`` is no workspace, and what to do about it.

    ``typed``: the option the user named it with (``--workspace``, ``--agent``);
    then the fix is in what they typed, else in the configuration.
    """
    what = "is a file, not a folder" if path.exists() else "does not exist"
    if typed == "--workspace":
        return (
            f"OpenClaw workspace not found: --workspace {path} {what}; check the path "
            "(without --workspace the runner uses OpenClaw's own)"
        )
    if typed is not None:
        return f"OpenClaw workspace not found: {path} ({typed}) {what}; check the agent id"
    return (
        f"OpenClaw workspace not found: {path} {what}; "
        "pass --workspace DIR or set OPENCLAW_WORKSPACE_DIR"
    )


def require_workspace_dir(path: Path, typed: str | None = None) -> Path:
    """``path`` when it is a folder; ``WorkspaceMissing`` (``workspace_problem``) otherwise."""
    if not path.is_dir():
        raise WorkspaceMissing(workspace_problem(path, typed))
    return path
