"""Consolidation planning: the prune and merge rules, exactly as documented."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from typing import Any

from support import memory_factory
from support.memory_factory import LONG, mem
from taskrunner.memory.consolidate import (
    Plan,
    merge_into,
    plan_consolidation,
)
from taskrunner.memory.similarity import is_near_duplicate, words

TODAY = date(2026, 11, 29)
NOW = datetime(2026, 11, 29, 3, 0, tzinfo=timezone(timedelta(hours=1)))


def plan(memories: list[dict[str, Any]], **kwargs: Any) -> Plan:
    kwargs.setdefault("today", TODAY)
    return plan_consolidation(memories, **kwargs)


def removed(p: Plan) -> dict[str, str]:
    return {r.memory_id: r.reason for r in p.removed}


def absorbed(p: Plan) -> dict[str, str | None]:
    """Every removed memory with the one it was merged into (None: removed, not merged)."""
    return {r.memory_id: r.duplicate_of for r in p.removed}


# -- prune -------------------------------------------------------------------


def test_prune_needs_old_and_unimportant_and_unpinned() -> None:
    old = "2026-11-01T10:00:00+00:00"
    memories = [
        mem("stale", "old header one", importance=0.1, last_seen_at=old),
        mem("important", "old fact two", importance=0.5, last_seen_at=old),
        mem("recent", "new header three", importance=0.1),
        mem("pinned", "old pinned four", importance=0.1, last_seen_at=old, pinned=True),
        mem("edge", "importance edge five", importance=0.3, last_seen_at=old),
    ]
    p = plan(memories)
    assert removed(p) == {"stale": "stale"}
    assert p.pruned_stale == 1 and p.after == 4 and p.before == 5
    assert [r.age_days for r in p.removed] == [28]


def test_age_counts_whole_local_days_more_than_max() -> None:
    memories = [
        mem("d14", "fourteen days", importance=0.1, last_seen_at="2026-11-15T12:00:00+00:00"),
        mem("d15", "fifteen days", importance=0.1, last_seen_at="2026-11-14T12:00:00+00:00"),
    ]
    assert removed(plan(memories)) == {"d15": "stale"}
    assert removed(plan(memories, max_age_days=15)) == {}
    assert removed(plan(memories, max_age_days=13)) == {"d14": "stale", "d15": "stale"}
    assert removed(plan(memories, min_importance=0.1)) == {}


def test_newest_timestamp_is_last_seen_else_created() -> None:
    memories = [
        mem("seen-recently", "a b c", importance=0.1, created_at="2026-01-01T00:00:00+00:00"),
        mem("never-seen", "d e f", importance=0.1, created_at="2026-01-01T00:00:00+00:00"),
    ]
    del memories[1]["last_seen_at"]
    assert removed(plan(memories)) == {"never-seen": "stale"}


def test_ages_use_the_local_date(local_tz: Callable[[str], None]) -> None:
    # 23:30 UTC on the 14th is the 15th in Tokyo: 14 days old there, 15 in UTC.
    memory = mem("m", "late night", importance=0.1, last_seen_at="2026-11-14T23:30:00+00:00")
    local_tz("UTC")
    assert removed(plan([memory])) == {"m": "stale"}
    local_tz("Asia/Tokyo")
    assert removed(plan([memory])) == {}
    # a naive timestamp is local time
    naive = mem("n", "naive", importance=0.1, last_seen_at="2026-11-14T23:30:00")
    assert removed(plan([naive])) == {"n": "stale"}


def test_unparseable_dates_are_kept_and_reported() -> None:
    memories = [
        mem("garbage", "one", importance=0.1, last_seen_at="last tuesday"),
        mem("missing", "two", importance=0.1),
        mem("number-importance", "three", importance="low", last_seen_at="2026-01-01"),
    ]
    del memories[1]["last_seen_at"]
    del memories[1]["created_at"]
    p = plan(memories)
    assert p.removed == []
    assert not p.changed
    problems = {u.memory_id: u.problem for u in p.unreadable}
    assert set(problems) == {"garbage", "missing", "number-importance"}
    assert "last tuesday" in problems["garbage"]
    assert "low" in problems["number-importance"]


def test_epoch_seconds_and_future_dates() -> None:
    memories = [
        mem("epoch", "epoch one", importance=0.1, last_seen_at=1_700_000_000),  # 2023
        mem("future", "future two", importance=0.1, last_seen_at="2027-01-01T00:00:00+00:00"),
    ]
    assert removed(plan(memories)) == {"epoch": "stale"}


# -- duplicates and merge ----------------------------------------------------


def test_exact_duplicates_by_normalized_text_merge() -> None:
    memories = [
        mem("a", "Use **SQLite** for the [store](https://sqlite.org)", importance=0.9),
        mem("b", "use sqlite   for the store", importance=0.5),
        mem("c", "USE SQLITE FOR THE STORE", importance=0.5),
    ]
    p = plan(memories)
    assert {r.memory_id: (r.duplicate_of, r.similarity) for r in p.removed} == {
        "b": ("a", 1.0),
        "c": ("a", 1.0),
    }
    assert p.merged_duplicates == 2 and p.after == 1


def test_near_duplicates_merge_above_threshold_only() -> None:
    base = LONG.split()  # 17 distinct words ("to" twice)
    assert len(set(base)) == 17
    plus_one = " ".join([*base, "today"])  # 17/18 > 0.9
    swap_one = " ".join([*base[:-1], "backup"])  # 16/18 < 0.9
    memories = [
        mem("a", LONG, importance=0.9),
        mem("b", plus_one, importance=0.5),
        mem("c", swap_one, importance=0.5),
    ]
    p = plan(memories)
    assert absorbed(p) == {"b": "a"}
    assert p.removed[0].similarity == round(17 / 18, 4)


def test_guards_keep_numbers_and_negations_apart() -> None:
    text = "the staging server listens on port 8080 behind the nginx proxy for the whole team"
    memories = [
        mem("a", text),
        mem("b", text.replace("8080", "8081")),
        mem("c", "we will deploy " + LONG),
        mem("d", "we will not deploy " + LONG),
    ]
    assert plan(memories).removed == []


def test_merge_fields() -> None:
    keeper = mem(
        "k",
        importance=0.6,
        created_at="2026-11-10T10:00:00+00:00",
        last_seen_at="2026-11-12T10:00:00+00:00",
        sources=[{"file": "memory/a.md", "line": 1}],
        seen_count=2,
        merged_from=["old"],
        custom={"kept": True},
    )
    dup = mem(
        "d",
        LONG.upper(),
        importance=0.9,
        created_at="2026-11-01T10:00:00+01:00",
        last_seen_at="2026-11-28T10:00:00+00:00",
        sources=[{"file": "memory/a.md", "line": 1}, {"file": "memory/b.md", "line": 7}],
        seen_count=3,
        pinned=False,
    )
    merged = merge_into(keeper, [dup])
    assert merged["id"] == "k" and merged["text"] == LONG
    assert merged["sources"] == [
        {"file": "memory/a.md", "line": 1},
        {"file": "memory/b.md", "line": 7},
    ]
    assert merged["seen_count"] == 5
    assert merged["importance"] == 0.9
    assert merged["created_at"] == "2026-11-01T10:00:00+01:00"
    assert merged["last_seen_at"] == "2026-11-28T10:00:00+00:00"
    assert merged["merged_from"] == ["old", "d"]
    assert merged["custom"] == {"kept": True}
    assert keeper["seen_count"] == 2 and keeper["merged_from"] == ["old"]  # input untouched


def test_walk_order_picks_the_keeper() -> None:
    # importance first, then the oldest, then the smallest id
    memories = [
        mem("z-low", importance=0.4, created_at="2026-01-01T00:00:00+00:00"),
        mem("y-high-new", importance=0.8, created_at="2026-11-02T00:00:00+00:00"),
        mem("x-high-old", importance=0.8, created_at="2026-11-01T00:00:00+00:00"),
        mem("w-high-old", importance=0.8, created_at="2026-11-01T00:00:00+00:00"),
    ]
    p = plan(memories)
    assert [m["id"] for m in p.memories] == ["w-high-old"]
    assert p.memories[0]["merged_from"] == ["x-high-old", "y-high-new", "z-low"]
    assert p.memories[0]["created_at"] == "2026-01-01T00:00:00+00:00"


def test_pinned_memories_are_kept_and_absorb_duplicates() -> None:
    memories = [
        mem("high", importance=1.0),
        mem("pin-a", LONG.upper(), importance=0.1, pinned=True),
        mem("pin-b", LONG.title(), importance=0.1, pinned=True),
        mem("plain", LONG, importance=0.5),
    ]
    p = plan(memories)
    kept = {m["id"] for m in p.memories}
    assert kept == {"pin-a", "pin-b"}
    # pinned come first in the walk, so the first pinned one absorbs the rest
    assert absorbed(p) == {"high": "pin-a", "plain": "pin-a"}


def test_duplicates_are_not_transitive() -> None:
    base = [f"word{c}" for c in "abcdefghij"]  # 10 alphabetic words
    a = " ".join(base)
    b = " ".join([*base, "extra"])  # a~b: 10/11
    c = " ".join([*base[1:], "extra"])  # b~c: 10/11; a vs c: 9/11 < 0.9
    assert is_near_duplicate(words(a), words(b))
    assert is_near_duplicate(words(b), words(c))
    assert not is_near_duplicate(words(a), words(c))
    memories = [
        mem("a", a, importance=0.9),
        mem("b", b, importance=0.8),
        mem("c", c, importance=0.7),
    ]
    p = plan(memories)
    # b merges into a; c only duplicates b, which is not kept: c stays
    assert {m["id"] for m in p.memories} == {"a", "c"}


def test_merges_into_the_first_kept_in_walk_order() -> None:
    base = [f"word{c}" for c in "abcdefghij"]
    a = " ".join(base)
    c = " ".join([*base[1:], "extra"])  # not a duplicate of a
    b = " ".join([*base, "extra"])  # duplicates both
    memories = [
        mem("c", c, importance=0.9),
        mem("a", a, importance=0.8),
        mem("b", b, importance=0.1),
    ]
    assert absorbed(plan(memories)) == {"b": "c"}


def test_stale_memories_are_pruned_before_merging() -> None:
    old = "2026-10-01T00:00:00+00:00"
    memories = [
        mem("stale-keeper", LONG, importance=0.2, last_seen_at=old),
        mem("fresh", LONG.upper(), importance=0.1),
    ]
    p = plan(memories)
    assert removed(p) == {"stale-keeper": "stale"}


def test_nothing_to_do_is_unchanged() -> None:
    memories = [mem("a", "one fact"), mem("b", "another fact entirely")]
    p = plan(memories)
    assert not p.changed and p.memories == memories and p.kept == [0, 1]


def test_empty_and_emoji_texts() -> None:
    memories = [
        mem("e1", ""),
        mem("e2", ""),
        mem("emoji1", "🎉🔥"),
        mem("emoji2", "👍"),
        mem("emoji3", "🎉🔥"),
    ]
    # equal normalized texts are exact duplicates; different emoji are not
    assert absorbed(plan(memories)) == {"e2": "e1", "emoji3": "emoji1"}


def test_merged_sources_are_bounded_and_the_rest_counted() -> None:
    from taskrunner.memory.consolidate import merge_into
    from taskrunner.memory.store import MAX_SOURCES

    def mem(mid: str, files: range, truncated: int = 0) -> dict[str, Any]:
        sources = [{"file": f"memory/n{i}.md", "line": 1} for i in files]
        m = memory_factory.mem(mid, "the same fact", sources=sources, seen_count=len(files))
        if truncated:
            m["sources_truncated"] = truncated
        return m

    keeper = mem("a", range(80), truncated=5)
    merged = merge_into(keeper, [mem("b", range(80, 150))])
    assert len(merged["sources"]) == MAX_SOURCES
    assert merged["sources"][0] == keeper["sources"][0]  # where it came from stays
    assert merged["sources_truncated"] == 5 + 50
    assert merged["seen_count"] == 150
