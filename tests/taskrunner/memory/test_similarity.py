"""Near-duplicate detection: the join and the index equal the brute-force definition."""

from __future__ import annotations

import difflib
import itertools
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from support.word_sets import small_edits
from taskrunner.memory.similarity import (
    EDIT_SIMILARITY,
    GUARD_TOKENS,
    GUARD_WORDS,
    NearDuplicateIndex,
    brute_force_pairs,
    edit_similarity,
    is_guard_token,
    is_near_duplicate,
    jaccard,
    words,
)
from taskrunner.memory.similarity_join import WordSets, _is_guard, similar_pairs, word_tokens


# A small vocabulary so random sets overlap a lot; guard words and digit
# tokens included so the guard is exercised.
def _word(i: int) -> str:
    """An alphabetic word (a digit would make it a guard token)."""
    return "w" + "".join(chr(ord("a") + int(d)) for d in str(i))


VOCAB = [_word(i) for i in range(24)] + [
    "not",
    "no",
    "never",
    "t",
    "8080",
    "8081",
    "v2",
    "é",
    "日本",
    "enabled",
    "disabled",
    "tuesday",
    "周二部署",
]
EMOJI_ONLY = "🎉🔥 👍"


def _w(n: int) -> set[str]:
    return {_word(i) for i in range(n)}


@st.composite
def word_set_lists(draw: st.DrawFn) -> list[frozenset[str]]:
    """Sets built by small edits of a few bases, so near-duplicates and exact ties are common."""
    bases = draw(
        st.lists(st.sets(st.sampled_from(VOCAB), min_size=0, max_size=22), min_size=1, max_size=3)
    )
    return [
        small_edits(draw, draw(st.sampled_from(bases)), VOCAB, 3)
        for _ in range(draw(st.integers(0, 14)))
    ]


# -- the definition ---------------------------------------------------------


def test_exactly_nine_tenths_is_not_a_duplicate() -> None:
    ten = frozenset(_w(10))
    nine = frozenset(_w(9))
    assert jaccard(ten, nine) == 0.9
    assert not is_near_duplicate(ten, nine)
    # 9 shared of 10 in the union the other way: two sets of 9+1 differing words is lower still
    assert not is_near_duplicate(frozenset(_w(9) | {"x"}), frozenset(_w(9) | {"y"}))


def test_just_above_nine_tenths_is_a_duplicate() -> None:
    assert is_near_duplicate(frozenset(_w(11)), frozenset(_w(10)))  # 10/11
    assert is_near_duplicate(frozenset(_w(20)), frozenset(_w(19)))  # 0.95
    # one different word on each side: 18/20 is exactly 0.9, 19/21 is above
    assert not is_near_duplicate(frozenset(_w(18) | {"x"}), frozenset(_w(18) | {"y"}))
    assert is_near_duplicate(frozenset(_w(19) | {"x"}), frozenset(_w(19) | {"y"}))


def test_integer_arithmetic_has_no_float_edge() -> None:
    # 0.9 * 30 == 27.000000000000004 in floating point; the integer test is exact.
    a = frozenset(_w(30))
    b = frozenset(_w(27))
    assert not is_near_duplicate(a, b)
    assert is_near_duplicate(frozenset(_w(28)), frozenset(_w(30)) - {_word(29)} | {_word(27)})


def test_guard_words_and_digits_block_a_merge() -> None:
    base = _w(20)
    assert not is_near_duplicate(frozenset(base | {"port8080"}), frozenset(base | {"port8081"}))
    assert not is_near_duplicate(frozenset(base | {"8080"}), frozenset(base))
    for guard in GUARD_WORDS:
        assert not is_near_duplicate(frozenset(base | {guard}), frozenset(base)), guard
    # a guard word both texts share is fine
    assert is_near_duplicate(frozenset(base | {"not", "x"}), frozenset(base | {"not"}))


def test_issue_examples() -> None:
    port_a = words("The staging server listens on port 8080 behind the nginx proxy, see runbook")
    port_b = words("The staging server listens on port 8081 behind the nginx proxy, see runbook")
    assert jaccard(port_a, port_b) < 1
    assert not is_near_duplicate(port_a, port_b)
    filler = "after the review on friday with the whole platform team and the product owners"
    deploy = words(f"we will deploy {filler}")
    assert not is_near_duplicate(deploy, words(f"we will not deploy {filler}"))
    assert not is_near_duplicate(words("don't do it " + filler), words("do do it " + filler))


def test_words_definition() -> None:
    assert words("Hello, WORLD! hello") == frozenset({"hello", "world"})
    assert words(EMOJI_ONLY) == frozenset()
    assert words("") == frozenset()
    assert words("Straße") == frozenset({"strasse"})  # casefold, not lower
    assert words("snake_case v2.0") == frozenset({"snake_case", "v2", "0"})


@settings(max_examples=500, deadline=None)
@given(
    st.one_of(
        st.text(),
        st.text(alphabet=st.characters(max_codepoint=127)),
        st.text(alphabet=st.sampled_from([*"aZ_09 -.\t\n\x00\x7f", "é", "ß", "\u0130"])),
    )
)
def test_word_tokens_are_the_words(text: str) -> None:
    expected = {w.encode("utf-8", "surrogatepass") for w in words(text)}
    assert set(word_tokens(text)) == expected


def test_empty_and_emoji_only_sets_are_never_near_duplicates() -> None:
    assert not is_near_duplicate(frozenset(), frozenset())
    empty = [words(""), words(EMOJI_ONLY), words("  "), words("🎉")]
    assert similar_pairs(empty) == []
    idx: NearDuplicateIndex[int] = NearDuplicateIndex()
    for i, s in enumerate(empty):
        idx.add(i, s)
    assert idx.query(frozenset()) == []


def test_identical_sets_are_all_paired() -> None:
    s = frozenset(_w(5))
    assert similar_pairs([s, s, s]) == [(0, 1), (0, 2), (1, 2)]


# -- the join equals brute force ---------------------------------------------


@settings(max_examples=400, deadline=None)
@given(word_set_lists())
def test_join_equals_brute_force(sets: list[frozenset[str]]) -> None:
    assert similar_pairs(sets) == brute_force_pairs(sets)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.text(alphabet=st.sampled_from(["a", "b", "c", " ", "7", "🎉", "Ä", "ä", "-"])),
            st.sampled_from(["", EMOJI_ONLY, "a b c d e f g h i j", "a b c d e f g h i j k"]),
        ),
        max_size=12,
    )
)
def test_join_on_texts_equals_brute_force(texts: list[str]) -> None:
    sets = [words(t) for t in texts]
    word_sets = WordSets.from_texts(texts)
    # items with equal word sets share a group, and only those
    for i, j in itertools.combinations(range(len(texts)), 2):
        assert (word_sets.group_of[i] == word_sets.group_of[j]) == (sets[i] == sets[j])
    assert similar_pairs(sets) == brute_force_pairs(sets)


def test_join_at_threshold_edges() -> None:
    # sizes 9..21 around one base, every subset/superset relation: many 0.9 edges
    base = sorted(_w(21))
    sets = [frozenset(base[:n]) for n in range(22)]
    sets += [frozenset(base[1:n]) for n in range(2, 22)]
    sets += [frozenset(base[:n]) | {"8080"} for n in range(9, 22)]
    got = similar_pairs(sets)
    assert got == brute_force_pairs(sets)
    assert got  # the edge cases include real matches


def test_join_finds_pairs_in_a_larger_random_store() -> None:
    import random

    rng = random.Random(7)
    vocab = [_word(i) for i in range(400)]
    sets: list[frozenset[str]] = []
    for _ in range(300):
        if sets and rng.random() < 0.3:
            s = set(rng.choice(sets))
            s.discard(rng.choice(sorted(s)))
            s.add(rng.choice(vocab))
        else:
            s = set(rng.sample(vocab, rng.randint(5, 30)))
        sets.append(frozenset(s))
    got = similar_pairs(sets)
    assert got == brute_force_pairs(sets)
    assert len(got) > 10


# -- the index equals brute force --------------------------------------------


@settings(max_examples=300, deadline=None)
@given(word_set_lists(), word_set_lists())
def test_index_query_equals_brute_force(
    indexed: list[frozenset[str]], queries: list[frozenset[str]]
) -> None:
    idx: NearDuplicateIndex[str] = NearDuplicateIndex()
    for i, s in enumerate(indexed):
        idx.add(f"k{i}", s)
    assert len(idx) == len(indexed)
    for q in queries + indexed:
        expected = [f"k{i}" for i, s in enumerate(indexed) if is_near_duplicate(q, s)]
        assert idx.query(q) == expected


@settings(max_examples=200, deadline=None)
@given(word_set_lists())
def test_index_interleaving_add_and_query(sets: list[frozenset[str]]) -> None:
    idx: NearDuplicateIndex[int] = NearDuplicateIndex()
    for i, s in enumerate(sets):
        assert idx.query(s) == [j for j in range(i) if is_near_duplicate(s, sets[j])]
        idx.add(i, s)


def test_sets_of_ten_pair_with_a_superset_and_smaller_sets_only_with_equals() -> None:
    # the join indexes no set below 10 tokens: none is a near-duplicate of another set
    base = sorted(_w(11))
    sets = [frozenset(base[:9]), frozenset(base[:10]), frozenset(base[:11]), frozenset(base[:9])]
    assert similar_pairs(sets) == brute_force_pairs(sets) == [(0, 3), (1, 2)]


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.sampled_from(sorted(GUARD_TOKENS)),
        st.text(alphabet=st.sampled_from([*"aZq7_é星期二月"]), min_size=1),
    )
)
def test_the_rankers_guard_test_is_is_guard_token(token: str) -> None:
    assert _is_guard(token) == _is_guard(token.encode("utf-8")) == is_guard_token(token)


WORDS_AND_CJK = st.lists(
    st.sampled_from(["port", "8080", "8081", "sam", "call", "馆", "长", "辣", "・", ":", " "]),
    max_size=12,
).map("".join)
#: kana, CJK ideographs (and their extensions and compatibility forms), Hangul
CJK_RANGES = [("\u3040", "\u30ff"), ("\u3400", "\u4dbf"), ("\u4e00", "\u9fff")]
CJK_RANGES += [("\uf900", "\ufaff"), ("\uac00", "\ud7af")]


@settings(max_examples=300, deadline=None)
@given(WORDS_AND_CJK | st.text(max_size=60), WORDS_AND_CJK | st.text(max_size=60))
def test_edit_similarity_is_difflibs_ratio_over_words_wherever_it_reaches_the_threshold(
    old: str, new: str
) -> None:
    # The words, a CJK character counting as one: the definition, written out.
    def units(text: str) -> list[str]:
        out: list[str] = []
        run = ""
        for char in text.casefold():
            cjk = any(low <= char <= high for low, high in CJK_RANGES)
            if not cjk and re.fullmatch(r"\w", char):
                run += char
                continue
            out.extend([run] if run else [])
            out.extend([char] if cjk else [])
            run = ""
        return out + ([run] if run else [])

    a, b = units(old), units(new)
    ratio = difflib.SequenceMatcher(None, a, b, autojunk=False).ratio() if a and b else 0.0
    kept = edit_similarity(old, new)
    # The cheap upper bounds only ever answer "no edit".
    if ratio >= EDIT_SIMILARITY:
        assert kept == ratio
    else:
        assert kept < EDIT_SIMILARITY
