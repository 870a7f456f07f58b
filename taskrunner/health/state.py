"""Last known problems, kept in ``<state dir>/state/health.json``, and the alerts they imply.

Every current problem is alerted on every run (the queue merges repeats by
key, so a check every five minutes does not flood the heartbeat). A problem
that was known last time and is gone now gets one ``info`` "recovered"
alert. A problem a check could not look at this time (cron while the
gateway is down) is neither re-alerted nor declared recovered: its last
known state is kept.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from ..errors import StateCorrupt, StateUnreadable
from ..system import lockfile
from ..system.atomic import write_json_atomic
from ..system.jsonstate import read_json_state, set_aside
from .report import Check

STATE_DIRNAME = "state"
STATE_FILENAME = "health.json"
STATE_VERSION = 1
#: seconds to wait for another health run to finish with the state file
LOCK_TIMEOUT_S = 30.0


def state_path(state_dir: Path) -> Path:
    return Path(state_dir) / STATE_DIRNAME / STATE_FILENAME


@dataclass
class HealthState:
    """Problems by alert key: ``{"level", "message", "label", "since"}``."""

    problems: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: why the file could not be used (set aside on the next save, unless ``keep``)
    unreadable: str | None = None
    #: the file could not be read at all: never moved, the save fails and says why
    keep: bool = False


def load_state(path: Path) -> HealthState:
    """The last saved state; an empty one when there is none or it is unreadable."""
    try:
        data = read_json_state(path, what="the health state", valid=_is_state, shape=_SHAPE)
    except StateCorrupt as exc:
        return HealthState(unreadable=str(exc).split("; left untouched", 1)[0])
    except StateUnreadable as exc:
        # Not ours to move (a folder, a FIFO, permissions): the save will say so.
        return HealthState(unreadable=str(exc).split("; left untouched", 1)[0], keep=True)
    if data is None:
        return HealthState()
    return HealthState(problems={str(k): dict(v) for k, v in data["problems"].items()})


_SHAPE = "a health state object"


def _is_state(data: Any) -> bool:
    problems = data.get("problems") if isinstance(data, dict) else None
    return isinstance(problems, dict) and all(isinstance(v, dict) for v in problems.values())


def covers(scope: str, key: str) -> bool:
    """Whether an unknown scope covers an alert key.

    ``health:cron`` covers itself and ``health:cron:<id>``; ``health:disk:``
    (ending in a colon) covers every disk; ``health:disk:/`` covers the root
    disk only, not ``health:disk:/home``.
    """
    if key == scope:
        return True
    return key.startswith(scope if scope.endswith(":") else scope + ":")


def plan_alerts(
    previous: Mapping[str, Mapping[str, Any]], checks: Sequence[Check], now_iso: str
) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """The alerts to raise (``{"level", "message", "key"}``) and the new problem state."""
    alerts: list[dict[str, Any]] = []
    current: dict[str, dict[str, Any]] = {}
    scopes = [scope for check in checks for scope in check.unknown_scopes]
    for check in checks:
        for p in check.problems:
            alerts.append({"level": p.level, "message": p.message, "key": p.key})
            since = previous.get(p.key, {}).get("since", now_iso)
            current[p.key] = {
                "level": p.level,
                "message": p.message,
                "label": p.label,
                "since": since,
            }
    for key, old in previous.items():
        if key in current:
            continue
        if any(covers(scope, key) for scope in scopes):
            current[key] = dict(old)  # not looked at this time: keep what we knew
            continue
        label = old.get("label") or key
        was = old.get("level", "a problem")
        since = f" since {old['since']}" if old.get("since") else ""
        alerts.append(
            {
                "level": "info",
                "message": f"recovered: {label} is fine again (was {was}{since})",
                "key": f"{key}:recovered",
            }
        )
    return alerts, current


@contextlib.contextmanager
def state_lock(path: Path, *, timeout_s: float = LOCK_TIMEOUT_S) -> Iterator[None]:
    """Exclusive ``flock`` on ``health.json.lock`` (never truncated, never deleted)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lock_path = path.with_name(path.name + ".lock")
    with lockfile.held(lock_path, what="the health state lock", timeout_s=timeout_s):
        yield


def save_state(
    path: Path, problems: Mapping[str, Mapping[str, Any]], now_iso: str, *, unreadable: bool
) -> Path | None:
    """Write the state atomically; an unreadable old file is first set aside (returned)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    moved: Path | None = None
    if unreadable and path.exists():
        moved = set_aside(path, datetime.fromisoformat(now_iso))
    write_json_atomic(
        path,
        {"version": STATE_VERSION, "updated_at": now_iso, "problems": dict(problems)},
    )
    return moved
