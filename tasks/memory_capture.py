"""memory_capture: today's and yesterday's daily notes -> memory/store.json."""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
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
    """Extract rules, preferences, decisions, todos, lessons and facts from the daily notes."""

    name = "memory_capture"
    description = (
        "Capture rules, preferences, decisions, todos, reminders and facts from today's and "
        "yesterday's notes"
    )

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

    def _read_sightings(self, workspace: Path, today: date) -> _Reading:
        """Sightings of every item in the notes, the notes read, and the problems met."""
        found = find_notes(workspace, [today - timedelta(days=1), today])
        reading = _Reading(problems=list(found.problems))
        problems = reading.problems
        sightings = reading.sightings
        files_read = reading.files_read
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
            for item in items:
                reading.secrets += item.secrets
                sightings.append(
                    Sighting(item.text, item.kind, note.rel, item.line, note.day, item.section)
                )
        return reading

    def run(self) -> dict[str, Any]:
        workspace = self.workspace
        today = self._today()
        reading = self._read_sightings(workspace, today)
        sightings, files_read, problems = reading.sightings, reading.files_read, reading.problems
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
            "secrets_redacted": reading.secrets,
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
            memories = load_store_or_alert(path, self.alert).memories
            merged = merge_sightings(memories, sightings, now_iso=now_iso)
            new = set(merged.new_ids)
            for memory in memories:
                if memory.get("id") in new:
                    self.log(f"dry run: would add {describe(memory)}")
            added = _count(merged.added, "new memory", "new memories")
            self.log(
                f"dry run: would add {added}, record new sightings of {merged.updated} and move "
                f"{_count(merged.moved, 'source')}; {path} not written"
            )
            return merged
        with store_lock(workspace):
            store = load_store_or_alert(path, self.alert)
            merged = merge_sightings(store.memories, sightings, now_iso=now_iso)
            if merged.changed:
                save_store(path, store)
        return merged

    def _message(self, merged: MergeResult, files_read: list[str]) -> str:
        notes = _count(len(files_read), "note")
        known = merged.skipped - merged.repeated
        total = merged.added + merged.skipped
        parts = [f"{known} already known"] if known else []
        if merged.repeated:
            parts.append(f"{merged.repeated} repeated in the same notes")
        detail = f"{_count(total, 'item')}" + (f": {', '.join(parts)}" if parts else "")
        would = "would " if self.dry_run else ""
        if merged.added:
            added = _count(merged.added, "new memory", "new memories")
            message = f"{would}{'add' if self.dry_run else 'added'} {added} from {notes} ({detail})"
        else:
            message = f"nothing new in {notes} ({detail})"
        if merged.updated:
            known_memories = _count(merged.updated, "known memory", "known memories")
            recorded = "record" if self.dry_run else "recorded"
            message += f"; {would}{recorded} new sightings of {known_memories}"
        if merged.moved:
            moved = "move" if self.dry_run else "moved"
            message += (
                f"; {would}{moved} {_count(merged.moved, 'source')} to their items' new lines"
            )
        return message


@dataclass
class _Reading:
    """What reading the notes gave: sightings, the notes read, problems, secrets redacted."""

    sightings: list[Sighting] = field(default_factory=list)
    files_read: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    secrets: int = 0


def _count(number: int, singular: str, plural: str | None = None) -> str:
    """``1 note``, ``2 notes``: a number and the noun that agrees with it."""
    return f"{number} {singular if number == 1 else (plural or singular + 's')}"


def describe(memory: dict[str, Any]) -> str:
    """One line a person can judge: kind, text, where it came from, its section."""
    sources = memory.get("sources") or [{}]
    first = sources[0] if isinstance(sources[0], dict) else {}
    where = f"{first.get('file', '?')}:{first.get('line', '?')}"
    section = memory.get("section")
    under = f" under {' > '.join(section)}" if isinstance(section, list) and section else ""
    return f"{memory.get('kind')}: {memory.get('text')!r} ({where}{under})"
