"""Which stored memory a line edited in its note is: the edit-in-place rule of the merge.

An item that is no stored memory, written where a stored memory's line was,
is that memory edited, whatever the near-duplicate guard says of the two
texts (``port 8080`` edited to ``port 8081``): otherwise the memory would go
on citing a line that says something else, and the new words would be a
second memory beside it.

*Where the line was* survives lines deleted or inserted above it in the same
save. The memories of the note that are found again unchanged are anchors:
each was at one line and is at one line now. An edited line stays between
its neighbours, so a memory that cited line ``L`` is looked for at ``L``
moved as the nearest anchors above and below it moved (and at ``L``
itself), and only between the lines where the anchors cited above and
below ``L`` are now. With no line moved, that is the line ``L``.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from itertools import accumulate
from typing import TYPE_CHECKING, Any

from .kinds import LOOP_KINDS
from .loops import status_of
from .normalize import memory_id
from .similarity import EDIT_SIMILARITY, edit_similarity

if TYPE_CHECKING:
    from .merge import Sighting


def edited_in_place(
    memories: Sequence[dict[str, Any]],
    sightings: Sequence[Sighting],
    target: dict[int, int],
    read: set[str],
    in_read: Sequence[int],
) -> dict[int, int]:
    """Item position -> index of the stored memory whose line the item now holds instead.

    For the items that are no stored memory (not in ``target``, which maps
    the others to their memory): a memory that cites the item's line (where
    that line is now, see the module docstring), that no note read now holds
    any more (it is seen in none of them and cites no other note, where its
    words may still be), and whose text the item's resembles
    (``similarity.edit_similarity``). The item must be of the memory's kind,
    or the ticked form of an open loop (``- [ ] renew the cert`` made
    ``- [x] renewed the cert``), which closes it; a finished loop is never
    reworded by what is written in its place. Each memory takes one new
    text (copies of it may be several lines); the closest pairs are matched
    first, the first memory in store order on a tie, then the first line.

    ``read``: the notes read now; ``in_read``: the memories first seen in one
    of them (only those can have every source in them).
    """
    loose = [position for position in range(len(sightings)) if position not in target]
    if not loose:
        return {}
    found = set(target.values())
    orphans = [
        (index, lines)
        for index in in_read
        if index not in found
        and (lines := _lines_cited(memories[index].get("sources"), read))
        and isinstance(memories[index].get("text"), str)
    ]
    if not orphans:
        return {}
    at_line: dict[tuple[str, int], int] = {}
    for position in loose:
        sighting = sightings[position]
        at_line.setdefault((sighting.file, sighting.line), position)
    anchors = _anchors(memories, sightings, target)
    pairs: list[tuple[float, int, int]] = []
    for index, lines in orphans:
        memory = memories[index]
        text = memory["text"]
        tried: set[int] = set()
        for file, line in lines:
            moves = anchors.get(file)
            for now in moves.places(line) if moves is not None else (line,):
                there = at_line.get((file, now))
                if there is None or there in tried:
                    continue
                tried.add(there)
                if _may_become(memory, sightings[there].kind):
                    kept = edit_similarity(text, sightings[there].text)
                    if kept >= EDIT_SIMILARITY:
                        pairs.append((-kept, index, there))
    edited: dict[int, int] = {}
    taken: dict[int, str] = {}  # memory index -> the key of its new text
    for _, index, position in sorted(pairs):
        key = memory_id(sightings[position].text)
        if position not in edited and taken.setdefault(index, key) == key:
            edited[position] = index
    return edited


class _Moves:
    """The anchors of one note: the line each cited before, and the line it is at now."""

    def __init__(self, pairs: list[tuple[int, int]]) -> None:
        pairs.sort()
        self.before = [old for old, _ in pairs]
        self.now = [new for _, new in pairs]
        # the highest line now of the anchors up to each one, the lowest from each one on
        self.highest = list(accumulate(self.now, max))
        self.lowest = list(accumulate(reversed(self.now), min))[::-1]

    def places(self, line: int) -> list[int]:
        """Where what was at ``line`` may be now: ``line`` itself, moved as the nearest
        anchors above and below it moved; only those between the anchors around it."""
        above = bisect_left(self.before, line)  # anchors that were above the line
        below = bisect_right(self.before, line)  # the first anchor that was below it
        low = self.highest[above - 1] if above else 0
        high = self.lowest[below] if below < len(self.now) else None
        guesses = [line]
        if above:
            guesses.append(line + self.now[above - 1] - self.before[above - 1])
        if below < len(self.now):
            guesses.append(line + self.now[below] - self.before[below])
        return [
            guess
            for guess in dict.fromkeys(guesses)
            if low < guess and (high is None or guess < high)
        ]


def _anchors(
    memories: Sequence[dict[str, Any]], sightings: Sequence[Sighting], target: dict[int, int]
) -> dict[str, _Moves]:
    """Note -> the moves of the memories found again at one line of it that cited one line of it.

    A memory seen at two lines of a note, or citing two, says nothing sure
    of where either went.
    """
    now: dict[int, dict[str, list[int]]] = {}
    for position, index in target.items():
        sighting = sightings[position]
        now.setdefault(index, {}).setdefault(sighting.file, []).append(sighting.line)
    pairs: dict[str, list[tuple[int, int]]] = {}
    for index, by_file in now.items():
        sources = memories[index].get("sources")
        if not isinstance(sources, list):
            continue
        before: dict[str, list[int]] = {}
        for source in sources:
            if isinstance(source, dict):
                file = source.get("file")
                line = line_of(source)
                if isinstance(file, str) and file in by_file and line is not None:
                    before.setdefault(file, []).append(line)
        for file, lines in by_file.items():
            old = before.get(file, ())
            if len(lines) == 1 and len(old) == 1:
                pairs.setdefault(file, []).append((old[0], lines[0]))
    return {file: _Moves(moves) for file, moves in pairs.items()}


def _lines_cited(sources: object, read: set[str]) -> list[tuple[str, int]] | None:
    """The (file, line) sources of a memory, None when one is in a note not read now
    (or cannot be read as a source): its words may still be there."""
    if not isinstance(sources, list):
        return None
    lines: list[tuple[str, int]] = []
    for source in sources:
        if not isinstance(source, dict):
            return None
        file = source.get("file")
        if not isinstance(file, str) or file not in read:
            return None  # most memories of a big store stop here, at their first source
        line = line_of(source)
        if line is not None:
            lines.append((file, line))
    return lines


def _may_become(memory: dict[str, Any], kind: str) -> bool:
    """Whether an item of ``kind`` written in place of ``memory`` can be its edit."""
    stored = memory.get("kind")
    if stored in LOOP_KINDS:
        # A new todo where a done one was is a new todo, not the old one reworded.
        return status_of(memory) == "open" and kind in (stored, "completed")
    return stored == kind


def line_of(source: dict[str, Any]) -> int | None:
    """A source's line, None when it is not a line number."""
    line = source.get("line")
    return line if isinstance(line, int) and not isinstance(line, bool) else None
