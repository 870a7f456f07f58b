"""memory_restore: put memories removed by memory_consolidate back into the store."""

from __future__ import annotations

import argparse
import os
from collections import Counter
from pathlib import Path
from typing import Any

from taskrunner.memory.archive import RestorePlan, backup_store, plan_restore, read_archive
from taskrunner.memory.consolidate import identify
from taskrunner.memory.store import (
    Store,
    archive_path,
    backup_path,
    load_store_or_alert,
    save_store,
    store_lock,
    store_path,
)

from .base import ConfigError, Task

#: how many restored and skipped memories the log (and the result) names
EXAMPLES_SHOWN = 10


class MemoryRestoreTask(Task):
    """Restore archived memories by run id or memory id, without duplicating any."""

    name = "memory_restore"
    description = (
        "Undo memory_consolidate: restore archived memories by --run RUN_ID or --id "
        "MEMORY_ID (without either: list what can be restored)"
    )

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--run",
            dest="run",
            metavar="RUN_ID",
            help="restore every memory that consolidation run removed",
        )
        parser.add_argument(
            "--id",
            dest="ids",
            action="append",
            default=[],
            metavar="MEMORY_ID",
            help="restore this memory (its latest archived version); repeatable",
        )

    def run(self) -> dict[str, Any]:
        run_id: str | None = self.options.get("run")
        memory_ids: list[str] = list(self.options.get("ids") or [])
        workspace = self.workspace
        archive = archive_path(workspace)
        if not run_id and not memory_ids:
            # Like `git stash list`: with nothing selected, show what could be restored.
            return self._list_runs(archive)
        if not os.path.lexists(archive):
            # Nothing was ever archived here (a fresh workspace may not even have
            # memory/): fail before the lock, which would create files.
            raise ConfigError(
                f"nothing to restore: {self._wanted(run_id, memory_ids)} not found, "
                f"{archive} does not exist (no memory_consolidate run has removed anything "
                "in this workspace; check --workspace)"
            )
        path = store_path(workspace)
        if self.dry_run:
            _, plan = self._plan(path, archive, run_id, memory_ids)
            return self._result(plan, path, backup=None)
        with store_lock(workspace):
            store, plan = self._plan(path, archive, run_id, memory_ids)
            if not plan.changed:
                return self._result(plan, path, backup=None)
            backup: Path | None = None
            if store.raw_bytes is not None:
                backup = backup_path(path)
                size = len(store.raw_bytes)
                store.raw_bytes = None
                backup_store(path, backup, expected_size=size)
            save_store(path, Store(memories=plan.memories, extra=store.extra))
            return self._result(plan, path, backup=backup)

    def _list_runs(self, archive: Path) -> dict[str, Any]:
        runs: dict[str, dict[str, Any]] = {}
        for record in read_archive(archive).records:
            run = runs.setdefault(
                str(record.get("run_id")),
                {
                    "run_id": record.get("run_id"),
                    "removed_at": record.get("removed_at"),
                    "count": 0,
                },
            )
            run["count"] += 1
            run["removed_at"] = max(str(run["removed_at"]), str(record.get("removed_at")))
        newest_first = sorted(runs.values(), key=lambda r: str(r["removed_at"]), reverse=True)
        for run in newest_first[:10]:
            self.log(f"  run {run['run_id']}: {run['count']} memories, removed {run['removed_at']}")
        total = sum(r["count"] for r in newest_first)
        if not newest_first:
            message = f"Nothing to restore: {archive} holds no archived memories"
        else:
            message = (
                f"Nothing selected: {archive} holds {total} memories from {len(newest_first)} "
                "consolidation runs; restore with --run RUN_ID or --id MEMORY_ID"
            )
        return {"success": True, "message": message, "restored": 0, "runs": newest_first}

    def _plan(
        self, path: Path, archive: Path, run_id: str | None, memory_ids: list[str]
    ) -> tuple[Store, RestorePlan]:
        store = load_store_or_alert(path, self.alert)
        contents = read_archive(archive)
        if contents.bad_lines:
            self.log(
                f"{archive}: skipped {len(contents.bad_lines)} unreadable line(s) "
                f"(first: line {contents.bad_lines[0]})"
            )
        if contents.torn_tail:
            self.log(f"{archive}: skipped a last line cut short by a crash")
        plan = plan_restore(store.memories, contents.records, run_id=run_id, memory_ids=memory_ids)
        if not plan.selected:
            raise ConfigError(
                f"nothing to restore: {self._wanted(run_id, memory_ids)} not found in {archive} "
                "(check the run id in the memory_consolidate run log)"
            )
        return store, plan

    @staticmethod
    def _wanted(run_id: str | None, memory_ids: list[str]) -> str:
        return ", ".join(([f"run {run_id}"] if run_id else []) + [f"id {m}" for m in memory_ids])

    def _result(self, plan: RestorePlan, path: Path, *, backup: Path | None) -> dict[str, Any]:
        verb = "Would restore" if self.dry_run else "Restored"
        for record in plan.restored[:EXAMPLES_SHOWN]:
            memory = record["memory"]
            self.log(
                f"  {verb.lower()} {identify(memory)} ({record.get('reason')}, "
                f"run {record.get('run_id')}): {str(memory.get('text', ''))[:80]}"
            )
        if len(plan.restored) > EXAMPLES_SHOWN:
            self.log(f"  ... and {len(plan.restored) - EXAMPLES_SHOWN} more")
        for skip in plan.skipped[:EXAMPLES_SHOWN]:
            self.log(f"  skipped {skip.memory_id} (run {skip.run_id}): {skip.why}")
        if len(plan.skipped) > EXAMPLES_SHOWN:
            self.log(f"  ... and {len(plan.skipped) - EXAMPLES_SHOWN} more skipped")
        if plan.not_found:
            self.log(f"not in the archive: {', '.join(plan.not_found)}")
        message = f"{verb} {len(plan.restored)} memories into {path}"
        if plan.skipped:
            reasons = Counter(skip.why for skip in plan.skipped)
            message += " (skipped " + "; ".join(f"{n}: {why}" for why, n in reasons.items()) + ")"
        return {
            "success": True,
            "message": message,
            "restored": len(plan.restored),
            "already_present": len(plan.already_present),
            "skipped": [
                {"id": skip.memory_id, "run_id": skip.run_id, "why": skip.why}
                for skip in plan.skipped[:EXAMPLES_SHOWN]
            ],
            "not_found": plan.not_found,
            "unmerged": plan.unmerged,
            "after": len(plan.memories),
            "backup": str(backup) if backup is not None else None,
        }
