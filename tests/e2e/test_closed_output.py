"""A task run whose reader goes away (`2>&1 | head -1`) keeps its own exit code."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from support.files import run_records
from support.paths import RUNNER
from support.plugin_factory import write_task
from support.runner import runner_holding

#: a task that talks (every line after the reader left is a write to a closed pipe), then fails
CHATTY_FAILURE = """
for i in range(20):
    self.log(f"line {i}")
return {"success": False, "message": "the check found a problem"}
"""


def run_into_closed_pipe(*args: str) -> int:
    """``runner.py args`` with stdout and stderr on a pipe whose reader has already gone.

    The read end is closed before the runner starts, so its first write (and
    every later one) fails with EPIPE, however fast or slow the machine is.
    """
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        proc = subprocess.Popen(
            [sys.executable, str(RUNNER), *args],
            stdout=write_end,
            stderr=write_end,
        )
    finally:
        os.close(write_end)
    return proc.wait(timeout=120)


@pytest.fixture
def chatty(plugins: Path) -> Path:
    write_task(plugins, "chatty", CHATTY_FAILURE, attrs="max_backoff_s = 0.01")
    write_task(
        plugins,
        "slow",
        """
        open(os.environ["SLOW_READY"], "w").write("held")
        time.sleep(600)
        return {"success": True, "message": "slept"}
        """,
    )
    return plugins


@pytest.mark.parametrize(
    ("args", "code", "status"),
    [
        (["noop"], 0, "success"),
        (["noop", "--json"], 0, "success"),
        (["chatty", "--no-retry"], 1, "failed"),
        (["chatty", "--json", "--no-retry"], 1, "failed"),
        # the retry announcement is written to the closed pipe too: the run goes on
        (["chatty", "--retries", "1"], 1, "failed"),
    ],
)
def test_a_run_into_a_closed_pipe_keeps_its_exit_code_and_its_record(
    args: list[str], code: int, status: str, chatty: Path, state_dir: Path
) -> None:
    returncode = run_into_closed_pipe(*args)
    assert returncode == code
    [record] = run_records(state_dir)
    assert record["status"] == status
    if args[0] == "chatty":
        assert record["attempts"] == (2 if "--retries" in args else 1)


def test_a_locked_run_into_a_closed_pipe_exits_2(
    chatty: Path, state_dir: Path, tmp_path: Path
) -> None:
    ready = tmp_path / "ready"
    with runner_holding("slow", env={"SLOW_READY": str(ready)}, ready=ready):
        returncode = run_into_closed_pipe("slow")
    assert returncode == 2
    assert [r["status"] for r in run_records(state_dir)][:1] == ["locked"]


def test_a_failing_run_piped_into_head_exits_1(chatty: Path, state_dir: Path) -> None:
    # The shape from the README: the reader takes one line and leaves.
    shell = f"{sys.executable} {RUNNER} chatty --no-retry 2>&1 | head -1 >/dev/null"
    for _ in range(3):  # the close can land before, during or after each write
        done = subprocess.run(
            ["bash", "-o", "pipefail", "-c", shell], capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 1, done.stderr
    assert [r["status"] for r in run_records(state_dir)] == ["failed"] * 3
