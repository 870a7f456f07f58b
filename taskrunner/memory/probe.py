"""Find, fast, the stored texts that could be near-duplicates of a few new word sets.

Computing the word set of every stored memory costs more than loading the
store. This filter avoids it with a necessary condition: a near-duplicate
``A`` of ``B`` holds more than 90 % of ``B``'s words, so it holds at least one
of any ``|B| - floor(0.9 |B|)`` of them (and every digit token of ``B``, which
may never differ). A word of ``A`` is a substring of ``A.casefold()``, so one
regex scan over all stored texts, looking for the chosen probe words, yields
every text that can match; only those get a word set and an exact check.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from itertools import accumulate

from .similarity import GUARD_WORDS, is_guard_token

#: probe words are cut to this many characters (a prefix of a word is still
#: a substring of every text holding the word), keeping the pattern small
MAX_PROBE_CHARS = 48


def probe_words(word_set: frozenset[str]) -> list[str]:
    """Words of ``word_set`` at least one of which every near-duplicate holds.

    Long words first (long words are rare words, so the scan finds few
    false candidates). Empty for an empty set, which has no near-duplicates.
    """
    size = len(word_set)
    if not size:
        return []
    need = size - (9 * size) // 10
    longest = sorted(word_set, key=lambda word: (-len(word), word))
    digit_words = [w for w in longest if w not in GUARD_WORDS and is_guard_token(w)]
    if digit_words and (need > 1 or len(digit_words[0]) >= len(longest[0])):
        return [digit_words[0][:MAX_PROBE_CHARS]]
    return [word[:MAX_PROBE_CHARS] for word in longest[:need]]


class _Node:
    __slots__ = ("children", "end")

    def __init__(self) -> None:
        self.children: dict[str, _Node] = {}
        self.end = False


def _render(node: _Node) -> str:
    # A word ends here: the shorter word alone already proves the text is a
    # candidate, whatever longer word continues from it. Recursion depth is
    # bounded by MAX_PROBE_CHARS.
    if node.end:
        return ""
    branches = [re.escape(char) + _render(child) for char, child in sorted(node.children.items())]
    if len(branches) == 1:
        return branches[0]
    return "(?:" + "|".join(branches) + ")"


def _trie_pattern(words: Iterable[str]) -> re.Pattern[str]:
    """One alternation of ``words`` factored as a trie, so each position costs little."""
    root = _Node()
    for word in words:
        node = root
        for char in word:
            node = node.children.setdefault(char, _Node())
        node.end = True
    return re.compile(_render(root))


def candidate_indexes(texts: Sequence[str], probes: Iterable[str]) -> list[int]:
    """Indexes (ascending) of the texts whose casefolded form contains any probe."""
    wanted = {probe for probe in probes if probe}
    if not wanted or not texts:
        return []
    pattern = _trie_pattern(wanted)
    folded = [text.casefold() for text in texts]
    joined = "\x00".join(folded)
    if joined.count("\x00") != len(folded) - 1:
        # A text holds a NUL itself, so the separator is ambiguous: scan one by one.
        search = pattern.search
        return [index for index, text in enumerate(folded) if search(text)]
    # ends[i] is the offset of the separator after text i.
    ends = list(accumulate(len(text) + 1 for text in folded))
    ends = [end - 1 for end in ends]
    hits: list[int] = []
    search = pattern.search
    position = 0
    while True:
        match = search(joined, position)
        if match is None:
            return hits
        index = bisect_right(ends, match.start())
        hits.append(index)
        position = ends[index] + 1  # one hit is enough: go on with the next text
