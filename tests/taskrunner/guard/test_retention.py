"""Retention: which versions survive as they age (property tests), with injected time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from support.clock import T0, Clock
from support.guard import guard_dir, make_guard, objects_on_disk, write
from taskrunner.guard.history import versions
from taskrunner.guard.manifest import Entry, Event, replay
from taskrunner.guard.retention import DAY_S, Policy, apply_policy, forget_deleted, select

NOW = T0.timestamp()
POLICY = Policy(keep_all_days=30, keep_daily_days=90)

ages_days = st.lists(st.floats(min_value=0, max_value=400, allow_nan=False), max_size=60)


def _times(ages: list[float]) -> list[float]:
    return sorted(NOW - a * DAY_S for a in ages)


@given(ages_days)
def test_select_keeps_what_the_policy_promises(ages: list[float]) -> None:
    times = _times(ages)
    kept = select(times, now_ts=NOW, policy=POLICY, tz=UTC)
    assert kept <= set(range(len(times)))
    if times:
        assert len(times) - 1 in kept, "the newest version is always kept"
    for i, ts in enumerate(times):
        age = (NOW - ts) / DAY_S
        if age < 30:
            assert i in kept
    # Between 30 and 90 days: exactly the newest of each day that had versions.
    by_day: dict[object, list[int]] = {}
    by_week: dict[object, list[int]] = {}
    for i, ts in enumerate(times):
        age = (NOW - ts) / DAY_S
        day = datetime.fromtimestamp(ts, UTC).date()
        if 30 <= age < 90:
            by_day.setdefault(day, []).append(i)
        elif age >= 90:
            by_week.setdefault(day.isocalendar()[:2], []).append(i)
    for bucket in [*by_day.values(), *by_week.values()]:
        newest = max(bucket)
        assert newest in kept
        assert all(i not in kept for i in bucket if i != newest and i != len(times) - 1)


@given(ages_days)
def test_select_is_stable_when_applied_again(ages: list[float]) -> None:
    times = _times(ages)
    kept = sorted(select(times, now_ts=NOW, policy=POLICY, tz=UTC))
    survivors = [times[i] for i in kept]
    again = select(survivors, now_ts=NOW, policy=POLICY, tz=UTC)
    assert again == set(range(len(survivors)))


def _entry(h: int) -> Entry:
    return Entry(f"{h:064x}", size=h, mtime_ns=h)


journal_ops = st.lists(
    st.tuples(
        st.floats(min_value=0, max_value=2, allow_nan=False),  # days since the previous event
        st.sampled_from(["a.md", "b.md", "c.md"]),
        st.one_of(st.integers(min_value=1, max_value=6), st.none()),  # None: deleted
    ),
    max_size=40,
)


def _journal(ops: list[tuple[float, str, int | None]]) -> list[Event]:
    events: list[Event] = []
    ts = NOW - 300 * DAY_S
    state: dict[str, Entry] = {}
    for seq, (gap, path, content) in enumerate(ops, start=1):
        ts += gap * DAY_S
        event = Event(seq=seq, ts=ts, at="", run="r")
        if content is None:
            if path not in state:
                continue
            event.gone.append(path)
            del state[path]
        else:
            event.put[path] = state[path] = _entry(content)
        events.append(event)
    return events


@given(journal_ops)
def test_retention_never_changes_the_current_state_nor_a_last_copy(
    ops: list[tuple[float, str, int | None]],
) -> None:
    events = _journal(ops)
    pruned = apply_policy(events, now_ts=NOW, policy=POLICY, tz=UTC)
    assert replay(pruned.events) == replay(events)
    for path in ("a.md", "b.md", "c.md"):
        before, after = versions(events, path), versions(pruned.events, path)
        if before:
            assert after and after[-1].hash == before[-1].hash, "the last copy survives"
        assert {v.hash for v in after} <= {v.hash for v in before}
    again = apply_policy(pruned.events, now_ts=NOW, policy=POLICY, tz=UTC)
    assert again.events == pruned.events


@given(journal_ops)
def test_forgetting_deleted_files_touches_only_them(
    ops: list[tuple[float, str, int | None]],
) -> None:
    events = _journal(ops)
    current = replay(events)
    pruned = forget_deleted(events, "")
    assert replay(pruned.events) == current
    for path in pruned.paths_forgotten:
        assert path not in current and not versions(pruned.events, path)
    for path in current:
        assert versions(pruned.events, path) == versions(events, path)


def test_retention_over_months_with_an_injected_clock(workspace: Path, state_dir: Path) -> None:
    clock = Clock(datetime(2026, 1, 1, 9, 0, tzinfo=UTC))
    note = "memory/2026-01-01.md"
    # Four edits a day for 120 days, one guard run after each (the clock never read).
    for day in range(120):
        for edit in range(4):
            write(workspace, note, f"# day {day} edit {edit}\n" + "- line\n" * 20)
            write(workspace, "memory/doomed.md", "# deleted on day 10\n") if day < 10 else None
            if day == 10 and edit == 0:
                (workspace / "memory" / "doomed.md").unlink()
            make_guard(workspace, state_dir, clock, policy=POLICY).record()
            clock.advance(hours=6)
        # once a day maintenance (retention) runs as a scheduled run would
        make_guard(workspace, state_dir, clock, policy=POLICY).maintain(
            make_guard(workspace, state_dir, clock).record()[1], clock.now.timestamp()
        )
    guard = make_guard(workspace, state_dir, clock, policy=POLICY)
    kept = versions(guard.journal.read_all().events, note)
    now = clock.now
    ages = [(now - datetime.fromtimestamp(v.ts, UTC)) / timedelta(days=1) for v in kept]
    recent = [a for a in ages if a < 30]
    daily = [a for a in ages if 30 <= a < 90]
    weekly = [a for a in ages if a >= 90]
    assert len(recent) == 30 * 4 - 1  # an edit every 6 hours, the newest 6 hours ago
    assert 59 <= len(daily) <= 61  # one a day
    assert 4 <= len(weekly) <= 6  # one a week for the oldest month
    # The deleted note's last copy is kept after 110 days, until pruned explicitly.
    doomed = versions(guard.journal.read_all().events, "memory/doomed.md")
    assert len(doomed) == 1
    gd = guard_dir(state_dir, workspace)
    kept_hashes = {v.hash for v in kept} | {doomed[0].hash}
    assert set(objects_on_disk(gd)) == kept_hashes, "storage holds exactly the kept versions"
    from taskrunner.guard import commands

    result = commands.prune_deleted(guard, "memory/")
    assert result["forgotten"] == ["memory/doomed.md"]
    assert doomed[0].hash not in objects_on_disk(gd)
