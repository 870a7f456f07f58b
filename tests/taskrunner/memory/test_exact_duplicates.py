"""Exact duplicates: the quick key is the squashed normalized text, groups match it."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from taskrunner.memory.exact_duplicates import exact_groups, quick_key, squash
from taskrunner.memory.normalize import normalize_text

MARKUP = st.text(
    alphabet=st.sampled_from(
        [*"aAbB _*`[]()!\t\n", *"ßﬁ\uff21\uff0a\uff3d\uff08\u00a0Éé", "\u0301"]
    ),
    max_size=30,
)


@settings(max_examples=500, deadline=None)
@given(st.one_of(MARKUP, st.text(max_size=30)))
def test_quick_key_is_the_squashed_normalized_text(text: str) -> None:
    key = quick_key(text)
    assert key is None or key == squash(normalize_text(text))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(MARKUP, st.sampled_from(["**ab** a", "ab a", "AB  A", "`ab` a"]))))
def test_exact_groups_equal_normalized_text_groups(texts: list[str]) -> None:
    groups = exact_groups(texts)
    normalized = [normalize_text(t) for t in texts]
    for i in range(len(texts)):
        for j in range(len(texts)):
            assert (groups[i] == groups[j]) == (normalized[i] == normalized[j])


ASCII_MARKUP = st.text(
    alphabet=st.sampled_from([*"aAbB _*`[]()!\t\n\x00\x1c\x1f\x0b", "é", "ﬁ"]), max_size=20
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(ASCII_MARKUP, st.sampled_from(["ab a", "AB\x1fA", "fi", "ﬁ"]))))
def test_exact_groups_of_mostly_ascii_texts(texts: list[str]) -> None:
    # ASCII texts take the batched key; a NUL, a "]" or a non-ASCII text takes the slow one
    groups = exact_groups(texts)
    normalized = [normalize_text(t) for t in texts]
    for i in range(len(texts)):
        for j in range(len(texts)):
            assert (groups[i] == groups[j]) == (normalized[i] == normalized[j])


def test_an_ascii_text_and_its_ligature_form_are_one_group() -> None:
    groups = exact_groups(["the fix", "the \ufb01x", "THE  *fix*", "the fox"])
    assert groups[0] == groups[1] == groups[2] != groups[3]
