"""Merge freshly extracted items into the stored memories, without duplicates.

An item whose normalized text is already stored (same id), or whose word set
is a near-duplicate of a stored memory's (``similarity.is_near_duplicate``),
is a *sighting* of that memory: its source is recorded, ``seen_count`` and
``last_seen_at`` move on. A sighting from a source the memory already lists
changes nothing, so capturing unchanged notes again writes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .kinds import importance_of
from .normalize import memory_id
from .probe import candidate_indexes, probe_words, sample_frequencies
from .similarity import NearDuplicateIndex, words


@dataclass(frozen=True)
class Sighting:
    """An extracted item with its provenance."""

    text: str
    kind: str
    #: workspace-relative note path, ``/``-separated
    file: str
    #: 1-based line in the note
    line: int
    day: date


@dataclass
class MergeResult:
    """What ``merge_sightings`` did to the memories."""

    added: int = 0
    skipped: int = 0
    #: memories that gained a source (new ones not counted)
    updated: int = 0
    #: False when the memories are exactly as before: nothing to write
    changed: bool = False
    new_ids: list[str] = field(default_factory=list)


def _stored_ids(memories: Sequence[dict[str, Any]]) -> dict[str, int]:
    ids: dict[str, int] = {}
    for index, memory in enumerate(memories):
        key = memory.get("id")
        if not isinstance(key, str):
            key = memory_id(memory["text"])
        ids.setdefault(key, index)
    return ids


def _near_stored(
    memories: Sequence[dict[str, Any]], word_sets: dict[int, frozenset[str]]
) -> dict[int, int]:
    """Item position -> index of the first stored memory it near-duplicates."""
    if not word_sets or not memories:
        return {}
    texts = [memory["text"] for memory in memories]
    frequencies = sample_frequencies(texts)
    index: NearDuplicateIndex[int] = NearDuplicateIndex()
    probes: set[str] = set()
    for position, item_words in word_sets.items():
        index.add(position, item_words)
        probes.update(probe_words(item_words, frequencies))
    matched: dict[int, int] = {}
    for stored in candidate_indexes(texts, probes):
        for position in index.query(words(texts[stored])):
            matched.setdefault(position, stored)
        if len(matched) == len(word_sets):
            break
    return matched


def _record(memory: dict[str, Any], sighting: Sighting, now_iso: str) -> bool:
    """Add a sighting to a memory; False when its source was already recorded."""
    sources = memory.get("sources")
    if not isinstance(sources, list):
        sources = memory["sources"] = []
    for source in sources:
        if (
            isinstance(source, dict)
            and source.get("file") == sighting.file
            and source.get("line") == sighting.line
        ):
            return False
    sources.append({"file": sighting.file, "line": sighting.line})
    count = memory.get("seen_count")
    memory["seen_count"] = (count if isinstance(count, int) else 0) + 1
    memory["last_seen_at"] = now_iso
    # A header seen again as a todo is now a todo: keep the stronger kind.
    importance = importance_of(sighting.kind)
    current = memory.get("importance")
    if not isinstance(current, (int, float)) or importance > current:
        memory["importance"] = importance
        memory["kind"] = sighting.kind
    return True


def new_memory(sighting: Sighting, now_iso: str) -> dict[str, Any]:
    """A memory for a first sighting."""
    return {
        "id": memory_id(sighting.text),
        "text": sighting.text,
        "kind": sighting.kind,
        "importance": importance_of(sighting.kind),
        "created_at": now_iso,
        "last_seen_at": now_iso,
        "date": sighting.day.isoformat(),
        "sources": [{"file": sighting.file, "line": sighting.line}],
        "seen_count": 1,
    }


def merge_sightings(
    memories: list[dict[str, Any]], sightings: Sequence[Sighting], *, now_iso: str
) -> MergeResult:
    """Add ``sightings`` to ``memories`` in place; see the module docstring.

    Deterministic: a sighting goes to the memory with its id, else to the
    first stored memory (in store order) it near-duplicates, else to a
    memory created earlier in this run, else it becomes a new memory.
    """
    result = MergeResult()
    ids = _stored_ids(memories)
    keys = [memory_id(sighting.text) for sighting in sightings]
    target: dict[int, int] = {}
    unknown: dict[int, frozenset[str]] = {}
    for position, key in enumerate(keys):
        stored = ids.get(key)
        if stored is not None:
            target[position] = stored
        else:
            unknown[position] = words(sightings[position].text)
    target.update(_near_stored(memories, {p: w for p, w in unknown.items() if w}))

    stored_count = len(memories)
    new_ids: dict[str, int] = {}
    new_index: NearDuplicateIndex[int] = NearDuplicateIndex()
    for position, sighting in enumerate(sightings):
        where = target.get(position)
        if where is None:
            where = new_ids.get(keys[position])
        if where is None and unknown.get(position):
            near = new_index.query(unknown[position])
            where = near[0] if near else None
        if where is None:
            memories.append(new_memory(sighting, now_iso))
            where = len(memories) - 1
            new_ids[keys[position]] = where
            if unknown.get(position):
                new_index.add(where, unknown[position])
            result.added += 1
            result.new_ids.append(keys[position])
            continue
        result.skipped += 1
        if _record(memories[where], sighting, now_iso) and where < stored_count:
            result.updated += 1
    result.changed = result.added > 0 or result.updated > 0
    return result
