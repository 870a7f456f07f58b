"""Opening and waiting for ``flock`` lock files: the one way every lock in the runner is taken.

A lock file is opened with ``O_NOFOLLOW | O_CLOEXEC`` (a planted symlink is
refused, a child never inherits the lock), created 0600, never truncated
through a path and never deleted: deleting a held lock file lets a second
process lock a fresh inode while the first still holds the old one
(tox-dev/filelock#31).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import time

from ..errors import LockFileError, LockTimeout, NotRegularFile
from .regular_file import open_regular

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence
    from pathlib import Path

#: seconds between two tries at a contended lock, at most (tries start at 1 ms)
MAX_POLL_S = 0.05


def open_lock_file(path: Path, *, what: str, create: bool = True) -> int:
    """A descriptor on the lock file ``path``; ``what`` names it in errors.

    ``create=False`` is for readers, which never create files: ``FileNotFoundError``
    then means nobody ever wrote (and so nobody holds) that lock.
    """
    flags = os.O_RDWR | os.O_CREAT if create else os.O_RDONLY
    try:
        # A FIFO or device planted as the lock file is refused, never opened blocking.
        return open_regular(path, flags, 0o600, what=what)
    except NotRegularFile as exc:
        raise LockFileError(str(exc)) from exc
    except FileNotFoundError:
        if not create:
            raise
        raise LockFileError(
            f"cannot open {what} {path}: the folder {path.parent} does not exist"
        ) from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise LockFileError(
                f"{what} {path} is a symbolic link; refusing to follow it. Remove the link "
                "(someone may have planted it) and run again"
            ) from exc
        hint = f" (the folder {path.parent} does not exist)" if exc.errno == errno.ENOENT else ""
        raise LockFileError(f"cannot open {what} {path}: {exc.strerror}{hint}") from exc


#: what flock fails with on a filesystem that has no locks (macOS SMB: 45, Linux: 95; NFS: 37;
#: some FUSE filesystems: EINVAL or ENOSYS)
NO_LOCK_ERRNOS = frozenset(
    {errno.ENOTSUP, errno.EOPNOTSUPP, errno.ENOLCK, errno.ENOSYS, errno.EINVAL}
)


def lock(fd: int, *, shared: bool = False, wait: bool = True, path: Path | None = None) -> bool:
    """Take the flock on ``fd``; False only when ``wait`` is off and another process holds it.

    A filesystem without locks (a network share) is one clear ``LockFileError``
    naming ``path`` (when given), not an errno.
    """
    mode = fcntl.LOCK_SH if shared else fcntl.LOCK_EX
    try:
        if wait:
            fcntl.flock(fd, mode)
            return True
        try:
            fcntl.flock(fd, mode | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
    except OSError as exc:
        if exc.errno not in NO_LOCK_ERRNOS:
            raise
        where = f"{path}" if path is not None else "a lock file"
        raise LockFileError(
            f"cannot lock {where}: its filesystem does not support file locks ({exc.strerror}; "
            "a network share such as SMB or NFS?). Keep the runner's state folder "
            "(--state-dir, TASKRUNNER_LOCK_DIR) and the workspace on a local disk"
        ) from exc
    return True


def remove_stale_temps_of(guards: Sequence[Path], *, before: float) -> None:
    """``atomic.remove_stale_temps`` for each guarded file (the caller holds their lock)."""
    from .atomic import remove_stale_temps

    for guarded in guards:
        remove_stale_temps(guarded, before=before)


def unlock(fd: int) -> None:
    """Release the flock on ``fd`` and keep the descriptor (closing it also releases)."""
    fcntl.flock(fd, fcntl.LOCK_UN)


def wait_for(fd: int, *, path: Path, what: str, timeout_s: float, shared: bool = False) -> None:
    """Take the flock on ``fd``, waiting at most ``timeout_s``; ``LockTimeout`` after that."""
    deadline = time.monotonic() + timeout_s
    pause_s = 0.001
    while not lock(fd, shared=shared, wait=False, path=path):
        if time.monotonic() >= deadline:
            raise LockTimeout(
                f"{what} {path} is still held by another process after {timeout_s:g} s; "
                "try again when it has finished"
            )
        time.sleep(pause_s)
        pause_s = min(pause_s * 2, MAX_POLL_S)


@contextlib.contextmanager
def held(
    path: Path,
    *,
    what: str,
    timeout_s: float | None = None,
    shared: bool = False,
    guards: Sequence[Path] = (),
) -> Iterator[int]:
    """Hold the flock on ``path`` for the ``with`` block (no limit on the wait when None).

    ``guards`` are the files every writer writes under this lock: once it is
    held, the temp files a killed writer left next to them are removed.
    """
    fd = open_lock_file(path, what=what)
    try:
        if timeout_s is None:
            lock(fd, shared=shared, path=path)
        else:
            wait_for(fd, path=path, what=what, timeout_s=timeout_s, shared=shared)
        if guards and not shared:
            remove_stale_temps_of(guards, before=time.time())
        yield fd
    finally:
        # Closing the last descriptor releases the lock.
        os.close(fd)
