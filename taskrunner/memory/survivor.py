"""The survivor of duplicate memories and what it keeps of them (rule 5 of consolidation).

The survivor keeps its id and its other fields; ``sources`` are united,
``seen_count`` summed, ``importance`` the maximum, ``created_at`` the
earliest, ``last_seen_at`` and ``note_date`` the latest, the merged ids in
``merged_from``, and the text is the newest wording of the group, the
others kept in ``history`` (``wording.adopt_group``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from .encoding import canonical_json
from .normalize import memory_id
from .store import cap_sources
from .timestamps import parse_timestamp
from .wording import adopt_group

Memory = dict[str, Any]


def identify(memory: Memory) -> str:
    """The memory's id; one derived from its text when the stored id is missing."""
    value = memory.get("id")
    return value if isinstance(value, str) and value else memory_id(str(memory.get("text", "")))


def number(value: object) -> float | None:
    """A finite int or float as a float; None for anything else (bools included)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def seen_count_of(memory: Memory) -> int:
    """``seen_count``, counting a missing or unreadable one as 1 (a hand-typed "3" is 3)."""
    value = memory.get("seen_count")
    if isinstance(value, str) and value.isascii() and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        return 1
    return value


def _truncated_of(memory: Memory) -> int:
    value = memory.get("sources_truncated")
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def merge_into(keeper: Memory, duplicates: Sequence[Memory]) -> Memory:
    """A new dict: ``keeper`` with ``duplicates`` merged in (rule 5)."""
    merged = dict(keeper)
    sources = list(keeper.get("sources") or []) if isinstance(keeper.get("sources"), list) else []
    seen_sources = {canonical_json(s) for s in sources}
    seen_count = seen_count_of(keeper)
    importances = [number(keeper.get("importance"))]
    created = [(parse_timestamp(keeper.get("created_at")), keeper.get("created_at"))]
    last_seen = [(parse_timestamp(keeper.get("last_seen_at")), keeper.get("last_seen_at"))]
    merged_from_value = keeper.get("merged_from")
    merged_from = list(merged_from_value) if isinstance(merged_from_value, list) else []
    for dup in duplicates:
        dup_sources = dup.get("sources")
        for source in dup_sources if isinstance(dup_sources, list) else ():
            key = canonical_json(source)
            if key not in seen_sources:
                seen_sources.add(key)
                sources.append(source)
        seen_count += seen_count_of(dup)
        importances.append(number(dup.get("importance")))
        created.append((parse_timestamp(dup.get("created_at")), dup.get("created_at")))
        last_seen.append((parse_timestamp(dup.get("last_seen_at")), dup.get("last_seen_at")))
        merged_from.append(identify(dup))
    # United, then bounded like capture bounds them: the duplicates themselves,
    # sources and all, are in the archive, so what the cap drops is not lost.
    truncated = sum(_truncated_of(m) for m in (keeper, *duplicates)) + cap_sources(sources)
    if truncated:
        merged["sources_truncated"] = truncated
    merged["sources"] = sources
    merged["seen_count"] = seen_count
    known = [value for value in importances if value is not None]
    if known:
        best = max(known)
        # keep the stored representation (0.5 stays 0.5, 1 stays 1) when it did not change
        if number(keeper.get("importance")) != best:
            merged["importance"] = best
    parsed_created = [(when, raw) for when, raw in created if when is not None]
    if parsed_created:
        merged["created_at"] = min(parsed_created, key=lambda item: item[0])[1]
    parsed_seen = [(when, raw) for when, raw in last_seen if when is not None]
    if parsed_seen:
        merged["last_seen_at"] = max(parsed_seen, key=lambda item: item[0])[1]
    merged["merged_from"] = merged_from
    note_dates = [m.get("note_date") for m in (keeper, *duplicates)]
    known_dates = [value for value in note_dates if isinstance(value, str)]
    if known_dates and max(known_dates) != keeper.get("note_date"):
        merged["note_date"] = max(known_dates)
    if isinstance(merged.get("text"), str):
        adopt_group(merged, [keeper, *duplicates])
    return merged
