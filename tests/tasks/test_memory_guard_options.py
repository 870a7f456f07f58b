"""memory_guard's numeric options: each refused alone, with its own message, and never alerted."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from support.harness import run_task
from taskrunner.errors import InvalidRequest
from tasks.memory_guard import MemoryGuardTask

BAD = [
    ({"shrink_pct": 150}, "--shrink-pct: must be more than 0 and less than 100, got 150"),
    ({"keep_all_days": -1}, "--keep-all-days: must be 0 or more days, got -1"),
    ({"keep_all_days": 100}, "--keep-all-days (100) must be at most --keep-daily-days (90)"),
    ({"several": 1}, "--several: must be 2 or more, got 1"),
    ({"max_file_mib": 0}, "--max-file-mib: must be more than 0 MiB, got 0"),
]


@pytest.mark.parametrize(("options", "expected"), BAD)
def test_a_run_started_without_the_command_line_refuses_them_too(
    options: dict[str, Any], expected: str, workspace: Path, state_dir: Path
) -> None:
    # InvalidRequest: recorded by the engine, never retried, never alerted.
    with pytest.raises(InvalidRequest) as caught:
        run_task(MemoryGuardTask(), state_dir, workspace=workspace, options=options)
    assert expected in str(caught.value)


@pytest.mark.parametrize(("options", "expected"), BAD)
def test_the_command_line_check_says_the_same(options: dict[str, Any], expected: str) -> None:
    with pytest.raises(InvalidRequest, match=re.escape(expected)):
        MemoryGuardTask.check_options(options)


def test_good_values_pass(workspace: Path, state_dir: Path) -> None:
    options = {"shrink_pct": 50, "keep_all_days": 0, "keep_daily_days": 0, "several": 2}
    MemoryGuardTask.check_options(options)
    run = run_task(MemoryGuardTask(), state_dir, workspace=workspace, options=options)
    assert run.result["success"] is True
