"""memory_capture: today's and yesterday's daily notes -> memory/store.json."""

from __future__ import annotations

import argparse
from datetime import date, timedelta
from itertools import islice
from pathlib import Path
from typing import Any

from taskrunner.argparsing import iso_date
from taskrunner.memory.capture import MergeResult, Sighting, merge_sightings
from taskrunner.memory.extract import MAX_ITEMS_PER_NOTE, iter_items
from taskrunner.memory.fingerprint import (
    InputDigest,
    StoreIdentity,
    code_version,
    is_unchanged,
    record_unchanged,
)
from taskrunner.memory.notes import NoteUnreadable, find_notes, read_note
from taskrunner.memory.store import (
    Store,
    StoreCorrupt,
    corrupt_alert_key,
    load_store,
    save_store,
    store_lock,
    store_path,
)

from .base import ConfigError, Task


class MemoryCaptureTask(Task):
    """Extract decisions, todos, lessons and facts from the daily notes into the store."""

    @property
    def name(self) -> str:
        return "memory_capture"

    @property
    def description(self) -> str:
        return "Capture decisions, todos, lessons and facts from today's and yesterday's notes"

    @classmethod
    def add_arguments(cls, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--date",
            type=iso_date,
            metavar="YYYY-MM-DD",
            help="the day to treat as today (default: the local date); its eve is read too",
        )

    def _today(self) -> date:
        value = self.options.get("date")
        if value is None:
            return self.today()
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            raise ConfigError(f"--date {value!r} is not a date: use YYYY-MM-DD") from None

    def _load(self, path: Path) -> Store:
        try:
            return load_store(path)
        except StoreCorrupt as exc:
            # The alert queue scopes keys to the task: memory_consolidate and
            # memory_restore queue their own alert for the same broken store, and
            # repeats of each only raise its count.
            self.alert(str(exc), level="error", key=corrupt_alert_key(path))
            raise

    def _read_sightings(
        self, workspace: Path, today: date, digest: InputDigest | None = None
    ) -> tuple[list[Sighting], list[str], list[str]]:
        """Sightings of every item in the notes, the notes read, and the problems met.

        ``digest``, when given, receives each note read and its text.
        """
        found = find_notes(workspace, [today - timedelta(days=1), today])
        problems = list(found.problems)
        sightings: list[Sighting] = []
        files_read: list[str] = []
        for note in found.notes:
            try:
                note_text = read_note(note)
            except NoteUnreadable as exc:
                problems.append(str(exc))
                continue
            problems.extend(note_text.problems)
            files_read.append(note.rel)
            if digest is not None:
                digest.add_note(note.rel, note.day.isoformat(), note_text.text)
            items = list(islice(iter_items(note_text.text), MAX_ITEMS_PER_NOTE + 1))
            if len(items) > MAX_ITEMS_PER_NOTE:
                del items[MAX_ITEMS_PER_NOTE:]
                problems.append(
                    f"{note.rel} holds more than {MAX_ITEMS_PER_NOTE} items; only the first "
                    f"{MAX_ITEMS_PER_NOTE} were captured (up to line {items[-1].line})"
                )
            sightings.extend(
                Sighting(item.text, item.kind, note.rel, item.line, note.day) for item in items
            )
        return sightings, files_read, problems

    def run(self) -> dict[str, Any]:
        workspace = self.workspace
        today = self._today()
        code = code_version([Path(__file__)])
        digest = None if code is None else InputDigest(code, [today.isoformat()])
        sightings, files_read, problems = self._read_sightings(workspace, today, digest)
        for problem in problems:
            self.log(f"warning: {problem}")
        if problems:
            self.alert(
                "memory_capture: " + "; ".join(problems),
                level="warning",
                key="memory_capture:notes",
            )
        result = {
            "items_extracted": len(sightings),
            "items_added": 0,
            "items_skipped": 0,
            "memories_updated": 0,
            "sources_moved": 0,
            "files_read": files_read,
            "warnings": problems,
        }
        if not files_read:
            days = f"{today - timedelta(days=1)} or {today}"
            message = f"no daily notes for {days}"
            if problems:
                message = (
                    f"no readable daily notes for {days} ({len(problems)} skipped, see warnings)"
                )
            return {"success": True, "message": message, **result}
        if not sightings:
            notes = f"{len(files_read)} note{'s' if len(files_read) != 1 else ''}"
            return {"success": True, "message": f"nothing to capture in {notes}", **result}
        merged = self._merge(workspace, sightings, None if digest is None else digest.hexdigest())
        result["items_added"] = merged.added
        result["items_skipped"] = merged.skipped
        result["memories_updated"] = merged.updated
        result["sources_moved"] = merged.moved
        message = self._message(merged, files_read)
        if problems:
            message += f"; {len(problems)} warning{'s' if len(problems) != 1 else ''}"
        return {"success": True, "message": message, **result}

    def _merge(self, workspace: Path, sightings: list[Sighting], inputs: str | None) -> MergeResult:
        """Merge into the store; ``inputs`` (a digest of what was read) enables the shortcut."""
        path = store_path(workspace)
        now_iso = self.now().isoformat(timespec="seconds")
        if self.dry_run:
            # No lock in a dry run: taking it would create the lock file.
            merged = merge_sightings(self._load(path).memories, sightings, now_iso=now_iso)
            self.log(
                f"dry run: would add {merged.added} memories, record new sightings of "
                f"{merged.updated} and move {merged.moved} sources; {path} not written"
            )
            return merged
        if inputs is not None and is_unchanged(self.state_dir, workspace, path, inputs):
            # The same notes, code and store as a run that found nothing new:
            # the same answer, without loading the store (taskrunner.memory.fingerprint).
            return MergeResult(skipped=len(sightings))
        with store_lock(workspace):
            # Taken before reading: a change made after it shows in the next stat.
            identity = StoreIdentity.of(path)
            store = self._load(path)
            merged = merge_sightings(store.memories, sightings, now_iso=now_iso)
            if merged.changed:
                save_store(path, store)
            elif inputs is not None:
                record_unchanged(self.state_dir, workspace, inputs, identity, store.raw_bytes)
        return merged

    def _message(self, merged: MergeResult, files_read: list[str]) -> str:
        notes = f"{len(files_read)} note{'s' if len(files_read) != 1 else ''}"
        total = merged.added + merged.skipped
        would = "would have " if self.dry_run else ""
        if merged.added:
            message = (
                f"{'dry run: ' if self.dry_run else ''}{would}added {merged.added} new memories "
                f"from {notes} ({total} items, {merged.skipped} already known)"
            )
        else:
            message = f"nothing new in {notes} ({total} items, all already known)"
        if merged.updated:
            known = "memory" if merged.updated == 1 else "memories"
            message += f"; {would}recorded new sightings of {merged.updated} known {known}"
        if merged.moved:
            sources = "source" if merged.moved == 1 else "sources"
            message += f"; {would}moved {merged.moved} {sources} to their items' new lines"
        return message
