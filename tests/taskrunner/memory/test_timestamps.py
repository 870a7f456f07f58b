"""Stored timestamps, read as aware datetimes and as local calendar dates."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from taskrunner.memory.timestamps import local_date, parse_timestamp


@pytest.fixture
def utc_plus_9(local_tz: Callable[[str], None]) -> None:
    local_tz("Asia/Tokyo")


def test_parse_timestamp(utc_plus_9: None) -> None:
    aware = parse_timestamp("2026-02-13T23:30:00-05:00")
    assert aware is not None and aware.utcoffset() is not None
    assert parse_timestamp("2026-02-13T10:00:00Z") is not None
    naive = parse_timestamp("2026-02-13T10:00:00")
    assert naive is not None and naive.utcoffset() is not None
    assert naive.utcoffset().total_seconds() == 9 * 3600  # type: ignore[union-attr]
    assert parse_timestamp(0) is not None
    for bad in ("yesterday", "", None, True, [], {"t": 1}, float("nan"), 10**30):
        assert parse_timestamp(bad) is None


def test_local_date_is_the_local_calendar_day(utc_plus_9: None) -> None:
    # 23:30 in New York is already the next morning in Tokyo.
    assert local_date("2026-02-13T23:30:00-05:00") == date(2026, 2, 14)
    assert local_date("2026-02-13") == date(2026, 2, 13)
    assert local_date("not a date") is None
