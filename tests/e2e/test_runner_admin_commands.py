"""runner.py history and alerts as subprocesses: after a run, unreadable queue, closed stdout."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from support.alerts import queue_some_alerts
from support.paths import RUNNER
from support.runner import run_runner
from taskrunner.alerts import AlertQueue


def test_runner_history_shows_a_real_run(state_dir: Path) -> None:
    ran = run_runner("noop")
    assert ran.returncode == 0, ran.stderr
    result = run_runner("history", "--json")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    [record] = doc["recent"]
    assert record["task"] == "noop" and record["status"] == "success"
    [stats] = doc["tasks"]
    assert stats["runs"] == 1 and stats["success_rate"] == 1.0
    text = run_runner("history", "noop")
    assert text.returncode == 0 and "noop" in text.stdout


def test_runner_reports_an_unreadable_queue_without_a_traceback(
    state_dir: Path, tmp_path: Path
) -> None:
    queue_path = state_dir / "alerts" / "pending.json"
    queue_path.mkdir(parents=True)
    for argv in (("alerts",), ("alerts", "--drain")):
        result = run_runner(*argv)
        assert result.returncode == 1
        assert "Traceback" not in result.stderr
        assert f"error: cannot read the alert queue {queue_path}" in result.stderr
        assert "move it aside" in result.stderr
        assert "stdout" not in result.stderr
    tasks = tmp_path / "my-tasks"
    tasks.mkdir()
    (tasks / "alerting.py").write_text(
        "from .base import Task\n\n\n"
        "class AlertingTask(Task):\n"
        "    name = 'alerting'\n"
        "    description = 'raises one alert'\n\n"
        "    def run(self):\n"
        "        self.alert('disk 95% full', level='error')\n"
        "        return {'success': True, 'message': 'alerted'}\n"
    )
    ran = run_runner("alerting", env={"TASKRUNNER_TASKS_PATH": str(tasks)})
    assert ran.returncode == 0, ran.stderr  # the task's own result is not hidden
    assert f"could not queue alerts: cannot read the alert queue {queue_path}" in ran.stderr
    assert "move it aside" in ran.stderr
    # The alert is not lost silently: it is said, and kept in the run record.
    assert "alert not queued (error): disk 95% full" in ran.stderr
    log = (state_dir / "logs" / "tasks.jsonl").read_text().splitlines()
    assert json.loads(log[-1])["alerts_not_queued"] == [
        {"level": "error", "message": "disk 95% full", "key": None}
    ]


def _close_stdout() -> None:  # pragma: no cover - runs in the child before exec
    os.close(1)


@pytest.mark.parametrize("argv", [("alerts", "--drain"), ("alerts",), ("alerts", "--json")])
def test_runner_alerts_with_stdout_closed_fails_cleanly_and_keeps_the_alerts(
    state_dir: Path, argv: tuple[str, ...]
) -> None:
    pending = queue_some_alerts(state_dir)
    result = subprocess.run(
        [sys.executable, str(RUNNER), *argv],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_close_stdout,  # like `runner.py alerts --drain >&-`
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    # The first thing said is what went wrong, not a traceback.
    first_line = result.stderr.splitlines()[0]
    assert first_line.startswith("error: could not write")
    assert "stdout is closed" in first_line
    if "--drain" in argv:
        assert first_line.endswith("they stay queued for the next drain")
    assert AlertQueue(state_dir).pending() == pending


@pytest.mark.parametrize("damage", ["cut short", "random bytes"])
def test_a_torn_last_line_of_the_run_log_swallows_no_later_run(
    state_dir: Path, damage: str
) -> None:
    for _ in range(4):
        assert run_runner("noop").returncode == 0
    log = state_dir / "logs" / "tasks.jsonl"
    data = log.read_bytes()
    # `head -c -40`: a run killed mid-write; or bytes written with no newline
    log.write_bytes(
        data[:-40] if damage == "cut short" else data + os.urandom(64).replace(b"\n", b".")
    )
    for _ in range(2):
        assert run_runner("noop").returncode == 0
    result = run_runner("history", "--json")
    assert result.returncode == 0, result.stderr
    # three intact old runs (one cut short) or all four, and both new ones
    expected = 5 if damage == "cut short" else 6
    assert len(json.loads(result.stdout)["recent"]) == expected


@pytest.mark.parametrize("command", [["history"], ["history", "--json"], ["status", "--offline"]])
def test_garbage_in_the_run_log_is_one_warning_per_command_not_one_per_line(
    state_dir: Path, command: list[str]
) -> None:
    assert run_runner("noop").returncode == 0
    log = state_dir / "logs" / "tasks.jsonl"
    with log.open("ab") as f:
        f.write(b"".join(b"garbage %d\n" % n for n in range(30)))
    before = log.read_bytes()
    assert run_runner("noop").returncode == 0
    result = run_runner(*command)
    assert result.returncode == 0, result.stderr
    [line] = result.stderr.splitlines()
    assert (
        f"skipped 30 unreadable lines of the run log, the first {log} line 2 (not valid JSON"
        in line
    )
    assert "append-only" in line and "delete them by hand" in line
    assert log.read_bytes().startswith(before)  # nothing rewritten or removed
    if command == ["history", "--json"]:
        assert len(json.loads(result.stdout)["recent"]) == 2


#: an alert whose fix, at its end, is what a cut would hide
LONG = (
    "memory/2026-11-27.md disappeared (last copy: 610 bytes); restore it: /usr/bin/python3.12 "
    "/home/someone/.openclaw/workspace/scripts/taskrunner/runner.py memory_guard --workspace "
    "/home/someone/.openclaw/workspace --restore memory/2026-11-27.md"
)


def _on_a_terminal(*args: str, columns: int) -> list[str]:
    """``runner.py args`` with stdout on a pseudo-terminal ``columns`` wide: its lines."""
    import pty

    main, child = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, str(RUNNER), *args],
        stdout=child,
        stderr=subprocess.PIPE,
        env={**os.environ, "COLUMNS": str(columns)},
    )
    os.close(child)
    out = b""
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:  # EIO: the other end is closed
            break
        if not chunk:
            break
        out += chunk
    os.close(main)
    assert proc.wait(timeout=60) == 0, proc.stderr.read() if proc.stderr else ""
    return out.decode().replace("\r\n", "\n").splitlines()


def test_alerts_not_on_a_terminal_shows_every_message_whole(state_dir: Path) -> None:
    AlertQueue(state_dir).add([{"task": "memory_guard", "level": "error", "message": LONG}])
    proc = run_runner("alerts", env={"COLUMNS": "40"})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[1].endswith(LONG)
    assert "--full" not in proc.stdout


def test_alerts_on_a_terminal_fit_it_and_say_how_to_see_them_whole(state_dir: Path) -> None:
    AlertQueue(state_dir).add([{"task": "memory_guard", "level": "error", "message": LONG}])
    _, row, *rest = _on_a_terminal("alerts", columns=100)
    shown = row.split("memory_guard", 1)[1].strip()
    assert len(row) == 100 and shown.endswith("…") and LONG.startswith(shown[:-1])
    full = f"`{sys.executable} {RUNNER} --state-dir {state_dir} alerts --full` shows them whole"
    assert rest[-1] == f"Messages cut to fit the terminal: {full}."
    assert _on_a_terminal("alerts", "--full", columns=100)[1].endswith(LONG)
    wide = _on_a_terminal("alerts", columns=400)
    assert wide[1].endswith(LONG) and "--full" not in "\n".join(wide)
