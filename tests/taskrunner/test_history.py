"""History statistics: pure functions over run records, and their text rendering."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from taskrunner.history import (
    DEFAULT_LAST_RUNS,
    TaskStats,
    describe_failure,
    local_time,
    percentile,
    render_text,
    summarize,
)


def task_stats(records: list[dict[str, Any]]) -> dict[str, TaskStats]:
    return {s.task: s for s in summarize(records, last=0).tasks}


def recent_runs(records: list[dict[str, Any]], last: int = 20) -> list[dict[str, Any]]:
    return summarize(records, last=last).recent


def run(
    task: str = "noop",
    *,
    status: str = "success",
    duration: Any = 1.0,
    ts: str = "2026-03-01T03:00:00+00:00",
    **extra: Any,
) -> dict[str, Any]:
    record = {
        "task": task,
        "timestamp": ts,
        "success": status == "success",
        "duration_seconds": duration,
        "message": extra.pop("message", status),
        "run_id": extra.pop("run_id", "r"),
        "status": status,
        "attempts": 1,
    }
    return {**record, **extra}


@pytest.fixture
def utc_plus_3(local_tz: Callable[[str], None]) -> None:
    """Local time is UTC+3 (POSIX TZ strings count west, hence the minus)."""
    local_tz("UTC-3")


# -- percentiles and medians ------------------------------------------------------


def test_median_and_p95_of_known_durations() -> None:
    records = [run(duration=float(d)) for d in range(1, 21)]
    [stats] = task_stats(records).values()
    assert stats.median_duration_s == 10.5
    assert stats.p95_duration_s == 19.0
    records = [run(duration=float(d)) for d in range(100, 0, -1)]  # order does not matter
    [stats] = task_stats(records).values()
    assert stats.median_duration_s == 50.5
    assert stats.p95_duration_s == 95.0


def test_single_run_is_its_own_median_and_p95() -> None:
    [stats] = task_stats([run(duration=2.5)]).values()
    assert stats.median_duration_s == stats.p95_duration_s == 2.5


def test_percentile_of_nothing_is_none() -> None:
    assert percentile([], 95) is None


@given(st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=1), st.integers(1, 100))
def test_property_percentile_is_the_nearest_rank(values: list[float], pct: int) -> None:
    result = percentile(values, pct)
    assert result in values
    rank = math.ceil(pct / 100 * len(values))
    assert sum(v <= result for v in values) >= rank  # at least pct % at or below it
    assert sum(v < result for v in values) < rank  # and it is the smallest such value


def test_unusable_durations_are_left_out_of_the_statistics() -> None:
    records = [run(duration=d) for d in (1.0, 3.0, "slow", None, True, -1, math.nan)]
    [stats] = task_stats(records).values()
    assert stats.runs == 7
    assert stats.median_duration_s == 2.0


# -- success rate, last success, last failure ----------------------------------------


def test_success_rate_counts_runs_not_locked_refusals() -> None:
    records = [
        run(status="success"),
        run(status="failed"),
        run(status="success"),
        run(status="locked", duration=0.0),
        run(status="timeout"),
    ]
    [stats] = task_stats(records).values()
    assert stats.runs == 4
    assert stats.successes == 2
    assert stats.failures == 2
    assert stats.locked == 1
    assert stats.success_rate == 0.5


def test_last_success_and_last_failure_are_the_most_recent() -> None:
    records = [
        run(status="failed", ts="2026-03-01T03:00:00+00:00", error={"type": "A", "message": "old"}),
        run(status="success", ts="2026-03-01T04:00:00+00:00"),
        run(
            status="timeout",
            ts="2026-03-01T05:00:00+00:00",
            message="stopped",
            error={"type": "Timeout", "message": "stopped after 600 s"},
        ),
        run(status="success", ts="2026-03-01T06:00:00+00:00"),
        run(status="locked", ts="2026-03-01T07:00:00+00:00"),
    ]
    [stats] = task_stats(records).values()
    assert stats.last_success == "2026-03-01T06:00:00+00:00"
    assert stats.last_failure == {
        "timestamp": "2026-03-01T05:00:00+00:00",
        "status": "timeout",
        "message": "stopped",
        "error": {"type": "Timeout", "message": "stopped after 600 s"},
    }


def test_a_task_that_never_failed_or_never_succeeded() -> None:
    stats = task_stats([run("good"), run("bad", status="crashed")])
    assert stats["good"].last_failure is None
    assert stats["good"].success_rate == 1.0
    assert stats["bad"].last_success is None
    assert stats["bad"].success_rate == 0.0
    assert stats["bad"].last_failure is not None
    assert stats["bad"].last_failure["status"] == "crashed"
    assert stats["bad"].last_failure["error"] is None


def test_records_without_status_fall_back_to_success_flag() -> None:
    records = [{"task": "old", "success": True}, {"task": "old", "success": False}]
    [stats] = task_stats(records).values()
    assert (stats.runs, stats.successes) == (2, 1)
    assert stats.last_failure is not None and stats.last_failure["status"] == "failed"


def test_hand_edited_records_never_crash() -> None:
    records: list[dict[str, Any]] = [
        {},
        {"task": 7, "status": None, "error": "text", "timestamp": 12},
        {"task": "x", "error": {"type": None}, "duration_seconds": "1"},
    ]
    summary = summarize(records)
    assert sorted(s.task for s in summary.tasks) == ["?", "x"]
    assert render_text(summary)
    assert summary.to_json()["tasks"][0]["runs"] == 2


# -- recent runs and filters ---------------------------------------------------------------


def test_recent_runs_are_the_newest_last_and_default_to_20() -> None:
    records = [run(run_id=str(n)) for n in range(30)]
    recent = recent_runs(records)
    assert DEFAULT_LAST_RUNS == 20
    assert [r["run_id"] for r in recent] == [str(n) for n in range(10, 30)]
    assert [r["run_id"] for r in recent_runs(records, last=3)] == ["27", "28", "29"]
    assert recent_runs(records, last=0) == []


def test_recent_runs_are_ordered_by_start_time_not_by_when_they_were_logged() -> None:
    records = [
        # a start refused at 03:00:13 is logged before the run holding the lock ends
        run(run_id="locked", status="locked", ts="2026-03-01T03:00:13+00:00"),
        run(run_id="holder", ts="2026-03-01T03:00:12+00:00"),
        # an instant, not text: 05:00+02:00 is 03:00 UTC, before 03:00:30 UTC
        run(run_id="east", ts="2026-03-01T05:00:00+02:00"),
        run(run_id="later", ts="2026-03-01T03:00:30+00:00"),
        run(run_id="no time", ts="garbage"),  # stays after the record before it
        run(run_id="tie", ts="2026-03-01T03:00:30+00:00"),  # equal times: log order
    ]
    assert [r["run_id"] for r in recent_runs(records)] == [
        "east",
        "holder",
        "locked",
        "later",
        "no time",
        "tie",
    ]
    # --last N: the N latest starts, not the N last lines
    assert [r["run_id"] for r in recent_runs(records, last=2)] == ["no time", "tie"]
    assert [r["run_id"] for r in recent_runs(records[:2], last=1)] == ["locked"]


def test_task_filter_applies_to_runs_and_statistics() -> None:
    records = [run("a", run_id="1"), run("b", run_id="2"), run("a", run_id="3", status="failed")]
    summary = summarize(records, task="a")
    assert [r["run_id"] for r in summary.recent] == ["1", "3"]
    assert [s.task for s in summary.tasks] == ["a"]
    assert summarize(records, task="missing").tasks == []


def test_statistics_cover_all_runs_not_only_the_last_n() -> None:
    records = [run(status="failed")] + [run() for _ in range(5)]
    summary = summarize(records, last=2)
    assert len(summary.recent) == 2
    assert summary.tasks[0].runs == 6


def test_summarize_consumes_a_one_shot_iterator_once() -> None:
    summary = summarize(iter([run("a"), run("b")]), last=5)
    assert len(summary.recent) == 2 and len(summary.tasks) == 2


# -- rendering -------------------------------------------------------------------------------


def test_text_rendering_shows_what_a_user_looks_for(utc_plus_3: None) -> None:
    records = [
        run("memory_capture", duration=1.0, ts="2026-03-01T01:00:00+00:00"),
        run(
            "memory_capture",
            status="failed",
            duration=3.0,
            ts="2026-03-01T02:00:00+00:00",
            message="store broken",
            error={"type": "CorruptInput", "message": "store.json is not valid JSON"},
        ),
        run("noop", duration=125.0, ts="2026-03-01T02:30:00+00:00"),
    ]
    text = render_text(summarize(records))
    assert "memory_capture" in text and "noop" in text
    assert "50.0%" in text and "100.0%" in text
    assert "2m05.0s" in text  # durations over a minute
    assert "2026-03-01 04:00:00" in text  # local time of last success (UTC+3)
    assert "CorruptInput: store.json is not valid JSON" in text
    assert "2026-03-01 05:00:00 failed" in text


def test_empty_history_renders_a_sentence() -> None:
    assert render_text(summarize([])) == "No runs recorded yet.\n"


def test_local_time_converts_offsets_and_keeps_garbage(utc_plus_3: None) -> None:
    assert local_time("2026-01-05T02:00:00+00:00") == "2026-01-05 05:00:00"
    assert local_time("2026-01-05T02:00:00") == "2026-01-05 02:00:00"  # naive: as written
    assert local_time("yesterday") == "yesterday"
    assert local_time(None) == "-"


def test_describe_failure_without_error_uses_the_message() -> None:
    text = describe_failure({"timestamp": None, "status": "failed", "message": "returned false"})
    assert text == "- failed: returned false"
