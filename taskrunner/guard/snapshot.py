"""One scan of the tracked files: what changed since the last recorded state, as one event.

A file whose (size, mtime_ns, ctime_ns, inode) equal the recorded ones is
not read again, unless it was modified within ``RACY_NS`` of the time it was
last read (then a later same-size rewrite in the same timestamp tick could
hide behind equal stat fields) or this is a full scan (``full``: every
maintenance pass re-reads everything, and ``--verify`` on demand). ctime is
part of the key because no tool can set it: an edit that puts the old mtime
back (``touch -r``, some sync tools) still changes it.

A copy of a file modified within ``RACY_NS`` may catch a writer between two
``write()`` calls. Such copies are read again after one short pause for all
of them (``SETTLE_S``) and kept only when both reads agree; a file still
moving after ``SETTLE_ROUNDS`` is reported as changing and copied next run.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .manifest import Entry, Event
from .objects import ObjectStore, digest
from .reading import (
    MAX_FILE_BYTES,
    Copy,
    count_chars,
    count_lines,
    is_racy,
    read_copy,
    stat_key,
)
from .tracked import Found, Scope, list_tracked

#: seconds between the two reads of a file that was modified just before the first
SETTLE_S = 0.05
#: pauses a still-moving file gets before it is reported as changing
SETTLE_ROUNDS = 3


@dataclass
class Scan:
    """What one scan found; ``event`` holds what must be recorded."""

    event: Event
    state: dict[str, Entry]
    #: present but not copied, with the reason (too large, binary, a link out …)
    skipped: dict[str, str] = field(default_factory=dict)
    #: kept changing while being read; recorded next time
    changing: list[str] = field(default_factory=list)
    #: folders that could not be listed
    unlisted: list[str] = field(default_factory=list)
    files: int = 0
    read: int = 0
    new_objects: int = 0
    new_bytes: int = 0
    #: missing copies put back from the files (full scans only)
    healed: int = 0


def _under(rel: str, prefixes: list[str]) -> bool:
    return any(rel == p or rel.startswith(p + "/") for p in prefixes)


@dataclass
class _Scanner:
    previous: Mapping[str, Entry]
    result: Scan
    objects: ObjectStore | None
    now_ns: Callable[[], int]
    full: bool
    max_bytes: int
    present: set[str] = field(default_factory=set)

    def unchanged(self, found: Found) -> bool:
        """True: no need to read it (its stat fields are as recorded and can be trusted)."""
        prev = self.previous.get(found.rel)
        info = found.info
        self.present.add(found.rel)
        self.result.files += 1
        if self.full or prev is None or not prev.same_stat(*stat_key(info)):
            return False
        return prev.note is not None or not is_racy(prev.mtime_ns, prev.ctime_ns, prev.seen_ns)

    def read(self, found: Found) -> Copy:
        self.result.read += 1
        return read_copy(Path(found.path), max_bytes=self.max_bytes, now_ns=self.now_ns)

    def record(self, found: Found, copy: Copy) -> None:
        rel, result = found.rel, self.result
        prev = self.previous.get(rel)
        size, mtime_ns, ctime_ns, ino = copy.key
        if copy.vanished:
            self.present.discard(rel)
            result.files -= 1
            return
        if copy.changing:
            result.changing.append(rel)
            return
        if copy.data is None:
            note = copy.note or "not copied"
            result.skipped[rel] = note
            entry = Entry(None, size, mtime_ns, ctime_ns, ino, note=note)
            if prev is None or prev.note != note or not prev.same_stat(*copy.key):
                result.event.put[rel] = entry
                result.state[rel] = entry
            return
        data = copy.data
        hash_hex = digest(data)
        entry = Entry(
            hash_hex,
            size,
            mtime_ns,
            ctime_ns,
            ino,
            lines=count_lines(data),
            chars=count_chars(data),
            seen_ns=self.now_ns(),
        )
        same = prev is not None and prev.hash == hash_hex
        if same and self.full and self.objects is not None and not self.objects.has(hash_hex):
            # The copy went missing from the store (removed by hand, a disk fault):
            # the file still holds that content, so put it back.
            self.objects.put(data, hash_hex)
            result.healed += 1
        if prev is not None and same:
            if prev.same_stat(*copy.key) and not is_racy(mtime_ns, ctime_ns, prev.seen_ns):
                return
            # Same bytes, new stat (a touch) or settled after being racy: refresh the
            # cache so the next run need not read it again.
            result.event.stat[rel] = entry
            result.state[rel] = entry
            return
        if self.objects is not None:
            _, written = self.objects.put(data, hash_hex)
            if written:
                result.new_objects += 1
                result.new_bytes += len(data)
        result.event.put[rel] = entry
        result.state[rel] = entry

    def settle(self, pending: list[tuple[Found, Copy]], sleep: Callable[[float], None]) -> None:
        """Confirm racy copies with a second read after a pause (one pause for all)."""
        for _ in range(SETTLE_ROUNDS):
            if not pending:
                return
            sleep(SETTLE_S)
            moving: list[tuple[Found, Copy]] = []
            for found, first in pending:
                second = self.read(found)
                if second.data is not None and second.data == first.data:
                    self.record(found, second)
                elif second.data is None:
                    self.record(found, second)  # gone, skipped or changing: say so
                else:
                    moving.append((found, second))
            pending = moving
        for found, _copy in pending:
            self.result.changing.append(found.rel)


def scan(
    workspace: Path,
    scope: Scope,
    previous: Mapping[str, Entry],
    event: Event,
    *,
    objects: ObjectStore | None,
    now_ns: Callable[[], int],
    full: bool = False,
    max_bytes: int = MAX_FILE_BYTES,
    sleep: Callable[[float], None] = time.sleep,
) -> Scan:
    """Compare the workspace with ``previous``; new content goes to ``objects`` (None: dry run)."""
    listing = list_tracked(workspace, scope)
    result = Scan(event=event, state=dict(previous), unlisted=list(listing.unlisted))
    scanner = _Scanner(
        previous, result, objects=objects, now_ns=now_ns, full=full, max_bytes=max_bytes
    )
    racy: list[tuple[Found, Copy]] = []
    for found in listing.files:
        if scanner.unchanged(found):
            continue
        copy = scanner.read(found)
        if copy.racy and copy.data is not None:
            racy.append((found, copy))
        else:
            scanner.record(found, copy)
    scanner.settle(racy, sleep)
    present = scanner.present
    for rel, note in listing.skipped.items():
        result.skipped.setdefault(rel, note)
        if rel in present or not scope.covers(rel):
            continue
        present.add(rel)
        prev = previous.get(rel)
        if prev is None or prev.note != note:
            entry = Entry(None, 0, 0, note=note)
            event.put[rel] = entry
            result.state[rel] = entry
    for rel in sorted(previous):
        if rel in present or rel in result.changing or not scope.covers(rel):
            continue
        if _under(rel, listing.unlisted) or os.path.lexists(workspace / rel):
            continue  # could not look, or there but not listed: not evidence it is gone
        event.gone.append(rel)
        result.state.pop(rel, None)
    return result
