"""Plan a consolidation of the memory store: prune stale memories, then merge duplicates.

Pure: takes the memories and "today", returns a ``Plan`` and touches no
file. The rules, in order:

1. Today is a local date (the caller's ``today``).
2. Prune: stale when ``today`` minus its ``note_date`` (the latest note
   date it was seen in; for memories stored without one, the local date of
   ``last_seen_at``, else ``created_at``) is more than ``max_age_days``
   days, importance is below ``min_importance``, and the memory is not
   pinned. A memory whose date or importance cannot be read is kept and
   reported.
3. Words: ``similarity.words``.
4. Duplicates: equal ``normalize_text``, or ``similarity.is_near_duplicate``.
5. Merge the survivors in walk order (pinned first, importance descending,
   ``created_at`` ascending, id): pinned memories are kept; any other is
   merged into the first kept memory it duplicates, if any. The survivor
   keeps its id and takes the newest wording of its group
   (``wording.adopt_group``).

The plan does not depend on the order of the input.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import compress
from operator import or_
from typing import Any

from .encoding import canonical_json
from .exact_duplicates import exact_groups
from .similarity import jaccard
from .similarity_join import WordSets
from .store import gc_paused
from .survivor import identify, merge_into
from .survivor import number as _number
from .timestamps import local_date, parse_timestamp, stored_day

#: default age, in days, past which a low-importance memory is stale
DEFAULT_MAX_AGE_DAYS = 14
#: default importance below which an old memory is stale
DEFAULT_MIN_IMPORTANCE = 0.3

Memory = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Removal:
    """One memory the plan removes, and why."""

    #: position of the memory in the input list
    index: int
    memory_id: str
    reason: str  # "stale" | "duplicate"
    #: id of the memory it was merged into (duplicates only)
    duplicate_of: str | None = None
    #: Jaccard similarity of the word sets; 1.0 for equal normalized texts
    similarity: float | None = None
    #: how old the memory was, in days (stale only)
    age_days: int | None = None
    #: the memory's text, and the text of the memory it merges into
    text: str = ""
    duplicate_of_text: str | None = None
    #: input position of the memory it merges into (duplicates only)
    keeper: int | None = None

    def describe(self, width: int = 100) -> str:
        """One line for logs and dry runs: the texts a person judges, the reason, the numbers."""
        text = _shorten(self.text, width)
        if self.reason == "stale":
            return f"{self.memory_id}: stale ({self.age_days} days old): {text!r}"
        keeper = _shorten(self.duplicate_of_text or "", width)
        return (
            f"{self.memory_id}: duplicate (similarity {self.similarity:.3f}) of "
            f"{self.duplicate_of}: {text!r} -> {keeper!r}"
        )


def _shorten(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


@dataclass(frozen=True, slots=True)
class Unreadable:
    """A memory kept because a field the rules need could not be read."""

    index: int
    memory_id: str
    problem: str


@dataclass
class Plan:
    """What a consolidation does; ``memories`` is the new store content."""

    today: date
    before: int
    #: the memories of the new store, in input order (merged ones are new dicts)
    memories: list[Memory]
    #: input positions of the kept memories, in input order
    kept: list[int]
    removed: list[Removal]
    #: keeper input position -> input positions merged into it, in walk order
    merged: dict[int, list[int]] = field(default_factory=dict)
    unreadable: list[Unreadable] = field(default_factory=list)

    @property
    def after(self) -> int:
        return len(self.memories)

    @property
    def pruned_stale(self) -> int:
        return sum(1 for r in self.removed if r.reason == "stale")

    @property
    def merged_duplicates(self) -> int:
        return sum(1 for r in self.removed if r.reason == "duplicate")

    @property
    def changed(self) -> bool:
        """False when the store would be rewritten exactly as it is."""
        return bool(self.removed)


def _pinned(memory: Memory) -> bool:
    # Any true value counts: a memory someone meant to pin is never dropped.
    return bool(memory.get("pinned"))


def _newest_timestamp(memory: Memory) -> tuple[str, object]:
    if memory.get("last_seen_at") is not None:
        return "last_seen_at", memory["last_seen_at"]
    return "created_at", memory.get("created_at")


def _note_day(memory: Memory) -> date | None:
    """``note_date`` as a date; None when absent or unreadable (then timestamps count)."""
    return stored_day(memory.get("note_date"))


def plan_consolidation(
    memories: Sequence[Memory],
    *,
    today: date,
    max_age_days: int = DEFAULT_MAX_AGE_DAYS,
    min_importance: float = DEFAULT_MIN_IMPORTANCE,
) -> Plan:
    """Decide what to prune and merge; ``memories`` is not modified."""
    with gc_paused():
        return _plan(memories, today, max_age_days, min_importance)


def _plan(
    memories: Sequence[Memory], today: date, max_age_days: int, min_importance: float
) -> Plan:
    removed: list[Removal] = []
    unreadable: list[Unreadable] = []
    survivors: list[int] = []
    keep = survivors.append
    for index, memory in enumerate(memories):
        importance = memory.get("importance")
        # Fast path: most memories are important enough or pinned, and their
        # age does not matter (parsing every timestamp of a big store would).
        if type(importance) is float or type(importance) is int:  # bool is no number
            if importance >= min_importance or memory.get("pinned"):
                keep(index)
                continue
        elif memory.get("pinned"):
            keep(index)
            continue
        day = _note_day(memory)
        if day is None:
            field_name, stamp = _newest_timestamp(memory)
            day = local_date(stamp)
        if day is None:
            problem = f"{field_name} {stamp!r} is not a timestamp"
            unreadable.append(Unreadable(index, identify(memory), problem))
            keep(index)
            continue
        age_days = (today - day).days
        if age_days <= max_age_days:
            keep(index)
            continue
        value = _number(importance)
        if value is None:
            problem = f"importance {importance!r} is not a number"
            unreadable.append(Unreadable(index, identify(memory), problem))
            keep(index)
        elif value < min_importance:
            removed.append(
                Removal(
                    index,
                    identify(memory),
                    "stale",
                    age_days=age_days,
                    text=str(memory.get("text", "")),
                )
            )
        else:
            keep(index)

    keeper_of = _merge_walk(memories, survivors)
    merged: dict[int, list[int]] = {}
    for index, (keeper, similarity) in keeper_of.items():
        merged.setdefault(keeper, []).append(index)
        removed.append(
            Removal(
                index,
                identify(memories[index]),
                "duplicate",
                duplicate_of=identify(memories[keeper]),
                similarity=similarity,
                text=str(memories[index].get("text", "")),
                duplicate_of_text=str(memories[keeper].get("text", "")),
                keeper=keeper,
            )
        )
    kept = [index for index in survivors if index not in keeper_of]
    new_memories: list[Memory] = []
    for index in kept:
        into = merged.get(index)
        memory = memories[index]
        new_memories.append(merge_into(memory, [memories[i] for i in into]) if into else memory)
    removed.sort(key=lambda r: r.index)
    return Plan(
        today=today,
        before=len(memories),
        memories=new_memories,
        kept=kept,
        removed=removed,
        merged=merged,
        unreadable=unreadable,
    )


def _merge_walk(memories: Sequence[Memory], survivors: list[int]) -> dict[int, tuple[int, float]]:
    """Map each merged-away input position to (keeper position, similarity)."""
    texts = [str(memories[i].get("text", "")) for i in survivors]
    word_sets = WordSets.from_texts(texts)
    word_group = word_sets.group_of
    empty_group = word_sets.sets.index(()) if () in word_sets.sets else -1
    exact_group = exact_groups(texts)

    # Only memories with some duplicate need ordering: the others are kept
    # whatever their place in the walk and affect nobody.
    neighbours: dict[int, list[int]] = {}
    for g, h in word_sets.join():
        neighbours.setdefault(g, []).append(h)
        neighbours.setdefault(h, []).append(g)
    shared_words = {group for group, count in Counter(word_group).items() if count > 1}
    shared_words.discard(empty_group)
    shared_words.update(neighbours)
    shared_texts = {group for group, count in Counter(exact_group).items() if count > 1}
    # Tested a whole list at a time (map, compress): no Python step per memory.
    involved = list(
        compress(
            range(len(survivors)),
            map(
                or_,
                map(shared_words.__contains__, word_group),
                map(shared_texts.__contains__, exact_group),
            ),
        )
    )
    keys = {pos: _walk_key(memories[survivors[pos]]) for pos in involved}
    involved.sort(key=keys.__getitem__)
    _break_ties(involved, keys, memories, survivors)
    del keys

    first_kept_word: dict[int, int] = {}  # word group -> walk step of its first kept member
    first_kept_exact: dict[int, int] = {}
    keeper_of: dict[int, tuple[int, float]] = {}
    for step, pos in enumerate(involved):
        memory = memories[survivors[pos]]
        wg, eg = word_group[pos], exact_group[pos]
        best = -1
        if not _pinned(memory):
            best = first_kept_exact.get(eg, -1)
            candidates = [wg] if wg != empty_group else []
            candidates.extend(neighbours.get(wg, ()))
            for group in candidates:
                kept_step = first_kept_word.get(group, -1)
                if kept_step >= 0 and (best < 0 or kept_step < best):
                    best = kept_step
        if best < 0:
            first_kept_exact.setdefault(eg, step)
            first_kept_word.setdefault(wg, step)
            continue
        keeper_pos = involved[best]
        if exact_group[keeper_pos] == eg:
            similarity = 1.0
        else:
            # The rank sets stand for the word sets one for one: the same ratio,
            # without tokenizing the two texts again.
            ranks, keeper_ranks = word_sets.sets[wg], word_sets.sets[word_group[keeper_pos]]
            similarity = round(jaccard(set(ranks), set(keeper_ranks)), 4)
        keeper_of[survivors[pos]] = (survivors[keeper_pos], similarity)
    return keeper_of


def _walk_key(memory: Memory) -> tuple[bool, float, float, str]:
    importance = _number(memory.get("importance"))
    created = parse_timestamp(memory.get("created_at"))
    return (
        not _pinned(memory),
        -(importance if importance is not None else 0.0),
        # unparseable creation times sort after every real one
        created.timestamp() if created is not None else math.inf,
        identify(memory),
    )


def _break_ties(
    order: list[int],
    keys: dict[int, tuple[bool, float, float, str]],
    memories: Sequence[Memory],
    survivors: list[int],
) -> None:
    """Order memories with equal walk keys by their content, so input order never matters."""
    start = 0
    while start < len(order):
        key = keys[order[start]]
        end = start + 1
        while end < len(order) and keys[order[end]] == key:
            end += 1
        if end - start > 1:
            order[start:end] = sorted(
                order[start:end], key=lambda pos: canonical_json(memories[survivors[pos]])
            )
        start = end
