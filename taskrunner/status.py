"""``runner.py status``: one screen that says whether maintenance is alive.

Per scheduled task: its schedule (as installed), last run and outcome, last
success and its age, overdue or not, who holds its lock, the success rate of
its recent runs. Then the pending alerts by level, and what OpenClaw says:
our jobs installed, enabled or auto-disabled, our heartbeat paragraph there.
It reuses the run log reader, the history statistics, the lock holder
reading, the alert queue and the dead-man's switch's deadline.
"""

from __future__ import annotations

import argparse
import json
import os
from collections import deque
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from . import paths
from .errors import EXIT_ERROR, EXIT_OK, TaskrunnerError

#: runs per task the success rate is computed over
RECENT_RUNS = 20


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.add_argument(
        "--offline",
        action="store_true",
        help="do not ask OpenClaw about its jobs and the heartbeat (faster)",
    )
    parser.add_argument("--openclaw-bin", metavar="PATH", help="the openclaw executable")


def _task_rows(
    installed: Sequence[Mapping[str, Any]],
    records: Any,
    lock_dir: Path,
    now: datetime,
) -> list[dict[str, Any]]:
    from .health.deadman import job_overdue_by_s, parse_time
    from .history import TaskStats, record_status
    from .runlock import current_holder

    wanted = {(str(j["task"]), str(j["workspace"])): j for j in installed}
    recent: dict[tuple[str, str], deque[Mapping[str, Any]]] = {
        key: deque(maxlen=RECENT_RUNS) for key in wanted
    }
    last_success: dict[tuple[str, str], str] = {}
    for record in records:
        key = (str(record.get("task")), str(record.get("workspace")))
        if key not in recent or record.get("dry_run"):
            continue
        recent[key].append(record)
        if record_status(record) == "success" and isinstance(record.get("timestamp"), str):
            last_success[key] = record["timestamp"]
    rows = []
    for key, job in wanted.items():
        stats = TaskStats(key[0])
        for record in recent[key]:
            stats.add(record)
        last = recent[key][-1] if recent[key] else None
        success = last_success.get(key)
        late = job_overdue_by_s(job, success, now)
        moment = parse_time(success)
        holder = current_holder(lock_dir, key[0], Path(key[1]))
        rows.append(
            {
                "task": key[0],
                "workspace": key[1],
                "target": job.get("target"),
                "schedule": job.get("schedule"),
                "period_seconds": job.get("period_seconds"),
                "last_run": None
                if last is None
                else {
                    "timestamp": last.get("timestamp"),
                    "status": record_status(last),
                    "message": last.get("message"),
                },
                "last_success": success,
                "last_success_age_seconds": None
                if moment is None
                else round((now - moment).total_seconds()),
                "overdue": bool(late is not None and late > 0),
                "running": holder,
                "recent_runs": stats.runs,
                "success_rate": stats.success_rate,
            }
        )
    return rows


def _openclaw_view(
    installed: Sequence[Mapping[str, Any]], args: argparse.Namespace
) -> dict[str, Any]:
    """Our jobs as OpenClaw lists them, and whether the heartbeat scratch holds our paragraph."""
    ours = [j for j in installed if j.get("target") == "openclaw"]
    if not ours:
        return {"checked": False, "reason": "nothing installed into OpenClaw"}
    if args.offline:
        return {"checked": False, "reason": "--offline"}
    from .health.cron import find_openclaw
    from .install.openclaw_cli import OpenClawCli
    from .install.scratch import has_block

    located = find_openclaw(args.openclaw_bin, os.environ)
    if located.path is None:
        return {"checked": False, "reason": located.source}
    cli = OpenClawCli(located.path, os.environ, timeout_s=60, echo=lambda _line: None)
    try:
        listing = cli.list_jobs()
    except TaskrunnerError as exc:
        return {"checked": False, "reason": str(exc)}
    by_key = {j.get("declarationKey"): j for j in listing}
    jobs = []
    for job in ours:
        found = by_key.get(job.get("declaration_key"))
        state = (found or {}).get("state") or {}
        jobs.append(
            {
                "task": job.get("task"),
                "declaration_key": job.get("declaration_key"),
                "id": (found or {}).get("id"),
                "installed": found is not None,
                "enabled": None if found is None else found.get("enabled") is not False,
                "auto_disabled": bool(state.get("autoDisabled")),
                "last_status": state.get("lastStatus") or state.get("lastRunStatus"),
                "consecutive_errors": state.get("consecutiveErrors"),
            }
        )
    agents = {str(j.get("agent") or "main") for j in ours}
    heartbeat: dict[str, bool | None] = {}
    for agent in sorted(agents):
        beat = by_key.get(f"heartbeat:{agent}")
        if beat is None:
            heartbeat[agent] = None
            continue
        try:
            data = cli.read("cron", "scratch", str(beat.get("id")), "--json")
        except TaskrunnerError:
            heartbeat[agent] = None
            continue
        scratch = data.get("scratch") if isinstance(data, dict) else None
        text = str(scratch.get("content") or "") if isinstance(scratch, dict) else ""
        heartbeat[agent] = has_block(text)
    return {"checked": True, "jobs": jobs, "heartbeat_paragraph": heartbeat}


def gather(
    args: argparse.Namespace, state_dir: Path, *, now: datetime | None = None
) -> dict[str, Any]:
    from .alerts import AlertQueue
    from .install.manifest import installed_jobs
    from .runlog import RunLog, SkippedLines

    moment = now or datetime.now().astimezone()
    installed = installed_jobs(state_dir)
    skipped = SkippedLines()  # one warning for all unreadable lines, as in `history`
    tasks = _task_rows(
        installed, RunLog(state_dir).records(skipped), paths.resolve_lock_dir(state_dir), moment
    )
    skipped.warn()
    by_level: dict[str, int] = {}
    try:
        pending = AlertQueue(state_dir).pending()
        for alert in pending:
            level = str(alert.get("level", "?"))
            by_level[level] = by_level.get(level, 0) + 1
        alerts: dict[str, Any] = {"pending": len(pending), "by_level": by_level}
    except TaskrunnerError as exc:
        alerts = {"pending": None, "error": str(exc)}
    return {
        "state_dir": str(state_dir),
        "now": moment.isoformat(timespec="seconds"),
        "installed": bool(installed),
        "tasks": tasks,
        "alerts": alerts,
        "openclaw": _openclaw_view(installed, args),
    }


def _age(seconds: Any) -> str:
    if not isinstance(seconds, int):
        return "-"
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit} ago"
    return f"{seconds}s ago"


def _schedule(job: Mapping[str, Any]) -> str:
    from .install.schedule import format_duration

    schedule = job.get("schedule") or {}
    if schedule.get("kind") == "every":
        return f"every {format_duration(int(schedule.get('every_seconds') or 0))}"
    return str(schedule.get("expr", "?"))


def render(doc: Mapping[str, Any]) -> str:
    from .commandline import runner_command
    from .history import local_time

    install = runner_command("install", state_dir=doc["state_dir"])
    lines = [f"taskrunner status ({doc['state_dir']})", ""]
    if not doc["tasks"]:
        lines.append(f"No scheduled tasks installed: `{install}` sets them up.")
    several = len({t["workspace"] for t in doc["tasks"]}) > 1
    for t in doc["tasks"]:
        last = t["last_run"] or {}
        rate = t["success_rate"]
        flags = []
        if t["overdue"]:
            flags.append("OVERDUE")
        if t["running"]:
            flags.append(f"running (pid {t['running'].get('pid')})")
        name = t["task"] + (f" [{t['workspace']}]" if several else "")
        lines.append(f"{name}  {' '.join(flags)}".rstrip())
        lines.append(f"  schedule      {_schedule(t)} ({t['target']})")
        lines.append(
            f"  last run      {local_time(last.get('timestamp'))} {last.get('status', 'never')}"
        )
        lines.append(
            f"  last success  {local_time(t['last_success'])} "
            f"({_age(t['last_success_age_seconds'])})"
        )
        shown = "-" if rate is None else f"{rate * 100:.0f}% of the last {t['recent_runs']} runs"
        lines.append(f"  success rate  {shown}")
    alerts = doc["alerts"]
    lines.append("")
    if alerts.get("pending") is None:
        lines.append(f"alerts: cannot read the queue ({alerts.get('error')})")
    else:
        levels = ", ".join(f"{n} {lvl}" for lvl, n in sorted(alerts["by_level"].items()))
        lines.append(f"alerts: {alerts['pending']} pending" + (f" ({levels})" if levels else ""))
    view = doc["openclaw"]
    if not view.get("checked"):
        lines.append(f"openclaw: not checked ({view.get('reason')})")
    else:
        for job in view["jobs"]:
            if not job["installed"]:
                state = f"MISSING (run `{install}` again)"
            elif job["auto_disabled"]:
                state = f"AUTO-DISABLED (`openclaw cron enable {job['id']}`)"
            elif not job["enabled"]:
                state = f"disabled (`openclaw cron enable {job['id']}`)"
            else:
                state = f"enabled, last {job['last_status'] or 'not run yet'}"
            lines.append(f"openclaw job {job['declaration_key']}: {state}")
        for agent, present in view["heartbeat_paragraph"].items():
            shown = {True: "present", False: "MISSING", None: "no heartbeat job"}[present]
            lines.append(f"heartbeat paragraph ({agent}): {shown}")
    return "\n".join(lines) + "\n"


def run_status(args: argparse.Namespace, state_dir: Path) -> int:
    from .cli.admin_commands import _print_text

    doc = gather(args, state_dir)
    if args.json:
        _print_text(json.dumps(doc, ensure_ascii=False, indent=2, default=str) + "\n")
    else:
        _print_text(render(doc))
    # The rest of the screen is still worth showing, but a queue nobody can read
    # means the heartbeat gets no alerts: as `alerts` does, that is exit 1.
    return EXIT_ERROR if doc["alerts"].get("pending") is None else EXIT_OK
