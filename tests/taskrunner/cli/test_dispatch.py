"""The command line in-process through `main(argv)`: names, usage errors, help, version, list."""

from __future__ import annotations

import json

import pytest

from support.cli import run_main


@pytest.mark.parametrize(
    "name",
    [
        "../x",
        "os",
        "base",
        "Noop",
        "no-op",
        "noop;rm",
        "x" * 300,
        "list.py",
        "tasks.noop",
        "noop\n",
    ],
)
def test_hostile_or_unknown_names_exit_1_cleanly(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    proc = run_main(capsys, name)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith("error: ")


def test_unknown_task_suggests_a_name(capsys: pytest.CaptureFixture[str]) -> None:
    proc = run_main(capsys, "nop")
    assert proc.returncode == 1
    assert "Did you mean 'noop'?" in proc.stderr
    assert "Available tasks:" in proc.stderr and "noop" in proc.stderr


@pytest.mark.parametrize(
    "args", [[], ["noop", "--bogus"], ["noop", "--retries", "-1"], ["noop", "--timeout", "0"]]
)
def test_usage_errors_exit_1_not_2(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    proc = run_main(capsys, *args)
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr


def test_version_and_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_main(capsys, "--version").stdout.startswith("taskrunner ")
    proc = run_main(capsys, "noop", "--help")
    assert proc.returncode == 0 and "--dry-run" in proc.stdout and "Do nothing" in proc.stdout


def test_list_shows_tasks_with_descriptions(capsys: pytest.CaptureFixture[str]) -> None:
    proc = run_main(capsys, "list", "--json")
    assert proc.returncode == 0, proc.stderr
    names = {row["name"]: row for row in json.loads(proc.stdout)}
    assert "noop" in names and names["noop"]["description"]
    assert "base" not in names


def test_help_and_version_words(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_main(capsys, "help").stdout.startswith("usage: runner.py")
    assert run_main(capsys, "version").stdout.startswith("taskrunner ")


def test_long_unknown_names_are_not_echoed_whole(capsys: pytest.CaptureFixture[str]) -> None:
    proc = run_main(capsys, "a" * 5000)
    assert proc.returncode == 1 and len(proc.stderr) < 1000


def test_a_mistyped_command_is_suggested_and_listed_with_the_tasks(
    capsys: pytest.CaptureFixture[str],
) -> None:
    proc = run_main(capsys, "memroy_search")
    assert proc.returncode == 1
    [line] = proc.stderr.splitlines()
    assert "Did you mean 'memory_search'?" in line
    assert "memory_search" in line.partition("Available tasks:")[2]
    assert "noop" in line.partition("Available tasks:")[2]


def test_history_of_a_name_that_is_no_task_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    for args in (["memory_captur"], ["memory_captur", "--json"]):
        proc = run_main(capsys, "history", *args)
        assert proc.returncode == 1
        [line] = proc.stderr.splitlines()
        assert line.startswith("error: unknown task 'memory_captur'.")
        assert "Did you mean 'memory_capture'?" in line
        assert proc.stdout == ""
    proc = run_main(capsys, "history", "memory_search")
    assert proc.returncode == 1
    assert "a command of the runner, not a task" in proc.stderr
    # A real task that has not run yet is not an error.
    proc = run_main(capsys, "history", "memory_capture")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("No runs recorded for memory_capture")
