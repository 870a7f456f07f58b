"""Hypothesis helpers for the near-duplicate tests: word sets built by small edits."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from hypothesis import strategies as st


def small_edits(
    draw: st.DrawFn, base: Iterable[str], vocab: Sequence[str], most: int
) -> frozenset[str]:
    """``base`` after up to ``most`` edits, each dropping one of its words or adding one of
    ``vocab``: near-duplicates of ``base`` and exact ties with it are common."""
    words = set(base)
    for _ in range(draw(st.integers(0, most))):
        if words and draw(st.booleans()):
            words.discard(draw(st.sampled_from(sorted(words))))
        else:
            words.add(draw(st.sampled_from(vocab)))
    return frozenset(words)
