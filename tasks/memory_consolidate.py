"""memory_consolidate: prune stale memories and merge duplicates, archiving everything removed."""

from __future__ import annotations

import argparse
import contextlib
import math
import os
from datetime import date
from pathlib import Path
from typing import Any

from taskrunner.errors import TaskrunnerError
from taskrunner.memory.archive import (
    append_records,
    archive_records,
    archive_size,
    backup_store,
    cut_back,
)
from taskrunner.memory.consolidate import (
    DEFAULT_MAX_AGE_DAYS,
    DEFAULT_MIN_IMPORTANCE,
    Plan,
    plan_consolidation,
)
from taskrunner.memory.store import (
    Store,
    archive_path,
    backup_path,
    gc_paused,
    load_store_or_alert,
    store_lock,
    store_path,
)
from taskrunner.memory.store_lines import (
    line_map_at,
    remember_digest,
    reread_lines,
    save_store_lines,
    written_digest,
)

from .base import Task, iso_date, non_negative_int

#: how many removals a dry run (and the log) shows
EXAMPLES_SHOWN = 10


def _importance(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number from 0 to 1, got {text!r}") from None
    if not math.isfinite(value) or not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be from 0 to 1, got {text}")
    return value


class MemoryConsolidateTask(Task):
    """Prune stale memories, merge duplicates; every removed memory goes to the archive."""

    name = "memory_consolidate"
    description = (
        "Prune stale low-importance memories and merge duplicates in memory/store.json "
        "(removed ones archived, undo with memory_restore)"
    )

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--date", type=iso_date, metavar="YYYY-MM-DD", help="the day to count ages from (today)"
        )
        parser.add_argument(
            "--max-age-days",
            type=non_negative_int,
            default=DEFAULT_MAX_AGE_DAYS,
            metavar="DAYS",
            help=f"prune only memories older than this (default {DEFAULT_MAX_AGE_DAYS})",
        )
        parser.add_argument(
            "--min-importance",
            type=_importance,
            default=DEFAULT_MIN_IMPORTANCE,
            metavar="X",
            help=f"prune only memories less important than this (default {DEFAULT_MIN_IMPORTANCE})",
        )

    def run(self) -> dict[str, Any]:
        workspace = self.workspace
        path = store_path(workspace)
        day = self.options.get("date") or self.today()
        if not os.path.lexists(path):
            # A fresh workspace: no store, nothing to do. Checked before the
            # lock, whose folder may not exist yet; a store created just
            # after this check is consolidated by the next run.
            plan = self._plan(Store(), day)
            result = self._result(plan, archived=None, backup=None)
            result["message"] = f"Nothing to consolidate: {path} does not exist yet"
            self.log(result["message"])
            return result
        # No garbage collections while the store is in memory: it holds no
        # cycles, and each collection would walk all of it (store.gc_paused).
        # The store goes when the call below returns, still inside the pause,
        # so the first collection after it has next to nothing to walk.
        if self.dry_run:
            # No lock: taking it would create the lock file, and a dry run writes nothing.
            with gc_paused():
                return self._dry_run(path, day)
        with store_lock(workspace), gc_paused():
            return self._consolidate(path, day)

    def _dry_run(self, path: Path, day: date) -> dict[str, Any]:
        plan = self._plan(load_store_or_alert(path, self.alert), day)
        self._show(plan, would=True)
        return self._result(plan, archived=None, backup=None)

    def _consolidate(self, path: Path, day: date) -> dict[str, Any]:
        """The run itself, under the store lock."""
        workspace = self.workspace
        store = load_store_or_alert(path, self.alert)
        # The backup is made from the file itself: no need to hold a
        # second copy of the store in memory while planning.
        loaded_size = len(store.raw_bytes) if store.raw_bytes is not None else None
        # Whether the file is what this code last wrote: then the lines of
        # the memories kept unchanged are copied, not encoded again.
        written = written_digest(self.state_dir, workspace, store.raw_bytes)
        store.raw_bytes = None
        plan = self._plan(store, day)
        if not plan.changed:
            self._show(plan, would=False)
            return self._result(plan, archived=None, backup=None)
        archive = archive_path(workspace)
        backup = backup_path(path)
        records = archive_records(
            plan,
            store.memories,
            run_id=self.run_id,
            removed_at=self.now().isoformat(timespec="seconds"),
        )
        # Removed memories and the kept ones the plan left untouched (merged
        # keepers are new dicts) are the loaded objects: their lines are
        # copied into the archive and the new store, not encoded again.
        lines = reread_lines(path, written, store)
        removed_lines = line_map_at(store.memories, lines, (r.index for r in plan.removed))
        kept_lines = line_map_at(store.memories, lines, plan.kept)
        del lines
        # Order matters for crash safety: the archive holds every removed
        # memory before the store stops holding it.
        size_before = archive_size(archive)
        append_records(archive, records, lines=removed_lines)
        del records, removed_lines
        try:
            backup_store(path, backup, expected_size=loaded_size)
            kept = Store(memories=plan.memories, extra=store.extra)
            size, digest = save_store_lines(path, kept, reuse=kept_lines)
            del kept_lines
        except BaseException:
            # The store still holds every memory: this run's records would
            # offer a restore of a consolidation that never happened.
            with contextlib.suppress(OSError, TaskrunnerError):
                cut_back(archive, size_before)
            raise
        remember_digest(self.state_dir, workspace, size, digest)
        self._show(plan, would=False)
        return self._result(plan, archived=archive, backup=backup)

    def _plan(self, store: Store, day: date) -> Plan:
        plan = plan_consolidation(
            store.memories,
            today=day,
            max_age_days=self.options.get("max_age_days", DEFAULT_MAX_AGE_DAYS),
            min_importance=self.options.get("min_importance", DEFAULT_MIN_IMPORTANCE),
        )
        if plan.unreadable:
            first = plan.unreadable[0]
            self.log(
                f"kept {len(plan.unreadable)} memories whose dates or importance cannot be read "
                f"(first: {first.memory_id}: {first.problem})"
            )
        return plan

    def _show(self, plan: Plan, *, would: bool) -> None:
        verb = "would prune" if would else "pruned"
        self.log(
            f"{plan.before} memories: {verb} {plan.pruned_stale} stale, "
            f"{'would merge' if would else 'merged'} {plan.merged_duplicates} duplicates "
            f"-> {plan.after} (today {plan.today.isoformat()})"
        )
        for removal in plan.removed[:EXAMPLES_SHOWN]:
            self.log(f"  {removal.describe()}")
        if len(plan.removed) > EXAMPLES_SHOWN:
            self.log(f"  ... and {len(plan.removed) - EXAMPLES_SHOWN} more")

    def _result(self, plan: Plan, *, archived: Path | None, backup: Path | None) -> dict[str, Any]:
        if not plan.changed:
            message = f"Nothing to consolidate in {plan.before} memories"
        else:
            prefix = "Would remove" if self.dry_run else "Removed"
            message = (
                f"{prefix} {plan.pruned_stale} stale and {plan.merged_duplicates} duplicate "
                f"memories ({plan.before} -> {plan.after})"
            )
        return {
            "success": True,
            "message": message,
            "before": plan.before,
            "after": plan.after,
            "pruned_stale": plan.pruned_stale,
            "merged_duplicates": plan.merged_duplicates,
            "archived_to": str(archived) if archived is not None else None,
            "backup": str(backup) if backup is not None else None,
            "unreadable": len(plan.unreadable),
            "today": plan.today.isoformat(),
        }
