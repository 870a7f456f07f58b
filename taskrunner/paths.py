"""Where the runner keeps its own things: its state directory, its lock
directory and the extra folders it finds tasks in.

The OpenClaw side (its config, the agent workspace) lives in ``openclaw/``;
``~`` here means OpenClaw's home too, so one ``OPENCLAW_HOME`` moves both.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from .openclaw.config import clean, environ, expand_user_path

# typing is only needed by the type checker: keep it off the startup path.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

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


def state_dir_origin(cli_value: str | None, env: Mapping[str, str] | None = None) -> str | None:
    """Who named the state directory: ``--state-dir``, ``TASKRUNNER_STATE_DIR``, None (default)."""
    if cli_value:
        return "--state-dir"
    if clean(environ(env).get(STATE_DIR_ENV)):
        return STATE_DIR_ENV
    return None


def check_state_dir(state_dir: Path, origin: str | None, *, must_exist: bool) -> None:
    """``StateDirError`` for a state directory that is a file (or under one), or missing.

    Missing counts only with ``must_exist`` (the commands that read it) and
    when ``origin`` says the user named it: a typo must not read as "no runs,
    no alerts" forever, while the default folder simply has nothing yet. A
    task run creates a missing state directory.
    """
    from .errors import StateDirError

    named = f" (from {origin})" if origin else ""
    blocker = _file_in_the_way(state_dir)
    if blocker is not None:
        what = "is a file" if blocker == state_dir else f"is under {blocker}, which is a file"
        raise StateDirError(
            f"the state dir {state_dir}{named} {what}, not a folder: point --state-dir or "
            f"{STATE_DIR_ENV} at a folder"
        )
    if must_exist and origin and not os.path.exists(state_dir):
        raise StateDirError(
            f"no such state dir {state_dir}{named}: check --state-dir or {STATE_DIR_ENV} "
            "(a task run creates it, so none has run with this one)"
        )


def check_state_dir_writable(state_dir: Path, folders: Sequence[Path]) -> None:
    """``StateDirError`` when a run could not create or write ``folders`` (under ``state_dir``).

    Asked before a run starts: a run that cannot write its record would
    otherwise fail with a line per folder it tried, and nothing recorded.
    Each folder is judged by itself if it exists, else by the nearest
    folder above it that does (where it would be created).
    """
    from .errors import StateDirError

    for folder in folders:
        existing = folder
        while not os.path.lexists(existing) and existing != existing.parent:
            existing = existing.parent
        if not os.path.isdir(existing):
            continue  # something else in the way: the writer says what
        if os.access(existing, os.W_OK | os.X_OK, effective_ids=_EFFECTIVE_IDS):
            continue
        why = "Permission denied"
        try:
            if os.statvfs(existing).f_flag & os.ST_RDONLY:
                why = "read-only file system"
        except OSError:
            pass
        if existing == state_dir:
            detail = why
        elif state_dir in existing.parents:
            detail = f"{existing}: {why}"
        else:  # the state dir itself is still to be created, in `existing`
            detail = f"cannot create it in {existing}: {why}"
        raise StateDirError(
            f"cannot write in the state dir {state_dir} ({detail}): point --state-dir or "
            f"{STATE_DIR_ENV} at a folder you can write"
        )


#: ``os.access`` asks for the effective ids where it can: what opening the file checks
_EFFECTIVE_IDS = os.access in os.supports_effective_ids


def _file_in_the_way(path: Path) -> Path | None:
    """``path`` or the folder above it that exists but is no folder; None when there is none."""
    for candidate in (path, *path.parents):
        try:
            if stat.S_ISDIR(os.stat(candidate).st_mode):
                return None
        except FileNotFoundError:
            continue
        except NotADirectoryError:
            continue  # a file further up: found on the way
        except OSError:
            return None  # no permission to look: the writer or reader says what
        return candidate
    return None


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
