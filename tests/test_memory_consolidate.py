"""Consolidation planning: the prune and merge rules, exactly as documented."""

from __future__ import annotations

import copy
import json
import random
import time
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import memory_factory
import pytest
from conftest import run_runner
from hypothesis import given, settings
from hypothesis import strategies as st

from taskrunner.errors import PermanentError, StoreCorrupt, WorkspaceMissing
from taskrunner.memory.consolidate import (
    Plan,
    _walk_key,
    merge_into,
    plan_consolidation,
)
from taskrunner.memory.exact_duplicates import exact_groups, quick_key, squash
from taskrunner.memory.normalize import normalize_text
from taskrunner.memory.similarity import is_near_duplicate, words
from taskrunner.memory.store import (
    Store,
    archive_path,
    backup_path,
    load_store,
    save_store,
    store_path,
)
from taskrunner.memory.store import canonical_json as _canonical
from taskrunner.task import TaskContext
from tasks.memory_consolidate import MemoryConsolidateTask

TODAY = date(2026, 11, 29)
NOW = datetime(2026, 11, 29, 3, 0, tzinfo=timezone(timedelta(hours=1)))
LONG = "we decided to keep the memory store in one json file because it is simple to back up"


def mem(mid: str, text: str = LONG, **fields: Any) -> dict[str, Any]:
    return memory_factory.mem(mid, text, **fields)


def plan(memories: list[dict[str, Any]], **kwargs: Any) -> Plan:
    kwargs.setdefault("today", TODAY)
    return plan_consolidation(memories, **kwargs)


def removed(p: Plan) -> dict[str, str]:
    return {r.memory_id: r.reason for r in p.removed}


@pytest.fixture
def local_tz(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Set the process's local timezone for one test."""

    def set_tz(name: str) -> None:
        monkeypatch.setenv("TZ", name)
        time.tzset()

    yield set_tz
    monkeypatch.undo()
    time.tzset()


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


def test_ages_use_the_local_date(local_tz: Any) -> None:
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
    assert {r.memory_id: r.duplicate_of for r in p.removed} == {"b": "a"}
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
    assert {r.memory_id: r.duplicate_of for r in p.removed} == {"high": "pin-a", "plain": "pin-a"}


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
    p = plan(memories)
    assert {r.memory_id: r.duplicate_of for r in p.removed} == {"b": "c"}


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
    p = plan(memories)
    # equal normalized texts are exact duplicates; different emoji are not
    assert {r.memory_id: r.duplicate_of for r in p.removed} == {"e2": "e1", "emoji3": "emoji1"}


# -- exact groups ------------------------------------------------------------


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


# -- order independence and the brute-force oracle ---------------------------


VOCAB = ["alpha", "beta", "gamma", "delta", "eps", "zeta", "eta", "theta", "iota", "kappa"]
VOCAB += ["lambda", "mu", "nu", "xi", "omicron", "pi", "rho", "sigma", "tau", "not", "8080"]


@st.composite
def stores(draw: st.DrawFn) -> list[dict[str, Any]]:
    bases = draw(st.lists(st.lists(st.sampled_from(VOCAB), min_size=0, max_size=22), min_size=1))
    memories = []
    for n in range(draw(st.integers(0, 12))):
        words_ = list(draw(st.sampled_from(bases)))
        for _ in range(draw(st.integers(0, 2))):
            if words_ and draw(st.booleans()):
                words_.pop(draw(st.integers(0, len(words_) - 1)))
            else:
                words_.append(draw(st.sampled_from(VOCAB)))
        text = " ".join(words_)
        text = draw(st.sampled_from([text, text.upper(), f"**{text}**", text + " 🎉"]))
        memories.append(
            mem(
                draw(st.sampled_from([f"m{n}", "same-id"])),
                text,
                importance=draw(st.sampled_from([0.1, 0.5, 0.5, 0.9])),
                created_at=draw(
                    st.sampled_from(
                        ["2026-11-01T00:00:00+00:00", "2026-11-02T00:00:00+00:00", "garbage"]
                    )
                ),
                last_seen_at=draw(
                    st.sampled_from(["2026-10-01T00:00:00+00:00", "2026-11-28T00:00:00+00:00"])
                ),
                pinned=draw(st.sampled_from([False, False, False, True])),
                seen_count=draw(st.integers(1, 3)),
            )
        )
    return memories


def _canonical_set(memories: list[dict[str, Any]]) -> list[str]:
    return sorted(json.dumps(m, sort_keys=True) for m in memories)


@settings(max_examples=200, deadline=None)
@given(stores(), st.randoms(use_true_random=False))
def test_shuffling_the_store_does_not_change_the_result(
    memories: list[dict[str, Any]], rnd: random.Random
) -> None:
    shuffled = copy.deepcopy(memories)
    rnd.shuffle(shuffled)
    a, b = plan(memories), plan(shuffled)
    assert _canonical_set(a.memories) == _canonical_set(b.memories)
    assert sorted(
        (r.memory_id, r.reason, r.duplicate_of, r.similarity) for r in a.removed
    ) == sorted((r.memory_id, r.reason, r.duplicate_of, r.similarity) for r in b.removed)


def _oracle(memories: list[dict[str, Any]]) -> set[tuple[int, int]]:
    """The merge rule by brute force: (merged index, keeper index) pairs."""
    p = plan(memories)
    stale = {r.index for r in p.removed if r.reason == "stale"}
    survivors = [i for i in range(len(memories)) if i not in stale]
    order = sorted(
        survivors,
        key=lambda i: (_walk_key(memories[i]), _canonical(memories[i])),
    )
    kept: list[int] = []
    merges: set[tuple[int, int]] = set()
    for i in order:
        keeper = None
        if not memories[i].get("pinned"):
            for k in kept:
                ti, tk = memories[i]["text"], memories[k]["text"]
                if normalize_text(ti) == normalize_text(tk) or is_near_duplicate(
                    words(ti), words(tk)
                ):
                    keeper = k
                    break
        if keeper is None:
            kept.append(i)
        else:
            merges.add((i, keeper))
    return merges


@settings(max_examples=300, deadline=None)
@given(stores())
def test_plan_equals_brute_force_walk(memories: list[dict[str, Any]]) -> None:
    p = plan(memories)
    got = {(i, keeper) for keeper, dups in p.merged.items() for i in dups}
    assert got == _oracle(memories)
    assert p.after + len(p.removed) == p.before


# -- the task ------------------------------------------------------------------


def run_task(
    workspace: Path | None,
    state_dir: Path,
    *,
    dry_run: bool = False,
    run_id: str = "run-1",
    **options: Any,
) -> tuple[dict[str, Any], list[dict[str, Any]], list[str]]:
    alerts: list[dict[str, Any]] = []
    logs: list[str] = []
    task = MemoryConsolidateTask()
    options.setdefault("date", TODAY)
    task.bind(
        TaskContext(
            task_name="memory_consolidate",
            run_id=run_id,
            state_dir=state_dir,
            dry_run=dry_run,
            workspace=workspace,
            options=options,
            clock=lambda: NOW,
            alert_sink=alerts.append,
            log_sink=logs.append,
        )
    )
    return task.run(), alerts, logs


def sample_store() -> list[dict[str, Any]]:
    return [
        mem("keep", LONG, importance=0.9, seen_count=2),
        mem("dup", LONG.upper(), seen_count=3),
        mem("near", LONG + " today"),
        mem("old", "an old header", importance=0.1, last_seen_at="2026-10-01T00:00:00+00:00"),
        mem("fact", "the gateway listens on port 18789", importance=0.7),
    ]


def write_store(workspace: Path, memories: list[dict[str, Any]], **extra: Any) -> bytes:
    save_store(store_path(workspace), Store(memories=memories, extra=extra))
    return store_path(workspace).read_bytes()


def snapshot(root: Path) -> dict[str, bytes | None]:
    return {
        str(p.relative_to(root)): (p.read_bytes() if p.is_file() else None)
        for p in sorted(root.rglob("*"))
    }


def test_task_archives_backs_up_and_rewrites(workspace: Path, state_dir: Path) -> None:
    before = write_store(workspace, sample_store(), owner="kept verbatim")
    result, alerts, _ = run_task(workspace, state_dir)
    assert result["success"] is True and alerts == []
    assert {k: result[k] for k in ("before", "after", "pruned_stale", "merged_duplicates")} == {
        "before": 5,
        "after": 2,
        "pruned_stale": 1,
        "merged_duplicates": 2,
    }
    assert result["archived_to"] == str(archive_path(workspace))
    assert result["backup"] == str(backup_path(store_path(workspace)))
    assert backup_path(store_path(workspace)).read_bytes() == before
    store = load_store(store_path(workspace))
    assert store.extra == {"owner": "kept verbatim"}
    assert [m["id"] for m in store.memories] == ["keep", "fact"]
    assert store.memories[0]["seen_count"] == 6
    assert store.memories[0]["merged_from"] == ["dup", "near"]
    lines = [json.loads(x) for x in archive_path(workspace).read_text().splitlines()]
    assert [(r["memory"]["id"], r["reason"], r["duplicate_of"]) for r in lines] == [
        ("dup", "duplicate", "keep"),
        ("near", "duplicate", "keep"),
        ("old", "stale", None),
    ]
    assert all(r["run_id"] == "run-1" and r["removed_at"] == NOW.isoformat() for r in lines)
    assert lines[0]["memory"] == sample_store()[1]


def test_task_with_nothing_to_do_writes_nothing(workspace: Path, state_dir: Path) -> None:
    write_store(workspace, [mem("a", "one fact"), mem("b", "another fact entirely")])
    store = store_path(workspace)
    mtime = store.stat().st_mtime_ns
    result, _, _ = run_task(workspace, state_dir)
    assert result["pruned_stale"] == result["merged_duplicates"] == 0
    assert result["archived_to"] is None and result["backup"] is None
    assert store.stat().st_mtime_ns == mtime
    assert not archive_path(workspace).exists()
    assert not backup_path(store).exists()


def test_task_without_a_store_creates_nothing(workspace: Path, state_dir: Path) -> None:
    before = snapshot(workspace)
    result, _, _ = run_task(workspace, state_dir)
    assert result["before"] == result["after"] == 0
    assert result["message"].startswith("Nothing to consolidate")
    assert snapshot(workspace) == before  # not even the lock file


def test_runner_on_a_fresh_workspace_creates_nothing(tmp_path: Path, state_dir: Path) -> None:
    fresh = tmp_path / "fresh"  # no memory/ folder: the lock's folder does not exist
    fresh.mkdir()
    for dry in ([], ["--dry-run"]):
        done = run_runner("memory_consolidate", "--workspace", str(fresh), "--json", *dry)
        assert done.returncode == 0, done.stderr
        record = json.loads(done.stdout)
        assert record["message"].startswith("Nothing to consolidate")
        assert record["attempts"] == 1 and record["before"] == 0
        assert list(fresh.iterdir()) == []
    alerts = state_dir / "alerts"
    assert not alerts.exists() or not [p for p in alerts.rglob("*") if p.is_file()]


def test_dry_run_reports_and_writes_nothing(workspace: Path, state_dir: Path) -> None:
    write_store(workspace, sample_store())
    before = snapshot(workspace)
    before_state = snapshot(state_dir)
    result, _, logs = run_task(workspace, state_dir, dry_run=True)
    assert snapshot(workspace) == before  # no lock file, no archive, no backup
    assert snapshot(state_dir) == before_state
    assert (result["pruned_stale"], result["merged_duplicates"], result["after"]) == (1, 2, 2)
    assert result["message"].startswith("Would remove")
    text = "\n".join(logs)
    assert "would prune 1 stale, would merge 2 duplicates" in text
    assert "dup: duplicate of keep (similarity 1.000)" in text
    assert "near: duplicate of keep (similarity 0.944)" in text
    # Ages are local-date notions: the stored UTC instant is converted to the local date first.
    old_day = datetime.fromisoformat("2026-10-01T00:00:00+00:00").astimezone().date()
    assert f"old: stale ({(TODAY - old_day).days} days old)" in text


def test_options_change_the_prune_rule(workspace: Path, state_dir: Path) -> None:
    write_store(workspace, sample_store())
    result, _, _ = run_task(workspace, state_dir, dry_run=True, max_age_days=60)
    assert result["pruned_stale"] == 0
    result, _, _ = run_task(workspace, state_dir, dry_run=True, min_importance=0.05)
    assert result["pruned_stale"] == 0
    result, _, _ = run_task(workspace, state_dir, dry_run=True, date=date(2026, 10, 10))
    assert result["pruned_stale"] == 0


def test_corrupt_store_is_permanent_and_untouched(workspace: Path, state_dir: Path) -> None:
    store_path(workspace).write_bytes(b'{"version": 1, "memories": [\n{"id": "a"\n')
    before = snapshot(workspace)
    with pytest.raises(StoreCorrupt) as info:
        run_task(workspace, state_dir)
    assert isinstance(info.value, PermanentError)
    assert "store.json.bak" in str(info.value)
    assert snapshot(workspace) == {**before, "memory/store.json.lock": b""}
    alerts: list[dict[str, Any]] = []
    task = MemoryConsolidateTask()
    task.bind(
        TaskContext(
            task_name="memory_consolidate",
            run_id="r",
            state_dir=state_dir,
            workspace=workspace,
            dry_run=True,
            alert_sink=alerts.append,
            log_sink=lambda line: None,
        )
    )
    with pytest.raises(StoreCorrupt):
        task.run()
    assert alerts and alerts[0]["level"] == "error" and "store.json.bak" in alerts[0]["message"]


def test_missing_workspace(tmp_path: Path, state_dir: Path) -> None:
    with pytest.raises(WorkspaceMissing):
        run_task(tmp_path / "nope", state_dir)


def test_runner_end_to_end(workspace: Path, state_dir: Path) -> None:
    write_store(workspace, sample_store())
    args = ("memory_consolidate", "--workspace", str(workspace), "--date", "2026-11-29")
    dry = run_runner(*args, "--dry-run", "--json")
    assert dry.returncode == 0, dry.stderr
    assert json.loads(dry.stdout)["merged_duplicates"] == 2
    assert "duplicate of keep" in dry.stderr
    assert not archive_path(workspace).exists()
    done = run_runner(*args, "--json")
    assert done.returncode == 0, done.stderr
    record = json.loads(done.stdout)
    assert record["task"] == "memory_consolidate" and record["success"] is True
    assert (record["before"], record["after"]) == (5, 2)
    archived = [json.loads(x) for x in archive_path(workspace).read_text().splitlines()]
    assert {r["run_id"] for r in archived} == {record["run_id"]}
    again = json.loads(run_runner(*args, "--json").stdout)
    assert again["after"] == 2 and again["backup"] is None


def test_runner_reports_a_corrupt_store_and_exits_1(workspace: Path, state_dir: Path) -> None:
    store_path(workspace).write_text("[1, 2")
    done = run_runner("memory_consolidate", "--workspace", str(workspace))
    assert done.returncode == 1
    assert "store.json.bak" in done.stderr
    assert store_path(workspace).read_text() == "[1, 2"
    queued = "".join(p.read_text() for p in (state_dir / "alerts").glob("*") if p.is_file())
    assert "store.json.bak" in queued


def test_runner_rejects_bad_options(workspace: Path) -> None:
    for bad in (["--date", "2026-13-01"], ["--max-age-days", "-1"], ["--min-importance", "2"]):
        done = run_runner("memory_consolidate", "--workspace", str(workspace), *bad)
        assert done.returncode == 1, bad
        assert bad[0] in done.stderr or "expected" in done.stderr or "must" in done.stderr


def test_merged_sources_are_bounded_and_the_rest_counted() -> None:
    from taskrunner.memory.consolidate import merge_into
    from taskrunner.memory.store import MAX_SOURCES

    def mem(mid: str, files: range, truncated: int = 0) -> dict[str, Any]:
        m: dict[str, Any] = {
            "id": mid,
            "text": "the same fact",
            "sources": [{"file": f"memory/n{i}.md", "line": 1} for i in files],
            "seen_count": len(files),
        }
        if truncated:
            m["sources_truncated"] = truncated
        return m

    keeper = mem("a", range(80), truncated=5)
    merged = merge_into(keeper, [mem("b", range(80, 150))])
    assert len(merged["sources"]) == MAX_SOURCES
    assert merged["sources"][0] == keeper["sources"][0]  # where it came from stays
    assert merged["sources_truncated"] == 5 + 50
    assert merged["seen_count"] == 150
