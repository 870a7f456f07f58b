"""OpenClaw's config file: where it is and what it says.

Locations follow OpenClaw 2026.9.6: ``<state>`` is ``OPENCLAW_STATE_DIR``, else
``~/.openclaw`` (``~/.openclaw-<profile>`` with ``OPENCLAW_PROFILE``), and
``OPENCLAW_HOME`` replaces ``~``; the config is ``OPENCLAW_CONFIG_PATH``, else
``<state>/openclaw.json``. It is JSON5 and may split itself with ``$include``
(see ``include.py``); ``load_openclaw_config`` returns it with every include
resolved, so no caller expands it again.

Every cron run resolves the workspace through here, so this module keeps its
imports light: JSON5 and ``$include`` load only when there is a config to read.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import ConfigError, NotRegularFile
from ..system.regular_file import read_regular

# typing is only needed by the type checker: keep it off the startup path.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any


def environ(env: Mapping[str, str] | None) -> Mapping[str, str]:
    """``env``, else the process environment (tests pass their own)."""
    return os.environ if env is None else env


def clean(value: str | None) -> str | None:
    """An environment value stripped; None when unset or blank, as OpenClaw reads them."""
    if value is None:
        return None
    value = value.strip()
    return value or None


def home_dir(env: Mapping[str, str] | None = None) -> Path:
    """The home directory OpenClaw uses: ``OPENCLAW_HOME``, else the user's home."""
    e = environ(env)
    override = clean(e.get("OPENCLAW_HOME"))
    if override:
        return Path(os.path.expanduser(override)).resolve()
    home = clean(e.get("HOME"))
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
    e = environ(env)
    home = home_dir(env)
    explicit = clean(e.get("OPENCLAW_STATE_DIR"))
    if explicit:
        return expand_user_path(explicit, env, base=home)
    profile = clean(e.get("OPENCLAW_PROFILE"))
    if profile and profile.lower() != "default":
        return home / f".openclaw-{profile}"
    return home / ".openclaw"


def openclaw_config_path(env: Mapping[str, str] | None = None) -> Path:
    """``OPENCLAW_CONFIG_PATH``, else ``<state>/openclaw.json``."""
    explicit = clean(environ(env).get("OPENCLAW_CONFIG_PATH"))
    state = openclaw_state_dir(env)
    if explicit:
        return expand_user_path(explicit, env, base=state)
    return state / "openclaw.json"


def load_openclaw_config(env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The parsed OpenClaw config (JSON5), or ``{}`` when there is no config file."""
    path = openclaw_config_path(env)
    try:
        text = read_regular(path, what="the OpenClaw config", follow_symlinks=True).decode("utf-8")
    except FileNotFoundError:
        return {}
    except NotRegularFile as exc:
        raise ConfigError(str(exc)) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the OpenClaw config {path}: {exc}") from exc
    from . import json5  # only when there is a config to parse: keeps startup fast

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
    from .include import expand

    expanded: dict[str, Any] = expand(data, path.parent, chain=(path.resolve(),))
    return expanded


def config_get(config: Mapping[str, Any], dotted: str) -> Any:
    """``config_get(cfg, "agents.defaults.workspace")``; None when any part is missing."""
    node: Any = config
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node
