"""Statistics over run records for ``runner.py history``: pure functions plus a text table.

Everything here takes an iterable of record dicts (as ``RunLog.records()``
yields them, in log order: the order runs ended) and never touches a file, so it is tested with
plain lists. Records are read defensively: a hand-edited log line with odd
types is summarised as well as it can be, never a crash.

``locked`` records (a start refused because the task was already running)
are not runs of the task: they are counted apart and left out of the
success rate and durations.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

#: runs shown by ``history`` when ``--last`` is not given
DEFAULT_LAST_RUNS = 20
#: longest message shown in a table cell, in characters
_MESSAGE_WIDTH = 60


@dataclass
class TaskStats:
    """What ``history`` says about one task."""

    task: str
    #: runs that executed (``locked`` refusals excluded)
    runs: int = 0
    successes: int = 0
    #: starts refused because the task was already running
    locked: int = 0
    durations_s: list[float] = field(default_factory=list, repr=False)
    #: ``timestamp`` of the most recent successful run
    last_success: str | None = None
    #: ``{timestamp, status, message, error}`` of the most recent failed run
    last_failure: dict[str, Any] | None = None

    @property
    def failures(self) -> int:
        return self.runs - self.successes

    @property
    def success_rate(self) -> float | None:
        """Successful runs / runs, from 0 to 1; None before the first run."""
        return self.successes / self.runs if self.runs else None

    @property
    def median_duration_s(self) -> float | None:
        if not self.durations_s:
            return None
        import statistics  # costs an import the task path never needs

        return float(statistics.median(self.durations_s))

    @property
    def p95_duration_s(self) -> float | None:
        return percentile(self.durations_s, 95)

    def to_json(self) -> dict[str, Any]:
        return {
            "task": self.task,
            "runs": self.runs,
            "successes": self.successes,
            "failures": self.failures,
            "locked": self.locked,
            "success_rate": self.success_rate,
            "median_duration_seconds": self.median_duration_s,
            "p95_duration_seconds": self.p95_duration_s,
            "last_success": self.last_success,
            "last_failure": self.last_failure,
        }

    def add(self, record: Mapping[str, Any]) -> None:
        """Account for one record of this task (records arrive oldest first)."""
        status = record_status(record)
        if status == "locked":
            self.locked += 1
            return
        self.runs += 1
        duration = record.get("duration_seconds")
        if (
            isinstance(duration, int | float)
            and not isinstance(duration, bool)
            and math.isfinite(duration)
            and duration >= 0
        ):
            self.durations_s.append(float(duration))
        timestamp = _text_or_none(record.get("timestamp"))
        if status == "success":
            self.successes += 1
            self.last_success = timestamp
            return
        error = record.get("error")
        self.last_failure = {
            "timestamp": timestamp,
            "status": status,
            "message": _text_or_none(record.get("message")),
            "error": (
                {
                    "type": _text_or_none(error.get("type")),
                    "message": _text_or_none(error.get("message")),
                }
                if isinstance(error, Mapping)
                else None
            ),
        }


@dataclass
class Summary:
    """The ``history`` answer: the latest runs and per-task statistics."""

    recent: list[dict[str, Any]]
    tasks: list[TaskStats]

    def to_json(self) -> dict[str, Any]:
        return {"recent": self.recent, "tasks": [s.to_json() for s in self.tasks]}


def percentile(values: Sequence[float], pct: float) -> float | None:
    """Nearest-rank percentile: the smallest value with ``pct`` % of values at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def record_task(record: Mapping[str, Any]) -> str:
    task = record.get("task")
    return task if isinstance(task, str) and task else "?"


def record_status(record: Mapping[str, Any]) -> str:
    """``status``, or for a record without one, success/failed from ``success``."""
    status = record.get("status")
    if isinstance(status, str) and status:
        return status
    return "success" if record.get("success") is True else "failed"


def summarize(
    records: Iterable[Mapping[str, Any]],
    *,
    task: str | None = None,
    last: int = DEFAULT_LAST_RUNS,
) -> Summary:
    """One pass over ``records`` (in log order): the ``last`` runs by start time, and stats.

    A record is written when its run ends, so the log is in the order runs
    finished: a ``locked`` refusal lands before the run that held the lock,
    a ``crashed`` record long after its start. ``recent`` is the ``last``
    latest starts (``timestamp``), oldest first; a record whose time cannot
    be read keeps its place after the record before it in the log, and equal
    times keep log order. With ``task``, only that task's records count.
    """
    # A min-heap of the `last` latest (start, log position): one pass, bounded memory.
    recent: list[tuple[float, int, Mapping[str, Any]]] = []
    size = max(0, last)
    stats: dict[str, TaskStats] = {}
    start = -math.inf
    for position, record in enumerate(records):
        name = record_task(record)
        if task is not None and name != task:
            continue
        start = _start_seconds(record.get("timestamp"), start)
        if size:
            entry = (start, position, record)
            if len(recent) < size:
                heapq.heappush(recent, entry)
            elif entry[:2] > recent[0][:2]:
                heapq.heapreplace(recent, entry)
        stats.setdefault(name, TaskStats(name)).add(record)
    ordered = [dict(entry[2]) for entry in sorted(recent, key=lambda entry: entry[:2])]
    return Summary(recent=ordered, tasks=[stats[k] for k in sorted(stats)])


def _start_seconds(timestamp: Any, previous: float) -> float:
    """``timestamp`` as seconds since the epoch (no offset: local time); else ``previous``."""
    if not isinstance(timestamp, str):
        return previous
    try:
        # Compared as instants, not as text: "03:00+02:00" is before "02:30+00:00".
        return datetime.fromisoformat(timestamp).timestamp()
    except (ValueError, OverflowError, OSError):
        return previous


# -- rendering ----------------------------------------------------------------


def render_text(summary: Summary) -> str:
    """``summary`` as readable text tables (times shown in local time)."""
    if not summary.tasks:
        return "No runs recorded yet.\n"
    out: list[str] = []
    if summary.recent:
        # By start time, the STARTED column: the log itself is in the order runs ended.
        out.append(f"Recent runs (newest last, {len(summary.recent)} shown)")
        rows = [
            [
                local_time(r.get("timestamp")),
                record_task(r),
                record_status(r),
                format_duration(r.get("duration_seconds")),
                _text_or_none(r.get("attempts")) or "",
                _one_line(r.get("message")),
            ]
            for r in summary.recent
        ]
        headers = ["STARTED", "TASK", "STATUS", "DURATION", "ATTEMPTS", "MESSAGE"]
        out += _table(headers, rows, {3, 4})
        out.append("")
    out.append("Per task")
    rows = [
        [
            s.task,
            str(s.runs),
            "-" if s.success_rate is None else f"{s.success_rate * 100:.1f}%",
            format_duration(s.median_duration_s),
            format_duration(s.p95_duration_s),
            str(s.locked),
            local_time(s.last_success) if s.last_success else "never",
        ]
        for s in summary.tasks
    ]
    headers = ["TASK", "RUNS", "SUCCESS", "MEDIAN", "P95", "LOCKED", "LAST SUCCESS"]
    out += _table(headers, rows, {1, 2, 3, 4, 5})
    failures = [s for s in summary.tasks if s.last_failure is not None]
    if failures:
        out.append("")
        out.append("Last failure")
        for s in failures:
            out.append(f"  {s.task}: {describe_failure(s.last_failure or {})}")
    return "\n".join(out) + "\n"


def describe_failure(failure: Mapping[str, Any]) -> str:
    """``2026-01-04 03:00:01 timeout: Timeout: stopped after 600 s``."""
    error = failure.get("error")
    detail = ""
    if isinstance(error, Mapping):
        parts = [str(p) for p in (error.get("type"), error.get("message")) if p]
        detail = ": ".join(parts)
    detail = detail or _text_or_none(failure.get("message")) or "no error recorded"
    when = local_time(failure.get("timestamp"))
    return f"{when} {failure.get('status', 'failed')}: {_one_line(detail, width=120)}"


def local_time(timestamp: Any) -> str:
    """An ISO 8601 timestamp as local ``YYYY-MM-DD HH:MM:SS``; unparseable ones as given."""
    if not isinstance(timestamp, str) or not timestamp:
        return "-"
    try:
        moment = datetime.fromisoformat(timestamp)
    except ValueError:
        return timestamp
    if moment.tzinfo is not None:
        moment = moment.astimezone()
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def format_duration(seconds: Any) -> str:
    if (
        not isinstance(seconds, int | float)
        or isinstance(seconds, bool)
        or not math.isfinite(seconds)
    ):
        return "-"
    if seconds < 60:
        return f"{seconds:.2f}s"
    minutes, secs = divmod(seconds, 60)
    return f"{int(minutes)}m{secs:04.1f}s"


def _table(headers: list[str], rows: list[list[str]], right: set[int]) -> list[str]:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    lines = []
    for cells in [headers, *rows]:
        padded = [
            c.rjust(widths[i]) if i in right else c.ljust(widths[i]) for i, c in enumerate(cells)
        ]
        lines.append("  ".join(padded).rstrip())
    return lines


def _one_line(value: Any, *, width: int = _MESSAGE_WIDTH) -> str:
    text = " ".join(str(value).split()) if value is not None else ""
    return text if len(text) <= width else text[: width - 1] + "…"


def _text_or_none(value: Any) -> str | None:
    return None if value is None else str(value)
