"""What a guard run reports: files that vanished, shrank, or outgrew what OpenClaw injects.

Each problem has a stable key (``memory_guard:missing:<path>``,
``memory_guard:shrunk:<path>``, ``memory_guard:bootstrap:<file>``, …) and is
kept in ``problems.json`` until it clears. It is alerted when it appears and
again only when it gets worse (a higher level, more files gone), not every
15 minutes; when it clears, one ``info`` "recovered" notice. A deleted file
stays a problem until it is restored or forgotten with ``--prune-deleted``.
The file itself is read and written by ``problem_state``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .manifest import Entry
from .tracked import BOOTSTRAP_LIMITS, BOOTSTRAP_TOTAL_LIMIT

PREFIX = "memory_guard"
#: share of a file's lines or bytes lost in one step that is reported
DEFAULT_SHRINK_SHARE = 0.25
#: files vanishing in one run from which it is one ``critical`` alert
DEFAULT_SEVERAL = 3
#: a bootstrap file (or the total) above this share of its limit is a warning
NEAR_LIMIT_SHARE = 0.8
#: files smaller than this are too small for a share of them to mean much
MIN_SHRINK_BYTES = 64
NAMES_SHOWN = 5


@dataclass
class Problem:
    key: str
    level: str
    message: str
    label: str
    paths: list[str] = field(default_factory=list)
    #: for a shrink: the size and lines before it, to know when it is undone
    before: dict[str, int] = field(default_factory=dict)
    #: seen happen in this run (a new shrink): news even when the key is known
    fresh: bool = False

    def to_json(self, since: str) -> dict[str, Any]:
        out: dict[str, Any] = {
            "level": self.level,
            "message": self.message,
            "label": self.label,
            "since": since,
        }
        if self.paths:
            out["paths"] = self.paths
        if self.before:
            out["before"] = self.before
        return out


def _n(value: int) -> str:
    return f"{value:,}"


def _names(paths: Sequence[str]) -> str:
    shown = ", ".join(paths[:NAMES_SHOWN])
    more = len(paths) - NAMES_SHOWN
    return shown + (f" and {more} more" if more > 0 else "")


def _folder(paths: Sequence[str]) -> str:
    common = os.path.commonpath(paths) if paths else ""
    if common in paths:
        common = os.path.dirname(common)
    return common + "/" if common else "."


@dataclass
class Inputs:
    """What the findings are computed from."""

    previous: Mapping[str, Entry]
    current: Mapping[str, Entry]
    gone: Sequence[str]
    changed: Iterable[str]
    skipped: Mapping[str, str]
    at: str
    #: the command line (as a string) of memory_guard with these words added
    restore_cmd: Callable[..., str]
    known: Mapping[str, Mapping[str, Any]]
    shrink_share: float = DEFAULT_SHRINK_SHARE
    several: int = DEFAULT_SEVERAL
    store_problems: Sequence[str] = ()
    #: whether this run checked the journal and the objects (maintenance runs do); when it
    #: did not, a known store problem is kept as it was, neither repeated nor "recovered"
    store_checked: bool = True


def find(inputs: Inputs) -> tuple[list[Problem], set[str]]:
    """Current problems, and keys that cleared silently (nothing to tell: a shrunk file that
    was then deleted is reported as missing)."""
    problems = _missing(inputs)
    silent: set[str] = set()
    problems += _shrunk(inputs, silent)
    problems += _bootstrap(inputs.current)
    for rel, note in sorted(inputs.skipped.items()):
        problems.append(
            Problem(f"{PREFIX}:skipped:{rel}", "warning", f"{rel} is not snapshotted: {note}", rel)
        )
    key = f"{PREFIX}:snapshots"
    if inputs.store_problems:
        text = "; ".join(inputs.store_problems)
        problems.append(Problem(key, "error", f"memory_guard snapshots: {text}", "snapshots"))
    elif not inputs.store_checked and key in inputs.known:
        old = inputs.known[key]
        problems.append(Problem(key, str(old["level"]), str(old["message"]), "snapshots"))
    return problems, silent


def _missing(inputs: Inputs) -> list[Problem]:
    out: list[Problem] = []
    prev = inputs.previous
    gone_now = [p for p in inputs.gone if prev.get(p) is not None and prev[p].hash is not None]
    carried: dict[str, list[str]] = {}
    for key, old in inputs.known.items():
        if key.startswith(f"{PREFIX}:missing:"):
            still = [p for p in old.get("paths", []) if p not in inputs.current]
            if still:
                carried[key] = still
    if len(gone_now) >= inputs.several:
        folder = _folder(gone_now)
        key = f"{PREFIX}:missing:{folder}"
        carried[key] = sorted({*carried.get(key, []), *gone_now})
    else:
        for path in gone_now:
            carried[f"{PREFIX}:missing:{path}"] = [path]
    for key, paths in sorted(carried.items()):
        target = key.removeprefix(f"{PREFIX}:missing:")
        if len(paths) == 1 and target == paths[0]:
            entry = prev.get(paths[0])
            last = f" (last copy: {_n(entry.size)} bytes)" if entry is not None else ""
            message = (
                f"{paths[0]} disappeared{last}; restore it: "
                f"{inputs.restore_cmd('--restore', paths[0])}"
            )
            out.append(Problem(key, "error", message, paths[0], paths=paths))
            continue
        message = (
            f"{len(paths)} tracked files disappeared under {target} ({_names(paths)}); restore "
            f"them all: {inputs.restore_cmd('--restore', target)}"
        )
        out.append(Problem(key, "critical", message, f"files under {target}", paths=paths))
    return out


def _share(before: int, after: int) -> float:
    return (before - after) / before if before > 0 else 0.0


def _shrunk(inputs: Inputs, silent: set[str]) -> list[Problem]:
    out: dict[str, Problem] = {}
    share = inputs.shrink_share
    for key, old in inputs.known.items():
        if not key.startswith(f"{PREFIX}:shrunk:"):
            continue
        rel = key.removeprefix(f"{PREFIX}:shrunk:")
        now = inputs.current.get(rel)
        before = old.get("before", {})
        if now is None or now.hash is None:
            silent.add(key)
            continue
        undone = now.size >= (1 - share) * before.get("size", 0) and now.lines >= (
            1 - share
        ) * before.get("lines", 0)
        if not undone:
            out[key] = Problem(
                key, str(old["level"]), str(old["message"]), rel, before=dict(before)
            )
    for rel in inputs.changed:
        old_entry, new = inputs.previous.get(rel), inputs.current.get(rel)
        if old_entry is None or new is None or old_entry.hash is None or new.hash is None:
            continue
        if old_entry.size < MIN_SHRINK_BYTES:
            continue
        lost_lines = _share(old_entry.lines, new.lines)
        lost_bytes = _share(old_entry.size, new.size)
        if max(lost_lines, lost_bytes) <= share:
            continue
        level = "error" if max(lost_lines, lost_bytes) >= 0.9 else "warning"
        losses = []
        if lost_lines > 0:
            losses.append(
                f"{lost_lines:.0%} of its lines ({_n(old_entry.lines)} → {_n(new.lines)})"
            )
        if lost_bytes > 0:
            losses.append(f"{lost_bytes:.0%} of its bytes ({_n(old_entry.size)} → {_n(new.size)})")
        message = (
            f"{rel} lost {' and '.join(losses)} in one step (seen {inputs.at}); the version "
            f"before: {inputs.restore_cmd('--restore', rel, '--version', old_entry.hash[:12])}"
        )
        key = f"{PREFIX}:shrunk:{rel}"
        out[key] = Problem(
            key,
            level,
            message,
            rel,
            before={"size": old_entry.size, "lines": old_entry.lines},
            fresh=True,
        )
    return [out[k] for k in sorted(out)]


def _bootstrap(current: Mapping[str, Entry]) -> list[Problem]:
    out: list[Problem] = []
    injected = 0
    for name, limit in BOOTSTRAP_LIMITS.items():
        entry = current.get(name)
        if entry is None or entry.hash is None:
            continue
        injected += min(entry.chars, limit)
        key = f"{PREFIX}:bootstrap:{name}"
        if entry.chars > limit:
            unseen = entry.chars - limit
            out.append(
                Problem(
                    key,
                    "error",
                    f"{name} is {_n(entry.chars)} characters, over the {_n(limit)} OpenClaw "
                    f"injects at session start: the agent no longer sees its last "
                    f"{_n(unseen)} characters; move older parts into memory/ notes",
                    name,
                )
            )
        elif entry.chars > NEAR_LIMIT_SHARE * limit:
            out.append(
                Problem(
                    key,
                    "warning",
                    f"{name} is {_n(entry.chars)} characters, {entry.chars / limit:.0%} of the "
                    f"{_n(limit)} OpenClaw injects at session start; trim it before the "
                    "agent stops seeing its end",
                    name,
                )
            )
    total = BOOTSTRAP_TOTAL_LIMIT
    key = f"{PREFIX}:bootstrap:total"
    if injected > total:
        out.append(
            Problem(
                key,
                "error",
                f"the bootstrap files hold {_n(injected)} characters after OpenClaw's per-file "
                f"cuts, over the {_n(total)} it injects in total: the agent no longer sees "
                f"{_n(injected - total)} characters",
                "the bootstrap files' total",
            )
        )
    elif injected > NEAR_LIMIT_SHARE * total:
        out.append(
            Problem(
                key,
                "warning",
                f"the bootstrap files hold {_n(injected)} characters, {injected / total:.0%} "
                f"of the {_n(total)} OpenClaw injects in total",
                "the bootstrap files' total",
            )
        )
    return out


def plan_alerts(
    known: Mapping[str, Mapping[str, Any]],
    problems: Sequence[Problem],
    silent: set[str],
    now_iso: str,
) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """Alerts to raise (``{"level", "message", "key"}``) and the new problem state."""
    alerts: list[dict[str, Any]] = []
    state: dict[str, dict[str, Any]] = {}
    for p in problems:
        old = known.get(p.key)
        worse = (
            p.fresh
            or old is None
            or old.get("level") != p.level
            or not set(p.paths) <= set(old.get("paths", []))
        )
        if worse:
            alerts.append({"level": p.level, "message": p.message, "key": p.key})
        state[p.key] = p.to_json(str(old.get("since", now_iso)) if old else now_iso)
    for key, old in known.items():
        if key in state or key in silent:
            continue
        since = f" since {old['since']}" if old.get("since") else ""
        alerts.append(
            {
                "level": "info",
                "message": f"recovered: {old.get('label') or key} is fine again "
                f"(was {old.get('level', 'a problem')}{since})",
                "key": f"{key}:recovered",
            }
        )
    return alerts, state
