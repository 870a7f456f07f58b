"""Argument parsing for the CLI: argparse that exits 1 (never 2) on a usage error.

argparse is the reference for every command line; ``fastargs`` skips it for
the plain cases, and a property test checks that the two always agree.
"""

from __future__ import annotations

import argparse
from datetime import date

from ..errors import PluginError, UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any, NoReturn

    from ..task import Task


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
