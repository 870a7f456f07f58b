"""Which versions are kept as they age, and rewriting the journal to match.

Policy (ages are local calendar notions): every version younger than
``keep_all_days`` (30); then the newest version of each local day until
``keep_daily_days`` (90); then the newest of each ISO week, for good. The
newest version of every path is always kept, so a file's current content
and the last copy of a deleted file survive every prune; only
``--prune-deleted`` (``forget_deleted``) removes a deleted file's history.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo

from .history import records_by_path, under
from .manifest import Event

DAY_S = 86_400.0


@dataclass(frozen=True)
class Policy:
    #: every version younger than this many days is kept
    keep_all_days: float = 30
    #: until this age the newest version of each day is kept; after it, of each week
    keep_daily_days: float = 90

    def __post_init__(self) -> None:
        if not 0 <= self.keep_all_days <= self.keep_daily_days:
            raise ValueError("keep_all_days must be between 0 and keep_daily_days")


def select(times: Sequence[float], *, now_ts: float, policy: Policy, tz: tzinfo) -> set[int]:
    """Indices of the versions to keep; ``times`` in recording order (ascending)."""
    if not times:
        return set()
    keep = {len(times) - 1}
    newest_in: dict[tuple[str, int, int, int], int] = {}
    for i, ts in enumerate(times):
        age_days = (now_ts - ts) / DAY_S
        if age_days < policy.keep_all_days:
            keep.add(i)
            continue
        day = datetime.fromtimestamp(ts, tz).date()
        if age_days < policy.keep_daily_days:
            bucket = ("day", day.year, day.month, day.day)
        else:
            iso = day.isocalendar()
            bucket = ("week", iso.year, iso.week, 0)
        newest_in[bucket] = i  # ascending: the last index seen is the newest
    keep.update(newest_in.values())
    return keep


@dataclass
class Pruned:
    events: list[Event]
    versions_dropped: int = 0
    paths_forgotten: list[str] = field(default_factory=list)


def _rebuild(events: Sequence[Event], drop: set[tuple[int, str, str]]) -> list[Event]:
    out: list[Event] = []
    for event in events:
        put = {p: e for p, e in event.put.items() if (event.seq, p, "put") not in drop}
        stat = {p: e for p, e in event.stat.items() if (event.seq, p, "stat") not in drop}
        gone = [p for p in event.gone if (event.seq, p, "gone") not in drop]
        slim = Event(event.seq, event.ts, event.at, event.run, event.kind, put, stat, gone)
        if not slim.is_empty():
            out.append(slim)
    return out


def apply_policy(events: Sequence[Event], *, now_ts: float, policy: Policy, tz: tzinfo) -> Pruned:
    """The journal with the versions the policy no longer keeps left out.

    Stat refreshes other than each path's latest are dropped too (they only
    mattered until the next one); a "gone" record is kept while a kept
    version precedes it. Replaying the result gives the same current state.
    """
    drop: set[tuple[int, str, str]] = set()
    dropped_versions = 0
    for path, records in records_by_path(events).items():
        records.sort(key=lambda r: r.seq)
        contents = [r for r in records if r.kind == "put" and r.entry and r.entry.hash]
        kept = select([r.ts for r in contents], now_ts=now_ts, policy=policy, tz=tz)
        kept_seqs = {contents[i].seq for i in kept}
        last_kind: str | None = None
        for index, record in enumerate(records):
            is_last = index == len(records) - 1
            if record.kind == "put" and record.entry and record.entry.hash:
                if record.seq not in kept_seqs:
                    drop.add((record.seq, path, "put"))
                    dropped_versions += 1
                    continue
            elif record.kind == "stat" and not is_last:
                drop.add((record.seq, path, "stat"))
                continue
            elif record.kind == "gone" and last_kind in (None, "gone"):
                drop.add((record.seq, path, "gone"))  # nothing kept before it to hide
                continue
            last_kind = record.kind
    return Pruned(_rebuild(events, drop), versions_dropped=dropped_versions)


def forget_deleted(events: Sequence[Event], prefix: str) -> Pruned:
    """The journal without any record of the deleted files under ``prefix`` (explicit prune)."""
    drop: set[tuple[int, str, str]] = set()
    forgotten: list[str] = []
    dropped = 0
    for path, records in records_by_path(events).items():
        records.sort(key=lambda r: r.seq)
        if not under(path, prefix) or records[-1].kind != "gone":
            continue
        forgotten.append(path)
        for record in records:
            drop.add((record.seq, path, record.kind))
            dropped += record.kind == "put"
    return Pruned(
        _rebuild(events, drop), versions_dropped=dropped, paths_forgotten=sorted(forgotten)
    )
