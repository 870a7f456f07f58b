"""memory_capture: today's and yesterday's daily notes -> memory/store.json."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import islice
from pathlib import Path

from taskrunner.errors import NoteUnreadable
from taskrunner.memory.fingerprint import (
    InputDigest,
    Outcome,
    StoreIdentity,
    code_version,
    is_unchanged,
    record_unchanged,
    store_evidence,
)
from taskrunner.memory.notes import Note, find_notes, read_note
from taskrunner.memory.store import store_path

from .base import InvalidRequest, Task, iso_date, non_negative_int

# What only a run that merges needs is imported by that run: a run over
# unchanged notes takes the shortcut without loading the extraction and
# merge code (taskrunner.memory.fingerprint).
# Neither ``typing`` nor ``dataclasses`` at run time, for the same reason.
TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from typing import Any, Protocol

    from taskrunner.memory.merge import MergeResult, Sighting

    class _Counts(Protocol):
        """What the message says about a merge."""

        @property
        def added(self) -> int: ...
        @property
        def skipped(self) -> int: ...
        @property
        def updated(self) -> int: ...
        @property
        def moved(self) -> int: ...
        @property
        def repeated(self) -> int: ...
        @property
        def forgotten(self) -> int: ...
        @property
        def reworded(self) -> int: ...
        @property
        def closed(self) -> int: ...


#: default age, in days, past which an open todo, action or reminder is brought
#: back (``--open-loop-days``); here rather than in taskrunner.memory.loops,
#: which a run over unchanged notes does not load
DEFAULT_OPEN_LOOP_DAYS = 7


class _NoteRead:
    """A note of the window: its text (None when unreadable) and its problems, in order."""

    __slots__ = ("extract_problems", "note", "problems", "text")

    def __init__(self, note: Note, text: str | None, problems: list[str]) -> None:
        self.note = note
        self.text = text
        self.problems = problems
        #: the problems extraction found (kept in the shortcut record)
        self.extract_problems: list[str] = []


class _Unchanged:
    """The merge a run over unchanged notes and store would do: every item already known."""

    __slots__ = (
        "added",
        "closed",
        "forgotten",
        "moved",
        "repeated",
        "reworded",
        "skipped",
        "updated",
    )

    def __init__(self, skipped: int, repeated: int, forgotten: int) -> None:
        self.skipped = skipped
        self.repeated = repeated
        self.forgotten = forgotten
        self.added = self.updated = self.moved = self.reworded = self.closed = 0


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
        parser.add_argument(
            "--open-loop-days",
            type=non_negative_int,
            default=DEFAULT_OPEN_LOOP_DAYS,
            metavar="DAYS",
            help="bring back (alert) open todos, actions and reminders older than this "
            f"(default {DEFAULT_OPEN_LOOP_DAYS}); open blockers always",
        )

    def _open_loop_days(self) -> int:
        value = self.options.get("open_loop_days")
        return DEFAULT_OPEN_LOOP_DAYS if value is None else int(value)

    def _today(self) -> date:
        value = self.options.get("date")
        if value is None:
            return self.today()
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            raise InvalidRequest(f"--date {value!r} is not a date: use YYYY-MM-DD") from None

    def _read_notes(self, workspace: Path, today: date) -> tuple[list[_NoteRead], list[str]]:
        """The notes of the window in order, each read or with why not; problems finding them."""
        found = find_notes(workspace, [today - timedelta(days=1), today])
        reads: list[_NoteRead] = []
        for note in found.notes:
            try:
                note_text = read_note(note)
            except NoteUnreadable as exc:
                reads.append(_NoteRead(note, None, [str(exc)]))
                continue
            reads.append(_NoteRead(note, note_text.text, list(note_text.problems)))
        return reads, list(found.problems)

    @staticmethod
    def _extract(reads: list[_NoteRead]) -> tuple[list[Sighting], int]:
        """Sightings of every item of the notes read, and the secrets redacted from them.

        A note's extraction problems join its own.
        """
        from taskrunner.memory.extract import MAX_ITEMS_PER_NOTE, iter_items
        from taskrunner.memory.merge import Sighting

        sightings: list[Sighting] = []
        secrets = 0
        for read in reads:
            if read.text is None:
                continue
            note = read.note
            items = list(islice(iter_items(read.text), MAX_ITEMS_PER_NOTE + 1))
            if len(items) > MAX_ITEMS_PER_NOTE:
                del items[MAX_ITEMS_PER_NOTE:]
                message = (
                    f"{note.rel} holds more than {MAX_ITEMS_PER_NOTE} items; only the first "
                    f"{MAX_ITEMS_PER_NOTE} were captured (up to line {items[-1].line})"
                )
                read.problems.append(message)
                read.extract_problems.append(message)
            for item in items:
                secrets += item.secrets
                sightings.append(
                    Sighting(item.text, item.kind, note.rel, item.line, note.day, item.section)
                )
        return sightings, secrets

    def _inputs(self, reads: list[_NoteRead], today: date) -> str | None:
        """A digest of all the result depends on; None when the code cannot be vouched for."""
        code = code_version([Path(__file__)])
        if code is None:
            return None
        # The reminders depend on the day and on --open-loop-days, not only on the notes.
        digest = InputDigest(code, [today.isoformat(), str(self._open_loop_days())])
        for read in reads:
            if read.text is not None:
                digest.add_note(read.note.rel, read.note.day.isoformat(), read.text)
        return digest.hexdigest()

    def run(self) -> dict[str, Any]:
        workspace = self.workspace
        today = self._today()
        reads, problems = self._read_notes(workspace, today)
        files_read = [read.note.rel for read in reads if read.text is not None]
        path = store_path(workspace)
        inputs = self._inputs(reads, today) if files_read else None
        known = None
        if inputs is not None and not self.dry_run:
            # The same notes, code and store as a run that found nothing new:
            # the same answer, without loading the store (taskrunner.memory.fingerprint).
            known = is_unchanged(self.state_dir, workspace, path, inputs)
        sightings: list[Sighting] = []
        if known is not None:
            item_count, secrets = known.items, known.secrets
            for read in reads:
                read.problems.extend(known.note_problems.get(read.note.rel, ()))
        else:
            sightings, secrets = self._extract(reads)
            item_count = len(sightings)
        for read in reads:
            problems.extend(read.problems)
        for problem in problems:
            self.log(f"warning: {problem}")
        if problems:
            self.alert(
                "memory_capture: " + "; ".join(problems),
                level="warning",
                key="memory_capture:notes",
            )
        result = {
            "items_extracted": item_count,
            "items_added": 0,
            "items_skipped": 0,
            "memories_updated": 0,
            "sources_moved": 0,
            "memories_reworded": 0,
            "loops_closed": 0,
            "loops_reminded": 0,
            "secrets_redacted": secrets,
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
        if not item_count:
            notes = f"{len(files_read)} note{'s' if len(files_read) != 1 else ''}"
            return {"success": True, "message": f"nothing to capture in {notes}", **result}
        merged: _Counts
        reminded = 0
        if known is not None:
            merged = _Unchanged(
                skipped=item_count, repeated=known.repeated, forgotten=known.forgotten
            )
        else:
            note_problems = {r.note.rel: r.extract_problems for r in reads if r.extract_problems}
            outcome = Outcome(items=item_count, note_problems=note_problems, secrets=secrets)
            merged, reminded = self._merge(workspace, sightings, inputs, outcome, today)
        result["items_added"] = merged.added
        result["items_skipped"] = merged.skipped
        result["memories_updated"] = merged.updated
        result["sources_moved"] = merged.moved
        result["memories_reworded"] = merged.reworded
        result["loops_closed"] = merged.closed
        result["loops_reminded"] = reminded
        message = self._message(merged, files_read)
        if problems:
            message += f"; {len(problems)} warning{'s' if len(problems) != 1 else ''}"
        return {"success": True, "message": message, **result}

    def _merge(
        self,
        workspace: Path,
        sightings: list[Sighting],
        inputs: str | None,
        outcome: Outcome,
        today: date,
    ) -> tuple[MergeResult, int]:
        """Merge into the store, then bring back the open loops; (merge, loops reminded).

        A run that changes nothing records ``inputs`` for the shortcut.
        """
        from taskrunner.memory.forgetting import forgotten_lines
        from taskrunner.memory.merge import merge_sightings
        from taskrunner.memory.store import gc_paused, load_store_or_alert, save_store, store_lock
        from taskrunner.memory.store_lines import line_map, remember_written, written_lines

        path = store_path(workspace)
        now_iso = self.now().isoformat(timespec="seconds")
        if self.dry_run:
            # No lock in a dry run: taking it would create the lock file.
            loaded = load_store_or_alert(path, self.alert)
            memories = loaded.memories
            merged = merge_sightings(
                memories, sightings, now_iso=now_iso, forgotten=forgotten_lines(loaded.extra)
            )
            reminded = len(self._remind(memories, today))
            self._withdraw_closed(memories, merged)
            new = set(merged.new_ids)
            for memory in memories:
                if memory.get("id") in new:
                    self.log(f"dry run: would add {describe(memory)}")
            added = _count(merged.added, "new memory", "new memories")
            self.log(
                f"dry run: would add {added}, record new sightings of {merged.updated} and move "
                f"{_count(merged.moved, 'source')}; {path} not written"
            )
            return merged, reminded
        # No garbage collections while the store is in memory: it holds no
        # cycles, and each collection would walk all of it (store.gc_paused).
        with store_lock(workspace), gc_paused():
            # Taken before reading: a change made after it shows in the next stat.
            identity = StoreIdentity.of(path)
            store = load_store_or_alert(path, self.alert)
            # The lines of the memories as loaded, when the file is what this
            # code last wrote: the unchanged ones are written back as they are.
            reusable, digest = written_lines(self.state_dir, workspace, store)
            lines = line_map(store.memories, reusable)
            evidence = (
                store_evidence(identity, store.raw_bytes, sha256=digest)
                if inputs is not None
                else None
            )
            store.raw_bytes = None  # all that is needed of the bytes is taken: spare the memory
            merged = merge_sightings(
                store.memories, sightings, now_iso=now_iso, forgotten=forgotten_lines(store.extra)
            )
            reminders = self._remind(store.memories, today)
            self._withdraw_closed(store.memories, merged)
            if merged.changed or reminders:
                for index in (*merged.touched, *reminders):
                    lines.pop(id(store.memories[index]), None)
                written = save_store(path, store, reuse=lines)
                del lines
                remember_written(self.state_dir, workspace, written)
            elif inputs is not None:
                outcome.repeated = merged.repeated
                outcome.forgotten = merged.forgotten
                record_unchanged(self.state_dir, workspace, inputs, evidence, outcome)
            # Freed before the collector is back on: re-enabled with the store
            # alive, its first collection would walk every memory loaded.
            del store
        return merged, len(reminders)

    def _withdraw_closed(self, memories: list[dict[str, Any]], merged: MergeResult) -> None:
        """Take back the reminders still queued for the loops this run closed."""
        from taskrunner.memory.loops import closed_reminders

        for key in closed_reminders(memories, merged.closed_indexes):
            self.withdraw_alert(key)

    def _remind(self, memories: list[dict[str, Any]], today: date) -> list[int]:
        """One warning per open blocker and per open loop past --open-loop-days.

        At most once a day per memory and wording (``reminded_on``) and ``MAX_REMINDERS``
        a day in all, the longest open first; the rest are counted in one more
        alert. The stable keys make repeats count up in the queue.
        Returns the indexes of the memories reminded (their ``reminded_on`` is set).
        """
        from taskrunner.memory.loops import pick_reminders

        picked = pick_reminders(memories, today, max_age_days=self._open_loop_days())
        for reminder in picked.now:
            memories[reminder.index]["reminded_on"] = today.isoformat()
            self.alert(reminder.message(), level="warning", key=reminder.key)
        if picked.waiting:
            from taskrunner.commandline import runner_command

            search = runner_command("memory_search", "--open", "--workspace", str(self.workspace))
            self.alert(
                f"{picked.waiting} more open loops wait; list them with `{search}`",
                level="warning",
                key="memory-open-loops",
            )
        return [reminder.index for reminder in picked.now]

    def _message(self, merged: _Counts, files_read: list[str]) -> str:
        notes = _count(len(files_read), "note")
        known = merged.skipped - merged.repeated - merged.forgotten
        total = merged.added + merged.skipped
        parts = [f"{known} already known"] if known else []
        if merged.repeated:
            parts.append(f"{merged.repeated} repeated in the same notes")
        if merged.forgotten:
            parts.append(f"{merged.forgotten} forgotten")
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
        if merged.reworded:
            took = "take" if self.dry_run else "took"
            reworded = _count(merged.reworded, "known memory", "known memories")
            message += f"; {would}{took} the newer wording of {reworded}"
        if merged.closed:
            close = "close" if self.dry_run else "closed"
            message += f"; {would}{close} {_count(merged.closed, 'open loop')}"
        return message


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
