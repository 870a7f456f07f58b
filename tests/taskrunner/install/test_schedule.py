"""Schedules: parsing, the period the dead-man's switch waits for, and each scheduler's form."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from taskrunner.errors import UsageError
from taskrunner.install import schedule as s


@pytest.mark.parametrize(
    ("expr", "period_s"),
    [
        ("0 * * * *", 3600),
        ("*/5 * * * *", 300),
        ("0 3 * * *", 86400),
        ("0,30 9-17 * * *", (24 - 17 + 9) * 3600 - 30 * 60),  # 17:30 -> 09:00 next day
        ("0 9 * * 1-5", 3 * 86400),  # Friday 09:00 -> Monday 09:00
        ("0 0 1 * *", 31 * 86400),
        ("0 0 * * 0,7", 7 * 86400),  # 7 is Sunday too
    ],
)
def test_period_is_the_longest_gap(expr: str, period_s: int) -> None:
    assert s.cron(expr).period_s == period_s


def test_every_and_its_forms() -> None:
    five = s.every("5m")
    assert five.period_s == 300 and five.describe() == "every 5m"
    assert s.as_cron_expr(five) == "*/5 * * * *"
    assert s.as_cron_expr(s.every("1h")) == "0 * * * *"
    assert s.as_cron_expr(s.every("6h")) == "0 */6 * * *"
    assert s.as_cron_expr(s.every("1d")) == "0 0 * * *"
    with pytest.raises(UsageError, match="no crontab equivalent"):
        s.as_cron_expr(s.every("7m"))
    assert s.schedule_from_json(five.to_json()) == five


@pytest.mark.parametrize(
    ("parse", "bad", "message"),
    [
        (s.every, "5", "duration such as 5m"),
        (s.every, "30s", "at least one minute"),
        (s.cron, "* * * *", "five fields"),
        (s.cron, "61 * * * *", "values must be 0-59"),
        (s.cron, "*/0 * * * *", "step after /"),
        (s.cron, "0 0 * JAN *", "names and \\? are not supported"),
        (s.cron, "0 0 31 2 *", "less than twice a year"),
    ],
)
def test_a_bad_every_or_cron_is_a_clear_usage_error(
    parse: Callable[[str], s.Schedule], bad: str, message: str
) -> None:
    with pytest.raises(UsageError, match=message):
        parse(bad)


def test_systemd_and_launchd_forms() -> None:
    assert s.as_systemd_calendar(s.cron("*/5 * * * *")) == "*-*-* *:0/5:00"
    assert s.as_systemd_calendar(s.cron("0 9 * * 1-5")) == "Mon..Fri *-*-* 9:0:00"
    assert s.as_launchd_calendar(s.cron("0 3 * * *")) == [{"Minute": 0, "Hour": 3}]
    assert len(s.as_launchd_calendar(s.cron("*/15 * * * *"))) == 4
    for convert in (s.as_systemd_calendar, s.as_launchd_calendar):
        with pytest.raises(UsageError, match="either"):
            convert(s.cron("0 0 1 * 1"))


@given(
    st.sets(st.integers(0, 59), min_size=1, max_size=6),
    st.sets(st.integers(0, 23), min_size=1, max_size=4),
)
def test_daily_period_matches_a_brute_force_walk(minutes: set[int], hours: set[int]) -> None:
    expr = f"{','.join(map(str, sorted(minutes)))} {','.join(map(str, sorted(hours)))} * * *"
    fires = sorted(h * 60 + m for h in hours for m in minutes)
    fires += [f + 1440 for f in fires]
    expected = max(b - a for a, b in itertools.pairwise(fires)) * 60
    assert s.cron(expr).period_s == expected
