"""The runner's own JSON state files: one reader and one corruption policy.

The alert queue, the health state and every other file the runner keeps for
itself follow the same rules:

- **Reading never changes a file.** A file that is not valid JSON or not of
  the expected shape raises ``StateCorrupt``; one that cannot be read at all
  (permissions, a folder or FIFO in its place) ``StateUnreadable``; both name
  the file, the problem and the fix. A read-only command (``runner.py alerts``,
  ``status``) reports that and exits 1: it never renames or rewrites.
- **A writer sets a corrupt file aside** (holding the file's lock; an
  unreadable one it leaves alone and fails): every byte
  is kept as ``<name>.corrupt-<time>`` beside it, the writer says where, and
  starts afresh. Runner state must not stop the runner for good, and nothing
  in it is lost.

The memory store is the user's data, not runner state: it is never set
aside (``memory/store.py`` refuses to touch a corrupt store).
"""

from __future__ import annotations

import json
import os

from ..errors import NotRegularFile, StateCorrupt, StateUnreadable
from .atomic import move_aside
from .regular_file import open_regular

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime
    from pathlib import Path
    from typing import Any

#: bytes; a state file larger than this is not one the runner wrote
MAX_STATE_BYTES = 64 * 1024 * 1024


def read_json_state(
    path: Path, *, what: str, valid: Callable[[Any], bool], shape: str
) -> Any | None:
    """The JSON in ``path``, None when there is no such file.

    ``StateUnreadable`` when it cannot be read at all, ``StateCorrupt`` when
    what it holds is not the state it should be.

    ``valid`` checks the parsed value; ``shape`` says what it should have been
    ("a JSON array of alert objects"). A FIFO or device is refused without
    blocking on it: the file is opened non-blocking and checked before reading.
    """
    try:
        fd = open_regular(path, what=what)
    except FileNotFoundError:
        return None
    except NotRegularFile as exc:
        problem = f"it is {exc.kind}, not a regular file (refused unopened)"
        raise StateUnreadable(_unreadable(what, path, problem)) from exc
    except OSError as exc:
        raise StateUnreadable(_unreadable(what, path, exc.strerror or str(exc))) from exc
    try:
        info = os.fstat(fd)
        if info.st_size > MAX_STATE_BYTES:
            raise StateUnreadable(
                f"{what} {path} is {info.st_size} bytes, more than the runner ever writes; "
                "left untouched. Move it aside and run again"
            )
        with os.fdopen(fd, "rb", closefd=False) as f:
            raw = f.read()
    finally:
        os.close(fd)
    try:
        data = json.loads(raw)  # bytes: invalid UTF-8 is a ValueError too
    except ValueError as exc:
        from .json_words import decode_problem  # only for the message

        problem = f"is not valid JSON ({decode_problem(exc)})"
        raise StateCorrupt(_corrupt(what, path, problem)) from None
    if not valid(data):
        raise StateCorrupt(_corrupt(what, path, f"is not {shape}"))
    return data


def _unreadable(what: str, path: Path, problem: str) -> str:
    return (
        f"cannot read {what} {path}: {problem}; left untouched. Make it a regular file the "
        "runner's user can read and write (or move it aside) and run again"
    )


def _corrupt(what: str, path: Path, problem: str) -> str:
    return (
        f"{what} {path} {problem}; left untouched. The runner's next write sets it aside "
        f"as {path.name}.corrupt-<time> and starts afresh; or fix or remove it by hand"
    )


def set_aside(path: Path, now: datetime) -> Path:
    """Rename a corrupt state file to ``<name>.corrupt-<time>[-N]``; the caller holds its lock."""
    return move_aside(path, f"corrupt-{now.strftime('%Y%m%dT%H%M%S')}")
