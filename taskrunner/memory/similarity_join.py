"""The exact near-duplicate join of many word sets (``similarity.is_near_duplicate``).

For many sets the pairs come from an exact prefix-filter set-similarity
join (the AllPairs family): every token gets a rank in one global order,
rarest first; two sets that reach the threshold must share tokens among
the first few of each (the prefix), and sets whose sizes differ by more
than the threshold allows are never compared. Every candidate is then
verified with the exact integer test, so the result equals the brute-force
definition pair for pair (property-tested against ``brute_force_pairs``).
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from itertools import chain
from operator import itemgetter

from .similarity import GUARD_TOKENS, WORD_RE, is_guard_token

#: a rank tuple: a word set as the sorted ranks of its tokens (rarest first)
Ranks = tuple[int, ...]

#: how many items, at most, the token order is estimated from
ORDER_SAMPLE = 20_000


# ASCII bytes -> itself for word characters [a-z0-9_], a space for the rest.
_ASCII_WORD_BYTES = bytes(
    byte if chr(byte).isascii() and (chr(byte).isalnum() or chr(byte) == "_") else 0x20
    for byte in range(256)
)


def word_tokens(text: str) -> list[bytes]:
    """The ``\\w+`` tokens of the casefolded text, UTF-8 encoded, repeats included.

    ``words(text)`` as bytes, faster: on ASCII text (most notes) ``\\w`` is
    ``[A-Za-z0-9_]`` and casefolding is lowercasing, so a byte table and
    ``bytes.split`` do the regex's work several times faster.
    """
    if text.isascii():
        return text.encode("ascii").lower().translate(_ASCII_WORD_BYTES).split()
    return [token.encode("utf-8", "surrogatepass") for token in WORD_RE.findall(text.casefold())]


def _text(token: str | bytes) -> str:
    return token if isinstance(token, str) else token.decode("utf-8", "surrogatepass")


class _Ranker(dict[str | bytes, int]):
    """Token -> rank: rarest first, guard tokens last.

    Tokens of a sample are ranked by ``freq``, how often the sample holds
    them. A token first met outside the sample is rarer than every sampled one and
    gets the next rank below them (negative); a guard token the next rank
    after every other. Any fixed order keeps the join exact; a frequency
    order keeps its candidates few, and estimating it from a sample spares
    a second pass over every set.
    """

    def __init__(self, freq: Mapping[str | bytes, int]) -> None:
        guards = {token for token in freq if _is_guard(token)}
        # By count, ties by token: two sorts in C instead of a key function.
        by_count = freq.__getitem__
        ordinary = sorted(sorted(freq.keys() - guards), key=by_count)
        ranked_guards = sorted(sorted(guards), key=by_count)
        super().__init__({token: rank for rank, token in enumerate(ordinary + ranked_guards)})
        #: ranks from here on are guard tokens
        self.guard_start = len(ordinary)
        self._next_guard = len(self)
        self._next_rare = -1

    def __missing__(self, token: str | bytes) -> int:
        if _is_guard(token):
            rank = self._next_guard
            self._next_guard += 1
        else:
            rank = self._next_rare
            self._next_rare -= 1
        self[token] = rank
        return rank


#: the guard tokens made of ASCII letters, as UTF-8
_ASCII_GUARD_BYTES = frozenset(token.encode() for token in GUARD_TOKENS if token.isascii())


def _is_guard(token: str | bytes) -> bool:
    """``is_guard_token`` of a token, text or UTF-8."""
    if isinstance(token, bytes) and token.isalpha():
        # ASCII letters only (bytes.isalpha knows no other), as most tokens
        # are: a guard only when listed, decided without decoding it.
        return token in _ASCII_GUARD_BYTES
    return is_guard_token(_text(token))


class WordSets:
    """Distinct word sets of many items as rank tuples, ready for ``join``.

    ``group_of[i]`` is the distinct set of item ``i``; ``sets[g]`` its
    sorted rank tuple.
    """

    __slots__ = ("group_of", "guard_start", "ranks", "sets")

    def __init__(self, token_lists: Sequence[Iterable[str]]) -> None:
        step = max(1, len(token_lists) // ORDER_SAMPLE)
        sample = token_lists[::step]
        self._build(token_lists, Counter(chain.from_iterable(map(set, sample))))

    @classmethod
    def from_texts(cls, texts: Sequence[str]) -> WordSets:
        """Word sets of texts, as ``words()`` defines them (tokens kept as UTF-8 bytes)."""
        step = max(1, len(texts) // ORDER_SAMPLE)
        # The sample's tokens counted as one text: how often a token occurs
        # ranks it as well as how many texts hold it, and one tokenization
        # of the joined sample costs a fraction of one per text.
        freq: Counter[str | bytes] = Counter(word_tokens(" ".join(texts[::step])))
        word_sets = cls.__new__(cls)
        word_sets._build(map(word_tokens, texts), freq)
        return word_sets

    def _build(
        self, token_lists: Iterable[Iterable[str | bytes]], freq: Mapping[str | bytes, int]
    ) -> None:
        ranks = _Ranker(freq)
        rank = ranks.__getitem__
        seen: dict[Ranks, int] = {}
        number = seen.setdefault
        # One expression per item, no Python-level branch: at a million items
        # the loop's own overhead is a good part of the build. ``len(seen)``
        # is read before a new key goes in, so groups are numbered 0, 1, 2...
        self.group_of = [
            number(tuple(sorted(set(map(rank, tokens)))), len(seen)) for tokens in token_lists
        ]
        self.sets: list[Ranks] = list(seen)
        #: token -> rank (tokens are bytes when built ``from_texts``)
        self.ranks: dict[str | bytes, int] = ranks
        #: ranks from here on are guard tokens
        self.guard_start = ranks.guard_start

    def join(self) -> list[tuple[int, int]]:
        """Every near-duplicate pair ``(g, h)``, ``g < h``, of distinct sets."""
        return join_rank_sets(self.sets, self.guard_start)


def join_rank_sets(sets: Sequence[Ranks], guard_start: int) -> list[tuple[int, int]]:
    """Exact near-duplicate join of distinct sorted rank tuples.

    Ranks ``>= guard_start`` are guard tokens. Two sets can only match when
    they hold the same guard tokens, so sets are first split into blocks by
    their guard tokens and each block is joined on its own.
    """
    unguarded: list[int] = []  # most sets hold no guard token
    blocks: dict[Ranks, list[int]] = {(): unguarded}
    for index, ranks in enumerate(sets):
        if not ranks:
            continue  # an empty set is nobody's near-duplicate
        if ranks[-1] < guard_start:
            unguarded.append(index)
        else:
            blocks.setdefault(ranks[bisect_left(ranks, guard_start) :], []).append(index)
    size = list(map(len, sets))
    pairs: list[tuple[int, int]] = []
    for members in blocks.values():
        if len(members) > 1:
            members.sort(key=size.__getitem__)
            _join_block([sets[i] for i in members], members, pairs)
    return pairs


def _probe_len(a: int) -> int:
    """How many leading tokens of a probe of size ``a`` hold its first two shared tokens.

    The sizes ``b`` it can match: ``10 * b > 9 * a`` (length filter) and
    ``b <= a`` (smaller records come first). Each needs overlap ``o >=
    9 * (a + b) // 19 + 1``; the first two shared tokens lie within the first
    ``a - o + 2``. Records are distinct, so one of the same size needs
    ``o < a``. 0 when no size can match.
    """
    longest = 0
    for b in range((9 * a) // 10 + 1, a + 1):
        need = (9 * (a + b)) // 19 + 1
        if not (b == a and need == a):
            longest = max(longest, min(a, a - need + 2))
    return longest


def _join_block(recs: list[Ranks], ids: list[int], out: list[tuple[int, int]]) -> None:
    """AllPairs over records sorted by size; appends matches as id pairs to ``out``.

    The prefix filter, one token further: when two sets share ``o`` tokens,
    their first two shared tokens (in rank order) lie within the first
    ``size - o + 2`` tokens of each. So records are indexed under every
    *pair* of tokens of that prefix, and a probe looks up the pairs of its
    own. Pairs of rare tokens almost never meet by chance, which keeps the
    candidates near the true matches even when single tokens recur
    thousands of times (a million memories over a 20k-word vocabulary).

    A record of size ``b`` is indexed with the prefix for ``o' = 18 * b // 19
    + 1``: every probe of size ``a >= b`` needs ``19 * o > 9 * (a + b) >=
    18 * b`` with it. Candidates pass the length filter, then the exact test.
    """
    # A pair of ranks packed in one int; ranks may be negative, so shifted
    # to start at 0 (two pairs must never share a key).
    low = min(map(itemgetter(0), recs))
    span = max(map(itemgetter(-1), recs)) - low + 1
    # A posting is one record, the rule, until a second record shares the
    # pair: at a million memories the index holds millions of pairs, nearly
    # all with one record, and a list for each was a good part of the join's
    # time and memory.
    index: dict[int, int | list[int]] = {}
    get = index.get
    lengths: dict[int, tuple[int, int, int]] = {}
    for xi, x in enumerate(recs):
        a = len(x)
        known = lengths.get(a)
        if known is None:
            known = lengths[a] = _prefix_lengths(a)
        probe_len, index_len, longest = known
        hits: set[int] | None = None
        # Probe pairs and index pairs come from the same leading tokens (the
        # shorter prefix's pairs are among the longer's), so each pair key is
        # looked up once: probed, then indexed, with the same lookup.
        for j in range(1, longest):
            tail = x[j] - low
            for i in range(j):
                key = (x[i] - low) * span + tail
                posting = get(key)
                if posting is None:
                    if j < index_len:
                        index[key] = xi
                    continue
                if j < probe_len:
                    if hits is None:
                        hits = set()
                    if isinstance(posting, int):
                        hits.add(posting)
                    else:
                        hits.update(posting)
                if j < index_len:
                    if isinstance(posting, int):
                        index[key] = [posting, xi]
                    else:
                        posting.append(xi)
        if hits is not None:
            xs = set(x)
            nine_a = 9 * a
            min_b = (9 * a) // 10 + 1
            for yi in hits:
                y = recs[yi]
                b = len(y)
                if b >= min_b and 19 * len(xs.intersection(y)) > nine_a + 9 * b:
                    xid, yid = ids[xi], ids[yi]
                    out.append((yid, xid) if yid < xid else (xid, yid))


def _prefix_lengths(a: int) -> tuple[int, int, int]:
    """For a record of size ``a``: how many leading tokens its probe pairs and its
    index pairs come from, and the larger of the two.

    Not indexed below size 10: a set of at most 9 tokens is only a
    near-duplicate of an equal set (``10 * o > 9 * (a + b - o)`` needs
    ``o = a = b``), and equal sets are one record.
    """
    probe_len = _probe_len(a)
    index_len = min(a, a - (18 * a) // 19 + 1) if a >= 10 else 0
    return probe_len, index_len, max(probe_len, index_len)


def similar_pairs(sets: Sequence[frozenset[str]]) -> list[tuple[int, int]]:
    """Every ``(i, j)``, ``i < j``, with ``is_near_duplicate(sets[i], sets[j])``, sorted.

    Equal to ``brute_force_pairs(sets)``.
    """
    word_sets = WordSets(sets)
    members: list[list[int]] = [[] for _ in word_sets.sets]
    for item, group in enumerate(word_sets.group_of):
        members[group].append(item)
    pairs: list[tuple[int, int]] = []
    for group, items in enumerate(members):
        if word_sets.sets[group]:  # identical non-empty sets are near-duplicates
            pairs.extend((i, j) for n, i in enumerate(items) for j in items[n + 1 :])
    for g, h in word_sets.join():
        pairs.extend((min(i, j), max(i, j)) for i in members[g] for j in members[h])
    pairs.sort()
    return pairs
