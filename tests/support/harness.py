"""Run a task in-process as the engine does: bind a TaskContext, collect alerts and log lines."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from taskrunner.task import Task, TaskContext


@dataclass
class TaskRun:
    """One run of a task: its result, the alerts it queued and the lines it logged, in order."""

    task: Task
    result: dict[str, Any] = field(default_factory=dict)
    alerts: list[dict[str, Any]] = field(default_factory=list)
    #: keys of the alerts it took back (``Task.withdraw_alert``)
    withdrawn: list[str] = field(default_factory=list)
    logs: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """Logged messages without the timestamp and task prefix."""
        return [line.split("] ", 1)[1] for line in self.logs]


def bind_task(
    task: Task,
    state_dir: Path,
    *,
    workspace: Path | None = None,
    dry_run: bool = False,
    options: dict[str, Any] | None = None,
    now: datetime | None = None,
    run_id: str = "run-1",
) -> TaskRun:
    """Give ``task`` the context the engine would (the clock fixed at ``now`` when given).

    The returned run's ``alerts`` and ``logs`` fill as the task runs, also when
    ``task.run()`` raises: a test of a failing run calls it under ``pytest.raises``.
    """
    run = TaskRun(task)
    clock = {} if now is None else {"clock": lambda: now}
    task.bind(
        TaskContext(
            task_name=task.name,
            run_id=run_id,
            state_dir=state_dir,
            dry_run=dry_run,
            workspace=workspace,
            options=options,
            alert_sink=run.alerts.append,
            withdraw_sink=run.withdrawn.append,
            log_sink=run.logs.append,
            **clock,
        )
    )
    return run


def run_task(task: Task, state_dir: Path, **context: Any) -> TaskRun:
    """``bind_task`` then ``task.run()``: the run with its result."""
    run = bind_task(task, state_dir, **context)
    run.result = task.run()
    return run


def run_at(
    task: Task,
    state_dir: Path,
    workspace: Path | None,
    now: datetime,
    *,
    dry_run: bool = False,
    run_id: str = "run-1",
    **options: Any,
) -> TaskRun:
    """``run_task`` at ``now`` in ``workspace``, the task's options as keywords."""
    return run_task(
        task,
        state_dir,
        workspace=workspace,
        dry_run=dry_run,
        options=options,
        now=now,
        run_id=run_id,
    )
