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
