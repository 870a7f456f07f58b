from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from taskrunner.retry import compute_backoff


def test_backoff_doubles_from_two_seconds() -> None:
    assert [compute_backoff(a) for a in (1, 2, 3)] == [2.0, 4.0, 8.0]


def test_backoff_is_capped() -> None:
    assert compute_backoff(10, max_backoff_s=30) == 30
    assert compute_backoff(10_000, max_backoff_s=30) == 30  # no OverflowError


def test_jitter_adds_at_most_its_fraction() -> None:
    assert compute_backoff(2, jitter=0.5, rand=lambda: 0.0) == 4.0
    assert compute_backoff(2, jitter=0.5, rand=lambda: 1.0) == 6.0


def test_attempt_must_be_positive() -> None:
    with pytest.raises(ValueError, match="attempt"):
        compute_backoff(0)


@given(
    attempt=st.integers(min_value=1, max_value=10_000),
    cap=st.floats(min_value=0, max_value=1e6),
    jitter=st.floats(min_value=0, max_value=1),
    r=st.floats(min_value=0, max_value=1),
)
def test_backoff_never_exceeds_cap_nor_goes_negative(
    attempt: int, cap: float, jitter: float, r: float
) -> None:
    delay = compute_backoff(attempt, max_backoff_s=cap, jitter=jitter, rand=lambda: r)
    assert 0 <= delay <= cap
