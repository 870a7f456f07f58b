"""The health report: one ``Check`` per thing looked at, an overall status, a table."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

#: statuses of a check, from best to worst; "unknown" (could not look) outranks "ok"
STATUSES: tuple[str, ...] = ("ok", "unknown", "warning", "critical")


@dataclass(frozen=True)
class Problem:
    """Something worth one alert: a stable key, an alert level and the message."""

    key: str
    level: str
    message: str
    #: what recovered, for the "recovered" alert ("gateway at http://…")
    label: str


@dataclass
class Check:
    """The outcome of one check, as it appears in the report."""

    name: str
    status: str
    detail: str
    #: extra report fields (url, percent_used, failing jobs, ...)
    data: dict[str, Any] = field(default_factory=dict)
    #: problems found; each becomes one alert
    problems: list[Problem] = field(default_factory=list)
    #: alert-key prefixes this check could not look at (their last state is kept)
    unknown_scopes: list[str] = field(default_factory=list)
    #: the raw job listing a cron check read, for the schedule check (not in the report)
    listing: list[dict[str, Any]] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"invalid check status {self.status!r}: use one of {STATUSES}")

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "status": self.status, "detail": self.detail, **self.data}


def worst(statuses: Sequence[str]) -> str:
    """The worst of ``statuses`` ("ok" for none)."""
    return max(statuses, key=STATUSES.index, default="ok")


def overall(checks: Sequence[Check]) -> str:
    return worst([c.status for c in checks])


def build_report(checks: Sequence[Check]) -> dict[str, Any]:
    """``{"checks": [...], "overall": ...}`` as stored in the run record."""
    return {"checks": [c.to_dict() for c in checks], "overall": overall(checks)}


def format_table(checks: Sequence[Check]) -> list[str]:
    """A readable table, one line per check, for stderr."""
    name_w = max([len("CHECK"), *(len(c.name) for c in checks)])
    status_w = max(len(s) for s in STATUSES)
    lines = [f"{'CHECK':<{name_w}}  {'STATUS':<{status_w}}  DETAIL"]
    for c in checks:
        detail = c.detail.replace("\n", " ")
        lines.append(f"{c.name:<{name_w}}  {c.status:<{status_w}}  {detail}")
    lines.append(f"{'overall':<{name_w}}  {overall(checks)}")
    return lines


def summary(checks: Sequence[Check]) -> str:
    """One line for the run record's ``message``."""
    status = overall(checks)
    bad = [c for c in checks if c.status != "ok"]
    if not bad:
        return f"all {len(checks)} checks ok"
    parts = "; ".join(f"{c.name} {c.status}: {c.detail}" for c in bad)
    return f"overall {status}: {parts}"
