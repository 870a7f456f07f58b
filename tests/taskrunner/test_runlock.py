"""The per-task run lock in one process: a planted symlink is refused, the folder is private."""

from __future__ import annotations

import os
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
