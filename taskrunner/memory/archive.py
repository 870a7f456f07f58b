"""The archive of removed memories ``memory/store.archive.jsonl``, and restoring from it.

One JSON object per line, appended before the store is replaced::

    {"removed_at": "2026-11-28T03:00:00+01:00", "run_id": "...",
     "reason": "stale" | "duplicate", "duplicate_of": "m_..." | null,
     "similarity": 0.95 | null, "memory": {...the memory as it was...}}

Append-only: restoring a memory does not remove its line, so the archive is
the full history of what consolidation took out.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import stat
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..atomic import append_line, write_atomic
from .consolidate import Memory, Plan, identify, seen_count_of

logger = logging.getLogger(__name__)

REASONS = ("stale", "duplicate")


def archive_records(
    plan: Plan, memories: Sequence[Memory], *, run_id: str, removed_at: str
) -> list[dict[str, Any]]:
    """One archive record per memory the plan removes, in input order."""
    return [
        {
            "removed_at": removed_at,
            "run_id": run_id,
            "reason": removal.reason,
            "duplicate_of": removal.duplicate_of,
            "similarity": removal.similarity,
            "memory": memories[removal.index],
        }
        for removal in plan.removed
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
    tmp = backup.with_name(f".{backup.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}")
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
    except OSError as exc:
        logger.debug("cannot hard-link %s to %s (%s); copying", path, backup, exc)
    write_atomic(backup, path.read_bytes())


def _ends_mid_line(path: Path) -> bool:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except FileNotFoundError:
        return False
    try:
        size = os.fstat(fd).st_size
        return size > 0 and os.pread(fd, 1, size - 1) != b"\n"
    finally:
        os.close(fd)


def append_records(path: Path, records: Iterable[dict[str, Any]]) -> int:
    """Append records, one line each, in a single fsynced write; returns how many.

    A line torn by an earlier crash is closed first, so it stays one bad line
    instead of swallowing the first new record.
    """
    lines = [json.dumps(record, ensure_ascii=False) for record in records]
    if not lines:
        return 0
    payload = "\n".join(lines)
    try:
        payload.encode("utf-8")
    except UnicodeEncodeError:
        # a lone surrogate (from a "\ud800" escape in the store) has no UTF-8 form
        lines = [json.dumps(record, ensure_ascii=True) for record in records]
        payload = "\n".join(lines)
    if _ends_mid_line(path):
        payload = "\n" + payload
    append_line(path, payload)
    return len(lines)


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
    try:
        data = Path(path).read_bytes()
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
        logger.warning(
            "%s: %d unreadable line(s) skipped (first: line %d)",
            path,
            len(contents.bad_lines),
            contents.bad_lines[0],
        )
    return contents


@dataclass
class RestorePlan:
    """What a restore does; ``memories`` is the new store content."""

    memories: list[Memory]
    #: the archive records whose memory goes back into the store, in archive order
    restored: list[dict[str, Any]]
    #: ids selected but already in the store (nothing to do)
    already_present: list[str]
    #: requested memory ids with no archive record
    not_found: list[str]
    #: keepers whose ``merged_from`` / ``seen_count`` were given back
    unmerged: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.restored)


def select_records(
    records: Sequence[dict[str, Any]],
    *,
    run_id: str | None = None,
    memory_ids: Sequence[str] = (),
) -> tuple[list[dict[str, Any]], list[str]]:
    """The records to restore: all of a run, and the latest record of each memory id.

    Returns the records (one per memory, the latest wins, archive order) and
    the requested ids that have no record.
    """
    wanted = set(memory_ids)
    latest: dict[str, int] = {}
    found: set[str] = set()
    for position, record in enumerate(records):
        mid = identify(record["memory"])
        if (run_id is not None and record.get("run_id") == run_id) or mid in wanted:
            latest[mid] = position
            found.add(mid)
    chosen = sorted(latest.values())
    return [records[p] for p in chosen], [m for m in memory_ids if m not in found]


def plan_restore(
    memories: Sequence[Memory],
    records: Sequence[dict[str, Any]],
    *,
    run_id: str | None = None,
    memory_ids: Sequence[str] = (),
) -> RestorePlan:
    """Put archived memories back without duplicating any id already in the store.

    A restored duplicate is taken back out of its keeper: its id leaves the
    keeper's ``merged_from`` and its ``seen_count`` is subtracted. The
    keeper keeps the merged sources, importance and timestamps (they are
    still true of its text).
    """
    selected, not_found = select_records(records, run_id=run_id, memory_ids=memory_ids)
    new_memories = list(memories)
    position_of: dict[str, int] = {}
    for position, memory in enumerate(new_memories):
        position_of.setdefault(identify(memory), position)
    restored: list[dict[str, Any]] = []
    already_present: list[str] = []
    unmerged = 0
    for record in selected:
        memory = record["memory"]
        mid = identify(memory)
        if mid in position_of:
            already_present.append(mid)
            continue
        keeper_id = record.get("duplicate_of")
        if record.get("reason") == "duplicate" and isinstance(keeper_id, str):
            keeper_position = position_of.get(keeper_id)
            if keeper_position is not None:
                unmerge = _unmerge(new_memories[keeper_position], memory, mid)
                if unmerge is not None:
                    new_memories[keeper_position] = unmerge
                    unmerged += 1
        position_of[mid] = len(new_memories)
        new_memories.append(memory)
        restored.append(record)
    return RestorePlan(
        memories=new_memories,
        restored=restored,
        already_present=already_present,
        not_found=not_found,
        unmerged=unmerged,
    )


def _unmerge(keeper: Memory, duplicate: Memory, duplicate_id: str) -> Memory | None:
    merged_from = keeper.get("merged_from")
    if not isinstance(merged_from, list) or duplicate_id not in merged_from:
        return None
    result = dict(keeper)
    remaining = list(merged_from)
    remaining.remove(duplicate_id)
    if remaining:
        result["merged_from"] = remaining
    else:
        del result["merged_from"]
    count = keeper.get("seen_count")
    if isinstance(count, int) and not isinstance(count, bool):
        result["seen_count"] = max(1, count - seen_count_of(duplicate))
    return result
