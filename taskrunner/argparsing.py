"""Argument parsing for the CLI: argparse that exits 1, plus a fast path.

argparse is the reference for every command line. Building a parser costs
about as much as running the noop task (~1.5 ms plus gettext's imports), so
``fast_parse_common`` handles the plain cases (only the common options,
well-formed) itself and returns None for anything else, which then goes
through argparse. A property test checks that the two always agree.
"""

from __future__ import annotations

import argparse
from datetime import date

from .errors import PluginError, UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path
    from typing import Any, NoReturn

    from .task import Task

#: option dests every task command has; the rest are the task's own options
COMMON_TASK_OPTIONS = frozenset(
    {"dry_run", "json", "workspace", "state_dir", "retries", "no_retry", "timeout"}
)


class ArgumentParser(argparse.ArgumentParser):
    """argparse that raises ``UsageError`` (exit 1) instead of exiting 2."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message} (see: {self.prog} --help)")


def new_parser(prog: str, description: str | None = None) -> ArgumentParser:
    return ArgumentParser(prog=prog, description=description, allow_abbrev=False)


def add_state_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--state-dir",
        metavar="DIR",
        help="where logs/, alerts/ and locks/ live (default: $TASKRUNNER_STATE_DIR, "
        "else the folder holding runner.py)",
    )


def non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return value


def iso_date(text: str) -> date:
    """``--date YYYY-MM-DD`` (the memory tasks' "today", for backfills and tests)."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD, got {text!r}") from None


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, got {text}")
    return value


def task_parser(name: str, description: str) -> ArgumentParser:
    parser = new_parser(f"runner.py {name}", description)
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="run the task's logic but write nothing: no workspace, log or alert changes",
    )
    parser.add_argument(
        "--json", action="store_true", help="print the run record as one JSON document on stdout"
    )
    parser.add_argument("--workspace", metavar="DIR", help="the OpenClaw workspace to work on")
    add_state_dir(parser)
    retry = parser.add_mutually_exclusive_group()
    retry.add_argument(
        "--retries", type=non_negative_int, metavar="N", help="retries after a failed attempt"
    )
    retry.add_argument("--no-retry", action="store_true", help="same as --retries 0")
    parser.add_argument(
        "--timeout",
        type=positive_float,
        metavar="SECONDS",
        help="stop an attempt still running after this many seconds",
    )
    return parser


def parse_task_args(name: str, path: Path, task_cls: type[Task], args: list[str]) -> dict[str, Any]:
    """Parse a task's command line with argparse (common options + the task's own)."""
    try:
        description = str(task_cls().description)
    except Exception as exc:
        raise PluginError(f"{path}: reading the task's description failed: {exc}") from exc
    parser = task_parser(name, description)
    task_cls.add_arguments(parser)
    return vars(parser.parse_args(args))


_FLAGS = {"--dry-run": "dry_run", "--json": "json", "--no-retry": "no_retry"}
_VALUES: dict[str, tuple[str, Callable[[str], Any]]] = {
    "--workspace": ("workspace", str),
    "--state-dir": ("state_dir", str),
    "--retries": ("retries", non_negative_int),
    "--timeout": ("timeout", positive_float),
}


def fast_parse_common(args: list[str]) -> dict[str, Any] | None:
    """The common task options parsed without argparse, or None to defer to argparse."""
    parsed: dict[str, Any] = dict.fromkeys(COMMON_TASK_OPTIONS)
    parsed.update(dry_run=False, json=False, no_retry=False)
    i = 0
    while i < len(args):
        arg = args[i]
        i += 1
        if arg in _FLAGS:
            parsed[_FLAGS[arg]] = True
            continue
        option, eq, value = arg.partition("=")
        if option not in _VALUES:
            return None
        if not eq:
            if i >= len(args) or args[i].startswith("-"):
                return None
            value = args[i]
            i += 1
        dest, convert = _VALUES[option]
        try:
            parsed[dest] = convert(value)
        except (argparse.ArgumentTypeError, ValueError):
            return None
    if parsed["no_retry"] and parsed["retries"] is not None:
        return None  # mutually exclusive: let argparse word the error
    return parsed
