"""Opening a file the runner expects to be a regular file: the one way every reader does it.

A FIFO planted as ``memory/store.json`` would block a plain ``open()`` for
reading until some writer appears, while the reader holds the store lock; a
FIFO as the run log blocks an append the same way, and a device or a socket
is no better. So every open of a store, archive, note, lock file, alert
queue, run log or state file goes through ``open_regular``: ``lstat`` first
(a special file is refused without being opened), then ``O_NONBLOCK`` (a
FIFO swapped in between does not block the open) and ``fstat`` on the
descriptor, which is what is really read.
"""

from __future__ import annotations

import errno
import os
import stat

from ..errors import NotRegularFile

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path

_KINDS = (
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISLNK, "a symbolic link"),
)


def describe_kind(mode: int) -> str:
    """``a FIFO (named pipe)``, ``a socket``, ...: what a file that is not regular is."""
    for test, kind in _KINDS:
        if test(mode):
            return kind
    return "not a regular file"


def not_regular(path: Path | str, mode: int, *, what: str) -> NotRegularFile:
    """The error for ``path`` of kind ``mode``: one line with the fix."""
    error = NotRegularFile(
        f"{what} {path} is {describe_kind(mode)}, not a regular file; refused without "
        f"reading it (it could block the run). Move it aside (mv {path} {path}.aside) "
        "and run again"
    )
    error.kind = describe_kind(mode)
    return error


def open_regular(
    path: Path | str,
    flags: int = os.O_RDONLY,
    mode: int = 0o644,
    *,
    what: str = "file",
    follow_symlinks: bool = False,
) -> int:
    """A descriptor on the regular file ``path``; ``NotRegularFile`` for anything else.

    ``O_CLOEXEC`` always, ``O_NOFOLLOW`` unless ``follow_symlinks`` (a
    symlink then fails with ``ELOOP``, which the caller reports in its own
    words). Other ``OSError`` (missing file, permissions) propagate as is.
    """
    try:
        info = os.stat(path) if follow_symlinks else os.lstat(path)
    except FileNotFoundError:
        if not flags & os.O_CREAT:
            raise
    else:
        if not stat.S_ISREG(info.st_mode) and not stat.S_ISLNK(info.st_mode):
            raise not_regular(path, info.st_mode, what=what)
    nofollow = 0 if follow_symlinks else os.O_NOFOLLOW
    try:
        fd = os.open(path, flags | os.O_NONBLOCK | os.O_CLOEXEC | nofollow, mode)
    except OSError as exc:
        if exc.errno == errno.ENXIO:  # a FIFO without a reader, opened for writing
            raise not_regular(path, stat.S_IFIFO, what=what) from exc
        raise
    try:
        info = os.fstat(fd)
    except OSError:
        os.close(fd)
        raise
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise not_regular(path, info.st_mode, what=what)
    return fd


def read_at_most(fd: int, limit: int) -> bytes:
    """Up to ``limit`` bytes from ``fd``: read ``limit + 1`` to learn a file is too big
    without reading all of a huge one."""
    chunks: list[bytes] = []
    remaining = limit
    while remaining > 0:
        chunk = os.read(fd, min(remaining, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def read_regular(path: Path | str, *, what: str = "file", follow_symlinks: bool = False) -> bytes:
    """The whole content of the regular file ``path`` (see ``open_regular``)."""
    fd = open_regular(path, what=what, follow_symlinks=follow_symlinks)
    try:
        chunks: list[bytes] = []
        size = os.fstat(fd).st_size
        while True:
            chunk = os.read(fd, max(size + 1, 1 << 16))
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)
