"""Install as launchd LaunchAgents (macOS): one plist per task in ``~/Library/LaunchAgents``.

The plist runs the absolute interpreter (Apple's ``/usr/bin/python3`` is 3.9,
too old) with the runner and the workspace pinned; ``StartInterval`` for
``--every``, ``StartCalendarInterval`` for a cron schedule. launchd has no
job timeout: the runner's own per-attempt timeouts bound a run. Output goes
to ``<state dir>/logs/launchd-<task>.log``. Activation is ``launchctl
bootstrap gui/<uid>``; ``--no-activate`` only writes the files.
"""

from __future__ import annotations

import os
import plistlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .files import Action, put, remove_ours, run_tool, user_home
from .plan import Job, Target
from .schedule import as_launchd_calendar

LABEL_PREFIX = "ai.openclaw.taskrunner."
#: a key in every plist install writes: uninstall removes only such files
MARKER_KEY = "TaskrunnerManagedBy"
MARKER = "runner.py install"


def agents_dir() -> Path:
    return user_home() / "Library" / "LaunchAgents"


def label(job: Job, target: Target) -> str:
    suffix = f".{target.slug}" if target.slug else ""
    return f"{LABEL_PREFIX}{job.task}{suffix}"


def plist(job: Job, target: Target) -> str:
    data: dict[str, Any] = {
        "Label": label(job, target),
        "ProgramArguments": list(job.argv),
        "EnvironmentVariables": dict(job.env),
        "WorkingDirectory": str(target.workspace),
        "StandardOutPath": str(target.state_dir / "logs" / f"launchd-{job.task}.log"),
        "StandardErrorPath": str(target.state_dir / "logs" / f"launchd-{job.task}.log"),
        "RunAtLoad": False,
        "ProcessType": "Background",
        MARKER_KEY: MARKER,
        "TaskrunnerWorkspace": str(target.workspace),
    }
    if job.schedule.kind == "every":
        data["StartInterval"] = job.schedule.every_s
    else:
        entries = as_launchd_calendar(job.schedule)
        data["StartCalendarInterval"] = entries[0] if len(entries) == 1 else entries
    return plistlib.dumps(data, sort_keys=True).decode("utf-8")


def _domain() -> str:
    return f"gui/{os.getuid()}"


def install(
    target: Target, *, dry_run: bool, activate: bool, echo: Callable[[str], None]
) -> list[Action]:
    directory = agents_dir()
    actions = []
    for job in target.jobs:
        path = directory / f"{label(job, target)}.plist"
        action = put(path, plist(job, target), dry_run=dry_run, what="launchd agent")
        actions.append(action)
        if activate and action["change"] != "unchanged":
            (target.state_dir / "logs").mkdir(parents=True, exist_ok=True)
            # bootout first: bootstrap refuses a label that is already loaded
            domain_label = f"{_domain()}/{label(job, target)}"
            run_tool(["launchctl", "bootout", domain_label], dry_run=dry_run, echo=echo,
                     check=False)  # fmt: skip
            run_tool(["launchctl", "bootstrap", _domain(), str(path)], dry_run=dry_run, echo=echo)
    return actions


def _ours(path: Path, target: Target) -> bool:
    try:
        data = plistlib.loads(path.read_bytes())
    except (OSError, ValueError, plistlib.InvalidFileException):
        return False
    return bool(
        isinstance(data, dict)
        and data.get(MARKER_KEY) == MARKER
        and data.get("TaskrunnerWorkspace") == str(target.workspace)
    )


def uninstall(
    target: Target, *, dry_run: bool, activate: bool, echo: Callable[[str], None]
) -> list[Action]:
    directory = agents_dir()
    actions = []
    for path in sorted(directory.glob(f"{LABEL_PREFIX}*.plist")) if directory.is_dir() else []:
        if not _ours(path, target):
            continue
        if activate:
            run_tool(["launchctl", "bootout", f"{_domain()}/{path.stem}"], dry_run=dry_run,
                     echo=echo, check=False)  # fmt: skip
        action = remove_ours(path, MARKER_KEY, dry_run=dry_run, what="launchd agent")
        if action is not None:
            actions.append(action)
    return actions
