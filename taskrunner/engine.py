"""Run one task: lock, attempts with retries and timeouts, run record, alerts.

Library code: raises and returns, never prints results or exits; the CLI
decides what the user sees.
"""

from __future__ import annotations

import os
import time
from typing import cast

from . import diagnostics, runlock
from .errors import (
    EXIT_ERROR,
    EXIT_OK,
    Interrupted,
    LockBusy,
    LockDirError,
    LockFileError,
    PluginError,
    TaskrunnerError,
)
from .retry import compute_backoff
from .runlog import RUNNER_FIELDS
from .signals import SignalGuard
from .task import Task, TaskContext, local_now
from .worker import Outcome, run_attempt

# typing is only needed by the type checker: keep it off the startup path.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence
    from datetime import datetime
    from pathlib import Path
    from typing import Any

    from .records import RunRecord

#: alert levels at which a failing attempt has already told the heartbeat why
_SELF_REPORTED_LEVELS = frozenset({"error", "critical"})


class RunSettings:
    """Everything about one invocation that is not the task's own code."""

    def __init__(
        self,
        *,
        state_dir: Path,
        lock_dir: Path,
        workspace: Path | None,
        workspace_error: str | None = None,
        workspace_by_hand: str | None = None,
        dry_run: bool = False,
        retries: int | None = None,
        timeout_s: float | None = None,
        options: dict[str, Any] | None = None,
        stdout_to_stderr: bool = False,
    ) -> None:
        self.state_dir = state_dir
        self.lock_dir = lock_dir
        self.workspace = workspace
        self.workspace_error = workspace_error
        #: the option that named the workspace on a run by hand (``TaskContext``)
        self.workspace_by_hand = workspace_by_hand
        self.dry_run = dry_run
        #: None: use the task's class attribute
        self.retries = retries
        self.timeout_s = timeout_s
        self.options = options or {}
        self.stdout_to_stderr = stdout_to_stderr


class RunResult:
    """The run record plus what the runner decided to publish."""

    def __init__(
        self,
        record: Mapping[str, Any],
        alerts: list[dict[str, Any]],
        exit_code: int,
        earlier: Sequence[Mapping[str, Any]] | None = None,
        withdrawn: Sequence[str] = (),
    ) -> None:
        # Built as plain dicts (a task's result fields join the runner's); typed here.
        self.record = cast("RunRecord", record)
        self.alerts = alerts
        self.exit_code = exit_code
        #: records about earlier runs found dead (``crashed``), logged before this one
        self.earlier = [cast("RunRecord", r) for r in earlier or ()]
        #: keys of the task's own queued alerts to take back (a successful run's only)
        self.withdrawn = list(withdrawn)


def new_run_id() -> str:
    return os.urandom(16).hex()


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def _announce(line: str) -> None:
    # Never raising: a reader that has gone (`2>&1 | head -1`) must not end
    # the run between two attempts, before its record is written.
    diagnostics.emit(line)


class Engine:
    """Runs tasks; time, sleep and randomness are injectable for tests."""

    def __init__(
        self,
        *,
        clock: Callable[[], datetime] = local_now,
        sleep: Callable[[float], None] = time.sleep,
        rand: Callable[[], float] | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        announce: Callable[[str], None] = _announce,
    ) -> None:
        self.clock = clock
        self.sleep = sleep
        self.rand = rand
        self.monotonic = monotonic
        self.announce = announce

    def run(
        self,
        name: str,
        task_cls: type[Task],
        settings: RunSettings,
        *,
        guard: SignalGuard | None = None,
    ) -> RunResult:
        """Run the task once (with its retries); ``guard`` is the caller's signal guard.

        The CLI passes its own guard so that a signal while it writes the log
        and the queue is also deferred; without one, the run installs its own.
        """
        if guard is None:
            with SignalGuard() as own:
                result = self._run(name, task_cls, settings, own)
            result.exit_code = own.exit_code(result.exit_code)
            return result
        return self._run(name, task_cls, settings, guard)

    def _run(
        self, name: str, task_cls: type[Task], settings: RunSettings, guard: SignalGuard
    ) -> RunResult:
        run_id = new_run_id()
        started = self.clock()
        t0 = self.monotonic()
        base: dict[str, Any] = {
            "task": name,
            "timestamp": _iso(started),
            "run_id": run_id,
            "dry_run": settings.dry_run,
            "workspace": str(settings.workspace) if settings.workspace else None,
            "pid": os.getpid(),
        }
        held: runlock.HeldLock | None = None
        extra: list[dict[str, Any]] = []  # records about earlier runs (crashed)
        if task_cls.lock and not settings.dry_run:
            holder = {"pid": os.getpid(), "run_id": run_id, "started": base["timestamp"]}
            try:
                held = runlock.acquire(settings.lock_dir, name, settings.workspace, holder)
            except (LockDirError, LockFileError) as exc:
                # Not a run of the task, but the user must hear about it: a planted
                # symlink or a foreign lock directory stops every future run too.
                record = self._unsuccessful(base, exc, "failed", str(exc), 0, t0)
                alert = {
                    "task": name,
                    "run_id": run_id,
                    "level": "error",
                    "message": f"{name} cannot take its lock: {exc}",
                    "key": f"{name}:lock",
                }
                return RunResult(record, [alert], exc.exit_code)
            except LockBusy as busy:
                record = self._unsuccessful(base, busy, "locked", str(busy), 0, t0)
                return RunResult(record, [], busy.exit_code)
            if held.previous is not None:
                extra.append(self._crashed_record(name, held.previous, run_id, base))
        try:
            record, alerts, withdrawn, code = self._attempts(
                name, task_cls, settings, base, run_id, t0, guard, held
            )
        finally:
            if held is not None:
                held.release()
        for crashed in extra:
            alerts.insert(
                0,
                {
                    "task": name,
                    "run_id": run_id,
                    "level": "warning",
                    "message": crashed["message"],
                    "key": f"{name}:crashed",
                },
            )
        return RunResult(record, alerts, code, earlier=extra, withdrawn=withdrawn)

    def _crashed_record(
        self, name: str, previous: dict[str, Any], run_id: str, base: Mapping[str, Any]
    ) -> dict[str, Any]:
        message = (
            f"run {str(previous.get('run_id', '?'))[:8]} (pid {previous.get('pid', '?')}, "
            f"started {previous.get('started', '?')}) never finished: it was killed "
            "(SIGKILL, out of memory, power loss) before it could record its end"
        )
        return {
            "task": name,
            "timestamp": previous.get("started"),
            "run_id": previous.get("run_id"),
            "pid": previous.get("pid"),
            # The lock is per (task, workspace) and dry runs take none: the dead
            # run was a real one, of this very workspace.
            "dry_run": False,
            "workspace": base["workspace"],
            "success": False,
            "status": "crashed",
            "message": message,
            "attempts": None,
            "duration_seconds": None,
            "error": {"type": "Crashed", "message": message},
            "detected_by": run_id,
        }

    def _attempts(
        self,
        name: str,
        task_cls: type[Task],
        settings: RunSettings,
        base: dict[str, Any],
        run_id: str,
        t0: float,
        guard: SignalGuard,
        held: runlock.HeldLock | None,
    ) -> tuple[dict[str, Any], list[dict[str, Any]], list[str], int]:
        """Run the attempts; the record, the alerts to queue, the alert keys to
        take back and the exit code."""
        retries = task_cls.retries if settings.retries is None else settings.retries
        retries = max(0, retries)
        timeout_s = task_cls.timeout_s if settings.timeout_s is None else settings.timeout_s
        context = TaskContext(
            task_name=name,
            run_id=run_id,
            state_dir=settings.state_dir,
            dry_run=settings.dry_run,
            workspace=settings.workspace,
            workspace_error=settings.workspace_error,
            workspace_by_hand=settings.workspace_by_hand,
            options=settings.options,
            clock=self.clock,
        )
        outcome = Outcome()
        attempt = 0
        status = "failed"
        close_fds = () if held is None else (held.fd,)
        try:
            with guard.interruptible():
                while True:
                    attempt += 1
                    outcome = run_attempt(
                        lambda sink: _call_task(task_cls, context, sink),
                        timeout_s=timeout_s,
                        stdout_to_stderr=settings.stdout_to_stderr,
                        close_fds=close_fds,
                    )
                    status, retryable = _judge(outcome, task_cls)
                    if status == "success" or not retryable or attempt > retries:
                        break
                    delay = compute_backoff(
                        attempt,
                        max_backoff_s=task_cls.max_backoff_s,
                        jitter=task_cls.backoff_jitter,
                        rand=self.rand,
                    )
                    self.announce(
                        f"{name}: attempt {attempt} of {retries + 1} failed: "
                        f"{_reason(outcome)}; retrying in {delay:g}s"
                    )
                    self.sleep(delay)
        except Interrupted as exc:
            record = self._unsuccessful(base, exc, "interrupted", f"{name} was {exc}", attempt, t0)
            return record, [], [], exc.exit_code
        record = self._record(name, base, outcome, status, attempt, timeout_s, t0)
        alerts = [
            {**a, "task": name, "run_id": run_id} for a in outcome.alerts
        ]  # only the final attempt's alerts are published
        quiet = outcome.user_error or any(a.get("level") in _SELF_REPORTED_LEVELS for a in alerts)
        if status != "success" and not quiet:
            what = "attempt" if attempt == 1 else "attempts"
            alerts.append(
                {
                    "task": name,
                    "run_id": run_id,
                    "level": "error",
                    "message": f"{name} failed after {attempt} {what}: {record['message']}",
                    "key": f"{name}:failed:{runlock.path_digest(str(record['message']))}",
                }
            )
        # A failed run's word that a problem went away is not to be trusted.
        withdrawn = outcome.withdrawn if status == "success" else []
        return record, alerts, withdrawn, EXIT_OK if status == "success" else EXIT_ERROR

    def _unsuccessful(
        self,
        base: dict[str, Any],
        exc: TaskrunnerError,
        status: str,
        message: str,
        attempts: int,
        t0: float,
    ) -> dict[str, Any]:
        """The record of a run the runner itself ended: lock refused, busy, interrupted."""
        return {
            **base,
            "success": False,
            "status": status,
            "message": message,
            "attempts": attempts,
            "duration_seconds": round(self.monotonic() - t0, 3),
            "error": {"type": type(exc).__name__, "message": str(exc)},
        }

    def _record(
        self,
        name: str,
        base: dict[str, Any],
        outcome: Outcome,
        status: str,
        attempts: int,
        timeout_s: float | None,
        t0: float,
    ) -> dict[str, Any]:
        result = outcome.result if isinstance(outcome.result, dict) else {}
        record: dict[str, Any] = {k: v for k, v in result.items() if k not in RUNNER_FIELDS}
        record.update(base)
        record["success"] = status == "success"
        record["status"] = status
        record["attempts"] = attempts
        record["duration_seconds"] = round(self.monotonic() - t0, 3)
        if status == "timeout":
            message = f"{name} timed out after {timeout_s:g}s and was stopped"
            record["error"] = {"type": "Timeout", "message": message}
        elif outcome.kind == "result":
            message = str(result.get("message", ""))
            if status != "success":
                record["error"] = {"type": "TaskFailed", "message": message or "success: false"}
        else:
            error = outcome.error or {"type": "WorkerDied", "message": "no result"}
            message = f"{error.get('type')}: {error.get('message')}"
            record["error"] = {"type": error.get("type"), "message": error.get("message")}
        record["message"] = message
        return record


def _call_task(
    task_cls: type[Task], context: TaskContext, sink: Callable[[dict[str, Any]], None]
) -> dict[str, Any]:
    """Runs in the worker: instantiate, bind, run, check the result's shape."""
    context.alert_sink = sink
    context.withdraw_sink = lambda key: sink({"withdraw": key})
    task = task_cls()
    task.bind(context)
    result = task.run()
    if not isinstance(result, dict):
        raise PluginError(
            f"{task_cls.__module__}: run() returned {type(result).__name__}, expected a dict "
            "with 'success' and 'message'"
        )
    if not isinstance(result.get("success"), bool):
        raise PluginError(f"{task_cls.__module__}: run() must return 'success' as a bool")
    return result


def _judge(outcome: Outcome, task_cls: type[Task]) -> tuple[str, bool]:
    """(status, retryable) for one attempt's outcome."""
    if outcome.kind == "timeout":
        return "timeout", task_cls.retry_on_timeout
    if outcome.kind == "result":
        assert outcome.result is not None
        if outcome.result.get("success") is True:
            return "success", False
        # A result that says retry: false is a finding (e.g. a failed health check),
        # not a fault: asking again in 2 s will not change the answer.
        return "failed", outcome.result.get("retry", True) is not False
    error = outcome.error or {}
    permanent = bool(error.get("permanent")) or error.get("type") == "PluginError"
    return "failed", not permanent


def _reason(outcome: Outcome) -> str:
    if outcome.kind == "timeout":
        return "timed out"
    if outcome.kind == "result" and outcome.result is not None:
        return str(outcome.result.get("message") or "success: false")
    error = outcome.error or {}
    return f"{error.get('type')}: {error.get('message')}"


__all__ = ["Engine", "RunResult", "RunSettings", "TaskrunnerError"]
