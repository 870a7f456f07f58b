"""Merge freshly extracted items into the stored memories, without duplicates.

An item whose normalized text is already stored (same id), or whose word set
is a near-duplicate of a stored memory's (``similarity.is_near_duplicate``),
belongs to that memory. A *sighting* is one line of a note holding the item:
a line that is not yet among the memory's sources is recorded as one, and
``seen_count`` and ``last_seen_at`` move on.

Sources follow note edits: the sightings of a note hold every item it has
now, so a source whose line no longer holds its memory's item is moved to a
line of that note that does and is not recorded yet (lines inserted above an
item move it, they do not make it seen again), or dropped when there is none
(a copy of the item was deleted). Capturing unchanged notes again changes
nothing and writes nothing.

Sources are bounded: at most ``MAX_SOURCES_PER_NOTE`` lines of one note count
(a line a heartbeat logs 700 times is 25 sightings, not 700), and a memory
keeps at most ``MAX_SOURCES`` sources; beyond that its oldest sources (never
its first, nor those in the notes being read) are dropped and counted in
``sources_truncated``.

Wording follows the notes too (``wording.adopt_sightings``): a near-duplicate
with other words that is newer (by note date, then line) than the memory's
text replaces it, and every other wording is kept in ``history``. An item
that is no stored memory, where a memory's line was (lines above it may
have moved) and that no note read holds any more, is that memory edited
(``line_edits``), whatever the near-duplicate guard says of the two texts.
A loop
(todo, action, reminder, blocker) that a completed item finishes is closed
(``loops``). ``note_date`` is the latest note date a memory was seen in.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .candidates import candidate_indexes, probe_words, sample_frequencies
from .kinds import LOOP_KINDS, importance_of
from .line_edits import edited_in_place, line_of
from .loops import close, close_matching
from .normalize import memory_id
from .similarity import NearDuplicateIndex, words
from .store import cap_sources
from .survivor import seen_count_of
from .timestamps import stored_day
from .wording import Wording, adopt_sightings


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
    #: titles of the headers above the item, outermost first (stored when not empty)
    section: tuple[str, ...] = ()


#: lines of one note that count as sightings of one memory (and are kept as
#: its sources); more copies of the item in that note are not counted
MAX_SOURCES_PER_NOTE = 25


@dataclass
class MergeResult:
    """What ``merge_sightings`` did to the memories."""

    added: int = 0
    skipped: int = 0
    #: of the skipped, those that repeat an item added earlier in this run
    repeated: int = 0
    #: of the skipped, wordings of forgotten memories in the notes they were
    #: forgotten from (``forgetting``)
    forgotten: int = 0
    #: stored memories with a new sighting (new ones not counted)
    updated: int = 0
    #: sources moved to the line that now holds their item (a note was edited)
    moved: int = 0
    #: stored memories that took a newer wording from the notes
    reworded: int = 0
    #: open loops a completed item closed
    closed: int = 0
    #: their indexes
    closed_indexes: list[int] = field(default_factory=list)
    #: False when the memories are exactly as before: nothing to write
    changed: bool = False
    new_ids: list[str] = field(default_factory=list)
    #: indexes of the memories that may have changed (those given a sighting,
    #: new ones included): every other memory is exactly as it was
    touched: set[int] = field(default_factory=set)


def _stored_ids(
    memories: Sequence[dict[str, Any]], read: set[str]
) -> tuple[dict[str, int], list[int]]:
    """Memory id -> index of the first memory with it; and the indexes of the
    memories first seen in a note read now (``edited_in_place`` looks at no
    other), found in the same pass over a store of 100k."""
    ids: dict[str, int] = {}
    in_read: list[int] = []
    for index, memory in enumerate(memories):
        key = memory.get("id")
        if not isinstance(key, str):
            key = memory_id(memory["text"])
        ids.setdefault(key, index)
        sources = memory.get("sources")
        if sources.__class__ is list and sources:
            first = sources[0]
            file = first.get("file") if first.__class__ is dict else None
            if file.__class__ is str and file in read:
                in_read.append(index)
    return ids, in_read


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


def _raise_kind(memory: dict[str, Any], kind: str) -> None:
    # A header seen again as a todo is now a todo: keep the stronger kind.
    importance = importance_of(kind)
    current = memory.get("importance")
    if not isinstance(current, (int, float)) or isinstance(current, bool):
        # An old or hand-written memory without one: its kind's, not "lowest",
        # or a ticked todo would turn into a completed item instead of closing.
        current = importance_of(str(memory.get("kind")))
    if importance > current:
        memory["importance"] = importance
        memory["kind"] = kind


@dataclass
class _SourceUpdate:
    sighted: int = 0
    moved: int = 0
    changed: bool = False


def _update_sources(
    memory: dict[str, Any], by_file: dict[str, list[Sighting]], now_iso: str
) -> _SourceUpdate:
    """Bring a memory's sources in line with every sighting of it in the notes read."""
    update = _SourceUpdate()
    old = memory.get("sources")
    sources: list[Any] = old if isinstance(old, list) else []
    replaced: dict[int, Any] = {}  # index in sources -> new entry, None to drop
    added: list[dict[str, Any]] = []
    dropped = 0
    # One pass over the sources, not one per note: a memory seen in thousands
    # of notes has thousands of sources, and scanning them all for each note
    # made re-capture quadratic.
    in_note: dict[str, list[int]] = {}
    for index, source in enumerate(sources):
        if isinstance(source, dict):
            file = source.get("file")
            if isinstance(file, str) and file in by_file:
                in_note.setdefault(file, []).append(index)
    for file, group in by_file.items():
        kinds = {sighting.line: sighting.kind for sighting in group}
        claimed: set[int] = set()
        valid: list[int] = []  # indexes in sources whose line holds the item
        stale: list[int] = []  # indexes of this note's other sources
        for index in in_note.get(file, ()):
            source = sources[index]
            line = line_of(source)
            if line is not None and line in kinds and line not in claimed:
                claimed.add(line)
                valid.append(index)
            else:
                stale.append(index)
        # A store written before the cap may list one note's lines by the hundred.
        for index in valid[MAX_SOURCES_PER_NOTE:]:
            replaced[index] = None
            dropped += 1
        room = MAX_SOURCES_PER_NOTE - min(len(valid), MAX_SOURCES_PER_NOTE)
        free = [line for line in sorted(kinds, reverse=True) if line not in claimed]
        for index in stale:
            if free and room > 0:
                replaced[index] = {**sources[index], "line": free.pop()}
                room -= 1
                update.moved += 1
            else:
                replaced[index] = None
                # Still in the note, beyond the cap: truncated. Gone: nothing to count.
                dropped += 1 if free else 0
        while free and room > 0:
            line = free.pop()
            added.append({"file": file, "line": line})
            _raise_kind(memory, kinds[line])
            room -= 1
    if not replaced and not added:
        return update
    kept = [
        replaced.get(index, source)
        for index, source in enumerate(sources)
        if index not in replaced or replaced[index] is not None
    ]
    kept.extend(added)
    dropped += cap_sources(kept, keep_files=by_file.keys())
    memory["sources"] = kept
    if added:
        memory["seen_count"] = seen_count_of(memory) + len(added)
        memory["last_seen_at"] = now_iso
    if dropped:
        before = memory.get("sources_truncated")
        memory["sources_truncated"] = (before if isinstance(before, int) else 0) + dropped
    update.sighted = len(added)
    update.changed = True
    return update


def _note_date(memory: dict[str, Any], by_file: dict[str, list[Sighting]]) -> bool:
    """Move ``note_date`` to the latest note the memory is seen in; True when it moved."""
    latest = max(s.day for group in by_file.values() for s in group)
    noted = stored_day(memory.get("note_date"))
    # Compared as days: a hand-edited "yesterday" sorts after every date as text.
    known = [day for day in (noted, stored_day(memory.get("date"))) if day is not None]
    if noted is not None and max(known) >= latest:
        return False
    value = max([latest, *known]).isoformat()
    if memory.get("note_date") == value:
        return False
    memory["note_date"] = value
    return True


@dataclass(frozen=True)
class _Followed:
    reworded: bool
    closed: bool
    changed: bool


def _follow_notes(
    memory: dict[str, Any], by_file: dict[str, list[Sighting]], now_iso: str, *, sighted: bool
) -> _Followed:
    """Wording, status and note date from the sightings."""
    sightings = [s for group in by_file.values() for s in group]
    closed = False
    is_loop = memory.get("kind") in LOOP_KINDS
    if is_loop:
        done = [s for s in sightings if s.kind == "completed"]
        if done:
            closed = close(memory, max(done, key=lambda s: (s.day, s.line, s.file)), now_iso)
        # "- [x] rotate the token" closes the todo; it is not a new wording of it
        sightings = [s for s in sightings if s.kind != "completed"]
    reworded = adopt_sightings(
        memory, [Wording(s.text, s.day.isoformat(), s.file, s.line) for s in sightings]
    )
    # Old stores get the field with their next sighting, not by a rewrite.
    dated = (sighted or "note_date" in memory) and _note_date(memory, by_file)
    return _Followed(reworded, closed, reworded or closed or dated)


def new_memory(sighting: Sighting, now_iso: str) -> dict[str, Any]:
    """A memory for a first sighting."""
    day = sighting.day.isoformat()
    memory: dict[str, Any] = {
        "id": memory_id(sighting.text),
        "text": sighting.text,
        "kind": sighting.kind,
        "importance": importance_of(sighting.kind),
        "created_at": now_iso,
        "last_seen_at": now_iso,
        "date": day,
        "note_date": day,
        "sources": [{"file": sighting.file, "line": sighting.line}],
        "seen_count": 1,
    }
    if sighting.section:
        memory["section"] = list(sighting.section)
    if sighting.kind in LOOP_KINDS:
        memory["status"] = "open"
    return memory


def merge_sightings(
    memories: list[dict[str, Any]],
    sightings: Sequence[Sighting],
    *,
    now_iso: str,
    forgotten: Collection[tuple[str, str]] = frozenset(),
) -> MergeResult:
    """Add ``sightings`` to ``memories`` in place; see the module docstring.

    ``sightings`` must hold every item of each note they come from: a
    source in such a note that no sighting confirms is taken as moved or gone.
    Deterministic: a sighting goes to the memory with its id, else to the
    first stored memory (in store order) it near-duplicates, else to a
    memory created earlier in this run, else it becomes a new memory.
    ``forgotten``: (note, text id) pairs of forgotten memories
    (``forgetting.forgotten_lines``), whose sightings are skipped.
    """
    result = MergeResult()
    read = {sighting.file for sighting in sightings}
    if forgotten:
        kept = [s for s in sightings if (s.file, memory_id(s.text)) not in forgotten]
        result.forgotten = result.skipped = len(sightings) - len(kept)
        sightings = kept
    ids, in_read = _stored_ids(memories, read)
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
    edited = edited_in_place(memories, sightings, target, read, in_read)
    target.update(edited)

    stored_count = len(memories)
    new_ids: dict[str, int] = {}
    new_index: NearDuplicateIndex[int] = NearDuplicateIndex()
    # An edited memory carries its new text from now on: another copy of that
    # text in the notes (written on a line of its own) is the same memory.
    for position, memory_index in edited.items():
        if keys[position] not in new_ids:
            new_ids[keys[position]] = memory_index
            if unknown.get(position):
                new_index.add(memory_index, unknown[position])
    # memory index -> note -> the sightings of that memory in that note
    seen: dict[int, dict[str, list[Sighting]]] = {}
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
        else:
            result.skipped += 1
            result.repeated += where >= stored_count
        seen.setdefault(where, {}).setdefault(sighting.file, []).append(sighting)
    for where, by_file in seen.items():
        memory = memories[where]
        update = _update_sources(memory, by_file, now_iso)
        if update.sighted and where < stored_count:
            result.updated += 1
        result.moved += update.moved
        followed = _follow_notes(memory, by_file, now_iso, sighted=update.sighted > 0)
        result.reworded += int(followed.reworded and where < stored_count)
        result.closed += int(followed.closed)
        if followed.closed:
            result.closed_indexes.append(where)
        result.changed = result.changed or update.changed or followed.changed
    result.touched = set(seen)
    completed = [s for s in sightings if s.kind == "completed"]
    if completed:
        finished = close_matching(memories, completed, now_iso)
        result.closed += len(finished)
        result.closed_indexes.extend(finished)
        result.changed = result.changed or bool(finished)
        result.touched.update(finished)
    result.changed = result.changed or result.added > 0
    return result
