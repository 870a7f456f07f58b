"""Locks, timeouts and signals with real processes: what cron users rely on."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import RUNNER
from plugin_factory import write_task

from taskrunner import runlock
from taskrunner.errors import LockBusy, LockDirError, LockFileError


@pytest.fixture
def plugins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    d = tmp_path / "my-tasks"
    monkeypatch.setenv("TASKRUNNER_TASKS_PATH", str(d))
    write_task(
        d,
        "slow",
        """
        marker = os.environ.get("SLOW_MARKER")
        if marker:
            open(marker, "w").write(str(os.getpid()))
        time.sleep(float(os.environ.get("SLOW_SECONDS", "2")))
        return {"success": True, "message": "slept"}
        """,
    )
    return d


def start(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(RUNNER), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )


def records(state: Path) -> list[dict[str, object]]:
    path = state / "logs" / "tasks.jsonl"
    return [json.loads(x) for x in path.read_text().splitlines()] if path.exists() else []


def wait_for(path: Path, timeout_s: float = 10) -> None:
    deadline = time.monotonic() + timeout_s
    while not path.exists() or not path.read_text():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.01)


def test_eight_starts_one_runs_seven_exit_2_fast(plugins: Path, state_dir: Path) -> None:
    procs = [start("slow", env={"SLOW_SECONDS": "3"}) for _ in range(8)]
    t0 = time.monotonic()
    locked_times: list[float] = []
    codes: list[int] = []
    pending = list(procs)
    while pending:
        for p in list(pending):
            code = p.poll()
            if code is not None:
                pending.remove(p)
                codes.append(code)
                if code == 2:
                    locked_times.append(time.monotonic() - t0)
        time.sleep(0.005)
    assert sorted(codes) == [0] + [2] * 7
    # Every loser exits at once, long before the winner's 3 s sleep ends. (A loose
    # bound, so a loaded CI machine cannot make it flaky; the design bound is 'no waiting'.)
    assert max(locked_times) < 2.5
    outputs = [p.stderr.read() for p in procs if p.returncode == 2]  # type: ignore[union-attr]
    assert all("slow is already running: pid " in out for out in outputs), outputs
    statuses = sorted(str(r["status"]) for r in records(state_dir))
    assert statuses == ["locked"] * 7 + ["success"]


def test_two_workspaces_never_block_each_other(plugins: Path, tmp_path: Path) -> None:
    a, b = tmp_path / "ws-a", tmp_path / "ws-b"
    a.mkdir(), b.mkdir()
    p1 = start("slow", "--workspace", str(a), env={"SLOW_SECONDS": "1"})
    p2 = start("slow", "--workspace", str(b), env={"SLOW_SECONDS": "1"})
    assert p1.wait(30) == 0 and p2.wait(30) == 0


def test_sigkilled_run_leaves_no_stale_lock_and_is_logged_crashed(
    plugins: Path, state_dir: Path, tmp_path: Path
) -> None:
    marker = tmp_path / "worker.pid"
    victim = start("slow", env={"SLOW_SECONDS": "60", "SLOW_MARKER": str(marker)})
    wait_for(marker)
    worker_pid = int(marker.read_text())
    victim.kill()
    victim.wait(10)
    # The worker dies with the runner (PR_SET_PDEATHSIG): no child left behind.
    deadline = time.monotonic() + 5
    while _alive(worker_pid):
        assert time.monotonic() < deadline, "worker outlived its SIGKILLed runner"
        time.sleep(0.02)
    t0 = time.monotonic()
    nxt = start("slow", env={"SLOW_SECONDS": "0"})
    assert nxt.wait(30) == 0, nxt.stderr.read()  # type: ignore[union-attr]
    assert time.monotonic() - t0 < 10
    recs = records(state_dir)
    assert [r["status"] for r in recs] == ["crashed", "success"]
    assert recs[0]["detected_by"] == recs[1]["run_id"]
    assert recs[0]["pid"] == victim.pid


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ")[1][0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.parametrize(
    "body",
    [
        "time.sleep(3600)",
        "sum(range(10**12))",  # a C loop SIGALRM cannot interrupt
    ],
)
def test_stuck_attempts_are_stopped_at_the_timeout(
    plugins: Path, state_dir: Path, body: str
) -> None:
    write_task(plugins, "stuck", f'{body}\nreturn {{"success": True, "message": "done"}}')
    t0 = time.monotonic()
    proc = start("stuck", "--timeout", "1", "--json")
    out, err = proc.communicate(timeout=60)
    elapsed = time.monotonic() - t0
    assert proc.returncode == 1, err
    assert elapsed < 20
    record = json.loads(out)
    assert record["status"] == "timeout" and record["attempts"] == 1
    # The lock is released: the same task can start again right away.
    write_task(plugins, "stuck", 'return {"success": True, "message": "done"}')
    assert start("stuck").wait(30) == 0


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_signals_stop_the_attempt_and_record_interrupted(
    plugins: Path, state_dir: Path, tmp_path: Path, sig: signal.Signals, code: int
) -> None:
    marker = tmp_path / "worker.pid"
    proc = start("slow", env={"SLOW_SECONDS": "60", "SLOW_MARKER": str(marker)})
    wait_for(marker)
    worker_pid = int(marker.read_text())
    proc.send_signal(sig)
    assert proc.wait(20) == code
    assert not _alive(worker_pid)
    [rec] = records(state_dir)
    assert rec["status"] == "interrupted" and rec["attempts"] == 1
    assert start("slow", env={"SLOW_SECONDS": "0"}).wait(30) == 0  # lock released


def test_planted_symlink_at_lock_path_is_not_written_through(tmp_path: Path) -> None:
    lock_dir = tmp_path / "locks"
    lock_dir.mkdir(mode=0o700)
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    (lock_dir / runlock.lock_file_name("noop", None)).symlink_to(victim)
    with pytest.raises(LockFileError, match="symbolic link"):
        runlock.acquire(lock_dir, "noop", None, {"pid": 1})
    assert victim.read_text() == "precious"


def test_planted_symlink_end_to_end(state_dir: Path, tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    lock_dir = state_dir / "locks"
    lock_dir.mkdir(mode=0o700)
    from taskrunner import paths

    # The workspace the runner will resolve (OPENCLAW_HOME points into tmp_path).
    target = lock_dir / runlock.lock_file_name("noop", paths.resolve_workspace(None))
    target.symlink_to(victim)
    proc = subprocess.run(
        [sys.executable, str(RUNNER), "noop"], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 1 and "symbolic link" in proc.stderr
    assert victim.read_text() == "precious"
    # The refusal is recorded and reaches the heartbeat: every later run would fail too.
    [record] = records(state_dir)
    assert record["status"] == "failed" and record["error"]["type"] == "LockFileError"
    pending = json.loads((state_dir / "alerts" / "pending.json").read_text())
    assert [a["level"] for a in pending] == ["error"]
    assert "cannot take its lock" in pending[0]["message"]


def test_lock_dir_is_private_and_foreign_dirs_refused(tmp_path: Path) -> None:
    lock_dir = tmp_path / "locks"
    held = runlock.acquire(lock_dir, "noop", None, {"pid": os.getpid()})
    assert (lock_dir.stat().st_mode & 0o777) == 0o700
    with pytest.raises(LockBusy, match=f"pid {os.getpid()}"):
        runlock.acquire(lock_dir, "noop", None, {"pid": 2})
    held.release()
    assert held.path.exists()  # never deleted: deleting a lock file breaks exclusion
    loose = tmp_path / "loose"
    loose.mkdir(mode=0o777)
    os.chmod(loose, 0o777)
    runlock.ensure_private_dir(loose)
    assert (loose.stat().st_mode & 0o777) == 0o700
    link = tmp_path / "link"
    link.symlink_to(loose)
    with pytest.raises(LockDirError, match="not a plain directory"):
        runlock.ensure_private_dir(link)


def test_timeout_also_stops_processes_the_task_started(
    plugins: Path, state_dir: Path, tmp_path: Path
) -> None:
    marker = tmp_path / "grandchild.pid"
    write_task(
        plugins,
        "spawner",
        f"""
        import subprocess
        child = subprocess.Popen(["sleep", "1000"])
        open({str(marker)!r}, "w").write(str(child.pid))
        time.sleep(3600)
        return {{"success": True, "message": "never"}}
        """,
    )
    proc = start("spawner", "--timeout", "1")
    assert proc.wait(60) == 1
    grandchild = int(marker.read_text())
    deadline = time.monotonic() + 5
    while _alive(grandchild):
        assert time.monotonic() < deadline, "a process the task started outlived the run"
        time.sleep(0.02)


def test_commands_started_with_run_command_die_with_a_sigkilled_runner(
    plugins: Path, tmp_path: Path
) -> None:
    marker = tmp_path / "cmd.pid"
    write_task(
        plugins,
        "runs_cmd",
        f"""
        from taskrunner.system.process import run_command
        run_command(["sh", "-c", "echo $$ > {marker}; exec sleep 300"], timeout_s=600)
        return {{"success": True, "message": "never"}}
        """,
    )
    runner = start("runs_cmd")
    wait_for(marker)
    command_pid = int(marker.read_text())
    runner.kill()
    runner.wait(10)
    deadline = time.monotonic() + 5
    while _alive(command_pid):
        assert time.monotonic() < deadline, "a command outlived its SIGKILLed runner"
        time.sleep(0.02)
