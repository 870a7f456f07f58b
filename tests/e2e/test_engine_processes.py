"""The engine at awkward moments: forking tasks, late signals, odd results."""

from __future__ import annotations

import fcntl
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from support.files import run_records
from support.paths import RUNNER
from support.plugin_factory import write_task
from support.processes import wait_for_file, wait_until_dead
from support.runner import run_runner

FORKER = """
pid = os.fork()
if pid == 0:
    time.sleep(30)
    os._exit(0)
open({marker!r}, "w").write(str(pid))
return {{"success": True, "message": "forked"}}
"""


def test_a_task_that_forks_finishes_when_it_returns(
    plugins: Path, state_dir: Path, tmp_path: Path
) -> None:
    marker = tmp_path / "grandchild.pid"
    write_task(plugins, "forker", FORKER.format(marker=str(marker)), attrs="timeout_s = 20")
    t0 = time.monotonic()
    proc = run_runner("forker", "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["status"] == "success"
    assert time.monotonic() - t0 < 15  # not held until the timeout by the fork's pipe end
    # and the fork does not outlive the run
    assert not wait_until_dead([int(marker.read_text())], within_s=5)


def test_a_forked_orphan_never_keeps_the_task_lock(
    plugins: Path, state_dir: Path, tmp_path: Path
) -> None:
    marker = tmp_path / "grandchild.pid"
    body = f"""
    pid = os.fork()
    if pid == 0:
        time.sleep(30)
        os._exit(0)
    open({str(marker)!r}, "w").write(str(pid))
    time.sleep(60)
    return {{"success": True, "message": "never"}}
    """
    write_task(plugins, "orphaner", body)
    victim = subprocess.Popen([sys.executable, str(RUNNER), "orphaner"], stderr=subprocess.PIPE)
    wait_for_file(marker)
    victim.kill()
    victim.wait(10)
    # The orphan may live on a moment (its worker died); the lock must be free at once.
    write_task(plugins, "orphaner", 'return {"success": True, "message": "ok"}')
    nxt = run_runner("orphaner")
    assert nxt.returncode == 0, nxt.stderr
    assert [r["status"] for r in run_records(state_dir)] == ["crashed", "success"]
    os.kill(int(marker.read_text()), signal.SIGKILL)


def test_sigterm_while_writing_the_record_defers_until_it_is_written(
    plugins: Path, state_dir: Path, tmp_path: Path
) -> None:
    marker = tmp_path / "done"
    write_task(
        plugins,
        "alerter",
        f"""
        self.alert("disk almost full", level="warning")
        open({str(marker)!r}, "w").write("1")
        return {{"success": True, "message": "alerted"}}
        """,
    )
    # Hold the alert queue's lock so the runner is stuck publishing when the signal comes.
    lock_path = state_dir / "alerts" / "pending.json.lock"
    lock_path.parent.mkdir(parents=True)
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        proc = subprocess.Popen(
            [sys.executable, str(RUNNER), "alerter"], stderr=subprocess.PIPE, text=True
        )
        wait_for_file(marker)
        time.sleep(0.3)
        proc.send_signal(signal.SIGTERM)
        time.sleep(0.3)
        assert proc.poll() is None  # still waiting to write: the signal did not cut it short
    finally:
        os.close(fd)
    assert proc.wait(20) == 143
    [record] = run_records(state_dir)
    assert record["status"] == "success"
    pending = json.loads((state_dir / "alerts" / "pending.json").read_text())
    assert [a["message"] for a in pending] == ["disk almost full"]


def test_sys_exit_in_a_task_is_a_clear_failure_not_retried(plugins: Path) -> None:
    write_task(plugins, "exiter", "sys.exit(0)", attrs="max_backoff_s = 0.01")
    proc = run_runner("exiter", "--json")
    assert proc.returncode == 1
    record = json.loads(proc.stdout)
    assert record["attempts"] == 1
    assert "called sys.exit(0); a task returns a dict instead" in record["message"]


def test_json_output_is_strict_json_even_for_nan(plugins: Path) -> None:
    write_task(plugins, "nanny", 'return {"success": True, "message": "m", "ratio": float("nan")}')
    proc = run_runner("nanny", "--json")
    assert proc.returncode == 0, proc.stderr
    record = json.loads(proc.stdout, parse_constant=lambda c: pytest.fail(f"bare {c}"))
    assert record["ratio"] == "nan"


def test_a_ten_megabyte_result_is_read_whole(plugins: Path) -> None:
    write_task(plugins, "big", 'return {"success": True, "message": "m", "blob": "x" * 10_000_000}')
    proc = run_runner("big", "--json")
    assert proc.returncode == 0, proc.stderr
    assert len(json.loads(proc.stdout)["blob"]) == 10_000_000


def test_runs_with_stdout_closed(state_dir: Path) -> None:
    proc = subprocess.run(
        [sys.executable, str(RUNNER), "noop"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
        preexec_fn=lambda: os.close(1),  # the point: a closed stdout, as with `>&-`
    )
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert run_records(state_dir)[0]["status"] == "success"


def test_a_bad_request_fails_once_with_one_line_and_no_alert(
    tmp_path: Path, state_dir: Path
) -> None:
    plugins = tmp_path / "plugins"
    write_task(
        plugins,
        "picky",
        "from taskrunner.errors import InvalidRequest\n"
        "raise InvalidRequest('--restore nope.md has no snapshots')",
    )
    write_task(plugins, "broken_config", "from .base import ConfigError\nraise ConfigError('bad')")
    env = {"TASKRUNNER_TASKS_PATH": str(plugins)}
    proc = run_runner("picky", "--json", env=env)
    assert proc.returncode == 1
    record = json.loads(proc.stdout)
    assert record["attempts"] == 1 and record["error"]["type"] == "InvalidRequest"
    assert "Traceback" not in proc.stderr
    assert not (state_dir / "alerts" / "pending.json").exists(), "a typo is not alerted"
    # Other permanent errors (a broken setting of a scheduled job) still are.
    proc = run_runner("broken_config", env=env)
    assert proc.returncode == 1
    queued = json.loads((state_dir / "alerts" / "pending.json").read_text())
    [key] = [a["key"] for a in queued]
    assert key.startswith("broken_config:failed")
