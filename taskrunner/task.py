"""The contract every task plugin implements (re-exported as ``tasks/base.py``).

A task reads like a small declaration: settings are class attributes with
defaults, overridable per task; the engine binds a run context before
calling ``run()``.
"""

from __future__ import annotations

import abc
from datetime import date, datetime
from pathlib import Path

from . import diagnostics
from .errors import InvalidAlertLevel, WorkspaceMissing, WorkspaceTypo
from .system import atomic

# typing is only needed by the type checker: keep it off the startup path.
TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable
    from typing import Any, ClassVar

#: alert levels, least to most severe
ALERT_LEVELS: tuple[str, ...] = ("info", "warning", "error", "critical")


def local_now() -> datetime:
    """The current time as an aware datetime in the local timezone."""
    return datetime.now().astimezone()


def check_level(level: str) -> str:
    """Return ``level`` if it is a known alert level, else raise ``InvalidAlertLevel``."""
    if level not in ALERT_LEVELS:
        raise InvalidAlertLevel(
            f"invalid alert level {level!r}: use one of {', '.join(ALERT_LEVELS)}"
        )
    return level


class TaskContext:
    """What the engine gives a task for one run."""

    def __init__(
        self,
        *,
        task_name: str,
        run_id: str,
        state_dir: Path,
        dry_run: bool = False,
        workspace: Path | None = None,
        workspace_error: str | None = None,
        workspace_by_hand: str | None = None,
        options: dict[str, Any] | None = None,
        clock: Callable[[], datetime] = local_now,
        alert_sink: Callable[[dict[str, Any]], None] | None = None,
        withdraw_sink: Callable[[str], None] | None = None,
        log_sink: Callable[[str], None] | None = None,
    ) -> None:
        self.task_name = task_name
        self.run_id = run_id
        self.state_dir = state_dir
        self.dry_run = dry_run
        self.workspace = workspace
        #: why the workspace could not be resolved, for the error a task sees
        self.workspace_error = workspace_error
        #: the option that named the workspace (``--workspace``, ``--agent``) on a
        #: run by hand (not ``--scheduled``); None when nobody typed it
        self.workspace_by_hand = workspace_by_hand
        self.options: dict[str, Any] = dict(options or {})
        self.clock = clock
        #: receives ``{"level", "message", "key"}`` for each alert the task raises
        self.alert_sink = alert_sink
        #: receives the key of each alert the task takes back (``withdraw_alert``)
        self.withdraw_sink = withdraw_sink
        #: where ``log()`` lines go (stderr by default)
        self.log_sink = log_sink


class Task(abc.ABC):
    """Base class for ``tasks/<name>.py`` plugins.

    Subclasses define ``name``, ``description`` (class attributes, or
    properties) and ``run()``, and may override the settings below.
    """

    #: attempts after the first one when an attempt fails
    retries: ClassVar[int] = 3
    #: seconds an attempt may run before it is stopped
    timeout_s: ClassVar[float] = 600.0
    #: upper bound, in seconds, of the wait between attempts
    max_backoff_s: ClassVar[float] = 60.0
    #: random extra wait as a fraction of the backoff (0.1 = up to +10 %)
    backoff_jitter: ClassVar[float] = 0.0
    #: whether a timed-out attempt is retried
    retry_on_timeout: ClassVar[bool] = False
    #: whether runs of this task exclude each other (per workspace)
    lock: ClassVar[bool] = True

    def __init__(self) -> None:
        self.dry_run: bool = False
        self.options: dict[str, Any] = {}
        self._context: TaskContext | None = None

    # -- what a task defines ------------------------------------------------

    @property
    @abc.abstractmethod
    def name(self) -> str:
        """The task's name, as typed on the command line."""

    @property
    @abc.abstractmethod
    def description(self) -> str:
        """One line shown by ``runner.py list``."""

    @abc.abstractmethod
    def run(self) -> dict[str, Any]:
        """Do the work; return at least ``success`` (bool) and ``message`` (str)."""

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        """Declare task-specific command-line options (none by default)."""

    @classmethod
    def check_options(cls, options: dict[str, Any]) -> None:
        """Refuse options that cannot work together: raise ``InvalidRequest`` saying what is
        wrong and how to fix it (nothing is refused by default).

        Called on the command line once the task's own options are parsed, before any
        lock, run record or alert: a typo is the user's to fix, not the heartbeat's news.
        A value wrong on its own is better refused by its argparse ``type``.
        """

    @classmethod
    def has_own_arguments(cls) -> bool:
        """Whether the task overrides ``add_arguments``."""
        return cls.add_arguments.__func__ is not Task.add_arguments.__func__  # type: ignore[attr-defined]

    # -- what the engine provides -------------------------------------------

    def bind(self, context: TaskContext) -> None:
        """Attach the run context; called by the engine before ``run()``."""
        self._context = context
        self.dry_run = context.dry_run
        self.options = dict(context.options)

    @property
    def context(self) -> TaskContext:
        if self._context is None:
            self.bind(TaskContext(task_name=type(self).__name__, run_id="-", state_dir=Path()))
        assert self._context is not None
        return self._context

    @property
    def run_id(self) -> str:
        return self.context.run_id

    @property
    def state_dir(self) -> Path:
        """The runner's state directory (logs, alerts, locks, task state)."""
        return self.context.state_dir

    @property
    def workspace(self) -> Path:
        """The OpenClaw workspace; ``WorkspaceMissing`` when there is none."""
        ctx = self.context
        workspace, typed = ctx.workspace, ctx.workspace_by_hand
        if workspace is not None and workspace.is_dir():
            return workspace
        # Only on failure: the message is worded once, for the tasks and memory_search.
        from .openclaw.workspace import workspace_problem

        if workspace is not None:
            problem = workspace_problem(workspace, typed)
        elif typed is not None:
            problem = ctx.workspace_error or f"OpenClaw workspace not found: check {typed}"
        else:
            problem = ctx.workspace_error or (
                "OpenClaw workspace not found: pass --workspace DIR or set OPENCLAW_WORKSPACE_DIR"
            )
        # A name the user typed wrong is theirs to fix, not the heartbeat's news.
        raise WorkspaceTypo(problem) if typed is not None else WorkspaceMissing(problem)

    def now(self) -> datetime:
        """The current local time (injectable through the context clock)."""
        return self.context.clock()

    def today(self) -> date:
        """The local date of ``now()``."""
        return self.now().date()

    def log(self, msg: str) -> None:
        """Write a timestamped, task-prefixed line to stderr (``diagnostics``)."""
        ctx = self.context
        diagnostics.emit(diagnostics.format_line(ctx.task_name, msg, self.now()), ctx.log_sink)

    def show(self, line: str) -> None:
        """Print one line of what the user asked to see (a listing) on stdout, unprefixed.

        Progress goes to stderr through ``log``; a listing goes where ``| grep`` and
        ``| less`` read it (to stderr under ``--json``, which keeps stdout for the record).
        A reader that leaves early (``| head``) is not an error.
        """
        from .cli.output import say

        say(line)

    def alert(self, message: str, level: str = "warning", *, key: str | None = None) -> None:
        """Queue an alert for the agent's heartbeat.

        Alerts with the same ``key`` (default: the same task and message) are
        queued once; repeats raise its ``count``.
        """
        check_level(level)
        alert = {"level": level, "message": str(message), "key": key}
        sink = self.context.alert_sink
        if sink is not None:
            sink(alert)
        else:
            self.log(f"alert ({level}): {message}")

    def withdraw_alert(self, key: str) -> None:
        """Take back this task's alert with ``key`` while the heartbeat has not picked it up.

        For a problem that went away before anyone heard of it (an open loop
        closed since its reminder). The queue drops it when this run succeeds;
        one already being delivered stays delivered. An alert raised with the
        same key later in the run stands.
        """
        sink = self.context.withdraw_sink
        if sink is not None:
            sink(str(key))
        else:
            self.log(f"alert withdrawn: {key}")

    # -- writes that honour --dry-run ---------------------------------------

    def write_text(self, path: Path, text: str) -> bool:
        """Atomically write ``text`` to ``path``; in dry-run only say so. True if written."""
        if self.dry_run:
            self.log(f"dry run: would write {path} ({len(text.encode('utf-8'))} bytes)")
            return False
        atomic.write_atomic(path, text)
        return True

    def write_json(self, path: Path, obj: Any) -> bool:
        """Atomically write ``obj`` as JSON to ``path``; in dry-run only say so."""
        return self.write_text(path, atomic.dumps_json(obj))
