"""What install set up, kept in ``<state dir>/state/install.json``.

``status`` reads the schedules from here (the live OpenClaw listing adds
whether each job is enabled), and system_health's dead-man's switch uses the
period of each task to tell a missed run. One entry per target and workspace:
``{"<target>:<workspace>": {"target", "workspace", "agent", "installed_at",
"jobs": {task: Job.to_json() + {"id"?, "declaration_key"?, "files"?}}}}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from ..errors import StateCorrupt
from ..system import lockfile
from ..system.atomic import write_json_atomic
from ..system.jsonstate import read_json_state, set_aside

VERSION = 1
_SHAPE = 'a JSON object {"version": 1, "installs": {...}}'


def manifest_path(state_dir: Path) -> Path:
    return Path(state_dir) / "state" / "install.json"


def entry_key(target: str, workspace: Path) -> str:
    return f"{target}:{workspace}"


def _valid(data: Any) -> bool:
    return isinstance(data, dict) and isinstance(data.get("installs"), dict)


def load(state_dir: Path) -> dict[str, dict[str, Any]]:
    """The installs recorded (empty when none); raises ``StateCorrupt``/``StateUnreadable``."""
    data = read_json_state(
        manifest_path(state_dir), what="the install record", valid=_valid, shape=_SHAPE
    )
    if data is None:
        return {}
    return {str(k): v for k, v in data["installs"].items() if isinstance(v, dict)}


def update(
    state_dir: Path, changes: Mapping[str, Mapping[str, Any] | None], now: datetime
) -> Path | None:
    """Set (None: drop) entries under the record's lock; returns where a corrupt record went."""
    path = manifest_path(state_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    moved: Path | None = None
    with lockfile.held(path.with_name(path.name + ".lock"), what="the install record lock",
                       timeout_s=30):  # fmt: skip
        try:
            installs = load(state_dir)
        except StateCorrupt:
            moved = set_aside(path, now)  # every byte kept beside it
            installs = {}
        for key, entry in changes.items():
            if entry is None:
                installs.pop(key, None)
            else:
                installs[key] = dict(entry)
        write_json_atomic(path, {"version": VERSION, "installs": installs})
    return moved


def save(state_dir: Path, installs: Mapping[str, Mapping[str, Any]]) -> None:
    """Replace the whole record (tests, and a fresh start)."""
    path = manifest_path(state_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_json_atomic(path, {"version": VERSION, "installs": dict(installs)})


def installed_jobs(state_dir: Path, workspace: Path | None = None) -> list[dict[str, Any]]:
    """Every recorded job (optionally for one workspace), each with ``target`` and ``workspace``."""
    out = []
    for entry in load(state_dir).values():
        if workspace is not None and entry.get("workspace") != str(workspace):
            continue
        jobs = entry.get("jobs")
        if not isinstance(jobs, dict):
            continue
        for job in jobs.values():
            if isinstance(job, dict):
                out.append(
                    {
                        **job,
                        "target": entry.get("target"),
                        "workspace": entry.get("workspace"),
                        "agent": entry.get("agent"),
                        "installed_at": entry.get("installed_at"),
                    }
                )
    return out
