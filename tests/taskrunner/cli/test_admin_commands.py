"""``runner.py alerts`` and ``runner.py history``: called directly, and end to end."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from pathlib import Path

import pytest

from support.alerts import queue_some_alerts
from support.cli import run_main
from taskrunner.alerts import AlertQueue
from taskrunner.cli.admin_commands import (
    configure_alerts,
    configure_history,
    run_alerts,
    run_history,
)
from taskrunner.errors import TaskrunnerError
from taskrunner.runlog import RunLog


def alerts_args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    configure_alerts(parser)
    return parser.parse_args(argv)


def history_args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    configure_history(parser)
    return parser.parse_args(argv)


def log_some(state_dir: Path) -> None:
    log = RunLog(state_dir)
    for n in range(25):
        log.append(
            {
                "task": "noop" if n % 2 else "backup",
                "timestamp": f"2026-03-01T03:{n:02d}:00+00:00",
                "success": n != 24,
                "duration_seconds": float(n),
                "message": f"run {n}",
                "run_id": f"r{n}",
                "status": "success" if n != 24 else "failed",
                "attempts": 1,
                **({"error": {"type": "OSError", "message": "disk gone"}} if n == 24 else {}),
            }
        )


# -- alerts -------------------------------------------------------------------------------


def test_alerts_lists_a_readable_table(state_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    queue_some_alerts(state_dir)
    assert run_alerts(alerts_args(), state_dir) == 0
    out = capsys.readouterr().out
    header, first, second = out.splitlines()[:3]
    assert header.split() == ["LAST", "SEEN", "LEVEL", "TASK", "COUNT", "MESSAGE"]
    assert "error" in first and "disk_check" in first and "x2" in first
    assert first.endswith("disk 95% full")
    assert "info" in second and "backup done" in second
    assert "2 pending alerts" in out
    assert len(AlertQueue(state_dir).pending()) == 2  # listing removes nothing


def test_alerts_json_is_one_array_of_the_pending_alerts(
    state_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pending = queue_some_alerts(state_dir)
    assert run_alerts(alerts_args("--json"), state_dir) == 0
    assert json.loads(capsys.readouterr().out) == pending
    assert AlertQueue(state_dir).pending() == pending


def test_alerts_on_an_empty_queue(state_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_alerts(alerts_args(), state_dir) == 0
    assert capsys.readouterr().out == "No pending alerts.\n"
    assert run_alerts(alerts_args("--json"), state_dir) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_drain_prints_the_alerts_and_removes_exactly_those(
    state_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pending = queue_some_alerts(state_dir)
    assert run_alerts(alerts_args("--drain"), state_dir) == 0
    assert json.loads(capsys.readouterr().out) == pending
    assert AlertQueue(state_dir).pending() == []
    assert run_alerts(alerts_args("--drain"), state_dir) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_drain_to_a_closed_pipe_keeps_the_alerts(
    state_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pending = queue_some_alerts(state_dir)
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone: writing raises BrokenPipeError
    closed_pipe = open(write_end, "w", encoding="utf-8")  # noqa: SIM115
    monkeypatch.setattr(sys, "stdout", closed_pipe)
    try:
        with pytest.raises(TaskrunnerError, match="stay queued"):
            run_alerts(alerts_args("--drain"), state_dir)
    finally:
        monkeypatch.undo()
        with contextlib.suppress(BrokenPipeError):
            closed_pipe.close()  # the unwritten buffer fails again; the fd is closed anyway
    assert AlertQueue(state_dir).pending() == pending


def test_drain_with_stdout_closed_keeps_the_alerts(
    state_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `runner.py alerts --drain >&-`: Python starts with sys.stdout None.
    pending = queue_some_alerts(state_dir)
    monkeypatch.setattr(sys, "stdout", None)
    with pytest.raises(TaskrunnerError, match=r"stdout is closed\).*stay queued"):
        run_alerts(alerts_args("--drain"), state_dir)
    with pytest.raises(TaskrunnerError, match="stdout is closed"):
        run_alerts(alerts_args(), state_dir)
    monkeypatch.undo()
    assert AlertQueue(state_dir).pending() == pending


def test_json_and_drain_exclude_each_other(
    state_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        alerts_args("--json", "--drain")
    assert "not allowed with argument" in capsys.readouterr().err


def test_unreadable_queue_is_reported_as_such_not_as_a_stdout_error(
    state_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (state_dir / "alerts" / "pending.json").mkdir(parents=True)
    for argv in ((), ("--json",), ("--drain",)):
        with pytest.raises(TaskrunnerError) as caught:
            run_alerts(alerts_args(*argv), state_dir)
        message = str(caught.value)
        assert "cannot read the alert queue" in message
        assert "stdout" not in message
    assert capsys.readouterr().out == ""


# -- history ------------------------------------------------------------------------------


def test_history_text(state_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log_some(state_dir)
    assert run_history(history_args(), state_dir) == 0
    out = capsys.readouterr().out
    assert "Recent runs (newest last, 20 shown)" in out
    assert "run 5" in out and "run 24" in out and "run 4 " not in out
    assert "Per task" in out and "backup" in out and "noop" in out
    assert "OSError: disk gone" in out


def test_history_json_with_task_and_last(
    state_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log_some(state_dir)
    assert run_history(history_args("backup", "--last", "3", "--json"), state_dir) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [r["run_id"] for r in doc["recent"]] == ["r20", "r22", "r24"]
    [stats] = doc["tasks"]
    assert stats["task"] == "backup"
    assert stats["runs"] == 13
    assert stats["successes"] == 12
    assert stats["success_rate"] == pytest.approx(12 / 13)
    assert stats["median_duration_seconds"] == 12.0
    assert stats["p95_duration_seconds"] == 24.0
    assert stats["last_success"] == "2026-03-01T03:22:00+00:00"
    assert stats["last_failure"]["error"] == {"type": "OSError", "message": "disk gone"}
    assert stats["last_failure"]["status"] == "failed"


def test_history_without_runs(state_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_history(history_args(), state_dir) == 0
    assert capsys.readouterr().out.startswith("No runs recorded in ")
    assert run_history(history_args("noop", "--json"), state_dir) == 0
    assert json.loads(capsys.readouterr().out) == {"recent": [], "tasks": []}
    assert not (state_dir / "logs").exists()  # reading writes nothing


@pytest.mark.parametrize("value", ["-1", "ten", "1.5"])
def test_history_rejects_a_bad_last(value: str, capsys: pytest.CaptureFixture[str]) -> None:
    # The CLI's parser turns this into a usage error (exit 1): see the end-to-end test.
    with pytest.raises(SystemExit):
        history_args("--last", value)
    assert "argument --last" in capsys.readouterr().err


# -- through main(argv) ------------------------------------------------------------------


def test_main_alerts_commands(state_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pending = queue_some_alerts(state_dir)
    listed = run_main(capsys, "alerts", "--json")
    assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout) == pending
    drained = run_main(capsys, "alerts", "--drain")
    assert drained.returncode == 0, drained.stderr
    assert json.loads(drained.stdout) == pending
    assert run_main(capsys, "alerts").stdout == "No pending alerts.\n"


def test_main_history_bad_option_exits_1_not_2(
    state_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = run_main(capsys, "history", "--last", "-3")
    assert result.returncode == 1
    assert "--last" in result.stderr


def test_main_alerts_json_drain_is_a_usage_error_that_drains_nothing(
    state_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pending = queue_some_alerts(state_dir)
    result = run_main(capsys, "alerts", "--json", "--drain")
    assert result.returncode == 1
    assert "not allowed with argument" in result.stderr
    assert result.stdout == ""
    assert AlertQueue(state_dir).pending() == pending


# -- memory_search -----------------------------------------------------------------------


@pytest.mark.parametrize("value", ["-1", "0"])
def test_memory_search_limit_below_1_gets_one_message(
    value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    result = run_main(capsys, "memory_search", "--limit", value)
    assert result.returncode == 1
    assert f"argument --limit: must be 1 or more, got {value} " in result.stderr
    assert run_main(capsys, "memory_search", "--limit", "ten").stderr.count("whole number") == 1
