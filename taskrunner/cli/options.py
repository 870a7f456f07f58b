"""The options every task command takes, declared once.

``COMMON_OPTIONS`` is the single declaration: ``argparsing.task_parser``
builds the argparse parser from it, ``fast_parse`` parses the plain command
lines without argparse (the fast path of every cron run: importing argparse
with gettext and locale costs more than running the noop task), the
dispatcher knows from it which options take a value, and ``run_settings``
turns the parsed values into the engine's ``RunSettings``. A new common
option is one more entry here. Anything unusual, including every error,
makes ``fast_parse`` return None and goes through argparse, which stays the
reference; a property test checks that the two always agree.

The value types raise ``ValueError`` with a readable message; argparse gets
them wrapped (``argparsing``), so the fast path never imports argparse.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path
    from typing import Any

    from ..engine import RunSettings


class CommonOption:
    """One common option: its flag, where its value goes, how its text is read."""

    __slots__ = ("convert", "dest", "exclusive_with", "flag", "help", "metavar")

    def __init__(
        self,
        flag: str,
        help: str,
        *,
        metavar: str | None = None,
        convert: Callable[[str], Any] | None = None,
        exclusive_with: str | None = None,
    ) -> None:
        self.flag = flag
        self.dest = flag.lstrip("-").replace("-", "_")
        self.help = help
        #: None for an on/off flag; the value's name in --help otherwise
        self.metavar = metavar
        self.convert = convert
        #: the flag of an option this one cannot be combined with
        self.exclusive_with = exclusive_with

    @property
    def takes_value(self) -> bool:
        return self.metavar is not None


def number_in_range(
    text: str,
    convert: Callable[[str], Any],
    *,
    expected: str,
    ok: Callable[[Any], bool],
    rule: str,
) -> Any:
    """``convert(text)`` when ``ok`` of it; else a ValueError saying ``expected`` or ``rule``."""
    try:
        value = convert(text)
    except ValueError:
        raise ValueError(f"expected {expected}, got {text!r}") from None
    if not ok(value):
        raise ValueError(f"{rule}, got {text.strip()}")
    return value


def whole_number(text: str) -> int:
    """A count of 0 or more (``--retries``)."""
    value: int = number_in_range(
        text, int, expected="a whole number", ok=lambda v: v >= 0, rule="must be 0 or more"
    )
    return value


def positive_seconds(text: str) -> float:
    """A finite number of seconds above 0 (``--timeout``)."""
    value: float = number_in_range(
        text,
        float,
        expected="a number of seconds",
        ok=lambda v: 0 < v < float("inf"),
        rule="must be a positive number of seconds",
    )
    return value


COMMON_OPTIONS: tuple[CommonOption, ...] = (
    CommonOption(
        "--dry-run",
        "run the task's logic but write nothing: no workspace, log or alert changes",
    ),
    CommonOption("--json", "print the run record as one JSON document on stdout"),
    CommonOption("--workspace", "the OpenClaw workspace to work on", metavar="DIR", convert=str),
    CommonOption(
        "--agent",
        "work on this OpenClaw agent's workspace (default: the default agent's)",
        metavar="ID",
        convert=str,
    ),
    CommonOption(
        "--state-dir",
        "where logs/, alerts/ and locks/ live (default: $TASKRUNNER_STATE_DIR, "
        "else the folder holding runner.py)",
        metavar="DIR",
        convert=str,
    ),
    CommonOption(
        "--retries",
        "retries after a failed attempt",
        metavar="N",
        convert=whole_number,
        exclusive_with="--no-retry",
    ),
    CommonOption("--no-retry", "same as --retries 0", exclusive_with="--retries"),
    CommonOption(
        "--timeout",
        "stop an attempt still running after this many seconds",
        metavar="SECONDS",
        convert=positive_seconds,
    ),
    CommonOption(
        "--scheduled",
        "scheduler exit policy: exit 0 whenever the run was recorded and its alerts queued "
        "(failed and locked runs included); non-zero only when it could not be",
    ),
)

#: option dests every task command has; the rest are the task's own options
COMMON_DESTS = frozenset(option.dest for option in COMMON_OPTIONS)
#: flags whose next word is their value (so a value is never mistaken for the task name)
VALUE_FLAGS = frozenset(option.flag for option in COMMON_OPTIONS if option.takes_value)

_BY_FLAG = {option.flag: option for option in COMMON_OPTIONS}


def defaults() -> dict[str, Any]:
    """The parsed values of an empty command line."""
    return {o.dest: None if o.takes_value else False for o in COMMON_OPTIONS}


def fast_parse(args: list[str]) -> dict[str, Any] | None:
    """The common options of a plain command line, or None to defer to argparse."""
    parsed = defaults()
    seen: set[str] = set()
    i = 0
    while i < len(args):
        arg = args[i]
        i += 1
        option = _BY_FLAG.get(arg)
        if option is not None and not option.takes_value:
            parsed[option.dest] = True
            seen.add(option.flag)
            continue
        flag, eq, value = arg.partition("=")
        option = _BY_FLAG.get(flag)
        if option is None or not option.takes_value:
            return None
        if not eq:
            if i >= len(args) or args[i].startswith("-"):
                return None
            value = args[i]
            i += 1
        assert option.convert is not None
        try:
            parsed[option.dest] = option.convert(value)
        except ValueError:
            return None
        seen.add(option.flag)
    if any(_BY_FLAG[flag].exclusive_with in seen for flag in seen):
        return None  # mutually exclusive: let argparse word the error
    return parsed


def task_options(parsed: dict[str, Any]) -> dict[str, Any]:
    """The values of the task's own options (everything that is not a common option)."""
    return {k: v for k, v in parsed.items() if k not in COMMON_DESTS}


def run_settings(
    parsed: dict[str, Any],
    *,
    state_dir: Path,
    lock_dir: Path,
    workspace: Path | None,
    workspace_error: str | None,
) -> RunSettings:
    """The engine's settings from the parsed common options (paths resolved by the caller)."""
    from ..engine import RunSettings

    by_hand = None
    if not parsed["scheduled"]:
        # A scheduled run's --workspace was written by `install`, not typed now.
        by_hand = next((f for f in ("--workspace", "--agent") if parsed[f[2:]] is not None), None)
    return RunSettings(
        state_dir=state_dir,
        lock_dir=lock_dir,
        workspace=workspace,
        workspace_error=workspace_error,
        workspace_by_hand=by_hand,
        dry_run=parsed["dry_run"],
        retries=0 if parsed["no_retry"] else parsed["retries"],
        timeout_s=parsed["timeout"],
        options=task_options(parsed),
        stdout_to_stderr=parsed["json"],
    )
