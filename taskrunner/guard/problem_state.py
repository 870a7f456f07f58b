"""``problems.json``: the open findings of one workspace, read and written like all runner state.

Read with the runner's one JSON-state reader (``system/jsonstate``): a
corrupt file is reported, set aside by the next write (every byte kept as
``problems.json.corrupt-<time>``) and a fresh list started; a file that
cannot be read at all (a folder or FIFO in its place) stops the run with a
clear message and is left alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from ..errors import StateCorrupt
from ..system.atomic import dumps_json, write_atomic
from ..system.jsonstate import read_json_state, set_aside

PROBLEMS_VERSION = 1
_SHAPE = 'an object with "problems": {key: {...}}'


def _valid(data: Any) -> bool:
    problems = data.get("problems") if isinstance(data, dict) else None
    return isinstance(problems, dict) and all(isinstance(v, dict) for v in problems.values())


def load_problems(path: Path) -> tuple[dict[str, dict[str, Any]], str | None]:
    """The open problems, and why the file could not be used (then it is set aside on save)."""
    try:
        data = read_json_state(path, what="memory_guard's problem list", valid=_valid, shape=_SHAPE)
    except StateCorrupt as exc:
        return {}, str(exc)
    if data is None:
        return {}, None
    return {str(k): dict(v) for k, v in data["problems"].items()}, None


def save_problems(
    path: Path, problems: Mapping[str, Any], now_iso: str, *, corrupt: bool
) -> Path | None:
    """Write the list atomically; a corrupt old file is first set aside (returned)."""
    moved = set_aside(path, datetime.fromisoformat(now_iso)) if corrupt and path.exists() else None
    doc = {"version": PROBLEMS_VERSION, "updated_at": now_iso, "problems": dict(problems)}
    write_atomic(path, dumps_json(doc), mode=0o600)
    return moved
