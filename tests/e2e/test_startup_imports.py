"""What ``runner.py noop`` imports: the start-up work of every cron run keeps a guard.

A new import on this path costs every scheduled run (argparse alone costs more
than running the noop task), so the list is pinned: a change to it is a
decision, made by editing this test.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from support.paths import RUNNER

#: the runner's own modules a plain ``runner.py noop`` loads
PINNED = {
    "taskrunner",
    "taskrunner.pyguard",
    "taskrunner.errors",
    "taskrunner.paths",
    # The workspace is resolved by OpenClaw's rules for every run (JSON5 and $include load
    # only when a config exists).
    "taskrunner.openclaw",
    "taskrunner.openclaw.config",
    "taskrunner.openclaw.workspace",
    "taskrunner.system",
    "taskrunner.system.lockfile",
    "taskrunner.system.atomic",
    # Every file the runner reads or appends is opened through it (FIFOs never block a run).
    "taskrunner.system.regular_file",
    # The worker's subreaper and end-of-attempt sweep: nothing a task starts outlives it.
    "taskrunner.system.containment",
    "taskrunner.runlock",
    "taskrunner.task",
    "taskrunner.diagnostics",
    "taskrunner.discovery",
    "taskrunner.cli",
    "taskrunner.cli.options",
    "taskrunner.cli.dispatch",
    # A task run's summary goes through it: a reader that left early keeps the exit code.
    "taskrunner.cli.output",
    "taskrunner.retry",
    "taskrunner.signals",
    "taskrunner.worker",
    "taskrunner.engine",
    "taskrunner.runlog",
    "tasks",
    "tasks.base",
}

#: standard-library modules that are too heavy for the start-up path
NEVER = {"argparse", "gettext", "locale", "subprocess", "logging", "difflib", "dataclasses"}


def imported_modules(*args: str) -> list[str]:
    """The modules a run imports, in the order it imports them."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", str(RUNNER), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    names = []
    for line in proc.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            names.append(line.rsplit("|", 1)[1].strip())
    return names


def test_noop_loads_only_the_pinned_modules(state_dir: Path) -> None:
    names = set(imported_modules("noop"))
    ours = {n for n in names if n.split(".")[0] in ("taskrunner", "tasks")}
    assert ours == PINNED
    assert not names & NEVER, sorted(names & NEVER)


def test_the_guard_is_the_first_module_of_the_runner(state_dir: Path) -> None:
    # An old Python must reach the version check before anything written for 3.11 loads.
    names = [n for n in imported_modules("noop") if n.startswith("taskrunner")]
    assert names[:2] == ["taskrunner", "taskrunner.pyguard"]
