"""Crash-safe file writes: a reader sees the old file or the new one, never half of one."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import re
import stat
from pathlib import Path

from ..errors import WriteFailed
from .lockfile import NO_LOCK_ERRNOS
from .regular_file import open_regular

# typing is only needed by the type checker: keep it off the startup path.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any


def _fsync_dir(directory: Path) -> None:
    # The rename is only durable once the directory entry itself is on disk.
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


#: what follows ``.<name>.tmp-`` in a temp file of ours: the writer's pid, 8 random hex digits
_TEMP_SUFFIX = re.compile(r"[0-9]+-[0-9a-f]{8}")


def temp_path(path: Path) -> Path:
    """A fresh temp name next to ``path``: ``.<name>.tmp-<pid>-<8 hex>``."""
    path = Path(path)
    return path.with_name(f".{path.name}.tmp-{os.getpid()}-{os.urandom(4).hex()}")


def remove_stale_temps(path: Path, *, before: float) -> list[Path]:
    """Remove the temp files a killed writer of ``path`` left behind; returns them.

    Call it holding the lock every writer of ``path`` holds, with ``before``
    the time that lock was taken: no live writer can then own a temp file,
    and one modified before that instant was left by a writer that died
    (SIGKILL, power loss) between creating and renaming it. Only names of
    our exact pattern, regular files of ours, are touched.
    """
    path = Path(path)
    prefix = f".{path.name}.tmp-"
    removed: list[Path] = []
    try:
        entries = list(os.scandir(path.parent))
    except OSError:
        return removed
    for entry in entries:
        name = entry.name
        if not name.startswith(prefix) or not _TEMP_SUFFIX.fullmatch(name[len(prefix) :]):
            continue
        try:
            info = entry.stat(follow_symlinks=False)
            if (
                stat.S_ISREG(info.st_mode)
                and info.st_uid == os.geteuid()
                and info.st_mtime < before
            ):
                os.unlink(entry.path)
                removed.append(Path(entry.path))
        except OSError:
            continue  # gone already, or not ours to remove
    return removed


def no_space_hint(path: Path, error: OSError) -> str:
    """``disk_space.no_space_hint``, imported only when a write has failed."""
    from .disk_space import no_space_hint as hint

    return hint(path, error)


def write_all(fd: int, data: bytes | memoryview) -> None:
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


#: buffers one ``os.writev`` takes at most
_IOV_MAX = 1024


def write_all_parts(fd: int, parts: Sequence[bytes]) -> None:
    """``write_all`` of the concatenation of ``parts``, without making it.

    ``os.writev`` takes up to ``_IOV_MAX`` parts a call; a short write (a
    signal, a nearly full disk) finishes its batch one part at a time.
    """
    for start in range(0, len(parts), _IOV_MAX):
        batch = parts[start : start + _IOV_MAX]
        written = os.writev(fd, batch)
        if written == sum(map(len, batch)):
            continue
        for part in batch:
            if written >= len(part):
                written -= len(part)
                continue
            write_all(fd, memoryview(part)[written:])
            written = 0


def write_atomic(
    path: Path, data: bytes | str | Sequence[bytes], *, mode: int | None = None
) -> None:
    """Replace ``path`` with ``data`` atomically (temp file, fsync, ``os.replace``).

    The temp file is created next to ``path`` (same filesystem, so the rename
    is atomic) with ``O_EXCL | O_NOFOLLOW``, so a planted symlink is never
    written through. An existing file's permission bits are kept. ``data``
    may be a sequence of byte strings, written one after another: a large
    file need not exist whole in memory.
    """
    payload = data.encode("utf-8") if isinstance(data, str) else data
    path = Path(path)
    directory = path.parent
    if mode is None:
        try:
            mode = os.stat(path).st_mode & 0o7777
        except FileNotFoundError:
            mode = 0o644
    tmp = temp_path(path)
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, mode)
    except OSError as exc:
        raise WriteFailed(f"cannot write {path}: {exc.strerror}") from exc
    try:
        try:
            if isinstance(payload, bytes):
                write_all(fd, payload)
            else:
                write_all_parts(fd, payload)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        hint = no_space_hint(path, exc)
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


def append_line(path: Path, line: str | bytes, *, exclusive: bool = False) -> None:
    """Append one line with a single ``write()`` on an ``O_APPEND`` descriptor.

    POSIX appends of one write land whole at the end of the file, so
    concurrent writers never interleave inside a line. Fsynced: a record the
    caller was told about survives a power cut.

    A file that does not end in a newline (a writer killed mid-line, a short
    write on a full disk, bytes pasted by hand) gets one before the line, in
    the same write: the torn line stays one bad line instead of swallowing
    this record. Only the last byte is read to know, holding ``flock`` on the
    file from that read until the write is done: an append of another
    process in progress grows the file page by page, and its last byte read
    mid-way would look torn.

    ``exclusive``: the caller holds the lock that keeps every other appender
    out (the store lock, for the archive), so a failed append (a full disk)
    is cut back off: the file is left exactly as it was, no torn line.
    """
    if isinstance(line, str):
        data = (line.rstrip("\n") + "\n").encode("utf-8")
    elif line.endswith(b"\n") and not line.endswith(b"\n\n"):
        data = line  # ends as it must: no copy of a large payload
    else:
        data = line.rstrip(b"\n") + b"\n"
    try:
        fd = _open_for_append(path)
    except OSError as exc:
        raise WriteFailed(
            f"cannot append to {path}: {exc.strerror}{no_space_hint(path, exc)}"
        ) from exc
    start: int | None = None
    try:
        try:
            locked = _lock_for_append(fd)
            if _ends_mid_line(fd):
                data = b"\n" + data
            if exclusive:
                start = os.fstat(fd).st_size
                # Alone on the file: finish it, or learn the real errno (ENOSPC).
                write_all(fd, data)
            else:
                written = os.write(fd, data)
                if written != len(data):
                    raise OSError(errno.ENOSPC, f"short write ({written} of {len(data)} bytes)")
            if locked:
                # The line is in place: the fsync need not keep other appenders waiting.
                fcntl.flock(fd, fcntl.LOCK_UN)
            os.fsync(fd)
        except OSError as exc:
            kept = "partly written"
            if start is not None:
                with contextlib.suppress(OSError):
                    os.ftruncate(fd, start)
                    os.fsync(fd)
                    kept = "left as it was (the partial append was cut off)"
            raise WriteFailed(
                f"cannot append to {path}: {exc.strerror}{no_space_hint(path, exc)}; the file was "
                f"{kept}"
            ) from exc
    finally:
        os.close(fd)


def _open_for_append(path: Path) -> int:
    flags = os.O_APPEND | os.O_CREAT
    try:
        # Read access only to look at the last byte (_ends_mid_line).
        return open_regular(path, flags | os.O_RDWR, 0o644, what="file")
    except PermissionError:
        # A file we may append to but not read: append as before, unchecked.
        return open_regular(path, flags | os.O_WRONLY, 0o644, what="file")


def _lock_for_append(fd: int) -> bool:
    """``flock`` the file for the check and the write; False where there is no ``flock``."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
    except OSError as exc:
        if exc.errno in NO_LOCK_ERRNOS:
            return False  # a share without locks: the check is then only best effort
        raise
    return True


def _ends_mid_line(fd: int) -> bool:
    """Whether the file behind ``fd`` is non-empty and its last byte is no newline."""
    try:
        size = os.fstat(fd).st_size
        return size > 0 and os.pread(fd, 1, size - 1) != b"\n"
    except OSError:
        return False  # write-only descriptor (EBADF): append unchecked


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
