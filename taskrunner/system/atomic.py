"""Crash-safe file writes: a reader sees the old file or the new one, never half of one."""

from __future__ import annotations

import contextlib
import errno
import json
import os
from pathlib import Path

from ..errors import WriteFailed

# typing is only needed by the type checker: keep it off the startup path.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def _fsync_dir(directory: Path) -> None:
    # The rename is only durable once the directory entry itself is on disk.
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_all(fd: int, data: bytes) -> None:
    """Write every byte of ``data`` to ``fd``, or raise ``OSError``.

    ``os.write`` may take fewer bytes than offered (a pipe, a signal, a nearly
    full disk); every caller that must not lose the rest loops here.
    """
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        if written <= 0:
            raise OSError(errno.EIO, f"no bytes accepted ({len(view)} left)")
        view = view[written:]


def write_atomic(path: Path, data: bytes | str, *, mode: int | None = None) -> None:
    """Replace ``path`` with ``data`` atomically (temp file, fsync, ``os.replace``).

    The temp file is created next to ``path`` (same filesystem, so the rename
    is atomic) with ``O_EXCL | O_NOFOLLOW``, so a planted symlink is never
    written through. An existing file's permission bits are kept.
    """
    payload = data.encode("utf-8") if isinstance(data, str) else data
    path = Path(path)
    directory = path.parent
    if mode is None:
        try:
            mode = os.stat(path).st_mode & 0o7777
        except FileNotFoundError:
            mode = 0o644
    tmp = directory / f".{path.name}.tmp-{os.getpid()}-{os.urandom(4).hex()}"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, mode)
    except OSError as exc:
        raise WriteFailed(f"cannot write {path}: {exc.strerror}") from exc
    try:
        try:
            write_all(fd, payload)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        hint = " (disk full: free some space and run again)" if exc.errno == errno.ENOSPC else ""
        raise WriteFailed(
            f"cannot write {path}: {exc.strerror}{hint}; the previous version is untouched"
        ) from exc
    with contextlib.suppress(OSError):
        _fsync_dir(directory)


def dumps_json(obj: Any) -> str:
    """The one JSON style for files the runner owns: UTF-8, indented, trailing newline."""
    return json.dumps(obj, ensure_ascii=False, indent=2) + "\n"


def write_json_atomic(path: Path, obj: Any) -> None:
    """``write_atomic`` for a JSON document."""
    write_atomic(path, dumps_json(obj))


def append_line(path: Path, line: str) -> None:
    """Append one line with a single ``write()`` on an ``O_APPEND`` descriptor.

    POSIX appends of one write land whole at the end of the file, so
    concurrent writers never interleave inside a line. Fsynced: a record the
    caller was told about survives a power cut.
    """
    data = (line.rstrip("\n") + "\n").encode("utf-8")
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    try:
        written = os.write(fd, data)
        if written != len(data):
            raise WriteFailed(f"short write to {path} ({written} of {len(data)} bytes)")
        os.fsync(fd)
    except OSError as exc:
        raise WriteFailed(f"cannot append to {path}: {exc.strerror}") from exc
    finally:
        os.close(fd)


def move_aside(path: Path, label: str) -> Path:
    """Rename ``path`` to ``<name>.<label>[-N]`` without ever replacing an existing file.

    For a corrupted file that must not be overwritten nor lost: the caller
    starts afresh, the user finds the old bytes beside it. ``os.link`` fails
    instead of replacing, so two set-asides in the same second both survive.
    The caller holds the lock that guards ``path``.
    """
    path = Path(path)
    for n in range(1000):
        target = path.with_name(f"{path.name}.{label}" + (f"-{n}" if n else ""))
        try:
            os.link(path, target)
        except FileExistsError:
            continue
        except OSError:
            # No hard links here (some filesystems); under the caller's lock a
            # check-then-rename cannot race another writer.
            if target.exists():
                continue
            path.rename(target)
            return target
        path.unlink()
        return target
    raise WriteFailed(
        f"{path} could not be moved aside: too many {path.name}.{label}-* files; clean them up"
    )
