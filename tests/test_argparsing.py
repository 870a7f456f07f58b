"""The fast path for the common options agrees with argparse on every command line it accepts."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from taskrunner.cli.argparsing import task_parser
from taskrunner.cli.options import fast_parse as fast_parse_common
from taskrunner.errors import UsageError

TOKENS = [
    "--dry-run",
    "--json",
    "--no-retry",
    "--workspace",
    "--state-dir",
    "--retries",
    "--timeout",
    "--retries=2",
    "--timeout=1.5",
    "--workspace=/w",
    "--timeout=-1",
    "--timeout=inf",
    "--retries=x",
    "--bogus",
    "-h",
    "--",
    "3",
    "0",
    "-2",
    "1e3",
    "nan",
    "/some/dir",
    "rel dir",
    "=",
    "",
]


def reference(args: list[str]) -> dict[str, object] | None:
    try:
        return vars(task_parser("t", "d").parse_args(args))
    except UsageError:
        return None
    except SystemExit:  # --help
        return None


@given(st.lists(st.sampled_from(TOKENS), max_size=8))
def test_fast_path_agrees_with_argparse(args: list[str]) -> None:
    fast = fast_parse_common(args)
    if fast is not None:
        assert fast == reference(args)


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["--dry-run", "--json"],
        ["--workspace", "/w", "--state-dir", "s", "--retries", "2", "--timeout", "0.5"],
        ["--no-retry", "--timeout=3"],
    ],
)
def test_plain_command_lines_take_the_fast_path(args: list[str]) -> None:
    fast = fast_parse_common(args)
    assert fast is not None and fast == reference(args)


@pytest.mark.parametrize(
    "args", [["--help"], ["--bogus"], ["--retries", "-1"], ["--no-retry", "--retries", "1"]]
)
def test_anything_unusual_defers_to_argparse(args: list[str]) -> None:
    assert fast_parse_common(args) is None
