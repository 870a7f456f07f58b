"""What install set up, kept in ``<state dir>/state/install.json``.

``status`` reads the schedules from here (the live OpenClaw listing adds
whether each job is enabled), and system_health's dead-man's switch uses the
period of each task to tell a missed run. One entry per target and workspace:
``{"<target>:<workspace>": {"target", "workspace", "agent", "installed_at",
"jobs": {task: Job.to_json() + {"id"?, "declaration_key"?, "files"?}}}}``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..system.atomic import write_json_atomic

VERSION = 1


def manifest_path(state_dir: Path) -> Path:
    return Path(state_dir) / "state" / "install.json"


def entry_key(target: str, workspace: Path) -> str:
    return f"{target}:{workspace}"


def load(state_dir: Path) -> dict[str, dict[str, Any]]:
    """The installs recorded; empty when none (or the file is unreadable: it is rebuilt)."""
    try:
        data = json.loads(manifest_path(state_dir).read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return {}
    installs = data.get("installs") if isinstance(data, dict) else None
    if not isinstance(installs, dict):
        return {}
    return {str(k): v for k, v in installs.items() if isinstance(v, dict)}


def save(state_dir: Path, installs: Mapping[str, Mapping[str, Any]]) -> None:
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
