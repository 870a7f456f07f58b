"""One guard pass over a workspace: scan, record, report, and (daily) maintain.

Order matters for "a crash at any instant loses nothing": new objects are
written (each atomically) before the journal line that names them, the
journal line before the checkpoint, and retention deletes objects only
after the journal that no longer names them is in place. A run killed
anywhere leaves older snapshots as they were: at worst some objects no line
names yet (the next run reuses them) or an incomplete last line (ignored).
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from .findings import (
    DEFAULT_SEVERAL,
    DEFAULT_SHRINK_SHARE,
    Inputs,
    find,
    plan_alerts,
)
from .journal import CHECKPOINT_EVERY, CHECKPOINT_TAIL_BYTES, Current, Journal
from .layout import GuardPaths, guard_lock
from .manifest import Entry, Event
from .objects import ObjectStore
from .problem_state import load_problems, save_problems
from .reading import MAX_FILE_BYTES
from .retention import Policy, Pruned, apply_policy
from .snapshot import Scan, scan
from .tracked import Scope

#: seconds between maintenance passes (full re-read, object check, retention)
MAINTAIN_EVERY_S = 20 * 3600.0
#: a temp file of a killed write older than this is removed by maintenance
STALE_TEMP_S = 3600.0


@dataclass
class Settings:
    workspace: Path
    state_dir: Path
    run_id: str
    now: Callable[[], datetime]
    #: the command line (as a string) of memory_guard with these words added
    restore_cmd: Callable[..., str]
    scope: Scope = field(default_factory=Scope)
    policy: Policy = field(default_factory=Policy)
    shrink_share: float = DEFAULT_SHRINK_SHARE
    several: int = DEFAULT_SEVERAL
    max_bytes: int = MAX_FILE_BYTES
    dry_run: bool = False
    #: re-read every file this run (``--verify``)
    full: bool = False
    #: the filesystem's clock (for the racy-read rule), not the injectable task clock
    now_ns: Callable[[], int] = time.time_ns
    #: the pause before a just-modified file is read a second time
    sleep: Callable[[float], None] = time.sleep


@dataclass
class Cycle:
    """What one scan-record-report cycle did."""

    scan: Scan
    current: Current
    alerts: list[dict[str, Any]]
    problems: dict[str, dict[str, Any]]
    written: bool
    notes: list[str] = field(default_factory=list)


class Guard:
    def __init__(self, settings: Settings, log: Callable[[str], None]) -> None:
        self.s = settings
        self.log = log
        self.paths = GuardPaths.for_workspace(settings.state_dir, settings.workspace)
        self.journal = Journal(self.paths)
        self.objects = ObjectStore(self.paths.objects)

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        if self.s.dry_run:
            yield  # a dry run takes no lock: taking it would create files
            return
        with guard_lock(self.paths):
            self.paths.create(self.s.workspace)
            yield

    def _event(self, current: Current, kind: str) -> Event:
        now = self.s.now()
        return Event(
            seq=current.last_seq + 1,
            ts=now.timestamp(),
            at=now.isoformat(timespec="seconds"),
            run=self.s.run_id,
            kind=kind,
        )

    def record(
        self, kind: str = "scan", *, full: bool = False, current: Current | None = None
    ) -> tuple[Current, Scan, bool]:
        """Scan and append what changed (call under ``locked``); (state before, scan, written)."""
        if current is None:
            current = self.journal.load_current()
        event = self._event(current, kind)
        result = scan(
            self.s.workspace,
            self.s.scope,
            current.state,
            event,
            objects=None if self.s.dry_run else self.objects,
            now_ns=self.s.now_ns,
            full=full or self.s.full,
            max_bytes=self.s.max_bytes,
            sleep=self.s.sleep,
        )
        if event.is_empty() or self.s.dry_run:
            return current, result, False
        size, ino = self.journal.append(event, good_bytes=current.good_bytes, size=current.size)
        tail_events = current.tail_events + 1
        tail_bytes = current.tail_bytes + size - current.size
        if (
            not current.checkpointed
            or tail_events >= CHECKPOINT_EVERY
            or tail_bytes >= CHECKPOINT_TAIL_BYTES
        ):
            self.journal.write_checkpoint(
                result.state, event.seq, (size, ino), maintained_ts=current.maintained_ts
            )
        return current, result, True

    def report(
        self,
        current: Current,
        result: Scan,
        written: bool,
        store_problems: list[str],
        *,
        store_checked: bool = False,
    ) -> Cycle:
        """The findings of one recorded scan, and the alerts they call for."""
        known, bad = load_problems(self.paths.problems)
        if bad:
            self.log(f"warning: {bad}")
        event = result.event
        for note in current.problems:
            self.log(f"warning: {note}")
        inputs = Inputs(
            previous=current.state,
            current=result.state,
            gone=event.gone,
            # A restore writes what the user chose: not a shrink to report.
            changed=list(event.put) if event.kind != "restore" else [],
            skipped=result.skipped,
            at=event.at,
            restore_cmd=self.s.restore_cmd,
            known=known,
            shrink_share=self.s.shrink_share,
            several=self.s.several,
            store_problems=(current.problems if current.corrupt else []) + store_problems,
            store_checked=store_checked or current.corrupt,
        )
        problems, silent = find(inputs)
        alerts, state = plan_alerts(known, problems, silent, event.at)
        if not self.s.dry_run and (state != known or bad):
            save_problems(self.paths.problems, state, event.at, corrupt=bad is not None)
        return Cycle(result, current, alerts, state, written, notes=list(current.problems))

    def run(self) -> dict[str, Any]:
        """A scheduled run: scan and record, maintenance when it is due, then the findings."""
        with self.locked():
            loaded = self.journal.load_current()
            now_ts = self.s.now().timestamp()
            maintained = loaded.maintained_ts
            due = maintained is None or now_ts - maintained >= MAINTAIN_EVERY_S
            current, result, written = self.record(full=due, current=loaded)
            maintenance: dict[str, Any] = {}
            if due and not self.s.dry_run:
                maintenance = self.maintain(result, now_ts)
            store_problems = [maintenance["skipped"]] if "skipped" in maintenance else []
            cycle = self.report(
                current, result, written, store_problems, store_checked=due and not self.s.dry_run
            )
        return self._result(cycle, maintenance)

    def maintain(self, result: Scan, now_ts: float) -> dict[str, Any]:
        """Retention and clean-up; deletes nothing when the journal or the store is damaged."""
        history = self.journal.read_all()
        last_seq = max((e.seq for e in history.events), default=0)
        referenced = {h for e in history.events for h in _hashes(e)}
        missing = sorted(h for h in referenced if not self.objects.has(h))
        report: dict[str, Any] = {"versions_dropped": 0, "objects_deleted": 0}
        if history.corrupt or missing:
            why = (
                f"{self.paths.journal}: "
                + "; ".join(p for p in history.problems if "cannot be read" in p)
                if history.corrupt
                else f"{len(missing)} snapshot objects are missing "
                f"({', '.join(h[:12] for h in missing[:3])}); their versions cannot be restored"
            )
            report["skipped"] = f"retention skipped: {why}; nothing was deleted"
            self.log(f"warning: {report['skipped']}")
            self._checkpoint(result, last_seq, now_ts, history.size, history.ino)
            return report
        tz = datetime.fromtimestamp(now_ts).astimezone().tzinfo
        assert tz is not None
        pruned = apply_policy(history.events, now_ts=now_ts, policy=self.s.policy, tz=tz)
        size, ino = history.size, history.ino
        if pruned.events != history.events:
            size, ino = self.journal.rewrite(pruned.events)
            report["versions_dropped"] = pruned.versions_dropped
        report.update(self.collect_garbage(history.events, pruned, result.state))
        self._checkpoint(result, last_seq, now_ts, size, ino)
        return report

    def collect_garbage(
        self, before: list[Event], pruned: Pruned, keep_state: dict[str, Entry]
    ) -> dict[str, Any]:
        """Delete the objects of the versions this prune dropped (under the lock, after the
        rewrite), and nothing else.

        Only a hash the old journal named and the new one does not is deleted, never
        "whatever is unreferenced": objects named by a journal that was lost or cannot be
        read, and objects a killed run wrote before recording them, are left alone (they
        cost space, never data; the next run reuses the latter when the content recurs).
        """
        dropped = {h for e in before for h in _hashes(e)}
        dropped -= {h for e in pruned.events for h in _hashes(e)}
        dropped -= {e.hash for e in keep_state.values() if e.hash}
        deleted = freed = 0
        for h in sorted(dropped):
            size = self.objects.delete(h)
            if size or not self.objects.has(h):
                freed += size
                deleted += 1
        cutoff = time.time() - STALE_TEMP_S
        for leftover in list(self.objects.leftover_temp_files()):
            with contextlib.suppress(OSError):
                if os.lstat(leftover).st_mtime < cutoff:
                    leftover.unlink()
        return {"objects_deleted": deleted, "bytes_freed": freed}

    def _checkpoint(self, result: Scan, seq: int, now_ts: float, size: int, ino: int) -> None:
        self.journal.write_checkpoint(result.state, seq, (size, ino), maintained_ts=now_ts)

    def _result(self, cycle: Cycle, maintenance: dict[str, Any]) -> dict[str, Any]:
        r = cycle.scan
        event = r.event
        changed = len(event.put)
        parts = [f"{r.files:,} files guarded"]
        if changed and self.s.dry_run:
            parts.append(f"{changed} changed (nothing copied: dry run)")
        elif changed:
            parts.append(f"{changed} changed ({r.new_objects} new copies, {r.new_bytes:,} bytes)")
        else:
            parts.append("no change")
        if event.gone:
            parts.append(f"{len(event.gone)} disappeared")
        if r.skipped:
            parts.append(f"{len(r.skipped)} skipped")
        if r.changing:
            parts.append(f"{len(r.changing)} changing while read (copied next run)")
        prefix = "dry run: " if self.s.dry_run else ""
        result: dict[str, Any] = {
            "success": True,
            "message": prefix + "; ".join(parts),
            "files": r.files,
            "files_read": r.read,
            "changed": sorted(event.put),
            "disappeared": sorted(event.gone),
            "skipped": dict(sorted(r.skipped.items())),
            "changing": r.changing,
            "new_objects": r.new_objects,
            "new_bytes": r.new_bytes,
            "journal_written": cycle.written,
            "problems": {k: v["level"] for k, v in sorted(cycle.problems.items())},
            "alerts": cycle.alerts,
            "snapshots": str(self.paths.root),
        }
        if r.healed:
            result["objects_healed"] = r.healed
        if cycle.notes:
            result["warnings"] = cycle.notes
        if maintenance:
            result["maintenance"] = maintenance
        return result


def _hashes(event: Event) -> list[str]:
    return [e.hash for e in event.put.values() if e.hash] + [
        e.hash for e in event.stat.values() if e.hash
    ]
