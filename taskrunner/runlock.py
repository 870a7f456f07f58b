"""One run per (task, workspace): ``flock`` on a file in a private lock directory.

Why not ``/tmp/taskrunner-<task>.lock`` (the original naming): a predictable
name in a world-writable directory lets another local user plant a symlink
there and have us truncate a file of theirs choosing (the filelock
CVE-2025-68146 class), and tmp cleaners delete old files, lock files
included. So the lock directory is private (0700, owned by us), the file is
opened with ``O_NOFOLLOW`` and never truncated through a path, and it is
never deleted: deleting a held lock file lets a second process lock a new
inode while the first still holds the old one (tox-dev/filelock#31).

``flock`` (not ``lockf``/``fcntl`` record locks): a record lock is dropped
when *any* descriptor of the file is closed by the process, and is not
shared with the forked attempt process. The kernel releases a ``flock`` when
the last holder dies, so a SIGKILLed run leaves no stale lock. The file's
contents say who holds it, and whether that run finished; a run that
started and never finished is reported by the next one as ``crashed``.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import zlib
from pathlib import Path

from .errors import LockBusy, LockDirError
from .system import lockfile

# typing is only needed by the type checker: keep it off the startup path.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

#: holder info is small; anything bigger is not ours
_MAX_HOLDER_BYTES = 4096


def ensure_private_dir(directory: Path) -> Path:
    """Create ``directory`` 0700 if needed; refuse one that others could tamper with."""
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        st = os.lstat(directory)
    except OSError as exc:
        raise LockDirError(f"cannot create the lock directory {directory}: {exc.strerror}") from exc
    if stat.S_ISLNK(st.st_mode) or not stat.S_ISDIR(st.st_mode):
        raise LockDirError(f"lock directory {directory} is not a plain directory; remove it")
    if st.st_uid != os.geteuid():
        raise LockDirError(
            f"lock directory {directory} belongs to uid {st.st_uid}, not to you; "
            "use a directory you own (TASKRUNNER_LOCK_DIR)"
        )
    if st.st_mode & 0o077:
        # Ours, but loose: tighten it rather than fail the user's cron job.
        os.chmod(directory, 0o700)
    return directory


def lock_file_name(task: str, workspace: Path | None) -> str:
    """``<task>-<hash of the workspace path>.lock``: two workspaces never block each other."""
    key = str(workspace.resolve()) if workspace is not None else ""
    return f"{task}-{path_digest(key)}.lock"


def path_digest(text: str) -> str:
    """16 hex digits naming a path; zlib's checksums, not hashlib, to keep startup fast."""
    data = text.encode("utf-8", "surrogateescape")
    return f"{zlib.crc32(data):08x}{zlib.adler32(data):08x}"


def _read_holder(fd: int) -> dict[str, Any] | None:
    try:
        raw = os.pread(fd, _MAX_HOLDER_BYTES, 0)
    except OSError:
        return None
    if not raw.strip():
        return None
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _write_holder(fd: int, holder: dict[str, Any]) -> None:
    data = json.dumps(holder, sort_keys=True).encode()
    # Truncating through our own O_NOFOLLOW descriptor, never through a path.
    os.ftruncate(fd, 0)
    os.pwrite(fd, data, 0)


class HeldLock:
    """A lock this process holds; ``previous`` is the last holder's info, if it never finished."""

    def __init__(
        self, path: Path, fd: int, holder: dict[str, Any], previous: dict[str, Any] | None
    ) -> None:
        self.path = path
        self.fd = fd
        self.holder = holder
        self.previous = previous

    def release(self) -> None:
        """Mark the run finished and release the lock (the file stays, by design)."""
        if self.fd < 0:
            return
        with contextlib.suppress(OSError):
            _write_holder(self.fd, {**self.holder, "finished": True})
        with contextlib.suppress(OSError):
            lockfile.unlock(self.fd)
        os.close(self.fd)
        self.fd = -1


def describe_holder(task: str, holder: dict[str, Any] | None) -> str:
    """``memory_capture is already running: pid 4242, started 03:00:02, run 7f3a…``."""
    if not holder:
        return f"{task} is already running (its lock is held; holder details not written yet)"
    started = str(holder.get("started", "?"))
    if "T" in started:
        started = started.split("T", 1)[1][:8]
    run_id = str(holder.get("run_id", "?"))
    return (
        f"{task} is already running: pid {holder.get('pid', '?')}, started {started}, "
        f"run {run_id[:8]}…"
    )


def acquire(lock_dir: Path, task: str, workspace: Path | None, holder: dict[str, Any]) -> HeldLock:
    """Take the lock for (task, workspace) without waiting; ``LockBusy`` if another run has it."""
    ensure_private_dir(lock_dir)
    path = lock_dir / lock_file_name(task, workspace)
    fd = lockfile.open_lock_file(path, what="lock file")
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise LockDirError(f"lock file {path} is not a regular file; remove it")
        if not lockfile.lock(fd, wait=False):
            raise LockBusy(describe_holder(task, _read_holder(fd)))
        previous = _read_holder(fd)
        if previous is not None and previous.get("finished"):
            previous = None
        # The flock is what excludes; the holder info only explains. A full disk
        # must not stop the run (system_health is the one to report it).
        with contextlib.suppress(OSError):
            _write_holder(fd, holder)
    except BaseException:
        os.close(fd)
        raise
    return HeldLock(path=path, fd=fd, holder=holder, previous=previous)
