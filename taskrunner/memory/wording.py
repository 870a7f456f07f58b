"""Which wording a memory carries, and the earlier wordings it keeps.

A memory's ``text`` is the newest wording of it in the notes: newest by the
date of the note, then by line (then file and text, so a tie has one
answer). When a near-duplicate with other words is newer, the memory takes
its words and keeps the ones it had in ``history``; an older one goes into
``history`` directly. So the store says what the notes say now, and no
wording is ever lost: ``memory_restore --id ID --wording N`` brings one back.

Fields (all optional; a memory without them is as old stores wrote it):

- ``text_source``: ``{"file", "line", "noted_on"}``, where the current text
  was read. Absent: the memory's first source and its ``date`` (capture
  creates a memory from its first sighting).
- ``history``: ``[{"text", "file", "line", "noted_on"}, ...]``, oldest
  first, one entry per distinct earlier text.
- ``wording_kept_over``: ``{"text", "file", "line", "noted_on"}``, the
  wording ``memory_restore --wording`` put aside: the notes still hold it,
  but only a newer wording replaces the one brought back.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .normalize import memory_id

Memory = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Wording:
    """One wording of a memory and where it was read."""

    text: str
    #: ISO date of the note ("" when unknown: older than any dated one)
    noted_on: str
    file: str
    line: int

    @property
    def position(self) -> tuple[str, int, str]:
        """Newest is largest: note date, then line, then file."""
        return (self.noted_on, self.line, self.file)

    def as_entry(self) -> dict[str, Any]:
        return {"text": self.text, "file": self.file, "line": self.line, "noted_on": self.noted_on}


def _str(value: object) -> str:
    return value if isinstance(value, str) else ""


def _int(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def current_wording(memory: Memory) -> Wording:
    """The memory's text and where it was read (see the module docstring)."""
    text = _str(memory.get("text"))
    where = memory.get("text_source")
    if isinstance(where, dict):
        return Wording(
            text, _str(where.get("noted_on")), _str(where.get("file")), _int(where.get("line"))
        )
    sources = memory.get("sources")
    first = sources[0] if isinstance(sources, list) and sources else None
    if isinstance(first, dict):
        return Wording(
            text, _str(memory.get("date")), _str(first.get("file")), _int(first.get("line"))
        )
    return Wording(text, _str(memory.get("date")), "", 0)


def history_of(memory: Memory) -> list[Wording]:
    """The earlier wordings kept in ``history`` (entries without a text string skipped)."""
    entries = memory.get("history")
    if not isinstance(entries, list):
        return []
    return [
        Wording(
            entry["text"],
            _str(entry.get("noted_on")),
            _str(entry.get("file")),
            _int(entry.get("line")),
        )
        for entry in entries
        if isinstance(entry, dict) and isinstance(entry.get("text"), str)
    ]


def _sort_key(wording: Wording) -> tuple[tuple[str, int, str], str]:
    return (wording.position, wording.text)


def _set_history(memory: Memory, kept: Iterable[Wording], extra: Iterable[Wording]) -> bool:
    """History = ``kept`` plus each text of ``extra`` not yet there and not the text.

    Returns True when ``history`` changed. Entries this code cannot read (a
    hand edit) are kept as they were, after the others.
    """
    entries: list[Wording] = []
    texts = {memory["text"]}
    for wording in [*kept, *sorted(extra, key=_sort_key)]:
        if wording.text not in texts:
            texts.add(wording.text)
            entries.append(wording)
    entries.sort(key=_sort_key)
    original = memory.get("history")
    unreadable = [
        entry
        for entry in (original if isinstance(original, list) else [])
        if not (isinstance(entry, dict) and isinstance(entry.get("text"), str))
    ]
    new = [wording.as_entry() for wording in entries] + unreadable
    if new == (original if isinstance(original, list) else []):
        return False
    if new:
        memory["history"] = new
    else:
        memory.pop("history", None)
    return True


def _switch(memory: Memory, newest: Wording) -> None:
    stored_id = memory.get("id")
    if not (isinstance(stored_id, str) and stored_id):
        # A memory stored without an id goes by the id of its text: keep that
        # one, the archive and the run logs name it.
        memory["id"] = memory_id(memory["text"])
    memory["text"] = newest.text
    memory["text_source"] = {"file": newest.file, "line": newest.line, "noted_on": newest.noted_on}
    # An open loop's reminder today said the old words: forgetting the day lets
    # the next capture raise it again, and the queued alert (same key) takes
    # the new ones. Once a day per wording, not per memory (loops.py).
    memory.pop("reminded_on", None)


def adopt_sightings(memory: Memory, sightings: Iterable[Wording]) -> bool:
    """Capture: take the newest wording among the memory's and those seen in the notes.

    ``sightings`` are every line of the notes read that holds this memory's
    item. One with the memory's own text shows where its wording is now
    (lines move when a note is edited); the newest of the others replaces
    the text when it is at least as new (an edited line holds the new text
    at the current one's place). Every other text goes into ``history``.
    Returns True when the memory changed.
    """
    text = memory["text"]
    current = current_wording(memory)
    current_at = current.position
    put_aside = _kept_over(memory)
    others: list[Wording] = []
    for sighting in sightings:
        if sighting.text == text:
            current_at = max(current_at, sighting.position)
        elif not (
            put_aside is not None
            and sighting.text == put_aside.text
            and sighting.position <= put_aside.position
        ):
            others.append(sighting)  # the wording put aside, where it was, is not news
    if not others:
        return False
    newest = max(others, key=_sort_key)
    kept = history_of(memory)
    if newest.position >= current_at:
        _switch(memory, newest)
        memory.pop(KEPT_OVER, None)
        _set_history(memory, kept, [current, *others])
        return True
    return _set_history(memory, kept, others)


#: the field naming the wording a restore put aside
KEPT_OVER = "wording_kept_over"


def _kept_over(memory: Memory) -> Wording | None:
    entry = memory.get(KEPT_OVER)
    if not (isinstance(entry, dict) and isinstance(entry.get("text"), str)):
        return None
    return Wording(
        entry["text"], _str(entry.get("noted_on")), _str(entry.get("file")), _int(entry.get("line"))
    )


def adopt_group(memory: Memory, group: Iterable[Memory]) -> None:
    """Consolidate: ``memory`` (the survivor) takes the newest wording of ``group``.

    ``group`` is every memory merged into it, itself included. Every other
    text of the group, and every entry of their histories, goes into the
    survivor's ``history``. The result does not depend on the group's order.
    """
    members = list(group)
    wordings = [current_wording(member) for member in members]
    newest = max(wordings, key=_sort_key)
    if newest.text != memory["text"]:
        _switch(memory, newest)
    earlier = [wording for member in members for wording in history_of(member)]
    earlier.extend(wordings)
    _set_history(memory, [], earlier)


def restore_wording(memory: Memory, number: int) -> Wording:
    """Make history entry ``number`` (1-based, oldest first) the text; returns it.

    The current text goes into the history in its place. Raises
    ``IndexError`` when there is no such entry.
    """
    entries = history_of(memory)
    if not 1 <= number <= len(entries):
        raise IndexError(number)
    chosen = entries[number - 1]
    current = current_wording(memory)
    _switch(memory, chosen)
    # The notes still hold the current wording where it was read: seeing it
    # there again must not undo this (only a newer wording does).
    memory[KEPT_OVER] = current.as_entry()
    _set_history(memory, entries, [current])
    return chosen
