"""Reading one tracked file safely, and getting a copy that is one real version of it.

- ``lstat`` first: only a regular file is opened (a FIFO would block the run,
  a device could be anything), and ``O_NONBLOCK | O_NOFOLLOW`` on the open
  closes the race where the name is swapped for one between the two calls.
- Files over ``MAX_FILE_BYTES`` and binary files (a NUL byte) are recorded
  and not copied: memory files are text; a 50 MB paste is not a note.
- Torn copies: after reading, the path is looked at again; a different size,
  mtime, ctime or inode means it was rewritten meanwhile, and it is read
  again (``READ_ATTEMPTS`` in all, then reported as changing). A copy of a
  file modified within ``RACY_NS`` of the read is marked ``racy``: the scan
  reads it again after a short pause and keeps it only if both copies match
  (see ``snapshot``). Timestamps are coarse (a kernel tick, a second on some
  filesystems), so a writer half-way through a rewrite of the same size in
  the same tick leaves every stat field equal: the trap git calls "racily
  clean".
"""

from __future__ import annotations

import codecs
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..system.regular_file import read_at_most

#: files larger than this are recorded but not copied
MAX_FILE_BYTES = 10 * 1024 * 1024
#: a file modified this close to a read is not trusted on its stat alone
RACY_NS = 2_000_000_000
#: reads of a file that keeps changing before it is reported as changing
READ_ATTEMPTS = 3

StatKey = tuple[int, int, int, int]


def stat_key(info: os.stat_result) -> StatKey:
    return (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)


def is_racy(mtime_ns: int, ctime_ns: int, seen_ns: int) -> bool:
    """Whether a change after ``seen_ns`` could have left the stat fields as they were."""
    return max(mtime_ns, ctime_ns) >= seen_ns - RACY_NS


@dataclass(frozen=True)
class Copy:
    """What reading a file gave: its bytes, or why there are none."""

    key: StatKey
    data: bytes | None = None
    #: recorded, not copied (too large, binary, not a regular file)
    note: str | None = None
    #: it kept changing while being read: nothing recorded this time
    changing: bool = False
    #: it disappeared between listing and reading
    vanished: bool = False
    #: modified so recently that the copy must be confirmed by a second read
    racy: bool = False


def count_lines(data: bytes) -> int:
    return data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)


def count_chars(data: bytes) -> int:
    """Characters, as OpenClaw counts what it injects (decoded UTF-8, not bytes)."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    return len(data.decode("utf-8", errors="replace"))


def _huge(size: int, max_bytes: int) -> str:
    return (
        f"larger than {max_bytes / (1024 * 1024):g} MiB ({size / (1024 * 1024):.1f} MiB); "
        "not copied — a memory file this large is usually a pasted log"
    )


def read_copy(
    path: Path,
    *,
    max_bytes: int = MAX_FILE_BYTES,
    now_ns: Callable[[], int],
    attempts: int = READ_ATTEMPTS,
) -> Copy:
    """One consistent copy of ``path`` (see the module docstring)."""
    key: StatKey = (0, 0, 0, 0)
    for _ in range(max(1, attempts)):
        try:
            before = os.lstat(path)
        except FileNotFoundError:
            return Copy(key, vanished=True)
        key = stat_key(before)
        if not stat.S_ISREG(before.st_mode):
            return Copy(key, note="not a regular file (a FIFO, socket, device or link); not opened")
        if before.st_size > max_bytes:
            return Copy(key, note=_huge(before.st_size, max_bytes))
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC)
        except FileNotFoundError:
            return Copy(key, vanished=True)
        except OSError as exc:
            return Copy(key, note=f"cannot be read ({exc.strerror}); not copied")
        try:
            opened = os.fstat(fd)
            if not stat.S_ISREG(opened.st_mode) or opened.st_ino != before.st_ino:
                continue  # swapped between lstat and open: look again
            data = read_at_most(fd, max_bytes + 1)
            racy = is_racy(opened.st_mtime_ns, opened.st_ctime_ns, now_ns())
        except OSError as exc:
            return Copy(key, note=f"cannot be read ({exc.strerror}); not copied")
        finally:
            os.close(fd)
        try:
            after = os.lstat(path)
        except FileNotFoundError:
            return Copy(key, vanished=True)
        key = stat_key(opened)
        if stat_key(after) != key or len(data) != opened.st_size:
            continue  # rewritten while we read it
        if len(data) > max_bytes:
            return Copy(key, note=_huge(len(data), max_bytes))
        if b"\x00" in data:
            return Copy(key, note="binary (it holds NUL bytes); not copied")
        return Copy(key, data=data, racy=racy)
    return Copy(key, changing=True)
