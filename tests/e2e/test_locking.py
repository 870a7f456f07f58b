"""Locks, timeouts and signals with real processes: what cron users rely on."""

from __future__ import annotations

import errno
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
from support.processes import alive, wait_for_file, wait_until_dead
from support.runner import start_runner
from taskrunner import runlock
from taskrunner.errors import LockDirError, LockFileError


@pytest.fixture
def plugins(plugins: Path) -> Path:
    """The user's task folder with ``slow``: it writes its pid to $SLOW_MARKER, then sleeps
    $SLOW_SECONDS or until the file $SLOW_RELEASE appears."""
    write_task(
        plugins,
        "slow",
        """
        marker = os.environ.get("SLOW_MARKER")
        if marker:
            open(marker, "w").write(str(os.getpid()))
        release = os.environ.get("SLOW_RELEASE")
        deadline = time.monotonic() + float(os.environ.get("SLOW_SECONDS", "2"))
        while time.monotonic() < deadline and not (release and os.path.exists(release)):
            time.sleep(0.01)
        return {"success": True, "message": "slept"}
        """,
    )
    return plugins


def test_eight_starts_one_runs_seven_exit_2_while_it_holds_the_lock(
    plugins: Path, state_dir: Path, tmp_path: Path
) -> None:
    release = tmp_path / "release"
    env = {"SLOW_SECONDS": "600", "SLOW_RELEASE": str(release)}
    procs = [start_runner("slow", env=env) for _ in range(8)]
    # The winner runs until released: every loser must have exited with 2 while it
    # still holds the lock, so none of them waited for it (an ordering, not a timing).
    exited: list[subprocess.Popen[str]] = []
    give_up = time.monotonic() + 300  # a hang guard only, not the property under test
    while len(exited) < 7:
        assert time.monotonic() < give_up, "the losers never exited"
        exited += [p for p in procs if p not in exited and p.poll() is not None]
        time.sleep(0.005)
    assert len(exited) == 7
    [winner] = [p for p in procs if p not in exited]
    assert winner.poll() is None  # still running: the losers did not wait for it
    assert [p.returncode for p in exited] == [2] * 7
    release.write_text("go")
    assert winner.wait(60) == 0, winner.stderr.read()  # type: ignore[union-attr]
    outputs = [p.stderr.read() for p in exited]  # type: ignore[union-attr]
    assert all("slow is already running: pid " in out for out in outputs), outputs
    statuses = sorted(str(r["status"]) for r in run_records(state_dir))
    assert statuses == ["locked"] * 7 + ["success"]


@pytest.mark.process_clocks
def test_history_lists_a_locked_start_after_the_run_that_held_the_lock(
    plugins: Path, state_dir: Path, tmp_path: Path
) -> None:
    release, marker = tmp_path / "release", tmp_path / "worker.pid"
    env = {"SLOW_SECONDS": "600", "SLOW_RELEASE": str(release), "SLOW_MARKER": str(marker)}
    holder = start_runner("slow", env=env)
    wait_for_file(marker)
    time.sleep(1.1)  # timestamps have whole seconds: the refused start is a later one
    refused = start_runner("slow")
    assert refused.wait(30) == 2
    release.write_text("go")
    assert holder.wait(60) == 0, holder.stderr.read()  # type: ignore[union-attr]
    # Written when each run ended: the refusal first.
    assert [r["status"] for r in run_records(state_dir)] == ["locked", "success"]
    listed = subprocess.run(
        [sys.executable, str(RUNNER), "history", "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    recent = json.loads(listed.stdout)["recent"]
    assert [r["status"] for r in recent] == ["success", "locked"]  # by start, newest last
    assert recent[0]["timestamp"] < recent[1]["timestamp"]


def test_two_workspaces_never_block_each_other(plugins: Path, tmp_path: Path) -> None:
    a, b = tmp_path / "ws-a", tmp_path / "ws-b"
    a.mkdir(), b.mkdir()
    p1 = start_runner("slow", "--workspace", str(a), env={"SLOW_SECONDS": "1"})
    p2 = start_runner("slow", "--workspace", str(b), env={"SLOW_SECONDS": "1"})
    assert p1.wait(30) == 0 and p2.wait(30) == 0


def test_sigkilled_run_leaves_no_stale_lock_and_is_logged_crashed(
    plugins: Path, state_dir: Path, tmp_path: Path
) -> None:
    marker = tmp_path / "worker.pid"
    victim = start_runner("slow", env={"SLOW_SECONDS": "60", "SLOW_MARKER": str(marker)})
    wait_for_file(marker)
    worker_pid = int(marker.read_text())
    victim.kill()
    victim.wait(10)
    # The worker dies with the runner (PR_SET_PDEATHSIG): no child left behind.
    assert not wait_until_dead([worker_pid], within_s=5), "worker outlived its SIGKILLed runner"
    t0 = time.monotonic()
    nxt = start_runner("slow", env={"SLOW_SECONDS": "0"})
    assert nxt.wait(30) == 0, nxt.stderr.read()  # type: ignore[union-attr]
    assert time.monotonic() - t0 < 10
    recs = run_records(state_dir)
    assert [r["status"] for r in recs] == ["crashed", "success"]
    assert recs[0]["detected_by"] == recs[1]["run_id"]
    assert recs[0]["pid"] == victim.pid


def test_a_crashed_record_has_the_runner_fields_of_every_record(
    plugins: Path, state_dir: Path, tmp_path: Path
) -> None:
    from taskrunner.runlog import RUNNER_FIELDS

    workspace = tmp_path / "ws"
    workspace.mkdir()
    marker = tmp_path / "worker.pid"
    env = {"SLOW_SECONDS": "60", "SLOW_MARKER": str(marker)}
    victim = start_runner("slow", "--workspace", str(workspace), env=env)
    wait_for_file(marker)
    victim.kill()
    victim.wait(10)
    nxt = start_runner("slow", "--workspace", str(workspace), env={"SLOW_SECONDS": "0"})
    assert nxt.wait(30) == 0, nxt.stderr.read()  # type: ignore[union-attr]
    crashed, success = run_records(state_dir)
    assert crashed["status"] == "crashed"
    assert set(RUNNER_FIELDS) <= crashed.keys()
    # `status` and the overdue check match runs by (task, workspace): a crash counts there too
    assert crashed["workspace"] == success["workspace"] == str(workspace)
    assert crashed["dry_run"] is False


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
    proc = start_runner("stuck", "--timeout", "1", "--json")
    out, err = proc.communicate(timeout=60)
    elapsed = time.monotonic() - t0
    assert proc.returncode == 1, err
    assert elapsed < 20
    record = json.loads(out)
    assert record["status"] == "timeout" and record["attempts"] == 1
    # The lock is released: the same task can start again right away.
    write_task(plugins, "stuck", 'return {"success": True, "message": "done"}')
    assert start_runner("stuck").wait(30) == 0


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_signals_stop_the_attempt_and_record_interrupted(
    plugins: Path, state_dir: Path, tmp_path: Path, sig: signal.Signals, code: int
) -> None:
    marker = tmp_path / "worker.pid"
    proc = start_runner("slow", env={"SLOW_SECONDS": "60", "SLOW_MARKER": str(marker)})
    wait_for_file(marker)
    worker_pid = int(marker.read_text())
    proc.send_signal(sig)
    assert proc.wait(20) == code
    assert not alive(worker_pid)
    [rec] = run_records(state_dir)
    assert rec["status"] == "interrupted" and rec["attempts"] == 1
    assert start_runner("slow", env={"SLOW_SECONDS": "0"}).wait(30) == 0  # lock released


def test_planted_symlink_end_to_end(state_dir: Path, tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    lock_dir = state_dir / "locks"
    lock_dir.mkdir(mode=0o700)
    from taskrunner.openclaw.workspace import resolve_workspace

    # The workspace the runner will resolve (OPENCLAW_HOME points into tmp_path).
    target = lock_dir / runlock.lock_file_name("noop", resolve_workspace(None))
    target.symlink_to(victim)
    proc = subprocess.run(
        [sys.executable, str(RUNNER), "noop"], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 1 and "symbolic link" in proc.stderr
    assert victim.read_text() == "precious"
    # The refusal is recorded and reaches the heartbeat: every later run would fail too.
    [record] = run_records(state_dir)
    assert record["status"] == "failed" and record["error"]["type"] == "LockFileError"
    pending = json.loads((state_dir / "alerts" / "pending.json").read_text())
    assert [a["level"] for a in pending] == ["error"]
    assert "cannot take its lock" in pending[0]["message"]


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
    proc = start_runner("spawner", "--timeout", "1")
    assert proc.wait(60) == 1
    grandchild = int(marker.read_text())
    assert not wait_until_dead([grandchild], within_s=5), (
        "a process the task started outlived the run"
    )


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
    runner = start_runner("runs_cmd")
    wait_for_file(marker)
    command_pid = int(marker.read_text())
    runner.kill()
    runner.wait(10)
    assert not wait_until_dead([command_pid], within_s=5), "a command outlived its SIGKILLed runner"


# -- a shared lock folder (TASKRUNNER_LOCK_DIR=/tmp): never chmod-ed, used through a
# private folder of our own ---------------------------------------------------------


def _sticky_dir(path: Path) -> Path:
    path.mkdir()
    os.chmod(path, 0o1777)
    return path


def test_a_sticky_shared_dir_keeps_its_mode_and_gets_a_private_folder(
    tmp_path: Path, state_dir: Path
) -> None:
    shared = _sticky_dir(tmp_path / "shared-tmp")
    proc = subprocess.run(
        [sys.executable, str(RUNNER), "noop"],
        env={**os.environ, "TASKRUNNER_LOCK_DIR": str(shared)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert (shared.stat().st_mode & 0o7777) == 0o1777
    private = shared / f"taskrunner-{os.geteuid()}"
    info = os.lstat(private)
    assert (info.st_mode & 0o7777) == 0o700 and info.st_uid == os.geteuid()
    assert [p.name.startswith("noop-") for p in private.iterdir()] == [True]


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to plant a folder as another user")
def test_a_planted_private_folder_is_refused(tmp_path: Path) -> None:
    shared = _sticky_dir(tmp_path / "shared-tmp")
    planted = shared / f"taskrunner-{os.geteuid()}"
    planted.mkdir(mode=0o700)
    os.chown(planted, 65534, 65534)  # another user got there first
    with pytest.raises(LockDirError, match="is not a directory of yours"):
        runlock.acquire(shared, "noop", None, {"pid": os.getpid()})
    assert list(planted.iterdir()) == []
    os.chown(planted, os.geteuid(), os.getegid())
    os.chmod(planted, 0o777)
    with pytest.raises(LockDirError, match="is open to other users"):
        runlock.acquire(shared, "noop", None, {"pid": os.getpid()})
    assert (planted.stat().st_mode & 0o777) == 0o777


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to run as another user")
def test_a_real_user_locks_inside_a_root_owned_sticky_dir() -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as name:
        outer = Path(name)
        outer.chmod(0o755)
        shared = _sticky_dir(outer / "tmp")
        code = (
            "import os, sys; from pathlib import Path\n"
            f"sys.path.insert(0, {str(RUNNER.parent)!r})\n"
            "from taskrunner import runlock\n"
            "os.setgroups([]); os.setgid(65534); os.setuid(65534)\n"
            f"held = runlock.acquire(Path({str(shared)!r}), 'noop', None, {{'pid': os.getpid()}})\n"
            "print(held.path)\n"
        )
        done = subprocess.run(
            [sys.executable, "-B", "-c", code], capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, done.stderr
        lock = Path(done.stdout.strip())
        assert lock.parent == shared / "taskrunner-65534"
        assert os.lstat(lock.parent).st_uid == 65534
        assert (shared.stat().st_mode & 0o7777) == 0o1777 and shared.stat().st_uid == 0


@pytest.mark.parametrize("code", [errno.ENOTSUP, errno.EOPNOTSUPP, errno.ENOLCK])
def test_a_filesystem_without_locks_is_one_clear_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: int
) -> None:
    # An SMB share (errno 45 on macOS) cannot be mounted here: its flock answer is injected.
    from taskrunner.system import lockfile

    def no_locks(fd: int, operation: int) -> None:
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(lockfile.fcntl, "flock", no_locks)
    with pytest.raises(LockFileError, match="does not support file locks") as caught:
        runlock.acquire(tmp_path / "locks", "noop", None, {"pid": os.getpid()})
    assert "\n" not in str(caught.value)
    assert "local disk" in str(caught.value)
