"""Where the runner keeps its own things: its state directory, its lock
directory and the extra folders it finds tasks in.

The OpenClaw side (its config, the agent workspace) lives in ``openclaw/``;
``~`` here means OpenClaw's home too, so one ``OPENCLAW_HOME`` moves both.
"""

from __future__ import annotations

import os
from pathlib import Path

from .openclaw.config import clean, environ, expand_user_path

# typing is only needed by the type checker: keep it off the startup path.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

#: the folder holding runner.py, tasks/ and taskrunner/
RUNNER_HOME = Path(__file__).resolve().parent.parent

STATE_DIR_ENV = "TASKRUNNER_STATE_DIR"
LOCK_DIR_ENV = "TASKRUNNER_LOCK_DIR"
TASKS_PATH_ENV = "TASKRUNNER_TASKS_PATH"


def resolve_state_dir(cli_value: str | None, env: Mapping[str, str] | None = None) -> Path:
    """``--state-dir``, else ``TASKRUNNER_STATE_DIR``, else the folder holding runner.py."""
    value = cli_value or clean(environ(env).get(STATE_DIR_ENV))
    if value:
        return expand_user_path(value, env, base=Path.cwd()).resolve()
    return RUNNER_HOME


def resolve_lock_dir(state_dir: Path, env: Mapping[str, str] | None = None) -> Path:
    """``TASKRUNNER_LOCK_DIR``, else ``<state>/locks``."""
    value = clean(environ(env).get(LOCK_DIR_ENV))
    if value:
        return expand_user_path(value, env, base=state_dir).resolve()
    return state_dir / "locks"


def extra_task_dirs(env: Mapping[str, str] | None = None) -> list[Path]:
    """Folders named by ``TASKRUNNER_TASKS_PATH`` (``os.pathsep``-separated), in order."""
    raw = environ(env).get(TASKS_PATH_ENV, "")
    dirs: list[Path] = []
    for part in raw.split(os.pathsep):
        part = part.strip()
        if part:
            dirs.append(expand_user_path(part, env, base=Path.cwd()).resolve())
    return dirs
