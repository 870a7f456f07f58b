"""One scan of the tracked files: what changed since the last recorded state, as one event.

A file whose (size, mtime_ns, ctime_ns, inode) equal the recorded ones is
not read again, unless it was modified within ``RACY_NS`` of the time it was
last read (then a later same-size rewrite in the same timestamp tick could
hide behind equal stat fields) or this is a full scan (``full``: every
maintenance pass re-reads everything, and ``--verify`` on demand). ctime is
part of the key because no tool can set it: an edit that puts the old mtime
back (``touch -r``, some sync tools) still changes it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .manifest import Entry, Event
from .objects import ObjectStore, digest
from .reading import MAX_FILE_BYTES, count_chars, count_lines, is_racy, read_copy, stat_key
from .tracked import Scope, list_tracked


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
) -> Scan:
    """Compare the workspace with ``previous``; new content goes to ``objects`` (None: dry run)."""
    listing = list_tracked(workspace, scope)
    result = Scan(event=event, state=dict(previous), unlisted=list(listing.unlisted))
    present: set[str] = set()
    for found in listing.files:
        rel = found.rel
        prev = previous.get(rel)
        try:
            info = os.lstat(found.path)
        except OSError:
            continue  # gone since it was listed: judged below like any missing file
        present.add(rel)
        result.files += 1
        key = stat_key(info)
        if (
            not full
            and prev is not None
            and prev.same_stat(*key)
            and (prev.note is not None or not is_racy(prev.mtime_ns, prev.ctime_ns, prev.seen_ns))
        ):
            continue  # unchanged: not read
        result.read += 1
        copy = read_copy(found.path, max_bytes=max_bytes, now_ns=now_ns)
        size, mtime_ns, ctime_ns, ino = copy.key
        if copy.vanished:
            present.discard(rel)
            result.files -= 1
            continue
        if copy.changing:
            result.changing.append(rel)
            continue
        if copy.data is None:
            note = copy.note or "not copied"
            result.skipped[rel] = note
            entry = Entry(None, size, mtime_ns, ctime_ns, ino, note=note)
            if prev is None or prev.note != note or not prev.same_stat(*copy.key):
                event.put[rel] = entry
                result.state[rel] = entry
            continue
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
            seen_ns=now_ns(),
        )
        same = prev is not None and prev.hash == hash_hex
        if same and full and objects is not None and not objects.has(hash_hex):
            # The copy went missing from the store (removed by hand, a disk fault):
            # the file still holds that content, so put it back.
            objects.put(data, hash_hex)
            result.healed += 1
        if prev is not None and same:
            if prev.same_stat(*copy.key) and not is_racy(mtime_ns, ctime_ns, prev.seen_ns):
                continue
            # Same bytes, new stat (a touch) or settled after being racy: refresh the
            # cache so the next run need not read it again.
            event.stat[rel] = entry
            result.state[rel] = entry
            continue
        if objects is not None:
            _, written = objects.put(data, hash_hex)
            if written:
                result.new_objects += 1
                result.new_bytes += len(data)
        event.put[rel] = entry
        result.state[rel] = entry
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
