"""Argument parsing for the CLI: argparse that exits 1 (never 2) on a usage error.

argparse is the reference for every command line; ``options.fast_parse``
skips it for the plain cases, and a property test checks that the two always
agree. The common options come from their one declaration, ``options.COMMON_OPTIONS``.
"""

from __future__ import annotations

import argparse
from datetime import date

from ..errors import InvalidRequest, PluginError, UsageError
from . import options

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path
    from typing import Any, NoReturn

    from ..task import Task


class ArgumentParser(argparse.ArgumentParser):
    """argparse that raises ``UsageError`` (exit 1) instead of exiting 2."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message} (see: {self.prog} --help)")


def new_parser(prog: str, description: str | None = None) -> ArgumentParser:
    return ArgumentParser(prog=prog, description=description, allow_abbrev=False)


def argparse_type(convert: Callable[[str], Any]) -> Callable[[str], Any]:
    """``convert`` (which raises ``ValueError`` with a message) as an argparse ``type``."""

    def parse(text: str) -> Any:
        try:
            return convert(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    parse.__name__ = convert.__name__
    return parse


#: the dates ``--date`` accepts: the tasks count days back from it (the eve,
#: ages), which must stay within what ``datetime.date`` can hold
MIN_DATE = date(1970, 1, 1)
MAX_DATE = date(9999, 12, 31)


def _iso_date(text: str) -> date:
    try:
        value = date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"expected a date as YYYY-MM-DD, got {text!r}") from None
    if not MIN_DATE <= value <= MAX_DATE:
        raise ValueError(f"{text} is out of range: use a date from {MIN_DATE} to {MAX_DATE}")
    return value


def _percent(text: str) -> float:
    """A percentage: more than 0, at most 100."""
    value: float = options.number_in_range(
        text,
        float,
        expected="a percentage",
        ok=lambda v: 0 < v <= 100,
        rule="must be more than 0 and at most 100",
    )
    return value


def _http_url(text: str) -> str:
    from ..health.http import check_http_url  # only system_health takes a URL

    return check_http_url(text)


#: option types for tasks' own options (re-exported by ``tasks/base.py``)
non_negative_int = argparse_type(options.whole_number)
positive_float = argparse_type(options.positive_seconds)
#: ``--date YYYY-MM-DD`` (the memory tasks' "today", for backfills and tests)
iso_date = argparse_type(_iso_date)
iso_date.__name__ = "iso_date"
#: a percentage above 0, at most 100 (``--disk-warn``)
percent = argparse_type(_percent)
percent.__name__ = "percent"
#: an http(s) base URL with a valid port, credentials dropped (``--gateway-url``)
http_url = argparse_type(_http_url)
http_url.__name__ = "http_url"


def add_common_option(
    parser: argparse.ArgumentParser | argparse._MutuallyExclusiveGroup,
    option: options.CommonOption,
) -> None:
    if option.takes_value:
        assert option.convert is not None
        convert = option.convert if option.convert is str else argparse_type(option.convert)
        parser.add_argument(option.flag, type=convert, metavar=option.metavar, help=option.help)
    else:
        parser.add_argument(option.flag, action="store_true", help=option.help)


def add_state_dir(parser: argparse.ArgumentParser) -> None:
    """``--state-dir`` alone, for the runner's own commands (``history``, ``alerts``)."""
    [state_dir] = [o for o in options.COMMON_OPTIONS if o.flag == "--state-dir"]
    add_common_option(parser, state_dir)


def task_parser(name: str, description: str) -> ArgumentParser:
    """A task's parser with the common options (``options.COMMON_OPTIONS``) declared."""
    parser = new_parser(f"runner.py {name}", description)
    groups: dict[str, argparse._MutuallyExclusiveGroup] = {}
    for option in options.COMMON_OPTIONS:
        target: argparse.ArgumentParser | argparse._MutuallyExclusiveGroup = parser
        if option.exclusive_with is not None:
            pair = frozenset({option.flag, option.exclusive_with})
            key = "|".join(sorted(pair))
            if key not in groups:
                groups[key] = parser.add_mutually_exclusive_group()
            target = groups[key]
        add_common_option(target, option)
    return parser


def parse_task_args(name: str, path: Path, task_cls: type[Task], args: list[str]) -> dict[str, Any]:
    """Parse a task's command line with argparse (common options + the task's own)."""
    try:
        description = str(task_cls().description)
    except Exception as exc:
        raise PluginError(f"{path}: reading the task's description failed: {exc}") from exc
    parser = task_parser(name, description)
    task_cls.add_arguments(parser)
    parsed = vars(parser.parse_args(args))
    try:
        task_cls.check_options(options.task_options(parsed))
    except InvalidRequest as exc:
        parser.error(str(exc))
    except Exception as exc:
        raise PluginError(f"{path}: checking the options failed: {exc}") from exc
    return parsed
