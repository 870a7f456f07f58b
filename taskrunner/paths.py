"""Where things live: the runner's state directory, its lock directory, and the
OpenClaw workspace, resolved the way OpenClaw itself resolves them.

Resolution follows OpenClaw 2026.9.6: ``--workspace``, else
``OPENCLAW_WORKSPACE_DIR``, else ``agents.defaults.workspace`` from the
OpenClaw config, else ``<state>/workspace``. ``<state>`` is
``OPENCLAW_STATE_DIR``, else ``~/.openclaw`` (``~/.openclaw-<profile>`` with
``OPENCLAW_PROFILE``), and ``OPENCLAW_HOME`` replaces ``~``. Nothing here
depends on the current directory or PATH: cron starts us anywhere.
"""

from __future__ import annotations

import os
from pathlib import Path

from .errors import ConfigError

# typing is only needed by the type checker: keep it off the startup path.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

#: the folder holding runner.py, tasks/ and taskrunner/
RUNNER_HOME = Path(__file__).resolve().parent.parent

STATE_DIR_ENV = "TASKRUNNER_STATE_DIR"
LOCK_DIR_ENV = "TASKRUNNER_LOCK_DIR"
TASKS_PATH_ENV = "TASKRUNNER_TASKS_PATH"


def _env(env: Mapping[str, str] | None) -> Mapping[str, str]:
    return os.environ if env is None else env


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value or None


def home_dir(env: Mapping[str, str] | None = None) -> Path:
    """The home directory OpenClaw uses: ``OPENCLAW_HOME``, else the user's home."""
    e = _env(env)
    override = _clean(e.get("OPENCLAW_HOME"))
    if override:
        return Path(os.path.expanduser(override)).resolve()
    home = _clean(e.get("HOME"))
    return Path(home) if home else Path.home()


def expand_user_path(value: str, env: Mapping[str, str] | None = None, *, base: Path) -> Path:
    """Expand ``~`` against OpenClaw's home; make a relative path relative to ``base``."""
    value = value.strip()
    if value == "~" or value.startswith(("~/", "~" + os.sep)):
        return home_dir(env) / value[2:] if len(value) > 1 else home_dir(env)
    path = Path(value)
    return path if path.is_absolute() else base / path


def openclaw_state_dir(env: Mapping[str, str] | None = None) -> Path:
    """OpenClaw's own state directory (``~/.openclaw`` by default)."""
    e = _env(env)
    home = home_dir(env)
    explicit = _clean(e.get("OPENCLAW_STATE_DIR"))
    if explicit:
        return expand_user_path(explicit, env, base=home)
    profile = _clean(e.get("OPENCLAW_PROFILE"))
    if profile and profile.lower() != "default":
        return home / f".openclaw-{profile}"
    return home / ".openclaw"


def openclaw_config_path(env: Mapping[str, str] | None = None) -> Path:
    """``OPENCLAW_CONFIG_PATH``, else ``<state>/openclaw.json``."""
    explicit = _clean(_env(env).get("OPENCLAW_CONFIG_PATH"))
    state = openclaw_state_dir(env)
    if explicit:
        return expand_user_path(explicit, env, base=state)
    return state / "openclaw.json"


def load_openclaw_config(env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The parsed OpenClaw config (JSON5), or ``{}`` when there is no config file."""
    path = openclaw_config_path(env)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the OpenClaw config {path}: {exc}") from exc
    from .openclaw import json5  # only when there is a config to parse: keeps startup fast

    try:
        data = json5.loads(text)
    except json5.JSON5Error as exc:
        raise ConfigError(
            f"the OpenClaw config {path} is not valid JSON5 ({exc}); fix it or point "
            "OPENCLAW_CONFIG_PATH at the right file"
        ) from exc
    if not isinstance(data, dict):
        raise ConfigError(f"the OpenClaw config {path} must hold an object at the top level")
    if "$include" not in text:
        return data
    from .openclaw.config import expand

    expanded: dict[str, Any] = expand(data, path.parent)
    return expanded


def config_get(config: Mapping[str, Any], dotted: str) -> Any:
    """``config_get(cfg, "agents.defaults.workspace")``; None when any part is missing."""
    node: Any = config
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def resolve_workspace(cli_value: str | None, env: Mapping[str, str] | None = None) -> Path:
    """The agent workspace, by OpenClaw's rules (see the module docstring)."""
    cwd_base = Path.cwd()
    if cli_value:
        # A path typed on the command line is relative to where it was typed.
        return expand_user_path(cli_value, env, base=cwd_base).resolve()
    e = _env(env)
    explicit = _clean(e.get("OPENCLAW_WORKSPACE_DIR"))
    if explicit:
        return expand_user_path(explicit, env, base=cwd_base).resolve()
    configured = config_get(load_openclaw_config(env), "agents.defaults.workspace")
    if isinstance(configured, str) and configured.strip():
        base = openclaw_config_path(env).parent
        return expand_user_path(configured, env, base=base).resolve()
    return (openclaw_state_dir(env) / "workspace").resolve()


def resolve_state_dir(cli_value: str | None, env: Mapping[str, str] | None = None) -> Path:
    """``--state-dir``, else ``TASKRUNNER_STATE_DIR``, else the folder holding runner.py."""
    value = cli_value or _clean(_env(env).get(STATE_DIR_ENV))
    if value:
        return expand_user_path(value, env, base=Path.cwd()).resolve()
    return RUNNER_HOME


def resolve_lock_dir(state_dir: Path, env: Mapping[str, str] | None = None) -> Path:
    """``TASKRUNNER_LOCK_DIR``, else ``<state>/locks``."""
    value = _clean(_env(env).get(LOCK_DIR_ENV))
    if value:
        return expand_user_path(value, env, base=state_dir).resolve()
    return state_dir / "locks"


def extra_task_dirs(env: Mapping[str, str] | None = None) -> list[Path]:
    """Folders named by ``TASKRUNNER_TASKS_PATH`` (``os.pathsep``-separated), in order."""
    raw = _env(env).get(TASKS_PATH_ENV, "")
    dirs: list[Path] = []
    for part in raw.split(os.pathsep):
        part = part.strip()
        if part:
            dirs.append(expand_user_path(part, env, base=Path.cwd()).resolve())
    return dirs
