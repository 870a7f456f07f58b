"""Lock files: flock across real processes; a symlink refused; never deleted, never inherited."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from support.paths import ROOT
from taskrunner.errors import LockFileError, LockTimeout
from taskrunner.system.lockfile import held, lock, open_lock_file, unlock, wait_for

HOLDER = """
import sys
sys.path.insert(0, sys.argv[1])
from pathlib import Path
from taskrunner.system.lockfile import lock, open_lock_file
fd = open_lock_file(Path(sys.argv[2]), what="test lock")
lock(fd, shared=sys.argv[3] == "shared")
print("held", flush=True)
sys.stdin.read()  # until the test closes our stdin
"""


@pytest.fixture
def holder(tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    """Another process holding ``tmp_path/x.lock`` exclusively until the test lets go."""
    with start_holder(tmp_path / "x.lock", "exclusive") as proc:
        yield proc


class start_holder:
    def __init__(self, path: Path, mode: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", HOLDER, str(ROOT), str(path), mode],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def __enter__(self) -> subprocess.Popen[str]:
        assert self.proc.stdout is not None and self.proc.stdout.readline() == "held\n"
        return self.proc

    def __exit__(self, *exc: object) -> None:
        release(self.proc)


def release(proc: subprocess.Popen[str]) -> None:
    if proc.returncode is None:
        assert proc.stdin is not None
        proc.stdin.close()
        proc.wait(30)


@contextmanager
def opened(path: Path) -> Iterator[int]:
    """The lock file at ``path``, open for this block."""
    fd = open_lock_file(path, what="test lock")
    try:
        yield fd
    finally:
        os.close(fd)


def test_another_process_holding_the_lock_keeps_us_out_until_it_lets_go(
    tmp_path: Path, holder: subprocess.Popen[str]
) -> None:
    path = tmp_path / "x.lock"
    with opened(path) as fd:
        assert lock(fd, wait=False) is False
        with pytest.raises(LockTimeout, match=f"test lock {path} is still held"):
            wait_for(fd, path=path, what="test lock", timeout_s=0.2)
        release(holder)
        assert lock(fd, wait=False) is True


def test_shared_holders_share_and_keep_a_writer_out(tmp_path: Path) -> None:
    path = tmp_path / "x.lock"
    with start_holder(path, "shared"), opened(path) as fd:
        assert lock(fd, shared=True, wait=False) is True
        unlock(fd)
        assert lock(fd, wait=False) is False


def test_a_planted_symlink_is_refused_and_its_target_untouched(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    victim.chmod(0o644)
    link = tmp_path / "x.lock"
    link.symlink_to(victim)
    with pytest.raises(LockFileError, match="is a symbolic link; refusing to follow it"):
        open_lock_file(link, what="test lock")
    with pytest.raises(LockFileError), held(link, what="test lock"):
        pass
    assert victim.read_text() == "precious" and victim.stat().st_mode & 0o777 == 0o644


def test_a_lock_file_is_private_and_never_deleted(tmp_path: Path) -> None:
    path = tmp_path / "x.lock"
    with held(path, what="test lock", timeout_s=5):
        assert path.stat().st_mode & 0o777 == 0o600
    assert path.exists()  # deleting it would let two processes lock two inodes


def test_a_reader_never_creates_the_file(tmp_path: Path) -> None:
    folder = tmp_path / "locks"
    folder.mkdir()
    with pytest.raises(FileNotFoundError):
        open_lock_file(folder / "x.lock", what="test lock", create=False)
    assert list(folder.iterdir()) == []


def test_a_missing_folder_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "nope"
    with pytest.raises(LockFileError, match=f"the folder {missing} does not exist"):
        open_lock_file(missing / "x.lock", what="test lock")


def test_a_program_started_while_locked_does_not_inherit_the_lock(tmp_path: Path) -> None:
    path = tmp_path / "x.lock"
    fd = open_lock_file(path, what="test lock")
    lock(fd)
    child = subprocess.Popen(
        [sys.executable, "-c", "import sys; print('ready', flush=True); sys.stdin.read()"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        close_fds=False,  # even so: the descriptor is close-on-exec
    )
    try:
        # The child runs its own program now (exec is done), as any started program would.
        assert child.stdout is not None and child.stdout.readline() == "ready\n"
        os.close(fd)  # our only copy: the lock is free although the child lives on
        other = open_lock_file(path, what="test lock")
        try:
            assert lock(other, wait=False) is True
        finally:
            os.close(other)
    finally:
        assert child.stdin is not None
        child.stdin.close()
        child.wait(30)
