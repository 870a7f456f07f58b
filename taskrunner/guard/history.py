"""Versions of a path, and the state of the tracked files at a moment, from the journal."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .manifest import Entry, Event


@dataclass(frozen=True)
class Version:
    """One content of one path, first recorded at ``ts``."""

    path: str
    entry: Entry
    seq: int
    ts: float
    at: str
    kind: str

    @property
    def hash(self) -> str:
        assert self.entry.hash is not None
        return self.entry.hash


@dataclass(frozen=True)
class Record:
    """One journal record about one path: new content, a skip note, or gone (``entry`` None)."""

    seq: int
    ts: float
    entry: Entry | None
    kind: str  # "put" | "gone" | "stat"


def records_by_path(events: Iterable[Event]) -> dict[str, list[Record]]:
    out: dict[str, list[Record]] = {}
    for event in events:
        for path in event.gone:
            out.setdefault(path, []).append(Record(event.seq, event.ts, None, "gone"))
        for path, entry in event.put.items():
            out.setdefault(path, []).append(Record(event.seq, event.ts, entry, "put"))
        for path, entry in event.stat.items():
            out.setdefault(path, []).append(Record(event.seq, event.ts, entry, "stat"))
    return out


def versions(events: Sequence[Event], path: str) -> list[Version]:
    """The distinct contents ``path`` had, oldest first (a content seen again after another
    one is a new version: that is what was on disk then)."""
    out: list[Version] = []
    last_hash: str | None = None
    for event in events:
        if path in event.gone:
            last_hash = None
        entry = event.put.get(path)
        if entry is None or entry.hash is None:
            if entry is not None:
                last_hash = None
            continue
        if entry.hash != last_hash:
            out.append(Version(path, entry, event.seq, event.ts, event.at, event.kind))
        last_hash = entry.hash
    return out


def state_at(events: Iterable[Event], ts: float) -> dict[str, Entry]:
    """What each path held at ``ts`` (events up to and including that moment)."""
    state: dict[str, Entry] = {}
    for event in events:
        if event.ts > ts:
            continue
        for path in event.gone:
            state.pop(path, None)
        state.update(event.put)
    return {p: e for p, e in state.items() if e.hash is not None}


def known_paths(events: Iterable[Event]) -> set[str]:
    paths: set[str] = set()
    for event in events:
        paths.update(event.put)
        paths.update(event.gone)
    return paths


def under(path: str, prefix: str) -> bool:
    """Whether ``path`` is ``prefix`` or inside the folder ``prefix`` (``""``: everything)."""
    return not prefix or path == prefix or path.startswith(prefix.rstrip("/") + "/")
