"""Putting versions back: one file (a chosen version, or the state at a moment) or a folder.

Restore never destroys content: the caller snapshots the workspace first,
so the content a restore replaces is itself a version that can be restored.
Each file is written atomically (temp file, fsync, rename); a version whose
object is missing or damaged is reported and that file left as it is.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

from ..errors import InvalidRequest
from ..system.atomic import write_atomic
from .history import Version, known_paths, state_at, under, versions
from .manifest import Entry, Event
from .objects import ObjectStore

_HEX = re.compile(r"[0-9a-f]{4,64}")


def parse_time(text: str) -> tuple[float, str]:
    """``--at``: an ISO date (its end, local time) or datetime (local unless it has an offset)."""
    raw = text.strip()
    try:
        if len(raw) == 10:
            day = date.fromisoformat(raw)
            moment = datetime.combine(day, time(23, 59, 59, 999_999)).astimezone()
        else:
            moment = datetime.fromisoformat(raw.replace(" ", "T", 1))
            if moment.tzinfo is None:
                moment = moment.astimezone()
    except ValueError:
        raise InvalidRequest(
            f"--at {text!r} is not a date or time: use YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS] "
            "(local time)"
        ) from None
    return moment.timestamp(), moment.isoformat(timespec="seconds")


def local_iso(ts: float) -> str:
    return datetime.fromtimestamp(ts).astimezone().isoformat(timespec="seconds")


@dataclass(frozen=True)
class Step:
    path: str
    entry: Entry
    #: when that content was first recorded
    ts: float
    #: "create" (the file is missing) or "replace"
    action: str


@dataclass
class Plan:
    steps: list[Step] = field(default_factory=list)
    #: already holding the chosen content
    unchanged: list[str] = field(default_factory=list)
    what: str = ""


def is_folder(rel: str, typed: str, events: Sequence[Event], workspace: Path) -> bool:
    if not rel or typed.rstrip().endswith("/") or (workspace / rel).is_dir():
        return True
    paths = known_paths(events)
    return rel not in paths and any(under(p, rel) for p in paths)


def _newest(vs: Sequence[Version], ts: float) -> Version | None:
    older = [v for v in vs if v.ts <= ts]
    return older[-1] if older else None


def plan_restore(
    events: Sequence[Event],
    current: Mapping[str, Entry],
    rel: str,
    *,
    folder: bool,
    at: tuple[float, str] | None,
    version: str | None,
) -> Plan:
    """What to write; ``InvalidRequest`` when the request names nothing that can be restored."""
    paths = known_paths(events)
    if not (rel in paths or (folder and any(under(p, rel) for p in paths))):
        raise InvalidRequest(
            f"{rel or 'the workspace'} has no snapshots: it is not a tracked file or folder, or "
            "memory_guard has not run since it existed (see --list .)"
        )
    plan = Plan()
    chosen: dict[str, Version] = {}
    if version is not None:
        if folder:
            raise InvalidRequest("--version picks one file's version: give a file, not a folder")
        prefix = version.strip().lower()
        if not _HEX.fullmatch(prefix):
            raise InvalidRequest(f"--version {version!r} is not a hash: give 4 or more hex digits")
        matches = {v.hash: v for v in versions(events, rel) if v.hash.startswith(prefix)}
        if not matches:
            raise InvalidRequest(f"{rel} has no version {prefix} (see --list {rel})")
        if len(matches) > 1:
            raise InvalidRequest(
                f"--version {prefix} matches {len(matches)} versions: give more digits"
            )
        chosen[rel] = next(iter(matches.values()))
        plan.what = f"version {prefix}"
    elif at is not None:
        at_ts, at_iso = at
        wanted = state_at(events, at_ts)
        for path in sorted(wanted):
            if (path == rel and not folder) or (folder and under(path, rel)):
                found = _newest(versions(events, path), at_ts)
                if found is not None:
                    chosen[path] = found
        if not chosen:
            raise InvalidRequest(f"no version of {rel or 'any tracked file'} existed at {at_iso}")
        plan.what = f"as it was at {at_iso}"
    elif folder:
        for path in sorted(paths):
            if under(path, rel) and path not in current:
                vs = versions(events, path)
                if vs:
                    chosen[path] = vs[-1]
        if not chosen:
            raise InvalidRequest(
                f"nothing to restore under {rel or 'the workspace'}: no tracked file there was "
                "deleted (to go back in time, add --at TIME)"
            )
        plan.what = "the last version of each deleted file"
    else:
        vs = versions(events, rel)
        now = current.get(rel)
        older = [v for v in vs if now is None or v.hash != now.hash]
        if not older:
            raise InvalidRequest(
                f"nothing to restore: {rel} has no version other than its current one"
            )
        chosen[rel] = older[-1]
        plan.what = "its previous version" if now is not None else "its last version"
    for path, v in sorted(chosen.items()):
        now = current.get(path)
        if now is not None and now.hash == v.hash:
            plan.unchanged.append(path)
            continue
        plan.steps.append(Step(path, v.entry, v.ts, "replace" if now is not None else "create"))
    return plan


def _safe_target(workspace: Path, rel: str) -> Path:
    root = os.path.realpath(workspace)
    target = Path(root) / rel
    parent = os.path.realpath(target.parent)
    if parent != root and not parent.startswith(root + os.sep):
        raise InvalidRequest(
            f"{rel}: its folder leads outside the workspace (a symbolic link); not written"
        )
    if target.is_symlink():
        raise InvalidRequest(f"{rel} is now a symbolic link; remove it first to restore the file")
    if target.exists() and not target.is_file():
        raise InvalidRequest(f"{rel} is now a folder or a special file; move it away first")
    return target


def write_version(workspace: Path, step: Step, objects: ObjectStore) -> Path:
    """Write one step's content (checked against its hash) atomically."""
    assert step.entry.hash is not None
    data = objects.get(step.entry.hash)
    target = _safe_target(workspace, step.path)
    target.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(target, data)
    return target
