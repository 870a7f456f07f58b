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
import time
import zlib
from pathlib import Path

from .errors import LockBusy, LockDirError
from .system import lockfile

# typing is only needed by the type checker: keep it off the startup path.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

#: holder info is small; anything bigger is not ours
_MAX_HOLDER_BYTES = 4096

#: how long a run that finds the lock held waits for the holder's record: the
#: holder writes it just after taking the lock, so a start in the same instant
#: would otherwise print "details not written yet", or the last run's finished pid
HOLDER_RECORD_WAIT = 0.5


#: the private folder made inside a shared sticky directory such as /tmp
PRIVATE_SUBDIR = "taskrunner-{uid}"


def ensure_private_dir(directory: Path) -> Path:
    """The directory lock files go in: ``directory`` itself, or a private folder inside it.

    The runner never changes the mode or owner of a directory it did not
    create: chmod-ing a given ``/tmp`` to 0700 breaks the machine for every
    other user. So:

    - missing: created 0700, and used;
    - ours, and no one else may write in it: used as it is;
    - writable by others but sticky (``/tmp``, ``/run/lock``): others cannot
      remove our files there, but they can plant names; lock files go into
      ``taskrunner-<uid>/`` inside it, created 0700 and checked with
      ``lstat`` (refused when it exists and is not ours, private and a
      plain directory);
    - anything else (writable by others without the sticky bit, someone
      else's): refused with a message saying what to do.
    """
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        st = os.lstat(directory)
    except OSError as exc:
        raise LockDirError(f"cannot create the lock directory {directory}: {exc.strerror}") from exc
    if stat.S_ISLNK(st.st_mode) or not stat.S_ISDIR(st.st_mode):
        raise LockDirError(f"lock directory {directory} is not a plain directory; remove it")
    shared = bool(st.st_mode & 0o022)
    if shared and st.st_mode & stat.S_ISVTX:
        return _private_subdir(directory / PRIVATE_SUBDIR.format(uid=os.geteuid()))
    if st.st_uid != os.geteuid():
        raise LockDirError(
            f"lock directory {directory} belongs to uid {st.st_uid}, not to you; "
            "use a directory you own (TASKRUNNER_LOCK_DIR)"
        )
    if shared:
        raise LockDirError(
            f"lock directory {directory} can be written by other users (mode "
            f"{stat.S_IMODE(st.st_mode):04o}) and has no sticky bit, so anyone could replace a "
            f"lock file there; run `chmod go-w {directory}` or point TASKRUNNER_LOCK_DIR at a "
            "private directory"
        )
    return directory


def _private_subdir(sub: Path) -> Path:
    with contextlib.suppress(FileExistsError):
        os.mkdir(sub, 0o700)
    try:
        st = os.lstat(sub)
    except OSError as exc:
        raise LockDirError(f"cannot create the lock directory {sub}: {exc.strerror}") from exc
    if stat.S_ISLNK(st.st_mode) or not stat.S_ISDIR(st.st_mode) or st.st_uid != os.geteuid():
        raise LockDirError(
            f"{sub} exists and is not a directory of yours (someone may have planted it); "
            "the runner will not use it. Remove it, or point TASKRUNNER_LOCK_DIR at a private "
            "directory"
        )
    if st.st_mode & 0o077:
        raise LockDirError(
            f"{sub} is open to other users (mode {stat.S_IMODE(st.st_mode):04o}); the runner "
            f"only uses it private: run `chmod 700 {sub}`, or remove it"
        )
    return sub


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


def _await_current_holder(
    fd: int,
    wait: float = HOLDER_RECORD_WAIT,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, Any] | None:
    """The record of the run holding the lock on ``fd``: None if it is not written in ``wait`` s.

    A record marked finished is the last run's, not the holder's: the holder
    has the lock but has not yet written over it.
    """
    deadline = clock() + wait
    while True:
        holder = _read_holder(fd)
        if holder is not None and not holder.get("finished"):
            return holder
        if clock() >= deadline:
            return None
        sleep(0.005)


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
    lock_dir = ensure_private_dir(lock_dir)
    path = lock_dir / lock_file_name(task, workspace)
    fd = lockfile.open_lock_file(path, what="lock file")
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise LockDirError(f"lock file {path} is not a regular file; remove it")
        if not lockfile.lock(fd, wait=False, path=path):
            raise LockBusy(describe_holder(task, _await_current_holder(fd)))
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


def current_holder(lock_dir: Path, task: str, workspace: Path | None) -> dict[str, Any] | None:
    """Who runs (task, workspace) now, from the lock file: None when nobody does.

    Read without taking the lock: a reader holding it, even shared and for a
    moment, would make a run starting in that instant exit as ``locked``. A
    holder counts while its record says it has not finished and its pid lives.
    """
    path = lock_dir / lock_file_name(task, workspace)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        holder = _read_holder(fd)
    finally:
        os.close(fd)
    if not holder or holder.get("finished"):
        return None
    pid = holder.get("pid")
    if not isinstance(pid, int) or pid <= 0:
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass  # alive, someone else's
    except (OverflowError, OSError):
        return None  # not a pid this system can have
    return holder
