"""The ``openclaw`` CLI as install uses it: every command shown, writes skipped in a dry run.

Install only talks to OpenClaw through its real CLI (``cron list/add/edit/rm``,
``cron scratch``), the way a user would, so what it does can be printed and
repeated by hand. Commands that change nothing (listings, reading a scratch)
run even in a dry run: the plan depends on what is there.
"""

from __future__ import annotations

import shlex
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ..errors import OpenClawError, ScratchConflict
from ..health.cron import _decode_json, command_env
from ..system.process import ProcResult, run_command

#: seconds one openclaw command may take (the CLI needs several on a small machine)
DEFAULT_TIMEOUT_S = 120.0

Runner = Callable[..., ProcResult]


class OpenClawCli:
    """Runs ``openclaw`` commands; ``commands`` keeps every one, in order."""

    def __init__(
        self,
        binary: Path,
        env: Mapping[str, str],
        *,
        dry_run: bool = False,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        run: Runner = run_command,
        echo: Callable[[str], None] | None = None,
    ) -> None:
        self.binary = binary
        self.env = command_env(binary, env)
        self.dry_run = dry_run
        self.timeout_s = timeout_s
        self.run = run
        self.echo = echo or (lambda line: print(line, file=sys.stderr))
        #: ``{"argv": [...], "ran": bool}`` for every command, in order
        self.commands: list[dict[str, Any]] = []

    def read(self, *args: str) -> Any:
        """Run a command that changes nothing and return its parsed JSON."""
        return self._run(list(args), writes=False)

    def write(self, *args: str) -> Any:
        """Run a command that changes something (only shown in a dry run)."""
        return self._run(list(args), writes=True)

    def _run(self, args: list[str], *, writes: bool) -> Any:
        argv = [str(self.binary), *args]
        skip = writes and self.dry_run
        self.commands.append({"argv": argv, "ran": not skip})
        self.echo(("would run: " if skip else "$ ") + shlex.join(argv))
        if skip:
            return None
        try:
            result = self.run(argv, timeout_s=self.timeout_s, env=self.env)
        except OSError as exc:
            raise OpenClawError(f"cannot run {self.binary}: {exc.strerror or exc}") from exc
        what = "openclaw " + " ".join(args[:2])
        if result.timed_out:
            raise OpenClawError(
                f"`{what}` did not finish within {self.timeout_s:g} s; is the gateway running? "
                "(`openclaw gateway status`)"
            )
        data: Any = None
        try:
            data = _decode_json(result.stdout)
        except ValueError:
            data = None
        if isinstance(data, dict) and data.get("ok") is False:
            error = data.get("error")
            message = error.get("message") if isinstance(error, dict) else error
            message = " ".join(str(message or "failed").split())
            if "changed concurrently" in message:
                raise ScratchConflict(message)
            raise OpenClawError(f"`{what}` failed: {message}")
        if result.returncode != 0 or data is None:
            detail = (result.stderr.strip() or result.stdout.strip() or "no output").splitlines()
            raise OpenClawError(
                f"`{what}` failed (exit {result.returncode}): {detail[0][:300]}; "
                "is the gateway running? (`openclaw gateway status`)"
            )
        return data

    def list_jobs(self) -> list[dict[str, Any]]:
        """Every cron job, disabled ones included (``cron list --all --json``)."""
        data = self.read("cron", "list", "--all", "--json")
        jobs = data.get("jobs") if isinstance(data, dict) else data
        if not isinstance(jobs, list):
            raise OpenClawError("`openclaw cron list` printed JSON without a list of jobs")
        if isinstance(data, dict) and data.get("hasMore") is True:
            raise OpenClawError(
                "`openclaw cron list` returned only part of the jobs; remove unused jobs and retry"
            )
        return [j for j in jobs if isinstance(j, dict)]
