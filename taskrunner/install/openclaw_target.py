"""Install into OpenClaw: cron jobs by declaration key, the heartbeat paragraph, the skill.

``cron add --declaration-key`` is an upsert (same id, schedule and payload
replaced, enabled state kept) but it leaves ``--name`` and ``--description``
as they were, so a changed one is set with ``cron edit``. A job that already
matches is not touched at all: a second install changes nothing.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ..errors import OpenClawError, ScratchConflict
from .files import put, remove_ours
from .openclaw_cli import OpenClawCli
from .plan import KEY_PREFIX, MANAGED_BY, Job, Target, job_description
from .schedule import format_duration
from .scratch import merge as merge_block
from .scratch import remove as remove_block

#: tries at a scratch edit that keeps losing to a concurrent one
SCRATCH_ATTEMPTS = 5
#: scratch texts longer than this go through a file, not the command line
_MAX_ARG_BYTES = 64 * 1024

Action = dict[str, Any]


def job_name(task: str, target: Target) -> str:
    suffix = f" ({target.slug})" if target.slug else ""
    return f"taskrunner {task}{suffix}"


def heartbeat_key(target: Target) -> str:
    return f"heartbeat:{target.agent or 'main'}"


def add_args(job: Job, target: Target) -> list[str]:
    """``openclaw cron add`` arguments for ``job`` (an upsert by its declaration key)."""
    args = ["cron", "add", "--name", job_name(job.task, target)]
    args += ["--declaration-key", target.declaration_key(job.task)]
    args += ["--description", job_description(job.task, job.schedule)]
    if job.schedule.kind == "every":
        args += ["--every", format_duration(job.schedule.every_s)]
    else:
        args += ["--cron", job.schedule.expr]
    args += ["--no-deliver", "--command-argv", json.dumps(list(job.argv))]
    args += ["--command-cwd", str(target.workspace)]
    for key, value in job.env:
        args += ["--command-env", f"{key}={value}"]
    args += ["--timeout-seconds", str(job.timeout_s)]
    if target.other_agent:
        args += ["--agent", target.other_agent]
    return [*args, "--json"]


def matches(existing: Mapping[str, Any], job: Job, target: Target) -> bool:
    """Whether the listed job already runs ``job`` exactly (nothing to upsert)."""
    schedule = existing.get("schedule") or {}
    if job.schedule.kind == "every":
        same_schedule = schedule.get("kind") == "every" and schedule.get("everyMs") == (
            job.schedule.every_s * 1000
        )
    else:
        same_schedule = schedule.get("kind") == "cron" and schedule.get("expr") == job.schedule.expr
    payload = existing.get("payload") or {}
    delivery = existing.get("delivery") or {}
    agent_ok = target.other_agent is None or existing.get("agentId") == target.other_agent
    return bool(
        same_schedule
        and agent_ok
        and payload.get("kind") == "command"
        and payload.get("argv") == list(job.argv)
        and payload.get("cwd") == str(target.workspace)
        and (payload.get("env") or {}) == dict(job.env)
        and payload.get("timeoutSeconds") == job.timeout_s
        and delivery.get("mode") == "none"
    )


def install_jobs(
    cli: OpenClawCli, target: Target, listing: Sequence[Mapping[str, Any]]
) -> list[Action]:
    by_key = {j.get("declarationKey"): j for j in listing if j.get("declarationKey")}
    actions: list[Action] = []
    for job in target.jobs:
        key = target.declaration_key(job.task)
        existing = by_key.get(key)
        action: Action = {"what": "cron job", "task": job.task, "declaration_key": key}
        if existing is not None and matches(existing, job, target):
            action.update(change="unchanged", id=existing.get("id"))
        else:
            data = cli.write(*add_args(job, target))
            new = data.get("job") if isinstance(data, dict) else None
            job_id = (new or {}).get("id") or (existing or {}).get("id")
            action.update(change="updated" if existing else "created", id=job_id)
        edits: list[str] = []
        name, description = job_name(job.task, target), job_description(job.task, job.schedule)
        if existing is not None and existing.get("name") != name:
            edits += ["--name", name]
        if existing is not None and existing.get("description") != description:
            edits += ["--description", description]
        if edits and existing is not None:
            cli.write("cron", "edit", str(existing.get("id")), *edits, "--json")
            if action["change"] == "unchanged":
                action["change"] = "updated"
        if existing is not None and existing.get("enabled") is False:
            action["note"] = (
                f"the job is disabled; enable it with `openclaw cron enable {action['id']}`"
            )
        actions.append(action)
    return actions


def ours(job: Mapping[str, Any], target: Target) -> bool:
    """A job install made for ``target``: our declaration key shape and our description."""
    key = str(job.get("declarationKey") or "")
    if not key.startswith(KEY_PREFIX) or not str(job.get("description") or "").startswith(
        MANAGED_BY
    ):
        return False
    rest = key[len(KEY_PREFIX) :]
    if target.slug:
        return rest.startswith(f"{target.slug}:")
    return ":" not in rest


def uninstall_jobs(
    cli: OpenClawCli, target: Target, listing: Sequence[Mapping[str, Any]]
) -> list[Action]:
    actions: list[Action] = []
    for job in listing:
        if ours(job, target):
            cli.write("cron", "rm", str(job.get("id")), "--json")
            actions.append(
                {
                    "what": "cron job",
                    "declaration_key": job.get("declarationKey"),
                    "id": job.get("id"),
                    "change": "removed",
                }
            )
    return actions


def _edit_scratch(cli: OpenClawCli, job_id: str, transform: Callable[[str], str]) -> str:
    """Apply ``transform`` to the scratch with ``--expected-revision``; retry on a lost race."""
    for _ in range(SCRATCH_ATTEMPTS):
        data = cli.read("cron", "scratch", job_id, "--json")
        scratch = data.get("scratch") if isinstance(data, dict) else None
        text = str(scratch.get("content") or "") if isinstance(scratch, dict) else ""
        revision = str(data.get("currentRevision", 0)) if isinstance(data, dict) else "0"
        new = transform(text)
        if new == text:
            return "unchanged"
        expect = ["--expected-revision", revision, "--json"]
        try:
            if not new:
                cli.write("cron", "scratch", job_id, "--unset", *expect)
            elif len(new.encode("utf-8")) <= _MAX_ARG_BYTES:
                cli.write("cron", "scratch", job_id, "--set", new, *expect)
            else:
                _write_via_file(cli, job_id, new, expect)
        except ScratchConflict:
            continue  # someone (the agent, the user) wrote in between: read again
        return "updated"
    raise OpenClawError(
        f"the heartbeat scratch of job {job_id} kept changing while install edited it "
        f"({SCRATCH_ATTEMPTS} tries); nothing was overwritten, run install again"
    )


def _write_via_file(cli: OpenClawCli, job_id: str, text: str, expect: list[str]) -> None:
    import tempfile

    with tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=".md") as handle:
        handle.write(text)
        handle.flush()
        cli.write("cron", "scratch", job_id, "--file", handle.name, *expect)


def heartbeat(
    cli: OpenClawCli,
    target: Target,
    listing: Sequence[Mapping[str, Any]],
    block: str | None,
) -> Action:
    """Merge (``block``) or remove (None) our paragraph in the heartbeat's scratch."""
    key = heartbeat_key(target)
    action: Action = {"what": "heartbeat scratch", "declaration_key": key}
    job = next((j for j in listing if j.get("declarationKey") == key), None)
    if job is None:
        action.update(
            change="absent",
            note=f"no heartbeat job {key}: OpenClaw before 2026.7 reads HEARTBEAT.md instead "
            "(see README, 'The heartbeat')",
        )
        return action
    transform = remove_block if block is None else (lambda text: merge_block(text, block))
    change = _edit_scratch(cli, str(job.get("id")), transform)
    if block is None and change == "updated":
        change = "removed"
    action.update(change=change, id=job.get("id"))
    return action


def write_skill(path: Path, text: str, *, dry_run: bool) -> Action:
    return put(path, text, dry_run=dry_run, what="skill")


def remove_skill(path: Path, marker: str, *, dry_run: bool) -> Action:
    """Remove the SKILL.md install wrote; one without our marker is the user's and stays."""
    action = remove_ours(path, marker, dry_run=dry_run, what="skill")
    if action is None:
        return {"what": "skill", "path": str(path), "change": "absent"}
    if action["change"] == "removed" and not dry_run:
        with contextlib.suppress(OSError):
            path.parent.rmdir()  # only when nothing else is in it
    return action
