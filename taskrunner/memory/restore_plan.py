"""Putting archived memories back (``memory_restore``): which records, into
which store, and what their keepers give back.

A restored duplicate takes back from its keeper what the merge gave it: its
place in ``merged_from``, its sightings in ``seen_count``, and, when the merge
gave the keeper the duplicate's wording, the keeper's own words
(``keeper_wording`` in the archive record).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .archive import WORDING_FIELDS
from .consolidate import Memory
from .encoding import canonical_json
from .normalize import normalize_text
from .similarity import is_near_duplicate, jaccard, words
from .survivor import identify, seen_count_of

#: why a selected record was not put back
ALREADY_PRESENT = "an identical memory is already in the store"
NO_TEXT = "the archived memory has no text string (restoring it would break the store)"


@dataclass(frozen=True)
class Skipped:
    """A selected archive record that was not restored, and why."""

    memory_id: str
    run_id: object
    why: str


@dataclass
class RestorePlan:
    """What a restore does; ``memories`` is the new store content."""

    memories: list[Memory]
    #: the archive records whose memory goes back into the store, in archive order
    restored: list[dict[str, Any]]
    #: selected records left out, in archive order
    skipped: list[Skipped]
    #: requested memory ids with no archive record
    not_found: list[str]
    #: keepers whose ``merged_from`` / ``seen_count`` were given back
    unmerged: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.restored)

    @property
    def selected(self) -> int:
        """How many archive records the run id and memory ids matched."""
        return len(self.restored) + len(self.skipped)

    @property
    def already_present(self) -> list[str]:
        """Ids of the selected memories skipped because they are in the store already."""
        return [s.memory_id for s in self.skipped if s.why == ALREADY_PRESENT]


def select_records(
    records: Sequence[dict[str, Any]],
    *,
    run_id: str | None = None,
    memory_ids: Sequence[str] = (),
) -> tuple[list[dict[str, Any]], list[str]]:
    """The records to restore: every record of the run, and the latest record of each id.

    A run is restored whole: two records of one run may carry the same id
    (a hand-edited store, identical texts from a legacy array), and each is
    a memory of its own. Returns the records in archive order, each once,
    and the requested ids that have no record.
    """
    wanted = set(memory_ids)
    chosen: set[int] = set()
    latest: dict[str, int] = {}
    for position, record in enumerate(records):
        if run_id is not None and record.get("run_id") == run_id:
            chosen.add(position)
        if wanted:
            mid = identify(record["memory"])
            if mid in wanted:
                latest[mid] = position
    chosen.update(latest.values())
    return [records[p] for p in sorted(chosen)], [m for m in memory_ids if m not in latest]


def plan_restore(
    memories: Sequence[Memory],
    records: Sequence[dict[str, Any]],
    *,
    run_id: str | None = None,
    memory_ids: Sequence[str] = (),
) -> RestorePlan:
    """Put archived memories back, never adding a copy the store already holds.

    Presence is decided on content, not on the id: ids repeat (hand edits,
    identical texts), so a record is "already present" only when an
    identical memory is in the store, each store memory vouching for one
    record. A duplicate whose keeper still lists it in ``merged_from`` is
    absorbed, not present, whatever else the store holds: it is restored
    and taken back out of that keeper (its id leaves ``merged_from``, its
    ``seen_count`` is subtracted). The keeper keeps the merged sources,
    importance and timestamps (they are still true of its text).
    """
    selected, not_found = select_records(records, run_id=run_id, memory_ids=memory_ids)
    new_memories = list(memories)
    positions_of: dict[str, list[int]] = {}
    for position, memory in enumerate(new_memories):
        positions_of.setdefault(identify(memory), []).append(position)
    # Copies in the store before this restore (what it adds vouches for nothing).
    # Identical memories have the same id: only those sharing one with a
    # selected record need the full comparison.
    candidates = {identify(record["memory"]) for record in selected}
    copies = Counter(
        canonical_json(new_memories[position])
        for mid in candidates
        for position in positions_of.get(mid, ())
    )
    restored: list[dict[str, Any]] = []
    skipped: list[Skipped] = []
    unmerged = 0
    for record in selected:
        memory = record["memory"]
        mid = identify(memory)
        if not isinstance(memory.get("text"), str):
            skipped.append(Skipped(mid, record.get("run_id"), NO_TEXT))
            continue
        keeper_position = _keeper_of(record, mid, new_memories, positions_of)
        if keeper_position is not None:
            new_memories[keeper_position] = _unmerge(
                new_memories[keeper_position], memory, mid, record.get("keeper_wording")
            )
            unmerged += 1
        else:
            key = canonical_json(memory)
            if copies[key] > 0:
                copies[key] -= 1
                skipped.append(Skipped(mid, record.get("run_id"), ALREADY_PRESENT))
                continue
        positions_of.setdefault(mid, []).append(len(new_memories))
        new_memories.append(memory)
        restored.append(record)
    return RestorePlan(
        memories=new_memories,
        restored=restored,
        skipped=skipped,
        not_found=not_found,
        unmerged=unmerged,
    )


def still_in_store(memories: Sequence[Memory], records: Sequence[dict[str, Any]]) -> list[bool]:
    """For each record: is its memory in the store, identical (so restoring it gives nothing)?"""
    wanted = {identify(record["memory"]) for record in records}
    present = {canonical_json(m) for m in memories if identify(m) in wanted}
    return [canonical_json(record["memory"]) in present for record in records]


def _keeper_of(
    record: dict[str, Any],
    duplicate_id: str,
    memories: Sequence[Memory],
    positions_of: dict[str, list[int]],
) -> int | None:
    """The store position of the memory that still holds this merged duplicate, if any.

    Ids repeat, so several memories may claim it: prefer one holding the
    duplicate's words (its text, or a wording in its history: a merge keeps
    every wording), then one the duplicate still matches at the similarity
    the archive recorded, else the first.
    """
    keeper_id = record.get("duplicate_of")
    if record.get("reason") != "duplicate" or not isinstance(keeper_id, str):
        return None
    claims = [
        position
        for position in positions_of.get(keeper_id, ())
        if _lists(memories[position].get("merged_from"), duplicate_id)
    ]
    if len(claims) > 1:
        text = str(record["memory"].get("text", ""))
        for position in claims:
            if text in _wordings(memories[position]):
                return position
        for position in claims:
            if _similarity(text, str(memories[position].get("text", ""))) == record.get(
                "similarity"
            ):
                return position
    return claims[0] if claims else None


def _wordings(memory: Memory) -> set[str]:
    """The texts a memory holds: its text and the earlier wordings in its history."""
    history = memory.get("history")
    entries = history if isinstance(history, list) else []
    texts = {entry.get("text") for entry in entries if isinstance(entry, dict)}
    return {t for t in (memory.get("text"), *texts) if isinstance(t, str)}


def _lists(merged_from: object, memory_id: str) -> bool:
    return isinstance(merged_from, list) and memory_id in merged_from


def _similarity(text: str, keeper_text: str) -> float | None:
    """The similarity consolidation records between a duplicate and its keeper."""
    if normalize_text(text) == normalize_text(keeper_text):
        return 1.0
    a, b = words(text), words(keeper_text)
    return round(jaccard(a, b), 4) if is_near_duplicate(a, b) else None


def _unmerge(
    keeper: Memory, duplicate: Memory, duplicate_id: str, wording: object = None
) -> Memory:
    """A new dict: ``keeper`` without ``duplicate``, which it lists in ``merged_from``.

    ``wording`` (the record's ``keeper_wording``) gives the keeper back the
    text, text source and history it had before the merge.
    """
    result = dict(keeper)
    if isinstance(wording, dict) and isinstance(wording.get("text"), str):
        for name in WORDING_FIELDS:
            if wording.get(name) is None:
                result.pop(name, None)
            else:
                result[name] = wording[name]
    remaining = list(keeper["merged_from"])
    remaining.remove(duplicate_id)
    if remaining:
        result["merged_from"] = remaining
    else:
        del result["merged_from"]
    count = keeper.get("seen_count")
    if isinstance(count, int) and not isinstance(count, bool):
        result["seen_count"] = max(1, count - seen_count_of(duplicate))
    return result
