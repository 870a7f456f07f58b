"""Where OpenClaw's config is, and what a config that cannot be read gives."""

from __future__ import annotations

from pathlib import Path

import pytest

from taskrunner.errors import ConfigError
from taskrunner.openclaw.config import openclaw_state_dir
from taskrunner.openclaw.workspace import resolve_workspace


def env(home: Path, **extra: str) -> dict[str, str]:
    return {"OPENCLAW_HOME": str(home), **extra}


def test_profile_and_state_dir_and_config_path(tmp_path: Path) -> None:
    assert openclaw_state_dir(env(tmp_path, OPENCLAW_PROFILE="work")) == (
        tmp_path / ".openclaw-work"
    )
    assert openclaw_state_dir(env(tmp_path, OPENCLAW_PROFILE="default")) == (tmp_path / ".openclaw")
    explicit = tmp_path / "elsewhere"
    e = env(tmp_path, OPENCLAW_STATE_DIR=str(explicit))
    assert resolve_workspace(None, e) == explicit / "workspace"
    cfg = tmp_path / "conf.json5"
    cfg.write_text('{"agents": {"defaults": {"workspace": "/srv/ws"}}}')
    e = env(tmp_path, OPENCLAW_CONFIG_PATH=str(cfg))
    assert resolve_workspace(None, e) == Path("/srv/ws")


def test_invalid_config_is_a_clear_config_error(tmp_path: Path) -> None:
    state = tmp_path / ".openclaw"
    state.mkdir()
    (state / "openclaw.json").write_text("{agents: ")
    with pytest.raises(ConfigError, match=r"openclaw\.json is not valid JSON5"):
        resolve_workspace(None, env(tmp_path))
