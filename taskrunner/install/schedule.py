"""Schedules: ``--every 5m`` and ``--cron "0 * * * *"``, checked, and their period.

One ``Schedule`` feeds every target: OpenClaw takes it as is, crontab needs a
cron expression, systemd an ``OnCalendar=``/``OnUnitActiveSec=`` setting and
launchd a ``StartInterval``/``StartCalendarInterval``. The period (the longest
gap between two runs) is what the dead-man's switch in system_health waits
for before it calls a task overdue.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from typing import Any

from ..errors import UsageError

_DURATION = re.compile(r"^\s*(\d+)\s*(s|m|h|d)\s*$")
_UNIT_S = {"s": 1, "m": 60, "h": 3600, "d": 86400}
#: (name, lowest, highest) of the five cron fields
_FIELDS = (("minute", 0, 59), ("hour", 0, 23), ("day of month", 1, 31), ("month", 1, 12),
           ("day of week", 0, 7))  # fmt: skip
_DAY_NAMES = ("Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True)
class Schedule:
    """``kind`` "every" (``every_s``) or "cron" (``expr``, five fields)."""

    kind: str
    every_s: int = 0
    expr: str = ""

    def describe(self) -> str:
        return f"every {format_duration(self.every_s)}" if self.kind == "every" else self.expr

    def to_json(self) -> dict[str, Any]:
        if self.kind == "every":
            return {"kind": "every", "every_seconds": self.every_s}
        return {"kind": "cron", "expr": self.expr}

    @property
    def period_s(self) -> int:
        """The longest gap between two runs, in seconds."""
        return self.every_s if self.kind == "every" else cron_period_s(self.expr)


def schedule_from_json(data: Any) -> Schedule | None:
    """The inverse of ``Schedule.to_json``; None for anything else."""
    if not isinstance(data, dict):
        return None
    try:
        if data.get("kind") == "every":
            return every(f"{int(data['every_seconds'])}s")
        if data.get("kind") == "cron":
            return cron(str(data["expr"]))
    except (KeyError, TypeError, ValueError, UsageError):
        return None
    return None


def format_duration(seconds: int) -> str:
    for unit in ("d", "h", "m"):
        if seconds % _UNIT_S[unit] == 0 and seconds >= _UNIT_S[unit]:
            return f"{seconds // _UNIT_S[unit]}{unit}"
    return f"{seconds}s"


def every(spec: str) -> Schedule:
    """``30s``, ``5m``, ``1h``, ``1d`` (at least one minute)."""
    match = _DURATION.match(spec)
    if not match:
        raise UsageError(f"--every takes a duration such as 5m, 1h or 1d, not {spec!r}")
    seconds = int(match.group(1)) * _UNIT_S[match.group(2)]
    if seconds < 60:
        raise UsageError(f"--every {spec}: runs must be at least one minute apart")
    return Schedule("every", every_s=seconds)


def _parse_field(text: str, name: str, low: int, high: int) -> frozenset[int]:
    values: set[int] = set()
    for part in text.split(","):
        base, slash, step_text = part.partition("/")
        step = 1
        if slash:
            if not step_text.isdigit() or int(step_text) < 1:
                raise UsageError(f"cron {name} {text!r}: the step after / must be 1 or more")
            step = int(step_text)
        if base == "*":
            start, end = low, high
        else:
            first, dash, last = base.partition("-")
            if not first.isdigit() or (dash and not last.isdigit()):
                raise UsageError(
                    f"cron {name} {text!r}: use numbers, ranges (1-5), lists (1,3) and steps "
                    "(*/5); names and ? are not supported"
                )
            start = int(first)
            end = int(last) if dash else (high if slash else start)
        if not (low <= start <= end <= high):
            raise UsageError(f"cron {name} {text!r}: values must be {low}-{high}")
        values.update(range(start, end + 1, step))
    return frozenset(values)


@dataclass(frozen=True)
class CronFields:
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]  # 0 = Sunday (7 folded into 0)
    day_restricted: bool
    weekday_restricted: bool

    def runs_on(self, day: int, month: int, weekday: int) -> bool:
        if month not in self.months:
            return False
        in_day, in_weekday = day in self.days, weekday in self.weekdays
        if self.day_restricted and self.weekday_restricted:
            return in_day or in_weekday  # cron's rule: either one
        return in_day and in_weekday

    @property
    def times_of_day(self) -> list[int]:
        """Minutes after midnight at which it runs, on a day it runs."""
        return sorted(h * 60 + m for h in self.hours for m in self.minutes)


def parse_cron(expr: str) -> CronFields:
    parts = expr.split()
    if len(parts) != 5:
        raise UsageError(
            f"--cron takes five fields (minute hour day-of-month month day-of-week), not {expr!r}"
        )
    sets = [_parse_field(p, *spec) for p, spec in zip(parts, _FIELDS, strict=True)]
    weekdays = frozenset(0 if d == 7 else d for d in sets[4])
    return CronFields(
        sets[0], sets[1], sets[2], sets[3], weekdays, parts[2] != "*", parts[4] != "*"
    )


def cron(expr: str) -> Schedule:
    """A five-field cron expression (numbers, ranges, lists, steps), checked."""
    expr = " ".join(expr.split())
    cron_period_s(expr)  # refuses one that never runs
    return Schedule("cron", expr=expr)


def cron_period_s(expr: str) -> int:
    """The longest gap between two runs of ``expr``, in seconds.

    A schedule that runs every day at the same times has its gaps within a
    day; any other is walked day by day over a year (2023, which starts on a
    Sunday) and a month more, so monthly and weekly ones get their true worst case.
    """
    import datetime as dt

    fields = parse_cron(expr)
    times = fields.times_of_day
    if not (fields.day_restricted or fields.weekday_restricted) and len(fields.months) == 12:
        gaps = [b - a for a, b in itertools.pairwise(times)]
        return max([*gaps, 1440 - times[-1] + times[0]]) * 60
    start = dt.date(2023, 1, 1)
    fires: list[int] = []
    for offset in range(365 + 31):
        day = start + dt.timedelta(days=offset)
        if fields.runs_on(day.day, day.month, (day.weekday() + 1) % 7):
            fires.extend(offset * 1440 + t for t in times)
    if len(fires) < 2:
        raise UsageError(f"cron {expr!r} runs less than twice a year; use a shorter schedule")
    return max(b - a for a, b in itertools.pairwise(fires)) * 60


# -- conversions for the system schedulers -----------------------------------


def as_cron_expr(schedule: Schedule) -> str:
    """A crontab expression; an ``every`` must divide an hour or a day evenly."""
    if schedule.kind == "cron":
        return schedule.expr
    seconds = schedule.every_s
    if seconds % 60 == 0 and 60 % (seconds // 60) == 0 and seconds < 3600:
        return f"*/{seconds // 60} * * * *" if seconds > 60 else "* * * * *"
    if seconds % 3600 == 0 and 24 % (seconds // 3600) == 0 and seconds < 86400:
        return f"0 */{seconds // 3600} * * *" if seconds > 3600 else "0 * * * *"
    if seconds == 86400:
        return "0 0 * * *"
    raise UsageError(
        f"every {format_duration(seconds)} has no crontab equivalent: use --cron TASK=EXPR, "
        "or an interval that divides an hour or a day"
    )


def _systemd_field(text: str, names: tuple[str, ...] | None = None) -> str:
    out = []
    for part in text.split(","):
        base, slash, step = part.partition("/")
        if base == "*":
            base = "0" if slash else "*"
            if names is not None and slash:
                raise UsageError("systemd timers cannot step days of the week; list them instead")
        if names is not None and base != "*":
            first, _, last = base.partition("-")
            base = names[int(first)] + (".." + names[int(last)] if last else "")
        else:
            base = base.replace("-", "..")
        out.append(base + (f"/{step}" if slash else ""))
    return ",".join(out)


def as_systemd_calendar(schedule: Schedule) -> str:
    """``OnCalendar=`` for a cron schedule (cron's day-of-month *or* weekday is refused)."""
    parse_cron(schedule.expr)
    minute, hour, day, month, weekday = schedule.expr.split()
    if day != "*" and weekday != "*":
        raise UsageError(
            f"cron {schedule.expr!r} restricts both the day of the month and of the week; "
            "systemd cannot say 'either', install it with --target crontab"
        )
    days = "" if weekday == "*" else _systemd_field(weekday, _DAY_NAMES) + " "
    date = f"*-{_systemd_field(month)}-{_systemd_field(day)}"
    return f"{days}{date} {_systemd_field(hour)}:{_systemd_field(minute)}:00"


def as_launchd_calendar(schedule: Schedule) -> list[dict[str, int]]:
    """``StartCalendarInterval`` entries: one dict per combination of restricted fields."""
    fields = parse_cron(schedule.expr)
    minute, hour, day, month, weekday = schedule.expr.split()
    if day != "*" and weekday != "*":
        raise UsageError(
            f"cron {schedule.expr!r} restricts both the day of the month and of the week; "
            "launchd cannot say 'either': use two schedules or --every"
        )
    axes: list[tuple[str, list[int]]] = []
    for raw, key, values in (
        (minute, "Minute", fields.minutes),
        (hour, "Hour", fields.hours),
        (day, "Day", fields.days),
        (month, "Month", fields.months),
        (weekday, "Weekday", fields.weekdays),
    ):
        if raw != "*":
            axes.append((key, sorted(values)))
    entries: list[dict[str, int]] = [{}]
    for key, allowed in axes:
        entries = [{**e, key: v} for e in entries for v in allowed]
        if len(entries) > 500:
            raise UsageError(f"cron {schedule.expr!r} expands to too many launchd entries")
    return entries
