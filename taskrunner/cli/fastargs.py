"""The common task options parsed without argparse: the fast path of every cron run.

Importing argparse (with gettext and locale) and building a parser costs
more than running the noop task, so the plain command lines (only the common
options, well-formed) are parsed here; anything else, including every error,
returns None and goes through argparse (``argparsing``), which stays the
reference. ``tests/test_argparsing.py`` checks that the two always agree.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

#: option dests every task command has; the rest are the task's own options
COMMON_TASK_OPTIONS = frozenset(
    {"dry_run", "json", "workspace", "state_dir", "retries", "no_retry", "timeout"}
)


def _whole(text: str) -> int:
    value = int(text)
    if value < 0:
        raise ValueError(text)
    return value


def _seconds(text: str) -> float:
    value = float(text)
    if not value > 0 or value == float("inf"):
        raise ValueError(text)
    return value


_FLAGS = {"--dry-run": "dry_run", "--json": "json", "--no-retry": "no_retry"}
_VALUES: dict[str, tuple[str, Callable[[str], Any]]] = {
    "--workspace": ("workspace", str),
    "--state-dir": ("state_dir", str),
    "--retries": ("retries", _whole),
    "--timeout": ("timeout", _seconds),
}


def fast_parse_common(args: list[str]) -> dict[str, Any] | None:
    """The common task options, or None to defer to argparse."""
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
        except ValueError:
            return None
    if parsed["no_retry"] and parsed["retries"] is not None:
        return None  # mutually exclusive: let argparse word the error
    return parsed
