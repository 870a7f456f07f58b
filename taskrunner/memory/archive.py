"""The archive of removed memories ``memory/store.archive.jsonl``.

One JSON object per line, appended before the store is replaced::

    {"removed_at": "2026-11-28T03:00:00+01:00", "run_id": "...",
     "reason": "stale" | "duplicate" | "forgotten", "duplicate_of": "m_..." | null,
     "similarity": 0.95 | null, "memory": {...the memory as it was...}}

A duplicate whose merge gave its keeper another wording also carries
``keeper_wording``: the keeper's ``id``, ``text``, ``text_source`` and
``history`` before the merge (null for a field it did not have), so restoring the
duplicate gives the keeper its own words back.

``forgotten`` records are the memories ``memory_forget`` took out on purpose.

Append-only: restoring a memory does not remove its line, so the archive is
the full history of what consolidation and forgetting took out. ``restore_plan`` plans
putting memories back from it.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import diagnostics
from ..system.atomic import append_line, temp_path, write_atomic
from ..system.regular_file import open_regular, read_regular
from .consolidate import Memory, Plan
from .encoding import encode_json, encode_json_ascii
from .store import check_location

REASONS = ("stale", "duplicate", "forgotten")


#: the fields of a memory that make its wording (a memory stored without an
#: id is given the id of its text when its text changes)
WORDING_FIELDS = ("id", "text", "text_source", "history")


def archive_records(
    plan: Plan, memories: Sequence[Memory], *, run_id: str, removed_at: str
) -> list[dict[str, Any]]:
    """One archive record per memory the plan removes, in input order."""
    survivors = dict(zip(plan.kept, plan.memories, strict=True))
    records = []
    for removal in plan.removed:
        record = {
            "removed_at": removed_at,
            "run_id": run_id,
            "reason": removal.reason,
            "duplicate_of": removal.duplicate_of,
            "similarity": removal.similarity,
            "memory": memories[removal.index],
        }
        if removal.keeper is not None:
            before = memories[removal.keeper]
            after = survivors.get(removal.keeper, before)
            if any(before.get(f) != after.get(f) for f in WORDING_FIELDS):
                record["keeper_wording"] = {f: before.get(f) for f in WORDING_FIELDS}
        records.append(record)
    return records


def forgotten_records(
    memories: Sequence[Memory], *, run_id: str, removed_at: str
) -> list[dict[str, Any]]:
    """One archive record per memory ``memory_forget`` takes out, in input order."""
    return [
        {
            "removed_at": removed_at,
            "run_id": run_id,
            "reason": "forgotten",
            "duplicate_of": None,
            "similarity": None,
            "memory": memory,
        }
        for memory in memories
    ]


def backup_store(path: Path, backup: Path, *, expected_size: int | None = None) -> None:
    """Make ``backup`` hold the current bytes of ``path``, which is about to be replaced.

    A hard link when the filesystem allows: the store is replaced by a new
    file (a rename), so the old file simply becomes the backup, with no
    copy of a store that may be hundreds of megabytes. Otherwise (no hard
    links, a symlinked store, or a size that is not the one loaded) a copy,
    written atomically.
    """
    path, backup = Path(path), Path(backup)
    tmp = temp_path(backup)
    try:
        info = os.lstat(path)
        if stat.S_ISREG(info.st_mode) and expected_size in (None, info.st_size):
            os.link(path, tmp, follow_symlinks=False)
            try:
                os.replace(tmp, backup)
            except OSError:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise
            return
    except OSError:
        pass  # no hard links on this filesystem: copy instead
    write_atomic(backup, read_regular(path, what="the memory store"))


def append_records(
    path: Path, records: Iterable[dict[str, Any]], *, lines: Mapping[int, bytes] | None = None
) -> int:
    """Append records, one line each, in a single fsynced write; returns how many.

    A line torn by an earlier crash is closed first (``append_line`` does it
    for every append-only file), so it stays one bad line instead of
    swallowing the first new record. ``lines`` maps ``id(memory)``
    to the store line that encodes that very memory, unchanged
    (``store_lines.line_map_at``): its record takes the line as it is
    instead of encoding the memory again; the bytes are the same.
    """
    records = list(records)
    if not records:
        return 0
    line_of = (lines or {}).get
    # Straight to bytes, one join: the payload exists once. An empty last
    # line ends it with a newline.
    try:
        encoded = [_record_bytes(record, line_of(id(record["memory"]))) for record in records]
    except UnicodeEncodeError:
        # a lone surrogate (from a "\ud800" escape in the store) has no UTF-8 form
        encoded = [encode_json_ascii(record).encode("ascii") for record in records]
    payload = b"\n".join([*encoded, b""])
    del encoded
    # The caller holds the store lock: no other appender, so a failed append
    # (a full disk) is cut back off instead of leaving a torn line.
    append_line(path, payload, exclusive=True)
    return len(records)


def _record_bytes(record: dict[str, Any], memory_line: bytes | None) -> bytes:
    """``encode_json(record)`` in UTF-8; ``memory_line``, when given, is its memory's encoding."""
    if memory_line is None:
        return encode_json(record).encode("utf-8")
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    fields = before
    for key, value in record.items():
        if key == "memory":
            fields = after
        else:
            fields[key] = value
    # '{"a": 1, "b": 2}' around the line: '{"a": 1, "memory": <line>, "b": 2}'
    head = encode_json(before)[:-1] + (", " if before else "") + '"memory": '
    tail = ", " + encode_json(after)[1:] if after else "}"
    return head.encode("utf-8") + memory_line + tail.encode("utf-8")


def archive_size(path: Path) -> int:
    """The archive's size now (0 when there is none): where ``cut_back`` returns to."""
    try:
        return os.lstat(path).st_size
    except FileNotFoundError:
        return 0


def cut_back(path: Path, size: int) -> None:
    """Truncate the archive to ``size``: undo an append whose run did not complete.

    The caller holds the store lock. The records of a consolidation whose
    store was never replaced must not be offered for restoring.
    """
    fd = open_regular(path, os.O_WRONLY, what="the memory archive")
    try:
        if os.fstat(fd).st_size > size:
            os.ftruncate(fd, size)
            os.fsync(fd)
    finally:
        os.close(fd)


@dataclass
class ArchiveContents:
    """The readable records of an archive, and the lines that were not."""

    records: list[dict[str, Any]] = field(default_factory=list)
    #: 1-based numbers of lines that are not archive records
    bad_lines: list[int] = field(default_factory=list)
    #: the last line was cut short by a crash (not counted in ``bad_lines``)
    torn_tail: bool = False


def read_archive(path: Path) -> ArchiveContents:
    """Read every record; a torn last line and unreadable lines are skipped, not fatal."""
    contents = ArchiveContents()
    check_location(Path(path))
    try:
        data = read_regular(path, what="the memory archive")
    except FileNotFoundError:
        return contents
    lines = data.split(b"\n")
    complete = data.endswith(b"\n") or not data
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        last = number == len(lines)
        try:
            record = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
            record = None
        if (
            not isinstance(record, dict)
            or not isinstance(record.get("memory"), dict)
            or record.get("reason") not in REASONS
        ):
            if last and not complete:
                contents.torn_tail = True
            else:
                contents.bad_lines.append(number)
            continue
        contents.records.append(record)
    if contents.bad_lines:
        diagnostics.warn(
            __name__,
            "%s: %d unreadable line(s) skipped (first: line %d)",
            path,
            len(contents.bad_lines),
            contents.bad_lines[0],
        )
    return contents
