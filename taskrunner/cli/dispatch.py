"""Command line: ``runner.py <task> [--dry-run]`` and the built-in commands.

The one place that prints results and turns errors into exit codes:
0 success, 1 error, 2 locked, 128 + signal when interrupted. Usage errors
exit 1, never argparse's 2, because 2 means "already running" to callers.
"""

from __future__ import annotations

import json
import os
import sys

from .. import __version__, discovery, paths
from ..errors import EXIT_ERROR, EXIT_OK, EXIT_SIGNAL_BASE, ConfigError, TaskrunnerError, UsageError
from ..openclaw.workspace import resolve_workspace
from .options import VALUE_FLAGS

# A task run's lines go through say(): a reader that leaves early (`2>&1 | head -1`)
# must not cut the run short nor replace its exit code.
from .output import say

# typing is only needed by the type checker: keep it off the startup path.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from argparse import ArgumentParser, Namespace
    from collections.abc import Callable, Sequence
    from pathlib import Path
    from typing import Any

    from ..records import RunRecord

    Configure = Callable[[ArgumentParser], None]
    RunCommand = Callable[[Namespace, Path], int]

#: commands of the runner itself; a task may not take one of these names
COMMANDS = ("list", "history", "alerts", "status", "install", "uninstall", "memory_search")

_USAGE = """\
usage: runner.py <task> [--dry-run] [--json] [options]
       runner.py list [--json]
       runner.py history [TASK] [--last N] [--json]
       runner.py alerts [--json | --drain | --full]
       runner.py status [--json]
       runner.py install [--target openclaw|crontab|systemd|launchd] [--agent ID] [--dry-run]
       runner.py uninstall [--target ...] [--agent ID] [--dry-run]
       runner.py memory_search [QUERY] [--workspace DIR | --agent ID] [--kind K[,K]] [--open]
                               [--since DATE] [--limit N] [--json]
       runner.py <task> --help | --version | help | version

exit codes: 0 success, 1 error, 2 already running, 130/143 interrupted
"""


def _split_command(argv: Sequence[str]) -> tuple[str | None, list[str]]:
    """The command or task name (first positional, or the word after ``--``) and the rest."""
    rest: list[str] = []
    command: str | None = None
    args = iter(argv)
    for arg in args:
        if command is not None:
            rest.append(arg)
        elif arg == "--":
            command = next(args, None)
        elif not arg.startswith("-"):
            command = arg
        else:
            rest.append(arg)
            if arg in VALUE_FLAGS:  # its value is not the task name
                value = next(args, None)
                if value is not None:
                    rest.append(value)
    return command, rest


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the process exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        return _dispatch(args)
    except TaskrunnerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return int(exc.exit_code)
    except BrokenPipeError:
        # The reader closed early (`| head -1`): normal, see cli/output.py. A task
        # run never gets here (its lines go through say(), its exit code stands).
        from .output import discard_stdout  # only when the reader has gone

        discard_stdout()
        return 0
    except OSError as exc:
        # The machine, not the runner: a full disk, a read-only mount, permissions.
        where = f" ({exc.filename})" if exc.filename else ""
        print(f"error: {exc.strerror or exc}{where}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        import signal

        return EXIT_SIGNAL_BASE + signal.SIGINT
    except SystemExit as exc:
        # argparse leaves this way after --help (0) and usage errors: a caller of
        # main() gets the code back, like every other outcome.
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)


def exit_now(code: int) -> None:
    """Flush output and leave without tearing the interpreter down.

    Everything the run must leave behind is already on disk (the log and the
    queue are written with os-level calls and fsync) and the worker is
    reaped; finalizing every module would cost several times the runner's
    own work on each cron run (bench/bench_runner.py).
    """
    for stream in (sys.stdout, sys.stderr):
        if stream is None:  # started with the stream closed (`>&-`)
            continue
        try:
            stream.flush()
        except BrokenPipeError:
            from .output import discard_stdout  # the reader left early: not an error

            discard_stdout()
        except (OSError, ValueError):
            code = code or 1
    if "logging" in sys.modules:
        sys.modules["logging"].shutdown()
    os._exit(code)


def _dispatch(args: list[str]) -> int:
    command, rest = _split_command(args)
    if command is None:
        if "--version" in rest:
            print(f"taskrunner {__version__}")
            return EXIT_OK
        if "-h" in rest or "--help" in rest:
            print(_USAGE, end="")
            return EXIT_OK
        _refuse_unknown_options(rest)
        raise UsageError("no task given.\n" + _USAGE.rstrip())
    if command == "help":
        if rest and not rest[0].startswith("-"):
            return _dispatch([rest[0], "--help"])  # "help noop": noop's own help
        print(_USAGE, end="")
        return EXIT_OK
    if command == "version":
        print(f"taskrunner {__version__}")
        return EXIT_OK
    if command == "list":
        return _cmd_list(rest)
    if command in ("history", "alerts", "install", "uninstall", "status"):
        return _cmd_with_state(command, rest)
    if command == "memory_search":
        return _cmd_memory_search(rest)
    return _cmd_task(command, rest)


def _refuse_unknown_options(rest: list[str]) -> None:
    """No command: an option that is none of the runner's is a typo (``--versoin``),
    not a missing task."""
    from .options import COMMON_OPTIONS

    known = ["--version", "--help", "-h", *(option.flag for option in COMMON_OPTIONS)]
    for arg in rest:
        flag = arg.split("=", 1)[0]
        if flag.startswith("-") and flag not in known:
            import difflib  # only for the error message

            close = difflib.get_close_matches(flag, known, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise UsageError(
                f"unknown option {discovery.shown(flag)}{hint}: see `runner.py --help`"
            )


def _cmd_list(rest: list[str]) -> int:
    from .argparsing import new_parser

    parser = new_parser("runner.py list", "List the tasks this runner can run.")
    parser.add_argument("--json", action="store_true", help="print a JSON array on stdout")
    ns = parser.parse_args(rest)
    rows: list[dict[str, Any]] = []
    for name, spec in sorted(discovery.discover().items()):
        row: dict[str, Any] = {"name": name, "path": str(spec.path)}
        try:
            row["description"] = str(discovery.load(spec)().description)
        except TaskrunnerError as exc:
            row["description"] = None
            row["error"] = str(exc)
        rows.append(row)
    if ns.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return EXIT_OK
    width = max((len(r["name"]) for r in rows), default=4)
    for row in rows:
        text = row["description"] if row.get("error") is None else f"BROKEN: {row['error']}"
        print(f"{row['name']:<{width}}  {text}")
    return EXIT_OK


def _state_command(command: str) -> tuple[str, Configure, RunCommand]:
    """What ``command`` says of itself, how it adds its options, and how it runs."""
    if command in ("alerts", "history"):
        from . import admin_commands

        if command == "alerts":
            return (
                "Show or drain the alerts queued for the agent's heartbeat.",
                admin_commands.configure_alerts,
                admin_commands.run_alerts,
            )
        return (
            "Recent runs and per-task statistics from the run log.",
            admin_commands.configure_history,
            admin_commands.run_history,
        )
    if command == "status":
        from .. import status

        return (
            "Is maintenance alive? Schedules, last runs, overdue tasks, alerts.",
            status.configure,
            status.run_status,
        )
    from ..install import command as setup

    if command == "install":
        return (
            "Wire taskrunner into OpenClaw (cron jobs, heartbeat, skill) or a system scheduler.",
            lambda parser: setup.configure(parser, uninstall=False),
            setup.run_install,
        )
    return (
        "Remove exactly what `runner.py install` added.",
        lambda parser: setup.configure(parser, uninstall=True),
        setup.run_uninstall,
    )


def _cmd_with_state(command: str, rest: list[str]) -> int:
    """A runner command that works on the state directory (``--state-dir``)."""
    from .argparsing import add_state_dir, new_parser

    description, configure, run = _state_command(command)
    parser = new_parser(f"runner.py {command}", description)
    add_state_dir(parser)
    configure(parser)
    ns = parser.parse_args(rest)
    state_dir = paths.resolve_state_dir(ns.state_dir)
    # alerts, history and status only read: a named state dir that is not there
    # is a typo, not "nothing yet"; install creates it like a task run.
    reads = command in ("alerts", "history", "status")
    paths.check_state_dir(state_dir, paths.state_dir_origin(ns.state_dir), must_exist=reads)
    return int(run(ns, state_dir))


def _cmd_memory_search(rest: list[str]) -> int:
    # Read-only: no lock, no run record, no state directory.
    from . import admin_commands
    from .argparsing import new_parser

    parser = new_parser(
        "runner.py memory_search",
        "Ranked full-text search over memory/store.json (newest first without a query).",
    )
    admin_commands.configure_memory_search(parser)
    return int(admin_commands.run_memory_search(parser.parse_args(rest)))


def _cmd_task(name: str, rest: list[str]) -> int:
    spec = discovery.find(name, commands=COMMANDS)
    task_cls = discovery.load(spec)
    from .options import fast_parse, run_settings

    parsed = None if task_cls.has_own_arguments() else fast_parse(rest)
    if parsed is None:
        # argparse is the reference; the fast path above only skips it for the
        # plain cases, where building the parser costs more than the run.
        from .argparsing import parse_task_args

        parsed = parse_task_args(name, spec.path, task_cls, rest)
    state_dir = paths.resolve_state_dir(parsed["state_dir"])
    paths.check_state_dir(state_dir, paths.state_dir_origin(parsed["state_dir"]), must_exist=False)
    lock_dir = paths.resolve_lock_dir(state_dir)
    if not parsed["dry_run"]:
        # One line before the run, not a failed run that cannot be recorded and
        # a warning for every folder it tried.
        from ..runlog import LOGS_DIRNAME

        folders = [state_dir / LOGS_DIRNAME]
        if task_cls.lock and state_dir in lock_dir.parents:
            folders.append(lock_dir)
        paths.check_state_dir_writable(state_dir, folders)
    workspace: Path | None
    workspace_error: str | None = None
    try:
        workspace = resolve_workspace(parsed["workspace"], agent=parsed["agent"])
    except ConfigError as exc:
        workspace, workspace_error = None, str(exc)
    from ..engine import Engine
    from ..signals import SignalGuard

    settings = run_settings(
        parsed,
        state_dir=state_dir,
        lock_dir=lock_dir,
        workspace=workspace,
        workspace_error=workspace_error,
    )
    # One guard for the run and its bookkeeping: a signal after the attempt is
    # over waits until the record and the alerts are written.
    with SignalGuard() as guard:
        result = Engine().run(name, task_cls, settings, guard=guard)
        dry_run = settings.dry_run
        withdrawn = [(name, key) for key in result.withdrawn]
        published = _publish(
            [*result.earlier, result.record],
            result.alerts,
            state_dir,
            dry_run=dry_run,
            withdrawn=withdrawn,
        )
        record = result.record
        if parsed["json"]:
            from ..runlog import encode_record  # the log's encoding: strict JSON, never NaN

            say(encode_record(record))
        _summary(record)
    if parsed["scheduled"]:
        # The scheduler policy (README, "Exit codes"): a recorded and reported
        # failure or overlap is the runner doing its job; OpenClaw would count
        # it as an error and, after ten, switch the job off.
        return guard.exit_code(EXIT_OK if published else EXIT_ERROR)
    return guard.exit_code(result.exit_code)


def _publish(
    records: list[RunRecord],
    alerts: list[dict[str, Any]],
    state_dir: Path,
    *,
    dry_run: bool,
    withdrawn: Sequence[tuple[str, str]] = (),
) -> bool:
    """Append the run records, take back the ``withdrawn`` alerts (task, key) and
    queue the new ones (in a dry run only show them).

    Returns whether everything was written: the scheduler exit policy fails a
    run only when it could not be recorded or its alerts not queued.
    """
    if dry_run:
        for record in records:
            say(f"dry run: would log {json.dumps(record, default=str)}", err=True)
        for _, key in withdrawn:
            say(f"dry run: would withdraw alert {key}", err=True)
        for alert in alerts:
            say(f"dry run: would queue {alert['level']} alert: {alert['message']}", err=True)
        return True
    ok = True
    critical_queued = False
    # A failing queue or log write must not hide the task's own result, and an
    # alert that could not be queued is still said, and kept in the run record.
    if alerts or withdrawn:
        try:
            from ..alerts import AlertQueue

            AlertQueue(state_dir).add(alerts, withdraw=withdrawn)
        except (OSError, TaskrunnerError) as exc:
            ok = False
            say(f"warning: could not queue alerts: {exc}", err=True)
            for alert in alerts:
                say(f"alert not queued ({alert['level']}): {alert['message']}", err=True)
            records[-1]["alerts_not_queued"] = [
                {k: alert.get(k) for k in ("level", "message", "key")} for alert in alerts
            ]
        else:
            critical_queued = any(a.get("level") == "critical" for a in alerts)
    try:
        from ..runlog import RunLog

        log = RunLog(state_dir)
        for record in records:
            log.append(record)
    except (OSError, TaskrunnerError) as exc:
        ok = False
        say(f"warning: could not write the run log: {exc}", err=True)
    if critical_queued:
        from ..wake import wake_for_critical  # only now: it may start openclaw

        wake_for_critical(alerts, state_dir)
    return ok


def _summary(record: RunRecord) -> None:
    status = record.get("status")
    duration = record.get("duration_seconds")
    prefix = "dry run: " if record.get("dry_run") else ""
    say(f"{prefix}{record.get('task')}: {status} — {record.get('message')} ({duration}s)", err=True)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
