"""Install into the user's crontab: one marked block per workspace, nothing else touched.

The block starts and ends with marker comments naming the workspace, so a
re-install replaces it in place and uninstall takes exactly it out. Tests (and
anyone who keeps a crontab in a file) point ``TASKRUNNER_CRONTAB_FILE`` at a
file instead of the real crontab.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Callable, Mapping
from pathlib import Path

from .files import Action, put, run_tool
from .plan import Job, Target
from .schedule import as_cron_expr

FILE_ENV = "TASKRUNNER_CRONTAB_FILE"


def markers(target: Target) -> tuple[str, str]:
    where = target.workspace
    return (f"# >>> taskrunner {where} (runner.py install; do not edit inside) >>>",
            f"# <<< taskrunner {where} <<<")  # fmt: skip


def _escape(text: str) -> str:
    return text.replace("%", "\\%")  # an unescaped % ends a crontab command


def line(job: Job) -> str:
    env = " ".join(f"{k}={shlex.quote(v)}" for k, v in job.env)
    return _escape(f"{as_cron_expr(job.schedule)} {env} {shlex.join(job.argv)}".replace("  ", " "))


def block(target: Target) -> str:
    begin, end = markers(target)
    return "\n".join([begin, *(line(j) for j in target.jobs), end]) + "\n"


def _span(lines: list[str], target: Target) -> tuple[int, int] | None:
    """Indexes of our begin and end lines; an end that is missing ends the block at its begin."""
    begin, end = markers(target)
    stripped = [raw.rstrip("\n") for raw in lines]
    if begin not in stripped:
        return None
    first = stripped.index(begin)
    last = stripped.index(end, first) if end in stripped[first:] else first
    return first, last


def without_block(text: str, target: Target) -> str:
    lines = text.splitlines(keepends=True)
    span = _span(lines, target)
    if span is None:
        return text
    return "".join(lines[: span[0]] + lines[span[1] + 1 :])


def merged(text: str, target: Target) -> str:
    """``text`` with our block for ``target`` replaced in place, or appended."""
    lines = text.splitlines(keepends=True)
    span = _span(lines, target)
    if span is None:
        if text and not text.endswith("\n"):
            text += "\n"
        return text + block(target)
    return "".join(lines[: span[0]]) + block(target) + "".join(lines[span[1] + 1 :])


class Crontab:
    """The user's crontab (``crontab -l`` / ``crontab -``), or the file named by ``FILE_ENV``."""

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        value = (os.environ if env is None else env).get(FILE_ENV, "").strip()
        self.file = Path(value) if value else None

    def read(self, echo: Callable[[str], None]) -> str:
        if self.file is not None:
            try:
                return self.file.read_text(encoding="utf-8")
            except FileNotFoundError:
                return ""
        result = run_tool(["crontab", "-l"], dry_run=False, echo=echo, check=False)
        if result is None or result.returncode != 0:
            return ""  # "no crontab for <user>"
        return result.stdout

    def write(self, text: str, *, dry_run: bool, echo: Callable[[str], None]) -> None:
        if self.file is not None:
            put(self.file, text, dry_run=dry_run, what="crontab")
            return
        run_tool(["crontab", "-"], dry_run=dry_run, echo=echo, stdin_text=text)


def install(target: Target, *, dry_run: bool, echo: Callable[[str], None]) -> list[Action]:
    tab = Crontab()
    current = tab.read(echo)
    new = merged(current, target)
    where = str(tab.file or "crontab")
    if new == current:
        return [{"what": "crontab block", "path": where, "change": "unchanged"}]
    tab.write(new, dry_run=dry_run, echo=echo)
    change = "updated" if markers(target)[0] in current else "created"
    return [{"what": "crontab block", "path": where, "change": change}]


def uninstall(target: Target, *, dry_run: bool, echo: Callable[[str], None]) -> list[Action]:
    tab = Crontab()
    current = tab.read(echo)
    new = without_block(current, target)
    where = str(tab.file or "crontab")
    if new == current:
        return [{"what": "crontab block", "path": where, "change": "absent"}]
    tab.write(new, dry_run=dry_run, echo=echo)
    return [{"what": "crontab block", "path": where, "change": "removed"}]
