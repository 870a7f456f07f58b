"""The per-task run lock in one process: a planted symlink is refused, the folder is private."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from taskrunner import runlock
from taskrunner.errors import LockBusy, LockDirError, LockFileError


def test_planted_symlink_at_lock_path_is_not_written_through(tmp_path: Path) -> None:
    lock_dir = tmp_path / "locks"
    lock_dir.mkdir(mode=0o700)
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    (lock_dir / runlock.lock_file_name("noop", None)).symlink_to(victim)
    with pytest.raises(LockFileError, match="symbolic link"):
        runlock.acquire(lock_dir, "noop", None, {"pid": 1})
    assert victim.read_text() == "precious"


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
    with pytest.raises(LockDirError, match="has no sticky bit"):
        runlock.ensure_private_dir(loose)
    assert (loose.stat().st_mode & 0o7777) == 0o777  # never chmod-ed: not ours to change
    link = tmp_path / "link"
    link.symlink_to(loose)
    with pytest.raises(LockDirError, match="not a plain directory"):
        runlock.ensure_private_dir(link)


def _hold_flock_without_a_record(path: Path) -> subprocess.Popen[str]:
    """Another process holding the lock that has not written its record (yet)."""
    code = (
        "import fcntl, os, sys\n"
        "fd = os.open(sys.argv[1], os.O_RDWR)\n"
        "fcntl.flock(fd, fcntl.LOCK_EX)\n"
        "print('locked', flush=True)\n"
        "sys.stdin.read()\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdout.readline() == "locked\n"
    return proc


def test_a_finished_record_is_never_reported_as_the_holder(tmp_path: Path) -> None:
    # The last run finished as pid 4242; a new run took the lock but has not
    # written over the record: a loser must not name 4242 as running.
    lock_dir = tmp_path / "locks"
    runlock.acquire(lock_dir, "noop", None, {"pid": 4242, "run_id": "old"}).release()
    path = lock_dir / runlock.lock_file_name("noop", None)
    holder = _hold_flock_without_a_record(path)
    try:
        with pytest.raises(LockBusy) as busy:
            runlock.acquire(lock_dir, "noop", None, {"pid": 2})
    finally:
        holder.communicate("")
    assert "4242" not in str(busy.value)
    assert "holder details not written yet" in str(busy.value)


def test_a_loser_waits_briefly_for_the_holders_record(tmp_path: Path) -> None:
    # The record appears while the loser waits (written from inside its sleep):
    # the loser reports it rather than "details not written yet".
    path = tmp_path / "lock"
    path.write_text('{"pid": 4242, "finished": true}')
    fd = os.open(path, os.O_RDWR)
    now = [0.0]
    sleeps: list[float] = []
    write_on_sleep = [3]

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        now[0] += seconds
        if len(sleeps) == write_on_sleep[0]:
            os.ftruncate(fd, 0)
            os.pwrite(fd, b'{"pid": 77, "run_id": "new"}', 0)

    try:
        found = runlock._await_current_holder(fd, wait=1.0, clock=lambda: now[0], sleep=sleep)
        assert found == {"pid": 77, "run_id": "new"}
        assert len(sleeps) == 3
        os.ftruncate(fd, 0)
        sleeps.clear()
        write_on_sleep[0] = 0  # the holder never writes this time
        never = runlock._await_current_holder(fd, wait=0.1, clock=lambda: now[0], sleep=sleep)
        assert never is None
        assert 0.1 <= sum(sleeps) < 0.2  # gave up at the deadline, not before, not long after
    finally:
        os.close(fd)
