"""memory_guard: snapshots of the agent's memory files; alerts when they vanish, shrink or
outgrow what OpenClaw injects; restore of any version.

The work is in ``taskrunner/guard/``; this task reads the options and picks
the command: a guard run (the default, scheduled every 15 minutes),
``--list PATH``, ``--restore PATH [--at TIME | --version HASH]`` or
``--prune-deleted PATH``.
"""

from __future__ import annotations

import argparse
import os
import shlex
from pathlib import Path
from typing import Any

from taskrunner import paths
from taskrunner.guard.findings import DEFAULT_SEVERAL, DEFAULT_SHRINK_SHARE
from taskrunner.guard.guard_run import Guard, Settings
from taskrunner.guard.reading import MAX_FILE_BYTES
from taskrunner.guard.retention import Policy
from taskrunner.guard.tracked import Scope, normalize_rel
from taskrunner.openclaw.workspace import resolve_workspace

from .base import ConfigError, InvalidRequest, Task


def _split_paths(values: list[str]) -> list[str]:
    return [part for value in values for part in value.split(",") if part.strip()]


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
        parser.add_argument(
            "--keep-all-days",
            type=float,
            default=30,
            metavar="N",
            help="keep every version this many days (default: %(default)g)",
        )
        parser.add_argument(
            "--keep-daily-days",
            type=float,
            default=90,
            metavar="N",
            help="then one version a day until this age, then one a week (default: %(default)g)",
        )
        parser.add_argument(
            "--shrink-pct",
            type=float,
            default=DEFAULT_SHRINK_SHARE * 100,
            metavar="PCT",
            help="report a file that lost more than this share of its lines or bytes in one "
            "step (default: %(default)g)",
        )
        parser.add_argument(
            "--several",
            type=int,
            default=DEFAULT_SEVERAL,
            metavar="N",
            help="files vanishing in one run from which it is one critical alert "
            "(default: %(default)s)",
        )
        parser.add_argument(
            "--max-file-mib",
            type=float,
            default=MAX_FILE_BYTES / (1024 * 1024),
            metavar="MIB",
            help="files larger than this are recorded but not copied (default: %(default)g)",
        )

    def _settings(self) -> Settings:
        o = self.options
        workspace = self.workspace
        if (o.get("at") or o.get("version")) and not o.get("restore"):
            raise InvalidRequest("--at and --version go with --restore PATH")
        try:
            policy = Policy(float(o.get("keep_all_days", 30)), float(o.get("keep_daily_days", 90)))
        except ValueError:
            raise ConfigError(
                "--keep-all-days must be 0 or more and at most --keep-daily-days"
            ) from None
        shrink = float(o.get("shrink_pct", DEFAULT_SHRINK_SHARE * 100))
        if not 0 < shrink < 100:
            raise ConfigError(f"--shrink-pct must be between 0 and 100, not {shrink:g}")
        several = int(o.get("several", DEFAULT_SEVERAL))
        max_mib = float(o.get("max_file_mib", MAX_FILE_BYTES / (1024 * 1024)))
        if several < 2 or not max_mib > 0:
            raise ConfigError("--several must be 2 or more and --max-file-mib more than 0")
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
            scope=Scope(tuple(p for p in extra if p), exclude=(os.path.realpath(self.state_dir),)),
            policy=policy,
            shrink_share=shrink / 100,
            several=several,
            max_bytes=int(max_mib * 1024 * 1024),
            dry_run=self.dry_run,
            full=bool(o.get("verify")),
        )

    def _restore_command(self, args: str) -> str:
        """The command line that undoes a finding, as the user would type it."""
        if self._command_prefix is None:
            self._command_prefix = self._command_words()
        return self._command_prefix + " " + args

    _command_prefix: str | None = None

    def _command_words(self) -> str:
        words = ["python3", str(paths.RUNNER_HOME / "runner.py"), "memory_guard"]
        try:
            default_ws: Path | None = resolve_workspace(None)
        except ConfigError:
            default_ws = None
        if default_ws != self.workspace:
            words += ["--workspace", str(self.workspace)]
        if paths.resolve_state_dir(None) != Path(self.state_dir).resolve():
            words += ["--state-dir", str(self.state_dir)]
        return " ".join(shlex.quote(w) for w in words)

    def run(self) -> dict[str, Any]:
        guard = Guard(self._settings(), self.log)
        o = self.options
        if o.get("list") or o.get("restore") or o.get("prune_deleted"):
            # Only the user's commands need these: a scheduled run does not import them.
            from taskrunner.guard import commands
        if o.get("list"):
            return commands.list_versions(guard, o["list"])
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
