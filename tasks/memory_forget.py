"""memory_forget: take memories out of the store on purpose, restorably, for good."""

from __future__ import annotations

import argparse
import contextlib
from pathlib import Path
from typing import Any

from taskrunner.errors import TaskrunnerError
from taskrunner.memory.archive import (
    append_records,
    archive_size,
    backup_store,
    cut_back,
    forgotten_records,
)
from taskrunner.memory.forgetting import (
    FORGOTTEN_KEY,
    forgotten_entries,
    forgotten_ids,
    remember_forgotten,
    tombstone,
)
from taskrunner.memory.store import (
    Store,
    archive_path,
    backup_path,
    load_store_or_alert,
    save_store,
    store_lock,
    store_path,
)
from taskrunner.memory.survivor import identify
from taskrunner.system.json_words import json_kind

from .base import InvalidRequest, Task
from .memory_capture import describe


class MemoryForgetTask(Task):
    """Move memories to the archive and keep capture from taking them back from their notes."""

    name = "memory_forget"
    description = (
        "Forget memories by --id MEMORY_ID: moved to the archive (memory_restore brings them "
        "back), and not captured again from the notes they came from (without --id: list them)"
    )

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--id",
            dest="ids",
            action="append",
            default=[],
            metavar="MEMORY_ID",
            help="the memory to forget (its id, from memory_search --json); repeatable",
        )

    def run(self) -> dict[str, Any]:
        wanted = list(dict.fromkeys(self.options.get("ids") or []))
        workspace = self.workspace
        path = store_path(workspace)
        if not wanted:
            # Like memory_restore: with nothing named, say what was forgotten.
            return self._list(load_store_or_alert(path, self.alert), path)
        with contextlib.ExitStack() as stack:
            if not self.dry_run:
                # No lock in a dry run: taking it would create the lock file.
                stack.enter_context(store_lock(workspace))
            store = load_store_or_alert(path, self.alert)
            entries = store.extra.get(FORGOTTEN_KEY)
            if entries is not None and not isinstance(entries, list):
                # Replacing it would lose what a person wrote there.
                raise InvalidRequest(
                    f'the "{FORGOTTEN_KEY}" of {path} is {json_kind(entries)}, not a list: '
                    "make it a list (or remove it) by hand, then forget again"
                )
            positions = self._find(store, wanted, path)
            chosen = [store.memories[p] for p in positions]
            for memory in chosen:
                verb = "would forget" if self.dry_run else "forgot"
                self.log(f"{verb} {identify(memory)}: {describe(memory)}")
            if not chosen or self.dry_run:
                return self._result(chosen, wanted, archive=None, backup=None)
            archive = archive_path(workspace)
            backup = backup_path(path)
            now = self.now().isoformat(timespec="seconds")
            loaded_size = len(store.raw_bytes) if store.raw_bytes is not None else None
            store.raw_bytes = None
            # Order matters for crash safety, as in consolidate: the archive
            # holds every forgotten memory before the store stops holding it.
            size_before = archive_size(archive)
            append_records(archive, forgotten_records(chosen, run_id=self.run_id, removed_at=now))
            try:
                backup_store(path, backup, expected_size=loaded_size)
                taken = set(positions)
                kept = [m for p, m in enumerate(store.memories) if p not in taken]
                extra = dict(store.extra)
                remember_forgotten(extra, (tombstone(memory, now) for memory in chosen))
                save_store(path, Store(memories=kept, extra=extra))
            except BaseException:
                # The store still holds them: no record may offer them for a restore.
                with contextlib.suppress(OSError, TaskrunnerError):
                    cut_back(archive, size_before)
                raise
            return self._result(chosen, wanted, archive=archive, backup=backup)

    def _list(self, store: Store, path: Path) -> dict[str, Any]:
        entries = [
            {"id": entry["id"], "forgotten_at": entry.get("forgotten_at")}
            for entry in forgotten_entries(store.extra)
        ]
        for entry in entries:
            self.log(f"  {entry['id']} forgotten {entry['forgotten_at']}")
        message = (
            f"Nothing selected: {path} remembers {len(entries)} forgotten "
            f"{'memory' if len(entries) == 1 else 'memories'}; forget one with --id MEMORY_ID "
            "(memory_search --json shows the ids)"
        )
        return {
            "success": True,
            "message": message,
            "forgotten": [],
            "already_forgotten": [],
            "listed": entries,
            "archive": None,
            "backup": None,
        }

    def _find(self, store: Store, wanted: list[str], path: Path) -> list[int]:
        """Store positions of the wanted memories; one line naming those that are nowhere.

        An id already forgotten is no error (forgetting twice is forgetting):
        it is left out and said in the result.
        """
        positions: list[int] = []
        found: set[str] = set()
        ids = set(wanted)
        for position, memory in enumerate(store.memories):
            mid = identify(memory)
            if mid in ids:
                positions.append(position)
                found.add(mid)
        already = forgotten_ids(store.extra)
        missing = [m for m in wanted if m not in found and m not in already]
        if missing:
            from taskrunner.commandline import runner_command

            search = runner_command("memory_search", "--json", "--workspace", str(self.workspace))
            raise InvalidRequest(
                f"no memory {', '.join(missing)} in {path}; nothing was forgotten "
                f"(find ids with `{search}`)"
            )
        return positions

    def _result(
        self,
        chosen: list[dict[str, Any]],
        wanted: list[str],
        *,
        archive: Path | None,
        backup: Path | None,
    ) -> dict[str, Any]:
        ids = list(dict.fromkeys(identify(memory) for memory in chosen))
        before = [m for m in wanted if m not in ids]
        if not chosen:
            message = f"nothing to forget: {', '.join(before)} already forgotten"
        else:
            verb = "Would forget" if self.dry_run else "Forgot"
            noun = "memory" if len(chosen) == 1 else "memories"
            message = f"{verb} {len(chosen)} {noun}"
            if not self.dry_run:
                from taskrunner.commandline import runner_command

                restore = runner_command(
                    "memory_restore", "--run", self.run_id, "--workspace", str(self.workspace)
                )
                message += f" (moved to {archive}; bring back with `{restore}`)"
            if before:
                message += f"; {', '.join(before)} already forgotten"
        return {
            "success": True,
            "message": message,
            "forgotten": ids,
            "already_forgotten": before,
            "archive": str(archive) if archive is not None else None,
            "backup": str(backup) if backup is not None else None,
        }
