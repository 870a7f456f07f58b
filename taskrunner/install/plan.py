"""What ``runner.py install`` sets up: which tasks, when, with which command line.

Every target (OpenClaw cron, crontab, systemd, launchd) installs the same
``Job``s: the absolute interpreter running the install and the absolute
runner.py (no shell, no PATH lookup: a Mac's PATH finds Apple's Python 3.9),
``--scheduled`` for the scheduler exit policy, and the workspace and state
directory pinned, so a job does not depend on where or how it is started.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import discovery, paths
from ..errors import TaskrunnerError, UsageError
from ..retry import compute_backoff
from .schedule import Schedule, cron, every

#: the scheduled built-in tasks and their default schedules, in install order;
#: a task not present on disk (memory_guard before it ships) is left out
DEFAULT_SCHEDULES: tuple[tuple[str, str], ...] = (
    ("memory_capture", "0 * * * *"),  # hourly
    ("memory_consolidate", "0 3 * * *"),  # nightly
    ("system_health", "*/5 * * * *"),  # every five minutes
    ("memory_guard", "*/15 * * * *"),  # every fifteen minutes
)
#: seconds added to a task's own worst case before the scheduler may kill it
TIMEOUT_MARGIN_S = 60
#: the prefix of every declaration key install creates
KEY_PREFIX = "taskrunner:"
#: how OpenClaw's own managed jobs mark themselves; ours say the same
MANAGED_BY = "[managed-by=taskrunner]"


@dataclass(frozen=True)
class Job:
    """One scheduled task for one workspace."""

    task: str
    schedule: Schedule
    argv: tuple[str, ...]
    #: seconds after which the scheduler may stop the run: above the task's own worst case
    timeout_s: int
    #: environment the command needs (the state dir, where openclaw is)
    env: tuple[tuple[str, str], ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "task": self.task,
            "schedule": self.schedule.to_json(),
            "period_seconds": self.schedule.period_s,
            "timeout_seconds": self.timeout_s,
            "argv": list(self.argv),
            "env": dict(self.env),
        }


@dataclass
class Target:
    """One workspace to wire up: ``agent`` is None outside OpenClaw's agent roster."""

    workspace: Path
    state_dir: Path
    agent: str | None
    #: whether the agent is OpenClaw's default one (its keys carry no agent id)
    default_agent: bool = True
    jobs: list[Job] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"agent {self.agent}" if self.agent else f"workspace {self.workspace}"

    @property
    def slug(self) -> str:
        """What tells this target's jobs apart: "" for the default agent's workspace, else
        the agent id, else ``ws-<digest of the path>`` (also in unit and plist names)."""
        if self.default_agent:
            return ""
        if self.agent:
            return self.agent
        from ..runlock import path_digest

        return f"ws-{path_digest(str(self.workspace))[:8]}"

    @property
    def other_agent(self) -> str | None:
        """The agent id OpenClaw jobs are filed under, when it is not the default agent."""
        return self.agent if self.agent and not self.default_agent else None

    def declaration_key(self, task: str) -> str:
        """``taskrunner:<task>``; ``taskrunner:<slug>:<task>`` when several workspaces are wired."""
        return f"{KEY_PREFIX}{self.slug}:{task}" if self.slug else f"{KEY_PREFIX}{task}"


def worst_case_s(task_cls: type[Any]) -> float:
    """Every attempt running to its timeout, plus every backoff wait between them."""
    attempts = int(task_cls.retries) + 1
    waits = sum(
        compute_backoff(n, max_backoff_s=float(task_cls.max_backoff_s))
        * (1 + float(task_cls.backoff_jitter))
        for n in range(1, attempts)
    )
    return attempts * float(task_cls.timeout_s) + waits


def job_timeout_s(task_cls: type[Any]) -> int:
    return int(worst_case_s(task_cls) + TIMEOUT_MARGIN_S + 0.999)


def parse_overrides(every_specs: Sequence[str], cron_specs: Sequence[str]) -> dict[str, Schedule]:
    """``--every TASK=SPEC`` and ``--cron TASK=EXPR``, by task."""
    out: dict[str, Schedule] = {}
    for option, specs, make in (("--every", every_specs, every), ("--cron", cron_specs, cron)):
        for spec in specs:
            task, eq, value = spec.partition("=")
            if not eq or not task.strip() or not value.strip():
                raise UsageError(f"{option} takes TASK=SCHEDULE (e.g. {option} system_health=")
            task = discovery.validate_name(task.strip())
            if task in out:
                raise UsageError(f"two schedules given for {task}")
            out[task] = make(value.strip())
    return out


def scheduled_tasks(
    overrides: Mapping[str, Schedule], env: Mapping[str, str] | None = None
) -> list[tuple[str, Schedule, type[Any]]]:
    """The tasks to schedule (defaults present on disk, plus overrides) with their classes."""
    found = discovery.discover(env)
    unknown = sorted(set(overrides) - set(found))
    if unknown:
        raise UsageError(f"cannot schedule unknown task(s): {', '.join(unknown)}")
    wanted = {name: cron(expr) for name, expr in DEFAULT_SCHEDULES if name in found}
    wanted.update(overrides)
    order = [n for n, _ in DEFAULT_SCHEDULES] + sorted(
        set(overrides) - set(dict(DEFAULT_SCHEDULES))
    )
    out = []
    for name in order:
        if name not in wanted:
            continue
        try:
            task_cls = discovery.load(discovery.find(name, env))
        except TaskrunnerError as exc:
            raise UsageError(f"cannot schedule {name}: {exc}") from exc
        out.append((name, wanted[name], task_cls))
    return out


def runner_argv(task: str, target: Target) -> tuple[str, ...]:
    """The exact command a scheduler runs: absolute interpreter and runner, paths pinned."""
    runner = paths.RUNNER_HOME / "runner.py"
    argv = [str(Path(sys.executable).absolute()), str(runner), task, "--scheduled"]
    argv += ["--workspace", str(target.workspace), "--state-dir", str(target.state_dir)]
    return tuple(argv)


def build_jobs(
    target: Target,
    tasks: Sequence[tuple[str, Schedule, type[Any]]],
    *,
    openclaw_bin: Path | None,
) -> list[Job]:
    env: list[tuple[str, str]] = [("TASKRUNNER_STATE_DIR", str(target.state_dir))]
    extra = paths.extra_task_dirs()
    if extra:
        # Tasks from TASKRUNNER_TASKS_PATH must be found by the scheduled runs too.
        env.append((paths.TASKS_PATH_ENV, os.pathsep.join(map(str, extra))))
    if openclaw_bin is not None:
        # The cron check and the critical-alert wake find openclaw under any PATH.
        env.append(("TASKRUNNER_OPENCLAW_BIN", str(openclaw_bin)))
    return [
        Job(name, schedule, runner_argv(name, target), job_timeout_s(cls), tuple(env))
        for name, schedule, cls in tasks
    ]


def job_description(task: str, schedule: Schedule) -> str:
    return (
        f"{MANAGED_BY} taskrunner {task} ({schedule.describe()}); remove with runner.py uninstall"
    )
