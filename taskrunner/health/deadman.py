"""Missed runs and switched-off jobs: the dead-man's switch of system_health.

A scheduled task whose last success is older than its period plus a grace
has stopped running, whatever the reason (its job was removed, disabled,
auto-disabled after ten failures, the gateway or the machine was down). The
period comes from what ``runner.py install`` recorded, the last success from
the run log. The OpenClaw listing adds what the scheduler itself says: a job
auto-disabled (``state.autoDisabled``), ours disabled or missing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from .report import Check, Problem

#: the least grace before a task is overdue, in seconds (cron staggers by up to 5 minutes)
MIN_GRACE_S = 900
OVERDUE_PREFIX = "health:overdue:"
INSTALL_PREFIX = "health:install:"
CRON_JOB_PREFIX = "health:cron:"


def grace_s(period_s: float, timeout_s: float) -> float:
    """How late a run may be: as long as a run may take, and at least 15 minutes."""
    return max(float(MIN_GRACE_S), float(timeout_s))


def parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.astimezone()


def overdue_by_s(
    last_success: str | None,
    installed_at: str | None,
    period_s: float,
    timeout_s: float,
    now: datetime,
) -> float | None:
    """Seconds past the deadline (> 0: overdue), from the last success or the install."""
    since = parse_time(last_success) or parse_time(installed_at)
    if since is None or period_s <= 0:
        return None
    return (now - since).total_seconds() - period_s - grace_s(period_s, timeout_s)


def job_overdue_by_s(
    job: Mapping[str, Any], last_success: str | None, now: datetime
) -> float | None:
    """``overdue_by_s`` for an installed job as the install manifest records it."""
    return overdue_by_s(
        last_success,
        job.get("installed_at"),
        float(job.get("period_seconds") or 0),
        float(job.get("timeout_seconds") or 0),
        now,
    )


def last_successes(records: Iterable[Mapping[str, Any]]) -> dict[tuple[str, str], str]:
    """``(task, workspace) -> timestamp`` of the newest successful run (records oldest first)."""
    out: dict[tuple[str, str], str] = {}
    for record in records:
        if record.get("status") == "success" or (
            "status" not in record and record.get("success") is True
        ):
            stamp = record.get("timestamp")
            if isinstance(stamp, str) and not record.get("dry_run"):
                out[(str(record.get("task")), str(record.get("workspace")))] = stamp
    return out


def _age(seconds: float) -> str:
    if seconds >= 2 * 86400:
        return f"{seconds / 86400:.1f} days"
    if seconds >= 2 * 3600:
        return f"{seconds / 3600:.1f} hours"
    return f"{seconds / 60:.0f} minutes"


def overdue_problems(
    installed: Sequence[Mapping[str, Any]],
    successes: Mapping[tuple[str, str], str],
    now: datetime,
    runner: str,
) -> list[Problem]:
    problems = []
    for job in installed:
        task, workspace = str(job.get("task")), str(job.get("workspace"))
        last = successes.get((task, workspace))
        late = job_overdue_by_s(job, last, now)
        if late is None or late <= 0:
            continue
        since = parse_time(last) or parse_time(job.get("installed_at"))
        assert since is not None
        what = "last succeeded" if last else "has not succeeded since it was installed"
        message = (
            f"{task} is overdue: it {what} {_age((now - since).total_seconds())} ago "
            f"(scheduled {_describe(job)}, {job.get('target')}); see `{runner} status` "
            f"and `{runner} history {task}`"
        )
        key = OVERDUE_PREFIX + task + ("" if len(_workspaces(installed)) < 2 else f":{workspace}")
        problems.append(Problem(key, "error", message, f"{task} schedule"))
    return problems


def _workspaces(installed: Sequence[Mapping[str, Any]]) -> set[str]:
    return {str(j.get("workspace")) for j in installed}


def _describe(job: Mapping[str, Any]) -> str:
    schedule = job.get("schedule") or {}
    if schedule.get("kind") == "cron":
        return str(schedule.get("expr"))
    seconds = int(schedule.get("every_seconds") or 0)
    return f"every {seconds // 60} min" if seconds else "?"


def job_problems(
    listing: Sequence[Mapping[str, Any]], installed: Sequence[Mapping[str, Any]], runner: str
) -> list[Problem]:
    """Auto-disabled jobs (anyone's), and our own jobs disabled or missing."""
    problems = []
    ours = {str(j.get("declaration_key")): j for j in installed if j.get("declaration_key")}
    for job in listing:
        state = job.get("state") if isinstance(job.get("state"), Mapping) else {}
        auto = state.get("autoDisabled") if isinstance(state, Mapping) else None
        job_id = str(job.get("id") or "?")
        name = str(job.get("name") or job.get("displayName") or job_id)
        if job.get("enabled") is False and auto:
            reason = auto.get("reason") if isinstance(auto, Mapping) else auto
            is_ours = job.get("declarationKey") in ours
            problems.append(
                Problem(
                    CRON_JOB_PREFIX + job_id,
                    "error" if is_ours else "warning",
                    f"cron job {name!r} ({job_id}) was switched off by OpenClaw ({reason}); "
                    f"fix what makes it fail (`openclaw cron runs {job_id}`), then "
                    f"`openclaw cron enable {job_id}`",
                    f"cron job {name!r} ({job_id})",
                )
            )
    by_key = {j.get("declarationKey"): j for j in listing if j.get("declarationKey")}
    for key, mine in ours.items():
        task = str(mine.get("task"))
        found = by_key.get(key)
        problem_key = INSTALL_PREFIX + key.removeprefix("taskrunner:")
        if found is None:
            problems.append(
                Problem(
                    problem_key,
                    "error",
                    f"the OpenClaw cron job for {task} ({key}) is missing: run `{runner} install` "
                    "again",
                    f"the cron job {key}",
                )
            )
        elif found.get("enabled") is False and not (found.get("state") or {}).get("autoDisabled"):
            problems.append(
                Problem(
                    problem_key,
                    "warning",
                    f"the OpenClaw cron job for {task} ({key}) is disabled: "
                    f"`openclaw cron enable {found.get('id')}`",
                    f"the cron job {key}",
                )
            )
    return problems


def check_schedule(
    installed: Sequence[Mapping[str, Any]],
    records: Iterable[Mapping[str, Any]],
    listing: Sequence[Mapping[str, Any]] | None,
    now: datetime,
    runner: str,
) -> Check:
    """The ``schedule`` check: overdue tasks, plus job problems when the listing is known.

    ``runner``: the runner's command line the fixes start with
    (``commandline.runner_command``), a runner command such as ``status`` appended.
    """
    problems = overdue_problems(installed, last_successes(records), now, runner)
    unknown: list[str] = []
    if listing is None:
        unknown = [INSTALL_PREFIX]  # the listing could not be read: keep what we knew
    else:
        problems += job_problems(listing, installed, runner)
    if not installed:
        detail = f"nothing installed (`{runner} install` schedules the tasks)"
    elif problems:
        detail = "; ".join(p.message.split(";")[0] for p in problems)
    else:
        detail = f"{len(installed)} scheduled tasks on time"
    status = "warning" if problems else "ok"
    data = {"overdue": [p.key.removeprefix(OVERDUE_PREFIX) for p in problems
                        if p.key.startswith(OVERDUE_PREFIX)]}  # fmt: skip
    return Check("schedule", status, detail, data, problems=problems, unknown_scopes=unknown)
