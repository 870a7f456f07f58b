"""What one run records: entries (path -> hash, size, mtime …) and events (one run's delta).

The manifest is a journal, ``journal.jsonl``: one JSON line per run that saw
a change, holding only what changed::

    {"seq": 7, "ts": 1764748800.0, "at": "2026-12-03T09:00:00+01:00", "run": "7f3a…",
     "kind": "scan", "put": {"memory/2026-12-03.md": {entry}}, "stat": {...}, "gone": [...]}

``put`` is new content (or a file newly skipped), ``stat`` a file whose
bytes did not change but whose stat fields did (so the next run need not
read it again), ``gone`` files that disappeared. A run over unchanged files
appends nothing. Replaying the journal gives the current state and every
version ever kept; ``checkpoint.json`` (see ``journal``) only makes loading
the current state fast.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from ..system.json_words import json_text

#: bumped when the journal or checkpoint format changes incompatibly
MANIFEST_VERSION = 1


@dataclass(slots=True)
class Entry:
    """One path's recorded state: its content (``hash``) or why it was not copied (``note``)."""

    hash: str | None
    size: int
    mtime_ns: int
    ctime_ns: int = 0
    ino: int = 0
    lines: int = 0
    chars: int = 0
    #: wall-clock ns when it was read: content modified shortly before is read again
    seen_ns: int = 0
    #: why the file was recorded but not copied (too large, binary, a link out)
    note: str | None = None

    def same_stat(self, size: int, mtime_ns: int, ctime_ns: int, ino: int) -> bool:
        return (self.size, self.mtime_ns, self.ctime_ns, self.ino) == (
            size,
            mtime_ns,
            ctime_ns,
            ino,
        )

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "hash": self.hash,
            "size": self.size,
            "lines": self.lines,
            "chars": self.chars,
            "mtime_ns": self.mtime_ns,
            "ctime_ns": self.ctime_ns,
            "ino": self.ino,
            "seen_ns": self.seen_ns,
        }
        if self.note is not None:
            out["note"] = self.note
        return out

    @classmethod
    def from_json(cls, raw: Any) -> Entry:
        if not isinstance(raw, dict):
            raise ValueError("an entry must be an object")
        h = raw.get("hash")
        if h is not None and not (isinstance(h, str) and len(h) == 64):
            raise ValueError(f"bad hash {h!r}")
        note = raw.get("note")
        return cls(
            hash=h,
            size=_int(raw, "size"),
            mtime_ns=_int(raw, "mtime_ns"),
            ctime_ns=_int(raw, "ctime_ns"),
            ino=_int(raw, "ino"),
            lines=_int(raw, "lines"),
            chars=_int(raw, "chars"),
            seen_ns=_int(raw, "seen_ns"),
            note=str(note) if note is not None else None,
        )

    def refreshed(self, other: Entry) -> Entry:
        """This content with ``other``'s stat fields (same bytes, newer stat)."""
        return replace(
            self,
            size=other.size,
            mtime_ns=other.mtime_ns,
            ctime_ns=other.ctime_ns,
            ino=other.ino,
            seen_ns=other.seen_ns,
        )


def _int(raw: Mapping[str, Any], key: str) -> int:
    value = raw.get(key, 0)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{key} must be a whole number, not {json_text(value)}")
    return value


@dataclass
class Event:
    """One run's changes (a journal line)."""

    seq: int
    ts: float
    at: str
    run: str
    kind: str = "scan"
    put: dict[str, Entry] = field(default_factory=dict)
    stat: dict[str, Entry] = field(default_factory=dict)
    gone: list[str] = field(default_factory=list)

    def is_empty(self) -> bool:
        return not (self.put or self.stat or self.gone)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "seq": self.seq,
            "ts": self.ts,
            "at": self.at,
            "run": self.run,
            "kind": self.kind,
        }
        if self.put:
            out["put"] = {p: e.to_json() for p, e in sorted(self.put.items())}
        if self.stat:
            out["stat"] = {p: e.to_json() for p, e in sorted(self.stat.items())}
        if self.gone:
            out["gone"] = sorted(self.gone)
        return out

    @classmethod
    def from_json(cls, raw: Any) -> Event:
        if not isinstance(raw, dict):
            raise ValueError("a journal line must be an object")
        seq = _int(raw, "seq")
        ts = raw.get("ts")
        if isinstance(ts, bool) or not isinstance(ts, int | float):
            raise ValueError(f"ts must be a number, not {json_text(ts)}")
        gone = raw.get("gone", [])
        if not isinstance(gone, list) or not all(isinstance(p, str) for p in gone):
            raise ValueError("gone must be a list of paths")
        return cls(
            seq=seq,
            ts=float(ts),
            at=str(raw.get("at", "")),
            run=str(raw.get("run", "")),
            kind=str(raw.get("kind", "scan")),
            put=_entries(raw.get("put", {})),
            stat=_entries(raw.get("stat", {})),
            gone=list(gone),
        )


def _entries(raw: Any) -> dict[str, Entry]:
    if not isinstance(raw, dict):
        raise ValueError("put and stat must be objects")
    return {str(path): Entry.from_json(value) for path, value in raw.items()}


def apply(state: dict[str, Entry], event: Event) -> None:
    """Fold one event into a path -> entry state (in place)."""
    for path in event.gone:
        state.pop(path, None)
    state.update(event.put)
    for path, entry in event.stat.items():
        old = state.get(path)
        # A stat refresh only ever follows the content it refreshes.
        state[path] = old.refreshed(entry) if old is not None else entry


def replay(events: Iterable[Event]) -> dict[str, Entry]:
    state: dict[str, Entry] = {}
    for event in events:
        apply(state, event)
    return state


#: a checkpoint row: the entry's fields in this order (compact: read on every run)
ROW = ("hash", "size", "lines", "chars", "mtime_ns", "ctime_ns", "ino", "seen_ns", "note")


def state_to_json(state: Mapping[str, Entry]) -> dict[str, Any]:
    return {
        path: [e.hash, e.size, e.lines, e.chars, e.mtime_ns, e.ctime_ns, e.ino, e.seen_ns, e.note]
        for path, e in sorted(state.items())
    }


def state_from_json(raw: Any) -> dict[str, Entry]:
    if not isinstance(raw, dict):
        raise ValueError("the state must be an object")
    out: dict[str, Entry] = {}
    for path, row in raw.items():
        if not isinstance(row, list) or len(row) != len(ROW):
            raise ValueError(f"bad checkpoint row for {path!r}")
        h, size, lines, chars, mtime_ns, ctime_ns, ino, seen_ns, note = row
        if not (
            (h is None or (type(h) is str and len(h) == 64))
            and type(size) is int
            and type(lines) is int
            and type(chars) is int
            and type(mtime_ns) is int
            and type(ctime_ns) is int
            and type(ino) is int
            and type(seen_ns) is int
            and (note is None or type(note) is str)
        ):
            raise ValueError(f"bad checkpoint row for {path!r}")
        out[path] = Entry(h, size, mtime_ns, ctime_ns, ino, lines, chars, seen_ns, note)
    return out
