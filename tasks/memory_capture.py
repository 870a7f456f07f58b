"""memory_capture: today's and yesterday's daily notes -> memory/store.json."""

from __future__ import annotations

import argparse
from datetime import date, timedelta
from itertools import islice
from pathlib import Path
from typing import Any

from taskrunner.errors import NoteUnreadable
from taskrunner.memory.extract import MAX_ITEMS_PER_NOTE, iter_items
from taskrunner.memory.merge import MergeResult, Sighting, merge_sightings
from taskrunner.memory.notes import find_notes, read_note
from taskrunner.memory.store import (
    load_store_or_alert,
    save_store,
    store_lock,
    store_path,
)

from .base import ConfigError, Task, iso_date


class MemoryCaptureTask(Task):
    """Extract decisions, todos, lessons and facts from the daily notes into the store."""

    name = "memory_capture"
    description = "Capture decisions, todos, lessons and facts from today's and yesterday's notes"

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

    def _read_sightings(
        self, workspace: Path, today: date
    ) -> tuple[list[Sighting], list[str], list[str]]:
        """Sightings of every item in the notes, the notes read, and the problems met."""
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
        sightings, files_read, problems = self._read_sightings(workspace, today)
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
        merged = self._merge(workspace, sightings)
        result["items_added"] = merged.added
        result["items_skipped"] = merged.skipped
        result["memories_updated"] = merged.updated
        result["sources_moved"] = merged.moved
        message = self._message(merged, files_read)
        if problems:
            message += f"; {len(problems)} warning{'s' if len(problems) != 1 else ''}"
        return {"success": True, "message": message, **result}

    def _merge(self, workspace: Path, sightings: list[Sighting]) -> MergeResult:
        path = store_path(workspace)
        now_iso = self.now().isoformat(timespec="seconds")
        if self.dry_run:
            # No lock in a dry run: taking it would create the lock file.
            merged = merge_sightings(
                load_store_or_alert(path, self.alert).memories, sightings, now_iso=now_iso
            )
            self.log(
                f"dry run: would add {merged.added} memories, record new sightings of "
                f"{merged.updated} and move {merged.moved} sources; {path} not written"
            )
            return merged
        with store_lock(workspace):
            store = load_store_or_alert(path, self.alert)
            merged = merge_sightings(store.memories, sightings, now_iso=now_iso)
            if merged.changed:
                save_store(path, store)
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
