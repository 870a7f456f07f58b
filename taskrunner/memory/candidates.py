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
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from itertools import accumulate

from .similarity import GUARD_WORDS, is_guard_token, words

#: stored texts sampled to estimate how common a word is
SAMPLE_SIZE = 2000

#: probe words are cut to this many characters in the pattern (a prefix of a
#: word is still in every text holding the word), keeping the pattern small
MAX_PROBE_CHARS = 48


def sample_frequencies(texts: Sequence[str], *, sample_size: int = SAMPLE_SIZE) -> Counter[str]:
    """Document frequency of each word in an evenly spaced sample of ``texts``.

    Guides the choice of probe words only (rare words make few candidates);
    any choice is exact.
    """
    step = max(1, len(texts) // sample_size)
    counts: Counter[str] = Counter()
    for index in range(0, len(texts), step):
        counts.update(words(texts[index]))
    return counts


def probe_words(
    word_set: frozenset[str], frequencies: Mapping[str, int] | None = None
) -> list[str]:
    """Words of ``word_set`` at least one of which every near-duplicate holds.

    The rarest words by ``frequencies`` (then the longest): rare words make
    few false candidates. Empty for an empty set, which has no near-duplicates.
    """
    size = len(word_set)
    if not size:
        return []
    need = size - (9 * size) // 10
    freq = frequencies or {}

    def rarity(word: str) -> tuple[int, int, str]:
        return (freq.get(word, 0), -len(word), word)

    ranked = sorted(word_set, key=rarity)
    # Every digit token of B must be in A too, so one of them alone is a
    # complete probe set: worth it when it is as rare as the words it replaces.
    digits = [w for w in ranked if w not in GUARD_WORDS and is_guard_token(w)]
    if digits and rarity(digits[0]) <= rarity(ranked[need - 1]):
        return [digits[0]]
    return ranked[:need]


class _Node:
    __slots__ = ("children", "prefix_end", "word_end")

    def __init__(self) -> None:
        self.children: dict[str, _Node] = {}
        #: a whole probe word ends here: it must not continue with a word character
        self.word_end = False
        #: a probe cut to MAX_PROBE_CHARS ends here: whatever follows, it matched
        self.prefix_end = False


def _render(node: _Node) -> str:
    # Recursion depth is bounded by MAX_PROBE_CHARS.
    if node.prefix_end:
        return ""
    branches = [re.escape(char) + _render(child) for char, child in sorted(node.children.items())]
    if node.word_end:
        branches.append(r"(?!\w)")
    if len(branches) == 1:
        return branches[0]
    return "(?:" + "|".join(branches) + ")"


def _trie_pattern(words: Iterable[str]) -> re.Pattern[str]:
    """A non-word character, then one of ``words`` as a whole word.

    A word of a text is a maximal run of word characters, so a probe word
    must neither start nor end inside a longer run: the pattern opens with
    the ``\\W`` before the word (the regex engine skips to those fast; the
    texts are searched with one such character in front) and each word
    ends with ``(?!\\w)``. The words are factored as a trie so that each
    position costs little.
    """
    root = _Node()
    for word in words:
        node = root
        for char in word[:MAX_PROBE_CHARS]:
            node = node.children.setdefault(char, _Node())
        if len(word) > MAX_PROBE_CHARS:
            node.prefix_end = True
        else:
            node.word_end = True
    return re.compile(r"\W" + _render(root))


def candidate_indexes(texts: Sequence[str], probes: Iterable[str]) -> list[int]:
    """Indexes (ascending) of the texts whose casefolded words include any probe."""
    wanted = {probe for probe in probes if probe}
    if not wanted or not texts:
        return []
    search = _trie_pattern(wanted).search
    folded = [text.casefold() for text in texts]
    # One scan over all texts, each preceded by a NUL (a non-word character).
    joined = "\x00" + "\x00".join(folded)
    if joined.count("\x00") != len(folded):
        # A text holds a NUL itself, so the separator is ambiguous: scan one by one.
        return [index for index, text in enumerate(folded) if search("\x00" + text)]
    # Text i spans [ends[i] - len(folded[i]), ends[i]); a NUL sits at ends[i].
    ends = list(accumulate(len(text) + 1 for text in folded))
    hits: list[int] = []
    position = 0
    while True:
        match = search(joined, position)
        if match is None:
            return hits
        index = bisect_right(ends, match.start() + 1)
        hits.append(index)
        position = ends[index]  # one hit is enough: go on from the next text's NUL
