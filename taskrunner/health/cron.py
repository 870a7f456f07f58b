"""Cron check: which enabled OpenClaw cron jobs failed on their last run?

Reads ``openclaw cron list --all --json``. OpenClaw 2026.9.6 prints
``{"jobs": [{"id", "name", "enabled", "status", "state": {"lastStatus",
"lastRunStatus", "lastError", "consecutiveErrors", ...}, "lastRunError",
...}], "total", "hasMore", ...}``; OpenClaw up to 2026.5 keeps some of those
state fields at the top level of a job. A failing command prints
``{"ok": false, "error": {"type", "message"}}`` (or ``"error": "..."``).
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import CronOutputError
from ..system.process import DEFAULT_MAX_OUTPUT_BYTES, ProcResult, run_command
from .disk import human_bytes
from .report import Check, Problem

#: environment variable naming the openclaw executable
BIN_ENV = "TASKRUNNER_OPENCLAW_BIN"
#: seconds ``openclaw cron list`` may take before it is stopped
DEFAULT_TIMEOUT_S = 30.0
#: bytes of the listing's stdout read: the first and the last half of this (a
#: 200-job page is well under 1 MiB; a CLI logging megabytes first cannot exhaust memory)
MAX_OUTPUT_BYTES = DEFAULT_MAX_OUTPUT_BYTES
#: consecutive errors from which a failing job is an ``error`` alert (OpenClaw's doctor uses 3)
ERROR_STREAK = 3

ALERT_KEY = "health:cron"
JOB_KEY_PREFIX = "health:cron:"
#: what an unknown cron check leaves as it was: ``health:cron`` and every ``health:cron:<id>``
UNKNOWN_SCOPE = ALERT_KEY

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")

Runner = Callable[..., ProcResult]


@dataclass(frozen=True)
class Located:
    """The openclaw executable to run, or why there is none (``path`` None)."""

    path: Path | None
    source: str


def _executable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def _version_key(path: Path) -> tuple[int, ...]:
    # ~/.nvm/versions/node/v24.22.3/bin: the newest Node first
    return tuple(int(n) for n in re.findall(r"\d+", path.parent.parent.name))


def fallback_locations(home: Path) -> list[Path]:
    """Where OpenClaw's installers put ``openclaw`` when cron's PATH does not say."""
    fixed = [
        home / ".openclaw" / "bin" / "openclaw",
        home / ".local" / "bin" / "openclaw",
        home / ".npm-global" / "bin" / "openclaw",
        Path("/usr/local/bin/openclaw"),
        Path("/opt/homebrew/bin/openclaw"),
    ]
    nvm = sorted(
        (home / ".nvm" / "versions" / "node").glob("*/bin/openclaw"), key=_version_key, reverse=True
    )
    return fixed + nvm


def find_openclaw(
    option: str | None, env: Mapping[str, str], *, home: Path | None = None
) -> Located:
    """``--openclaw-bin``, else ``$TASKRUNNER_OPENCLAW_BIN``, else PATH, else known places."""
    for value, source in ((option, "--openclaw-bin"), (env.get(BIN_ENV), BIN_ENV)):
        if value and value.strip():
            path = Path(os.path.expanduser(value.strip()))
            if _executable(path):
                return Located(path, source)
            return Located(None, f"{source} {value.strip()} is not an executable file")
    found = shutil.which("openclaw", path=env.get("PATH", os.defpath))
    if found:
        return Located(Path(found), "PATH")
    if home is None:
        home = Path(env["HOME"]) if env.get("HOME") else Path.home()
    for candidate in fallback_locations(home):
        if _executable(candidate):
            return Located(candidate, "default location")
    return Located(
        None,
        "openclaw not found on PATH or in the usual places: pass --openclaw-bin PATH "
        f"or set {BIN_ENV}",
    )


def command_env(binary: Path, env: Mapping[str, str]) -> dict[str, str]:
    """The environment for openclaw: its own folder first on PATH, no respawn.

    ``openclaw`` starts with ``#!/usr/bin/env node``; under cron's short PATH
    the right ``node`` is usually the one installed next to it (npm prefix,
    nvm, Homebrew), and a system Node that is too old must not win.

    Without ``OPENCLAW_NO_RESPAWN=1`` the 2026.9 CLI re-executes itself as a
    child in a new session, out of reach of a process-group kill: a hung
    listing would outlive its timeout.
    """
    out = dict(env)
    out["PATH"] = os.pathsep.join([str(binary.parent), env.get("PATH") or os.defpath])
    out["NO_COLOR"] = "1"
    out["OPENCLAW_NO_RESPAWN"] = "1"
    return out


@dataclass(frozen=True)
class CronJob:
    id: str
    name: str
    enabled: bool
    last_status: str | None
    last_error: str | None
    consecutive_errors: int

    @property
    def failing(self) -> bool:
        return self.enabled and (self.last_status or "").lower() == "error"

    @property
    def label(self) -> str:
        return f"cron job {self.name!r} ({self.id})"


def _first(sources: Sequence[Mapping[str, Any]], *names: str) -> Any:
    for name in names:
        for source in sources:
            value = source.get(name)
            if value is not None and value != "":
                return value
    return None


def parse_job(raw: Mapping[str, Any]) -> CronJob | None:
    """A job from either output shape; None when it has no id or name at all."""
    state = raw.get("state")
    sources: list[Mapping[str, Any]] = [state] if isinstance(state, Mapping) else []
    sources.append(raw)
    job_id = raw.get("id") or raw.get("jobId")
    name = raw.get("name") or raw.get("displayName")
    if not job_id and not name:
        return None
    status = _first(sources, "lastStatus", "lastRunStatus")
    if status is None and str(raw.get("status", "")).lower() == "error":
        status = "error"
    error = _first(sources, "lastError", "lastRunError")
    streak = _first(sources, "consecutiveErrors")
    if isinstance(streak, bool) or not isinstance(streak, int) or streak < 0:
        streak = 0
    failing = str(status or "").lower() == "error"
    return CronJob(
        id=str(job_id or name),
        name=str(name or job_id),
        enabled=raw.get("enabled", True) is not False,
        last_status=None if status is None else str(status),
        last_error=None if error is None else str(error),
        # A job whose last run failed has failed at least once in a row.
        consecutive_errors=max(streak, 1) if failing else streak,
    )


def _clean(text: str) -> str:
    return _ANSI.sub("", text).strip()


def _first_line(text: str, limit: int = 200) -> str:
    for line in _clean(text).splitlines():
        if line.strip():
            line = line.strip()
            return line if len(line) <= limit else line[: limit - 1] + "…"
    return ""


#: a line that can begin the document: a lone ``{``/``[`` (pretty-printed) or
#: ``{"``, ``[{``, ``[]``, ``{}`` (compact), at the start of the line. Nested lines
#: of a pretty-printed document are indented; log lines such as ``[gateway] …`` fail.
_DOC_START = re.compile(r'^(?:[{\[][ \t\r]*$|\{"|\[\{|\[\]|\{\})', re.MULTILINE)
#: candidate starts that may fail to parse before the search gives up; each
#: failure costs a pass over the text before it (JSONDecodeError counts lines)
MAX_FAILED_STARTS = 32

_NOTHING = object()


def _is_answer(value: Any) -> bool:
    """A listing (``{"jobs": …}`` or a bare list) or an error (``{"ok": false, …}``)."""
    return isinstance(value, list) or (
        isinstance(value, Mapping) and ("jobs" in value or "ok" in value)
    )


def _decode_json(stdout: str) -> Any:
    text = _clean(stdout)
    try:
        return json.loads(text)
    except ValueError:
        pass
    # Tolerate banners and log lines around the document. OpenClaw prints its
    # answer last, so the search runs backwards from the last line that can
    # start it; a JSON log line is passed over for an earlier listing.
    decoder = json.JSONDecoder()
    starts = [match.start() for match in _DOC_START.finditer(text)]
    fallback: Any = _NOTHING
    failures = 0
    for start in reversed(starts):
        try:
            value, end = decoder.raw_decode(text, start)
        except ValueError:
            failures += 1
            if failures >= MAX_FAILED_STARTS:
                break
            continue
        line_end = text.find("\n", end)
        if text[end : len(text) if line_end < 0 else line_end].strip():
            continue  # more text on its line: a log line such as "[] queue empty"
        if _is_answer(value):
            return value
        if fallback is _NOTHING:
            fallback = value
    if fallback is not _NOTHING:
        return fallback
    snippet = _first_line(stdout) or "no output"
    raise CronOutputError(f"printed something that is not JSON ({snippet})")


def _error_message(error: Any) -> str:
    if isinstance(error, Mapping):
        error = error.get("message") or error.get("type") or json.dumps(error)
    return _first_line(str(error)) or "no error message"


def parse_list_output(stdout: str) -> tuple[list[CronJob], dict[str, Any]]:
    """Jobs and extra facts (``has_more``, ``malformed``) from ``cron list --json``."""
    data = _decode_json(stdout)
    if isinstance(data, Mapping) and data.get("ok") is False:
        raise CronOutputError(_error_message(data.get("error")))
    raw_jobs = data.get("jobs") if isinstance(data, Mapping) else data
    if not isinstance(raw_jobs, list):
        raise CronOutputError("printed JSON without a list of jobs")
    jobs: list[CronJob] = []
    malformed = 0
    for raw in raw_jobs:
        job = parse_job(raw) if isinstance(raw, Mapping) else None
        if job is None:
            malformed += 1
        else:
            jobs.append(job)
    facts: dict[str, Any] = {"has_more": isinstance(data, Mapping) and data.get("hasMore") is True}
    if malformed:
        facts["malformed"] = malformed
    return jobs, facts


def list_argv(binary: Path, port: int | None) -> list[str]:
    argv = [str(binary), "cron", "list", "--all", "--json"]
    if port is not None:
        # Ask the gateway we probed, even when the port came from --gateway-url.
        argv += ["--port", str(port)]
    return argv


def _unknown(detail: str, *, alert: bool, data: dict[str, Any] | None = None) -> Check:
    problems = []
    if alert:
        message = f"cannot check OpenClaw cron jobs: {detail}"
        problems.append(Problem(ALERT_KEY, "warning", message, "cron job listing"))
    return Check(
        "cron",
        "unknown",
        detail,
        data or {},
        problems=problems,
        # Could not look: the last known state of every cron key is kept, the
        # listing's own (health:cron) as much as each job's, so nothing "recovers".
        unknown_scopes=[UNKNOWN_SCOPE],
    )


def skipped_for_gateway(why: str = "which is down") -> Check:
    """Cron is unknown when the gateway is down: same cause, no second alert."""
    return _unknown(f"not checked: listing cron jobs needs the gateway, {why}", alert=False)


def check_cron(
    located: Located,
    *,
    env: Mapping[str, str],
    port: int | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    run: Runner = run_command,
) -> Check:
    """Run ``openclaw cron list`` and report the enabled jobs whose last run failed."""
    if located.path is None:
        return _unknown(located.source, alert=True)
    argv = list_argv(located.path, port)
    data: dict[str, Any] = {"openclaw": str(located.path)}
    try:
        result = run(
            argv,
            timeout_s=timeout_s,
            env=command_env(located.path, env),
            max_output_bytes=MAX_OUTPUT_BYTES,
        )
    except OSError as exc:
        return _unknown(
            f"cannot run {located.path} ({exc.strerror or exc}): pass --openclaw-bin PATH",
            alert=True,
            data=data,
        )
    if result.timed_out:
        return _unknown(
            f"`openclaw cron list` did not finish within {timeout_s:g} s and was stopped "
            "(raise --cron-timeout if the machine is slow)",
            alert=True,
            data=data,
        )
    left_out = ""
    if result.stdout_left_out_bytes:
        data["output_left_out_bytes"] = result.stdout_left_out_bytes
        left_out = (
            "; `openclaw cron list` printed too much: "
            f"{human_bytes(result.stdout_left_out_bytes)} in the middle were not read"
        )
    try:
        jobs, facts = parse_list_output(result.stdout)
    except CronOutputError as exc:
        why = str(exc)
        if result.returncode != 0 and "not JSON" in why:
            why = _first_line(result.stderr) or _first_line(result.stdout) or "no output"
        exit_note = f" (exit {result.returncode})" if result.returncode else ""
        return _unknown(
            f"`openclaw cron list` failed{exit_note}: {why}{left_out}", alert=True, data=data
        )
    check = _judge_jobs(jobs, facts, data)
    check.detail += left_out
    return check


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _judge_jobs(jobs: list[CronJob], facts: dict[str, Any], data: dict[str, Any]) -> Check:
    enabled = [j for j in jobs if j.enabled]
    failing = [j for j in enabled if j.failing]
    problems = []
    failing_data = []
    for job in failing:
        level = "error" if job.consecutive_errors >= ERROR_STREAK else "warning"
        reason = job.last_error or "no error message"
        message = (
            f"{job.label} is failing: {reason} "
            f"({_plural(job.consecutive_errors, 'consecutive error')}); "
            f"see `openclaw cron runs {job.id}`"
        )
        problems.append(Problem(JOB_KEY_PREFIX + job.id, level, message, job.label))
        failing_data.append(
            {
                "id": job.id,
                "name": job.name,
                "last_error": job.last_error,
                "consecutive_errors": job.consecutive_errors,
                "level": level,
            }
        )
    data.update(jobs_total=len(jobs), jobs_enabled=len(enabled), failing=failing_data)
    if facts.get("malformed"):
        data["malformed_entries"] = facts["malformed"]
    if failing:
        names = ", ".join(f"{j.name} ({j.last_error or 'no error message'})" for j in failing)
        detail = f"{len(failing)} of {_plural(len(enabled), 'enabled job')} failing: {names}"
    else:
        detail = f"{_plural(len(enabled), 'enabled job')}, none failing"
    if facts.get("has_more"):
        detail += "; the list was cut short by openclaw, later jobs were not checked"
        data["truncated"] = True
    return Check("cron", "warning" if failing else "ok", detail, data, problems=problems)
