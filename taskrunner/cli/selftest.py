"""``python3 test_all.py``: dry-run every task the runner can find, one line each.

What a newcomer needs to know is whether every task *runs* here. A task that
ran and reported a problem (no gateway on this machine, notes missing for
today) did its job: its finding is shown, and the exit code stays 0. Exit 1
means a task could not run at all: an import error, a crash, bad arguments,
a timeout. Nothing is written: every task runs with ``--dry-run``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from .. import discovery, paths
from ..errors import ConfigError, TaskrunnerError
from ..openclaw.workspace import resolve_workspace
from .argparsing import iso_date, new_parser, task_parser

#: seconds one dry run may take before it counts as not having run
DRY_RUN_TIMEOUT_S = 300

#: used when no OpenClaw workspace exists on this machine (a newcomer's first try)
EXAMPLE_WORKSPACE = paths.RUNNER_HOME / "examples" / "workspace"

#: the error type of a run whose task returned ``success: false``: a finding, not a crash
FINDING = "TaskFailed"


@dataclass(frozen=True)
class Verdict:
    """How one task's dry run went: ``ok``, ``found`` (ran, reported a problem) or ``FAIL``."""

    word: str
    detail: str

    @property
    def ran(self) -> bool:
        return self.word != "FAIL"


def _parser() -> argparse.ArgumentParser:
    parser = new_parser("test_all.py", "Dry-run every task; exit 1 only if a task could not run.")
    parser.add_argument(
        "--workspace",
        metavar="DIR",
        help="the workspace to dry-run on (default: OpenClaw's, else the shipped example)",
    )
    parser.add_argument(
        "--date",
        type=iso_date,
        metavar="YYYY-MM-DD",
        help="'today' for the tasks that take --date (the others run without it)",
    )
    parser.add_argument("--state-dir", metavar="DIR", help="the runner's state directory")
    return parser


def _workspace(given: str | None) -> tuple[Path, str | None]:
    """The workspace to use and, when it is the shipped example, why."""
    if given is not None:
        return Path(given).expanduser().resolve(), None
    try:
        found = resolve_workspace(None)
    except ConfigError as exc:
        return EXAMPLE_WORKSPACE, f"{exc}"
    if found.is_dir():
        return found, None
    return EXAMPLE_WORKSPACE, f"no OpenClaw workspace at {found}"


def accepted_options(spec: discovery.TaskSpec) -> frozenset[str]:
    """Every option string a task's command line accepts (common options included)."""
    task_cls = discovery.load(spec)
    parser = task_parser(spec.name, str(task_cls().description))
    task_cls.add_arguments(parser)
    return frozenset(parser._option_string_actions)


def judge(proc: subprocess.CompletedProcess[str]) -> Verdict:
    """Read a dry run's JSON record (last stdout line) and its exit code."""
    try:
        record = json.loads(proc.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        record = None
    if not isinstance(record, dict):
        lines = proc.stderr.strip().splitlines()
        return Verdict("FAIL", lines[-1] if lines else f"exit {proc.returncode}, no run record")
    detail = f"{record.get('message')} ({record.get('duration_seconds')}s)"
    if proc.returncode == 0 and record.get("status") == "success":
        return Verdict("ok", detail)
    error = record.get("error")
    if (
        record.get("status") == "failed"
        and isinstance(error, dict)
        and error.get("type") == FINDING
    ):
        return Verdict("found", detail)
    return Verdict("FAIL", detail)


def dry_run(spec: discovery.TaskSpec, args: list[str]) -> Verdict:
    try:
        options = accepted_options(spec)
    except TaskrunnerError as exc:
        return Verdict("FAIL", str(exc))
    forwarded: list[str] = []
    it = iter(args)
    for option in it:
        value = next(it)
        if option in options:
            forwarded += [option, value]
    cmd = [sys.executable, str(paths.RUNNER_HOME / "runner.py"), spec.name, "--dry-run", "--json"]
    try:
        proc = subprocess.run(
            [*cmd, *forwarded],
            capture_output=True,
            text=True,
            timeout=DRY_RUN_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return Verdict("FAIL", f"no answer within {DRY_RUN_TIMEOUT_S}s")
    return judge(proc)


def main(argv: list[str]) -> int:
    try:
        ns = _parser().parse_args(argv)
        specs = discovery.discover()
    except TaskrunnerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    workspace, why_example = _workspace(ns.workspace)
    if why_example:
        print(f"{why_example}: using the shipped example workspace {workspace}", file=sys.stderr)
    args = ["--workspace", str(workspace)]
    if ns.date is not None:
        args += ["--date", ns.date.isoformat()]
    if ns.state_dir is not None:
        args += ["--state-dir", ns.state_dir]
    width = max((len(name) for name in specs), default=4)
    verdicts = {}
    for name in sorted(specs):
        verdict = verdicts[name] = dry_run(specs[name], args)
        print(f"{verdict.word:<5}  {name:<{width}}  {verdict.detail}")
    ran = sum(v.ran for v in verdicts.values())
    found = sum(v.word == "found" for v in verdicts.values())
    summary = f"{ran} of {len(verdicts)} tasks ran in dry run"
    if found:
        summary += f" ({found} reported {'a finding' if found == 1 else 'findings'}, shown above)"
    print(summary)
    return 0 if ran == len(verdicts) else 1
