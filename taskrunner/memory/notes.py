"""Find and read the daily notes of given days, safely.

A daily note is a file directly in ``memory/`` named ``YYYY-MM-DD.md`` or a
same-day variant: ``YYYY-MM-DD-HHMM.md`` (OpenClaw's session-memory hook),
``YYYY-MM-DD-<slug>.md``, ``YYYY-MM-DD_<slug>.md``. Subdirectories are never
read, so OpenClaw's generated ``memory/.dreams/``, ``memory/dreaming/`` and
``memory/imports/`` stay out.

Bad input never raises: every problem becomes one message for that file.
"""

from __future__ import annotations

import codecs
import os
import re
from collections.abc import Iterable
from datetime import date
from pathlib import Path

from ..errors import NoteUnreadable, NotRegularFile
from ..system.regular_file import open_regular, read_at_most

#: bytes read from one note at most; a note this large is usually a pasted log
MAX_NOTE_BYTES = 8 * 1024 * 1024

_NOTE_NAME = re.compile(r"(\d{4}-\d{2}-\d{2})(?:[-_].*)?\.md", re.IGNORECASE | re.DOTALL)


# Plain classes, not dataclasses: this module is on the path of a capture over
# unchanged notes, which must cost about what ``runner.py noop`` costs, and
# importing ``dataclasses`` (with ``inspect``) costs a good part of that.


class Note:
    """A daily note found in ``memory/``."""

    __slots__ = ("day", "path", "rel")

    def __init__(self, path: Path, rel: str, day: date) -> None:
        self.path = path
        #: workspace-relative path with ``/``, as stored in a memory's sources
        self.rel = rel
        self.day = day

    def _key(self) -> tuple[Path, str, date]:
        return (self.path, self.rel, self.day)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Note) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return f"Note(path={self.path!r}, rel={self.rel!r}, day={self.day!r})"


class NoteText:
    """A note's text, and what was wrong with it (one message per problem)."""

    __slots__ = ("note", "problems", "text")

    def __init__(self, note: Note, text: str, problems: list[str] | None = None) -> None:
        self.note = note
        self.text = text
        self.problems: list[str] = [] if problems is None else problems


class Discovery:
    """The notes to read, and the candidates that were skipped with a reason."""

    __slots__ = ("notes", "problems")

    def __init__(self, notes: list[Note] | None = None, problems: list[str] | None = None):
        self.notes: list[Note] = [] if notes is None else notes
        self.problems: list[str] = [] if problems is None else problems


def note_day(name: str) -> date | None:
    """The date a daily-note file name stands for, or None when it is not one."""
    match = _NOTE_NAME.fullmatch(name)
    if match is None:
        return None
    try:
        return date.fromisoformat(match.group(1))
    except ValueError:
        return None


def _is_utf8(name: str) -> bool:
    """False for a name ``os.listdir`` decoded with surrogate escapes (bytes not UTF-8)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def printable_name(name: str) -> str:
    """A file name as printable text: undecodable bytes as ``\\xff``."""
    return os.fsencode(name).decode("utf-8", "backslashreplace")


def _inside(path: Path, roots: Iterable[Path]) -> bool:
    return any(path == root or root in path.parents for root in roots)


def find_notes(workspace: Path, days: Iterable[date]) -> Discovery:
    """The daily notes of ``days`` in ``<workspace>/memory``, by date then name."""
    wanted = set(days)
    memory_dir = workspace / "memory"
    found = Discovery()
    try:
        names = sorted(os.listdir(memory_dir))
    except FileNotFoundError:
        return found
    except OSError as exc:
        found.problems.append(f"memory/ cannot be listed ({exc.strerror}); no notes read")
        return found
    roots = {workspace.resolve(), memory_dir.resolve()}
    candidates: list[Note] = []
    for name in names:
        day = note_day(name)
        if day is None or day not in wanted:
            continue
        if not _is_utf8(name):
            # The name would be stored in every memory's sources and echoed in
            # the result: text that UTF-8 cannot carry. Say which file, in a
            # form that can be printed and typed.
            found.problems.append(
                f"memory/{printable_name(name)}: the file name is not valid UTF-8; skipped — "
                "rename the file"
            )
            continue
        path = memory_dir / name
        rel = f"memory/{name}"
        if path.is_symlink():
            try:
                target = path.resolve(strict=True)
            except (OSError, RuntimeError):
                found.problems.append(f"{rel} is a broken symlink; skipped")
                continue
            if not _inside(target, roots):
                found.problems.append(
                    f"{rel} is a symlink to {target}, outside the workspace; skipped"
                )
                continue
        if path.is_dir():
            found.problems.append(f"{rel} is a directory, not a note; skipped")
            continue
        candidates.append(Note(path=path, rel=rel, day=day))
    candidates.sort(key=lambda note: (note.day, note.rel))
    found.notes = candidates
    return found


def _decode(raw: bytes, rel: str, problems: list[str]) -> str:
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return raw.decode("utf-16", errors="replace")
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8) :]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        problems.append(
            f"{rel} is not valid UTF-8 (first bad byte at offset {exc.start}); "
            "read with replacement characters"
        )
        return raw.decode("utf-8", errors="replace")


def _cut(raw: bytes, limit: int) -> bytes:
    """The first ``limit`` bytes, ending at a line end (or a character boundary)."""
    head = raw[:limit]
    newline = head.rfind(b"\n")
    if newline >= 0:
        return head[: newline + 1]
    end = len(head)
    while end > 0 and head[end - 1] & 0xC0 == 0x80:  # UTF-8 continuation byte
        end -= 1
    return head[: end - 1] if end > 0 and head[end - 1] >= 0xC0 else head[:end]


def read_note(note: Note, *, max_bytes: int = MAX_NOTE_BYTES) -> NoteText:
    """Read a note; raises ``NoteUnreadable`` with a clear message when it cannot be read."""
    rel = note.rel
    try:
        # A FIFO planted under a note's name must not hang the run.
        fd = open_regular(note.path, what="note", follow_symlinks=True)
    except NotRegularFile as exc:
        raise NoteUnreadable(f"{rel} is not a regular file; skipped") from exc
    except OSError as exc:
        hint = " — fix its permissions" if isinstance(exc, PermissionError) else ""
        raise NoteUnreadable(f"{rel} cannot be read ({exc.strerror}); skipped{hint}") from exc
    try:
        info = os.fstat(fd)
        raw = read_at_most(fd, max_bytes + 1)
    except OSError as exc:
        raise NoteUnreadable(f"{rel} cannot be read ({exc.strerror}); skipped") from exc
    finally:
        os.close(fd)
    problems: list[str] = []
    if len(raw) > max_bytes:
        raw = _cut(raw, max_bytes)
        problems.append(
            f"{rel} is larger than {max_bytes // (1024 * 1024)} MiB "
            f"({info.st_size / (1024 * 1024):.1f} MiB); only its first {len(raw)} bytes "
            "were read — a note this large is usually a pasted log"
        )
    text = _decode(raw, rel, problems)
    if "\x00" in text:
        problems.append(f"{rel} contains NUL bytes; they were ignored")
    return NoteText(note=note, text=text, problems=problems)
