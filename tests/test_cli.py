"""runner.py as cron runs it: a real subprocess, arguments only."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from conftest import ROOT, RUNNER, run_runner
from plugin_factory import write_task


@pytest.fixture
def plugins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    d = tmp_path / "my-tasks"
    d.mkdir()
    monkeypatch.setenv("TASKRUNNER_TASKS_PATH", str(d))
    return d


def log_records(state: Path) -> list[dict[str, object]]:
    path = state / "logs" / "tasks.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_noop_runs_and_logs_one_record(state_dir: Path) -> None:
    proc = run_runner("noop", "--json")
    assert proc.returncode == 0, proc.stderr
    record = json.loads(proc.stdout)
    assert record["success"] is True and record["status"] == "success"
    [logged] = log_records(state_dir)
    assert logged["run_id"] == record["run_id"]
    for field in ("task", "timestamp", "success", "duration_seconds", "message", "attempts"):
        assert field in logged
    # Local time with its offset, whatever the zone (west of UTC the offset starts with "-").
    stamp = datetime.fromisoformat(str(logged["timestamp"]))
    assert stamp.utcoffset() == stamp.astimezone().utcoffset()
    assert "[noop] nothing to do" in proc.stderr


def test_runs_like_cron_from_another_dir_with_system_path(tmp_path: Path, state_dir: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "TASKRUNNER_STATE_DIR": str(state_dir)}
    proc = subprocess.run(
        ["sh", "-lc", f"{sys.executable} {RUNNER} noop"],
        cwd=tmp_path,
        env={**env, "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert len(log_records(state_dir)) == 1


def test_python_dash_m_entry_point(state_dir: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "taskrunner", "noop"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr


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
def test_hostile_or_unknown_names_exit_1_cleanly(name: str) -> None:
    proc = run_runner(name)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith("error: ")


def test_unknown_task_suggests_a_name() -> None:
    proc = run_runner("nop")
    assert proc.returncode == 1
    assert "Did you mean 'noop'?" in proc.stderr
    assert "Available tasks:" in proc.stderr and "noop" in proc.stderr


@pytest.mark.parametrize(
    "args", [[], ["noop", "--bogus"], ["noop", "--retries", "-1"], ["noop", "--timeout", "0"]]
)
def test_usage_errors_exit_1_not_2(args: list[str]) -> None:
    proc = run_runner(*args)
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr


def test_version_and_help() -> None:
    assert run_runner("--version").stdout.startswith("taskrunner ")
    proc = run_runner("noop", "--help")
    assert proc.returncode == 0 and "--dry-run" in proc.stdout and "Do nothing" in proc.stdout


def test_list_shows_tasks_with_descriptions() -> None:
    proc = run_runner("list", "--json")
    assert proc.returncode == 0, proc.stderr
    names = {row["name"]: row for row in json.loads(proc.stdout)}
    assert "noop" in names and names["noop"]["description"]
    assert "base" not in names


def test_user_task_folder_with_relative_base_import(plugins: Path, state_dir: Path) -> None:
    write_task(
        plugins,
        "hello_world",
        'self.log("hi")\nreturn {"success": True, "message": "hello", "greeted": 1}',
    )
    proc = run_runner("hello_world", "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["greeted"] == 1
    assert "[hello_world] hi" in proc.stderr


def test_task_options_via_add_arguments(plugins: Path) -> None:
    write_task(
        plugins,
        "greet",
        'return {"success": True, "message": "hello " + self.options["who"]}',
        attrs="""
        @classmethod
        def add_arguments(cls, parser):
            parser.add_argument("--who", default="world")
        """,
    )
    proc = run_runner("greet", "--who", "Ada", "--json")
    assert json.loads(proc.stdout)["message"] == "hello Ada"
    assert "--who" in run_runner("greet", "--help").stdout


def test_two_tasks_with_one_name_is_an_error_for_that_name_only(plugins: Path) -> None:
    write_task(plugins, "noop", 'return {"success": True, "message": "shadow"}')
    write_task(plugins, "other", 'return {"success": True, "message": "fine"}')
    proc = run_runner("noop")
    assert proc.returncode == 1
    assert "two tasks are named 'noop'" in proc.stderr
    assert str(plugins / "noop.py") in proc.stderr
    # One stray file must not stop every other task (and cron job).
    assert run_runner("other").returncode == 0
    listing = {row["name"]: row for row in json.loads(run_runner("list", "--json").stdout)}
    assert "two tasks are named 'noop'" in listing["noop"]["error"]
    assert listing["other"]["description"]


def test_task_named_like_a_builtin_command_is_reported_not_fatal(plugins: Path) -> None:
    write_task(plugins, "history", 'return {"success": True, "message": "x"}')
    assert run_runner("noop").returncode == 0
    proc = run_runner("list")
    assert proc.returncode == 0
    assert "history" in proc.stdout and "command of the runner" in proc.stdout


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("import does_not_exist_anywhere\n", "failed to import: ModuleNotFoundError"),
        ("from .base import Task\nclass Other(Task):\n    pass\n", "must define class BadTask"),
        ("syntax error here (\n", "failed to import: SyntaxError"),
    ],
)
def test_broken_plugins_name_the_file(plugins: Path, source: str, expected: str) -> None:
    (plugins / "bad.py").write_text(source)
    proc = run_runner("bad")
    assert proc.returncode == 1
    assert expected in proc.stderr and str(plugins / "bad.py") in proc.stderr
    assert "Traceback" not in proc.stderr


def test_dry_run_writes_nothing_anywhere(plugins: Path, state_dir: Path, tmp_path: Path) -> None:
    target = tmp_path / "ws" / "out.txt"
    target.parent.mkdir()
    write_task(
        plugins,
        "writer",
        f"""
        self.write_text(__import__("pathlib").Path({str(target)!r}), "x")
        self.alert("would alert", level="info")
        return {{"success": True, "message": "wrote"}}
        """,
    )
    before = sorted(p.name for p in state_dir.rglob("*"))
    proc = run_runner("writer", "--dry-run", "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["dry_run"] is True
    assert not target.exists()
    assert sorted(p.name for p in state_dir.rglob("*")) == before
    assert "would write" in proc.stderr and "would queue info alert: would alert" in proc.stderr
    assert "would log" in proc.stderr


def test_json_stdout_stays_one_document_when_task_prints(plugins: Path) -> None:
    write_task(plugins, "chatty", 'print("hello stdout")\nreturn {"success": True, "message": "m"}')
    proc = run_runner("chatty", "--json")
    assert json.loads(proc.stdout)["message"] == "m"
    assert "hello stdout" in proc.stderr


def test_failure_after_retries_queues_one_alert(plugins: Path, state_dir: Path) -> None:
    write_task(
        plugins,
        "fails",
        'raise RuntimeError("nope")',
        attrs="retries = 1\nmax_backoff_s = 0.05",
    )
    proc = run_runner("fails", "--json")
    assert proc.returncode == 1
    assert "attempt 1 of 2 failed: RuntimeError: nope; retrying in 0.05s" in proc.stderr
    pending = json.loads((state_dir / "alerts" / "pending.json").read_text())
    assert [a["level"] for a in pending] == ["error"]
    assert pending[0]["message"].startswith("fails failed after 2 attempts")
    [record] = log_records(state_dir)
    assert record["status"] == "failed" and record["attempts"] == 2


def test_missing_workspace_is_a_clear_error(plugins: Path, tmp_path: Path) -> None:
    write_task(plugins, "needs_ws", 'return {"success": True, "message": str(self.workspace)}')
    proc = run_runner("needs_ws", "--workspace", str(tmp_path / "nope"))
    assert proc.returncode == 1
    assert "OpenClaw workspace not found" in proc.stderr and "Traceback" not in proc.stderr


def test_double_dash_then_task_name() -> None:
    proc = run_runner("--dry-run", "--", "noop")
    assert proc.returncode == 0, proc.stderr
    assert "dry run: noop: success" in proc.stderr


def test_help_and_version_words() -> None:
    assert run_runner("help").stdout.startswith("usage: runner.py")
    assert run_runner("version").stdout.startswith("taskrunner ")


def test_long_unknown_names_are_not_echoed_whole() -> None:
    proc = run_runner("a" * 5000)
    assert proc.returncode == 1 and len(proc.stderr) < 1000
