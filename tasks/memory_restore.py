"""memory_restore: put memories taken out by memory_consolidate or memory_forget back."""

from __future__ import annotations

import argparse
import contextlib
import os
from collections import Counter
from pathlib import Path
from typing import Any

from taskrunner.errors import StoreCorrupt
from taskrunner.memory.archive import backup_store, read_archive
from taskrunner.memory.forgetting import unforget
from taskrunner.memory.restore_plan import RestorePlan, plan_restore, still_in_store
from taskrunner.memory.store import (
    Store,
    archive_path,
    backup_path,
    load_store,
    load_store_or_alert,
    save_store,
    store_lock,
    store_path,
)
from taskrunner.memory.survivor import identify
from taskrunner.memory.wording import current_wording, history_of, restore_wording

from .base import InvalidRequest, Task, non_negative_int

#: how many restored and skipped memories the log (and the result) names
EXAMPLES_SHOWN = 10


class MemoryRestoreTask(Task):
    """Restore archived memories by run id or memory id, without duplicating any."""

    name = "memory_restore"
    description = (
        "Undo memory_consolidate and memory_forget: restore archived memories by --run RUN_ID "
        "or --id MEMORY_ID (without either: list what can be restored)"
    )

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--run",
            dest="run",
            metavar="RUN_ID",
            help="restore every memory that consolidate or forget run removed",
        )
        parser.add_argument(
            "--id",
            dest="ids",
            action="append",
            default=[],
            metavar="MEMORY_ID",
            help="restore this memory (its latest archived version); repeatable",
        )
        wording = parser.add_mutually_exclusive_group()
        wording.add_argument(
            "--wording",
            type=non_negative_int,
            metavar="N",
            help="with one --id: make earlier wording N (see --wordings) the memory's text again",
        )
        wording.add_argument(
            "--wordings",
            action="store_true",
            help="with --id: list the memory's current text and its earlier wordings, numbered",
        )

    @classmethod
    def check_options(cls, options: dict[str, Any]) -> None:
        if not options.get("wordings") and options.get("wording") is None:
            return
        ids = options.get("ids") or []
        if options.get("run") or not ids or (options.get("wording") is not None and len(ids) != 1):
            raise InvalidRequest(
                "--wording N takes exactly one --id MEMORY_ID (and no --run); "
                "--wordings takes one or more --id"
            )

    def run(self) -> dict[str, Any]:
        run_id: str | None = self.options.get("run")
        memory_ids: list[str] = list(self.options.get("ids") or [])
        workspace = self.workspace
        if self.options.get("wordings") or self.options.get("wording") is not None:
            return self._wording(workspace, run_id, memory_ids)
        archive = archive_path(workspace)
        if not run_id and not memory_ids:
            # Like `git stash list`: with nothing selected, show what could be restored.
            return self._list_runs(archive)
        if not os.path.lexists(archive):
            # Nothing was ever archived here (a fresh workspace may not even have
            # memory/): fail before the lock, which would create files.
            raise InvalidRequest(
                f"nothing to restore: {self._wanted(run_id, memory_ids)} not found, "
                f"{archive} does not exist (no memory_consolidate or memory_forget run has "
                "removed anything in this workspace; check --workspace)"
            )
        path = store_path(workspace)
        if self.dry_run:
            _, plan = self._plan(path, archive, run_id, memory_ids)
            return self._result(plan, path, backup=None)
        with store_lock(workspace):
            store, plan = self._plan(path, archive, run_id, memory_ids)
            # Back in the store, a forgotten memory is no longer skipped by capture.
            back = {identify(record["memory"]) for record in plan.restored}
            back.update(plan.already_present)
            unforgotten = unforget(store.extra, back)
            if not plan.changed and not unforgotten:
                return self._result(plan, path, backup=None)
            backup: Path | None = None
            if store.raw_bytes is not None:
                backup = backup_path(path)
                size = len(store.raw_bytes)
                store.raw_bytes = None
                backup_store(path, backup, expected_size=size)
            save_store(path, Store(memories=plan.memories, extra=store.extra))
            return self._result(plan, path, backup=backup)

    def _wording(
        self, workspace: Path, run_id: str | None, memory_ids: list[str]
    ) -> dict[str, Any]:
        """``--wordings`` lists a memory's wordings; ``--wording N`` brings one back."""
        number: int | None = self.options.get("wording")
        self.check_options(self.options)  # for a run not started from the command line
        path = store_path(workspace)
        if number is None:
            memories = load_store_or_alert(path, self.alert).memories
            listed = [self._wordings_of(memories, mid) for mid in memory_ids]
            count = sum(len(entry["earlier"]) for entry in listed)
            message = f"{count} earlier wordings of {len(listed)} memories"
            return {"success": True, "message": message, "restored": 0, "wordings": listed}
        with contextlib.ExitStack() as stack:
            if not self.dry_run:
                stack.enter_context(store_lock(workspace))
            store = load_store_or_alert(path, self.alert)
            position = self._find(store.memories, memory_ids[0])
            memory = dict(store.memories[position])
            try:
                chosen = restore_wording(memory, number)
            except IndexError:
                count = len(history_of(memory))
                if not count:
                    raise InvalidRequest(
                        f"memory {memory_ids[0]} has no earlier wording: its text is the only "
                        "one it ever had"
                    ) from None
                raise InvalidRequest(
                    f"memory {memory_ids[0]} has {count} earlier wording(s); --wording takes "
                    f"1 to {count} (list them with --id {memory_ids[0]} --wordings)"
                ) from None
            verb = "Would make" if self.dry_run else "Made"
            message = f"{verb} wording {number} the text of {memory_ids[0]}: {chosen.text[:80]}"
            backup: Path | None = None
            if not self.dry_run:
                store.memories[position] = memory
                backup = backup_path(path)
                size = len(store.raw_bytes) if store.raw_bytes is not None else None
                store.raw_bytes = None
                backup_store(path, backup, expected_size=size)
                save_store(path, store)
        self.log(message)
        return {
            "success": True,
            "message": message,
            "restored": 0,
            "text": memory["text"],
            "backup": str(backup) if backup is not None else None,
        }

    def _find(self, memories: list[dict[str, Any]], memory_id: str) -> int:
        for position, memory in enumerate(memories):
            if identify(memory) == memory_id:
                return position
        from taskrunner.commandline import runner_command

        search = runner_command("memory_search", "--json", "--workspace", str(self.workspace))
        raise InvalidRequest(
            f"memory {memory_id} is not in the store (an archived one comes back with "
            f"--id {memory_id} first; find ids with `{search}`)"
        )

    def _wordings_of(self, memories: list[dict[str, Any]], memory_id: str) -> dict[str, Any]:
        memory = memories[self._find(memories, memory_id)]
        current = current_wording(memory)
        self.log(f"{memory_id} now: {current.text!r} ({current.file}:{current.line})")
        earlier = []
        for number, wording in enumerate(history_of(memory), start=1):
            self.log(
                f"  {number}: {wording.text!r} ({wording.file}:{wording.line}, {wording.noted_on})"
            )
            earlier.append({"wording": number, **wording.as_entry()})
        return {"id": memory_id, "text": current.text, "earlier": earlier}

    def _list_runs(self, archive: Path) -> dict[str, Any]:
        runs: dict[str, dict[str, Any]] = {}
        records = read_archive(archive).records
        # A run whose every memory is still in the store, unchanged, has
        # nothing to give back: it was killed before it replaced the store
        # (or was restored already). Offering it would mislead.
        try:
            memories = load_store(store_path(self.workspace)).memories
        except StoreCorrupt as exc:
            self.log(f"warning: {exc}; listing every archived run")
            memories = []
        in_store = still_in_store(memories, records)
        for record, present in zip(records, in_store, strict=True):
            if present:
                continue
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
                "runs of memory_consolidate and memory_forget; restore with --run RUN_ID or "
                "--id MEMORY_ID"
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
            raise InvalidRequest(
                f"nothing to restore: no archived {self._wanted(run_id, memory_ids)} in "
                f"{archive}. List the runs that can be restored, with their run "
                "ids, by running memory_restore without --run or --id; a memory id is the "
                '"id" of a "memory" in that file'
            )
        return store, plan

    @staticmethod
    def _wanted(run_id: str | None, memory_ids: list[str]) -> str:
        wanted = ([f"run {run_id!r}"] if run_id else []) + [f"memory id {m!r}" for m in memory_ids]
        return " or ".join(wanted)

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
