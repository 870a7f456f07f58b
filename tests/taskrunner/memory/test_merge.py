"""memory_capture's merge and its probe filter, against the brute-force definition."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from support.capture import (
    NOW_ISO,
)
from taskrunner.memory.candidates import candidate_indexes, probe_words
from taskrunner.memory.merge import Sighting, merge_sightings
from taskrunner.memory.normalize import memory_id
from taskrunner.memory.similarity import edit_similarity, is_near_duplicate, words

#: the day of the note the sightings come from, and the note
NOTE_DAY = date(2026, 2, 13)
NOTE = "memory/2026-02-13.md"

# -- the merge, against a brute-force reference ---------------------------------------

MERGE_VOCAB = ["Deploy", "deploy", "the", "cache", "not", "no", "8080", "8081", "v2", "ß", "ss"]
MERGE_VOCAB += ["日本", "**", "`", "_x_", "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k"]
merge_text = st.lists(st.sampled_from(MERGE_VOCAB), min_size=0, max_size=14).map(" ".join)
any_text = merge_text | st.text(max_size=40)


#: words of many lengths, so that word sets of 10-30 words (where a probe
#: filter needs more than one probe word) are common
LONG_VOCAB = [f"w{'o' * n}rd" for n in range(30)]


@st.composite
def near_pairs(draw: st.DrawFn) -> tuple[str, str]:
    """Two texts that are often near-duplicates: one edit apart, case and markup varied."""
    vocab = draw(st.sampled_from([MERGE_VOCAB, LONG_VOCAB, MERGE_VOCAB + LONG_VOCAB]))
    base = draw(st.lists(st.sampled_from(vocab), min_size=1, max_size=30))
    other = list(base)
    edit = draw(st.sampled_from(["add", "add-longest", "drop", "swap", "case", "same", "free"]))
    if edit == "add-longest":
        # A word the other text lacks and that a filter would pick first.
        other.append("q" * (max(map(len, base)) + 1))
    elif edit == "add":
        other.insert(draw(st.integers(0, len(other))), draw(st.sampled_from(vocab)))
    elif edit == "drop":
        other.pop(draw(st.integers(0, len(other) - 1)))
    elif edit == "swap":
        other[draw(st.integers(0, len(other) - 1))] = draw(st.sampled_from(vocab))
    elif edit == "case":
        other = [word.upper() for word in other]
    elif edit == "free":
        return " ".join(base), draw(st.text(max_size=40))
    return " ".join(base), ", ".join(other)


def _reference_targets(
    stored: list[str],
    items: list[str],
    cited: dict[int, set[int]] | None = None,
    elsewhere: frozenset[int] = frozenset(),
) -> list[int]:
    """Where each item (on line n + 1 of one note) goes, by the definition: its id,
    else the first near-duplicate stored, else the stored memory edited in place,
    else one created earlier in the run (by id, else near-duplicate), else new.

    Edited in place: the memory cites a line the item's line may be now (that
    line, or it moved as the nearest anchors above and below moved, between
    where the anchors around it are now; an anchor is a memory found at one
    line that cited one), no item is it, it cites
    no other note (``elsewhere``: those that do), and the line kept at least
    half of it (``edit_similarity``); the closest pairs first, the first memory
    on a tie, one new text per memory. An edited memory counts as created in
    the run with its new text. ``cited``: stored index -> lines it cites.
    """
    cited = cited or {}
    ids: dict[str, int] = {}
    for index, text in enumerate(stored):
        ids.setdefault(memory_id(text), index)

    def stored_target(text: str) -> int | None:
        if memory_id(text) in ids:
            return ids[memory_id(text)]
        item_words = words(text)
        near = [
            i
            for i, s in enumerate(stored)
            if item_words and is_near_duplicate(words(s), item_words)
        ]
        return near[0] if near else None

    targets: list[int | None] = [stored_target(text) for text in items]
    found = {target for target in targets if target is not None}
    # Anchors: memories found again at one line that cited one line, (before, now).
    anchors = [
        (next(iter(cited[j])), targets.index(j) + 1)
        for j in found
        if len(cited.get(j, set())) == 1 and targets.count(j) == 1
    ]

    def places(line: int) -> set[int]:
        above = [a for a in anchors if a[0] < line]
        below = [a for a in anchors if a[0] > line]
        low = max((now for _, now in above), default=0)
        high = min((now for _, now in below), default=len(items) + 1)
        guesses = {line}
        if above:
            guesses.add(line + max(above)[1] - max(above)[0])
        if below:
            guesses.add(line + min(below)[1] - min(below)[0])
        return {guess for guess in guesses if low < guess < high}

    pairs = sorted(
        (-edit_similarity(stored[i], text), i, n)
        for n, text in enumerate(items)
        for i in range(len(stored))
        if targets[n] is None
        and any(n + 1 in places(line) for line in cited.get(i, set()))
        and i not in found
        and i not in elsewhere
        and edit_similarity(stored[i], text) >= 0.5
    )
    taken: dict[int, str] = {}
    created: list[tuple[int, str, frozenset[str]]] = []
    for _, i, n in pairs:
        key = memory_id(items[n])
        if targets[n] is None and taken.setdefault(i, key) == key:
            targets[n] = i
            if key not in {k for _, k, _ in created}:
                created.append((i, key, words(items[n])))
    result: list[int] = []
    for n, text in enumerate(items):
        target = targets[n]
        if target is not None:
            result.append(target)
            continue
        key, item_words = memory_id(text), words(text)
        same = [i for i, k, _ in created if k == key]
        if not same and item_words:
            same = [i for i, _, w in created if is_near_duplicate(w, item_words)]
        if same:
            result.append(same[0])
            continue
        new_index = len(stored) + sum(1 for i, _, _ in created if i >= len(stored))
        created.append((new_index, key, item_words))
        result.append(new_index)
    return result


@settings(max_examples=300, deadline=None)
@given(
    stored=st.lists(any_text, max_size=12),
    items=st.lists(any_text, max_size=10),
    pairs=st.lists(near_pairs(), max_size=6),
    data=st.data(),
)
def test_merge_matches_the_brute_force_definition(
    stored: list[str], items: list[str], pairs: list[tuple[str, str]], data: st.DataObject
) -> None:
    # Near pairs split across the store and the notes, and inside the notes.
    stored = stored + [a for a, _ in pairs[::2]]
    items = items + [b for _, b in pairs] + [a for a, _ in pairs[1::2]]
    # Some stored memories cite lines of the note, as if read there before
    # the note was edited.
    lines = st.sets(st.integers(1, max(len(items), 1)), max_size=2)
    cited = {index: data.draw(lines) for index in range(len(stored))}
    # Lines moved in the same save (lines deleted or inserted above them): some
    # memories found again cite the line they were at, ``shift`` lines away.
    shift = data.draw(st.integers(-3, 3))
    for index, text in enumerate(stored):
        if items.count(text) == 1 and data.draw(st.booleans()):
            cited[index] = {max(1, items.index(text) + 1 - shift)}
    # Lines edited in place: a stored text with one word changed, on a line it
    # cites, or one moved as those around it did.
    if stored:
        for _ in range(data.draw(st.integers(0, 4))):
            index = data.draw(st.integers(0, len(stored) - 1))
            changed = stored[index].split() or [""]
            changed[data.draw(st.integers(0, len(changed) - 1))] = data.draw(
                st.sampled_from(MERGE_VOCAB)
            )
            items.append(" ".join(changed))
            moved = data.draw(st.booleans())
            cited[index].add(max(1, len(items) - shift) if moved else len(items))
    # Some cite a note not read now, too: their words may still be there.
    elsewhere = frozenset(data.draw(st.sets(st.integers(0, max(len(stored) - 1, 0)))))
    memories: list[dict[str, Any]] = [
        {
            "id": memory_id(text),
            "text": text,
            "kind": "fact",
            "sources": [{"file": NOTE, "line": line} for line in sorted(cited[index])]
            + ([{"file": "memory/2026-02-01.md", "line": 1}] if index in elsewhere else []),
            "seen_count": len(cited[index]),
        }
        for index, text in enumerate(stored)
    ]
    sightings = [
        Sighting(text=text, kind="fact", file=NOTE, line=n + 1, day=NOTE_DAY)
        for n, text in enumerate(items)
    ]
    expected = _reference_targets(stored, items, cited, elsewhere)
    result = merge_sightings(memories, sightings, now_iso=NOW_ISO)
    # A memory no item of the note is keeps its sources there as they were:
    # the item of a line is in the memory a sighting touched.
    actual = [
        next(
            i
            for i, m in enumerate(memories)
            if i in result.touched and {"file": s.file, "line": s.line} in m["sources"]
        )
        for s in sightings
    ]
    assert actual == expected
    assert result.added == len(memories) - len(stored)
    assert result.added + result.skipped == len(items)


@settings(max_examples=500, deadline=None)
@given(
    pair=near_pairs(),
    noise=st.lists(any_text, max_size=5),
    freq=st.dictionaries(st.sampled_from(MERGE_VOCAB).map(str.casefold), st.integers(0, 9)),
)
def test_the_probe_filter_never_drops_a_near_duplicate(
    pair: tuple[str, str], noise: list[str], freq: dict[str, int]
) -> None:
    a, b = pair
    texts = [*noise, a]
    b_words = words(b)
    if is_near_duplicate(words(a), b_words):
        assert len(texts) - 1 in candidate_indexes(texts, probe_words(b_words, freq))


def test_the_near_pairs_strategy_yields_near_duplicates() -> None:
    # Guard against a vacuous property: the generator must produce real matches.
    found: list[bool] = []

    @settings(max_examples=200, deadline=None)
    @given(near_pairs())
    def collect(pair: tuple[str, str]) -> None:
        found.append(is_near_duplicate(words(pair[0]), words(pair[1])))

    collect()
    assert sum(found) > 20


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts=st.lists(st.text(max_size=30), max_size=8), probe=st.text(min_size=1, max_size=8))
def test_candidates_are_exactly_the_texts_holding_the_word(texts: list[str], probe: str) -> None:
    probe = probe.casefold()
    if not re.fullmatch(r"\w+", probe):
        return
    expected = [i for i, text in enumerate(texts) if probe in re.findall(r"\w+", text.casefold())]
    assert candidate_indexes(texts, [probe]) == expected
