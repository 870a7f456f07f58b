"""memory_guard: snapshots of the agent's memory files; alerts when they vanish, shrink or
outgrow what OpenClaw injects; restore of any version.

The work is in ``taskrunner/guard/``; this task reads the options and picks
the command: a guard run (the default, scheduled every 15 minutes),
``--list PATH``, ``--restore PATH [--at TIME | --version HASH]`` or
``--prune-deleted PATH``.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from typing import Any

from taskrunner.cli.options import number_in_range
from taskrunner.guard.findings import DEFAULT_SEVERAL, DEFAULT_SHRINK_SHARE
from taskrunner.guard.guard_run import Guard, Settings
from taskrunner.guard.reading import MAX_FILE_BYTES
from taskrunner.guard.retention import Policy
from taskrunner.guard.tracked import Scope, normalize_rel, runner_state

from .base import InvalidRequest, Task


def _split_paths(values: list[str]) -> list[str]:
    return [part for value in values for part in value.split(",") if part.strip()]


def _days(text: str) -> float:
    value: float = number_in_range(
        text,
        float,
        expected="a number of days",
        ok=lambda v: 0 <= v < math.inf,
        rule="must be 0 or more days",
    )
    return value


def _share_pct(text: str) -> float:
    value: float = number_in_range(
        text,
        float,
        expected="a percentage",
        ok=lambda v: 0 < v < 100,
        rule="must be more than 0 and less than 100",
    )
    return value


def _several(text: str) -> int:
    value: int = number_in_range(
        text,
        int,
        expected="a whole number of files",
        # One vanished file is an alert of its own already.
        ok=lambda v: v >= 2,
        rule="must be 2 or more",
    )
    return value


def _mib(text: str) -> float:
    value: float = number_in_range(
        text,
        float,
        expected="a size in MiB (such as 10 or 0.5)",
        ok=lambda v: 0 < v < math.inf,
        rule="must be more than 0 MiB",
    )
    return value


#: the numeric options: flag, how its text is read, default, metavar, help
_NUMBER_OPTIONS: tuple[tuple[str, Callable[[str], float], float, str, str], ...] = (
    ("--keep-all-days", _days, 30, "N", "keep every version this many days"),
    (
        "--keep-daily-days",
        _days,
        90,
        "N",
        "then one version a day until this age, then one a week",
    ),
    (
        "--shrink-pct",
        _share_pct,
        DEFAULT_SHRINK_SHARE * 100,
        "PCT",
        "report a file that lost more than this share of its lines or bytes in one step",
    ),
    (
        "--several",
        _several,
        DEFAULT_SEVERAL,
        "N",
        "files vanishing in one run from which it is one critical alert",
    ),
    (
        "--max-file-mib",
        _mib,
        MAX_FILE_BYTES / (1024 * 1024),
        "MIB",
        "files larger than this are recorded but not copied",
    ),
)


def _restore_options(options: dict[str, Any]) -> None:
    """``--at`` and ``--version`` say which version to restore: only with ``--restore``."""
    if (options.get("at") or options.get("version")) and not options.get("restore"):
        raise InvalidRequest("--at and --version go with --restore PATH")


def _number_options(options: dict[str, Any]) -> dict[str, float]:
    """The numeric options by dest, each checked, then checked together; else InvalidRequest."""
    values: dict[str, float] = {}
    for flag, convert, default, _, _ in _NUMBER_OPTIONS:
        dest = flag[2:].replace("-", "_")
        raw = options.get(dest)
        try:
            values[dest] = default if raw is None else convert(str(raw))
        except ValueError as exc:
            raise InvalidRequest(f"{flag}: {exc}") from None
    keep_all, keep_daily = values["keep_all_days"], values["keep_daily_days"]
    if keep_all > keep_daily:
        raise InvalidRequest(
            f"--keep-all-days ({keep_all:g}) must be at most --keep-daily-days ({keep_daily:g}): "
            "every version is kept first, then one a day; raise --keep-daily-days or lower "
            "--keep-all-days"
        )
    return values


class MemoryGuardTask(Task):
    """Snapshot MEMORY.md, the bootstrap files and memory/**/*.md; report and restore."""

    name = "memory_guard"
    description = (
        "Snapshot the memory files (memory/**/*.md, MEMORY.md, USER.md, …); alert when they "
        "vanish, shrink or outgrow what OpenClaw injects; --list and --restore versions"
    )

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        command = parser.add_mutually_exclusive_group()
        command.add_argument(
            "--restore", metavar="PATH", help="put back a file, or every file under a folder"
        )
        command.add_argument("--list", metavar="PATH", help="list a file's (or folder's) versions")
        command.add_argument(
            "--prune-deleted",
            metavar="PATH",
            help="forget the snapshots of deleted files under PATH (their last copies are "
            "otherwise kept for good)",
        )
        pick = parser.add_mutually_exclusive_group()
        pick.add_argument(
            "--at",
            metavar="TIME",
            help="with --restore: the state at TIME (YYYY-MM-DD, or "
            "YYYY-MM-DDTHH:MM[:SS]; local time; a date means its end)",
        )
        pick.add_argument(
            "--version",
            metavar="HASH",
            help="with --restore: this version (a hash prefix from --list)",
        )
        parser.add_argument(
            "--paths",
            action="append",
            default=[],
            metavar="PATH[,PATH]",
            help="more files or folders to guard, relative to the workspace (repeatable)",
        )
        parser.add_argument(
            "--verify",
            action="store_true",
            help="re-read every file this run (not only changed ones)",
        )
        from taskrunner.cli.argparsing import argparse_type  # only when argparse is used

        for flag, convert, default, metavar, text in _NUMBER_OPTIONS:
            parser.add_argument(
                flag,
                type=argparse_type(convert),
                default=default,
                metavar=metavar,
                help=f"{text} (default: %(default)g)",
            )

    @classmethod
    def check_options(cls, options: dict[str, Any]) -> None:
        _number_options(options)
        _restore_options(options)

    def _settings(self) -> Settings:
        o = self.options
        workspace = self.workspace
        # Checked on the command line already; again here for a run started otherwise.
        _restore_options(o)
        n = _number_options(o)
        policy = Policy(n["keep_all_days"], n["keep_daily_days"])
        extra = tuple(
            normalize_rel(workspace, p, option="--paths")
            for p in _split_paths(o.get("paths") or [])
        )
        return Settings(
            workspace=workspace,
            state_dir=self.state_dir,
            run_id=self.run_id,
            now=self.now,
            restore_cmd=self._restore_command,
            scope=Scope(
                tuple(p for p in extra if p), exclude=runner_state(workspace, self.state_dir)
            ),
            policy=policy,
            shrink_share=n["shrink_pct"] / 100,
            several=int(n["several"]),
            max_bytes=int(n["max_file_mib"] * 1024 * 1024),
            dry_run=self.dry_run,
            full=bool(o.get("verify")),
        )

    def _restore_command(self, *words: str) -> str:
        """The command line that undoes a finding, ready to paste into a plain shell."""
        from taskrunner.commandline import runner_command

        # Always with --workspace: the default one may differ where the line is pasted
        # (OPENCLAW_WORKSPACE_DIR in the job's environment only, another default agent).
        return runner_command(
            "memory_guard", "--workspace", str(self.workspace), *words, state_dir=self.state_dir
        )

    def run(self) -> dict[str, Any]:
        guard = Guard(self._settings(), self.log)
        o = self.options
        if o.get("list") or o.get("restore") or o.get("prune_deleted"):
            # Only the user's commands need these: a scheduled run does not import them.
            from taskrunner.guard import commands
        if o.get("list"):
            return commands.list_versions(guard, o["list"], self.show)
        if o.get("restore"):
            result = commands.restore(guard, o["restore"], o.get("at"), o.get("version"))
        elif o.get("prune_deleted"):
            return commands.prune_deleted(guard, o["prune_deleted"])
        else:
            result = guard.run()
            for name, note in result["skipped"].items():
                self.log(f"skipped {name}: {note}")
        alerts = result.pop("alerts", [])
        for alert in alerts:
            self.alert(alert["message"], level=alert["level"], key=alert["key"])
        result["alerts_raised"] = len(alerts)
        return result
