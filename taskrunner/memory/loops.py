"""Open loops: todos, actions, reminders and blockers, until a completed item closes them.

A memory of a kind in ``LOOP_KINDS`` is open unless its ``status`` is
"done". A completed item closes it when it is the same item: a ``- [x]``
checkbox of the same text (the same memory, seen as completed), or a
completed item whose words, without the words that say it is finished
("done", "completed", "fixed", …), are those of the loop or a
near-duplicate of them. Closing sets ``status: "done"``, ``closed_by`` (the
note line) and ``closed_at``; the memory is never deleted, and a closed loop
never opens again.

Open loops are brought back by alerts (``due_reminders``): every open
blocker, and every other open loop older than ``--open-loop-days`` (7),
one ``warning`` alert each with the key ``memory-open-loop:<id>``, at most
once a day per memory (``reminded_on``); a memory that takes new words
(``wording``) forgets the day, so the reminder is raised again in them. A
loop that closes takes its reminder back from the alert queue
(``closed_reminders``) when the heartbeat has not picked it up yet.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Protocol

from .candidates import candidate_indexes, probe_words
from .kinds import LOOP_KINDS
from .normalize import memory_id
from .similarity import is_near_duplicate, words
from .timestamps import stored_day

Memory = dict[str, Any]

#: per-memory reminders raised in one day at most; the rest are counted in one
#: more alert. Per day, not per run: capture runs hourly, and a cap per run
#: would go through every open loop of a long backlog, one store rewrite a run.
MAX_REMINDERS = 10

#: words that say an item is finished: dropped before comparing it with a loop
COMPLETION_WORDS = frozenset(
    {"done", "completed", "complete", "finished", "fixed", "resolved", "solved", "closed"}
)


class CompletedSighting(Protocol):
    """What closing needs of a completed item (``capture.Sighting`` has it)."""

    @property
    def text(self) -> str: ...
    @property
    def file(self) -> str: ...
    @property
    def line(self) -> int: ...
    @property
    def day(self) -> date: ...


def is_loop(memory: Memory) -> bool:
    """True for a loop kind; a kind that is no string (a hand edit) is none."""
    kind = memory.get("kind")
    return isinstance(kind, str) and kind in LOOP_KINDS


def is_open(memory: Memory) -> bool:
    """True for a loop kind that no completed item has closed."""
    return is_loop(memory) and memory.get("status") != "done"


def status_of(memory: Memory) -> str | None:
    """ "open" or "done" for a loop kind, else the stored status (None when there is none)."""
    status = memory.get("status")
    if is_loop(memory):
        return "done" if status == "done" else "open"
    return status if isinstance(status, str) else None


def core_words(text: str) -> frozenset[str]:
    """The words of ``text`` without the words that say it is finished."""
    return words(text) - COMPLETION_WORDS


def _same_item(loop: frozenset[str], completed: frozenset[str]) -> bool:
    return bool(loop) and (loop == completed or is_near_duplicate(loop, completed))


def close(memory: Memory, sighting: CompletedSighting, now_iso: str) -> bool:
    """Close an open loop by a completed item; False when it is not open or the item is older."""
    if not is_open(memory):
        return False
    opened = memory.get("date")
    if isinstance(opened, str) and opened > sighting.day.isoformat():
        return False  # a completed item in an older note is not this loop's end
    memory["status"] = "done"
    memory["closed_by"] = {
        "file": sighting.file,
        "line": sighting.line,
        "noted_on": sighting.day.isoformat(),
    }
    memory["closed_at"] = now_iso
    return True


def close_matching(
    memories: Sequence[Memory], completed: Sequence[CompletedSighting], now_iso: str
) -> list[int]:
    """Close the open loops that ``completed`` items finish; the indexes of those closed.

    Exact like the near-duplicate check: a probe scan over the open loops'
    texts finds every loop that can match (``probe.candidate_indexes``),
    and only those are compared.
    """
    cores = [(sighting, core_words(sighting.text)) for sighting in completed]
    cores = [(sighting, core) for sighting, core in cores if core]
    if not cores:
        return []
    loops = [index for index, memory in enumerate(memories) if is_open(memory)]
    if not loops:
        return []
    texts = [memories[index]["text"] for index in loops]
    probes: set[str] = set()
    for _, core in cores:
        probes.update(probe_words(core))
        probes.update(core)  # an exact match holds every word
    closed: list[int] = []
    for position in candidate_indexes(texts, probes):
        memory = memories[loops[position]]
        loop = core_words(texts[position])
        for sighting, core in cores:
            if _same_item(loop, core) and close(memory, sighting, now_iso):
                closed.append(loops[position])
                break
    return closed


def loop_day(memory: Memory) -> date | None:
    """The latest note date a loop was seen in (``note_date``, else ``date``)."""
    for field in ("note_date", "date"):
        day = stored_day(memory.get(field))
        if day is not None:
            return day
    return None


@dataclass(frozen=True)
class Reminder:
    """One open loop to bring back."""

    index: int
    memory_id: str
    kind: str
    text: str
    age_days: int | None
    #: the day it was last brought back ("" when never)
    last_reminded: str = ""

    @property
    def key(self) -> str:
        return reminder_key(self.memory_id)

    def message(self) -> str:
        what = f"open {self.kind}"
        age = f", {self.age_days} days old" if self.age_days is not None else ""
        return f"{what} ({self.memory_id}{age}): {self.text[:200]}"


def reminder_key(memory_id: str) -> str:
    """The alert key of the reminders of one loop: one alert per loop in the queue."""
    return f"memory-open-loop:{memory_id}"


def loop_id(memory: Memory) -> str:
    """The id a loop's reminders carry: its own, else the one its text gives."""
    mid = memory.get("id")
    return mid if isinstance(mid, str) and mid else memory_id(memory["text"])


def closed_reminders(memories: Sequence[Memory], closed: Sequence[int]) -> list[str]:
    """The alert keys to take back for the loops at ``closed``, just closed:
    those reminded of (``reminded_on``) may have an alert still waiting."""
    return [reminder_key(loop_id(memories[i])) for i in closed if memories[i].get("reminded_on")]


#: what a stored date must look like to be compared as text (ISO dates sort as they read)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


#: sort key of a due loop: last reminded ("" when never), its day (older first),
#: blockers first among equals, its id; then its index in the store
_DueKey = tuple[str, str, bool, str, int]


def _due(memories: Sequence[Memory], today: date, max_age_days: int) -> tuple[list[_DueKey], int]:
    """The keys of the loops due a reminder, and how many loops were reminded of ``today``.

    One pass with no object built for a loop that is not due: a store of
    100k memories holds some 20k open loops, and this runs with every capture.
    """
    stamp = today.isoformat()
    cutoff = (today - timedelta(days=max_age_days)).isoformat()
    keys: list[_DueKey] = []
    reminded_today = 0
    is_iso_date = _ISO_DATE.fullmatch
    for index, memory in enumerate(memories):
        kind = memory.get("kind")
        if kind not in LOOP_KINDS:  # most memories: only loops are ever reminded of
            continue
        last = memory.get("reminded_on")
        if last == stamp:
            reminded_today += 1  # closed since or not, it had its alert today
            continue
        if memory.get("status") == "done":
            continue
        # note_date, else date, when it looks like an ISO date (as loop_day)
        day = memory.get("note_date")
        if not (isinstance(day, str) and is_iso_date(day)):
            day = memory.get("date")
            if not (isinstance(day, str) and is_iso_date(day)):
                day = None
        # A loop is due when more than max_age_days old: its day before the cutoff.
        if kind != "blocker" and (day is None or day >= cutoff):
            continue
        keys.append(
            (
                last if isinstance(last, str) else "",
                stamp if day is None else day,
                kind != "blocker",
                loop_id(memory),
                index,
            )
        )
    return keys, reminded_today


def _reminder(memories: Sequence[Memory], key: _DueKey, today: date) -> Reminder:
    index = key[4]
    memory = memories[index]
    day = loop_day(memory)
    age = (today - day).days if day is not None else None
    return Reminder(index, key[3], str(memory.get("kind")), memory["text"], age, key[0])


def due_reminders(memories: Sequence[Memory], today: date, *, max_age_days: int) -> list[Reminder]:
    """Open blockers, and open loops older than ``max_age_days``, not reminded of ``today``.

    The least recently reminded first (never first), then the oldest (blockers
    first among equals): a daily cut keeps the longest forgotten and, day
    after day, goes through the whole backlog.
    """
    keys, _ = _due(memories, today, max_age_days)
    return [_reminder(memories, key, today) for key in sorted(keys)]


@dataclass(frozen=True)
class Picked:
    """The reminders to raise now, and how many more are due but over the day's cap."""

    now: list[Reminder]
    waiting: int


def pick_reminders(
    memories: Sequence[Memory], today: date, *, max_age_days: int, per_day: int = MAX_REMINDERS
) -> Picked:
    """``due_reminders``, cut to what is left of ``per_day`` after today's earlier runs."""
    keys, reminded_today = _due(memories, today, max_age_days)
    budget = max(0, per_day - reminded_today)
    chosen = heapq.nsmallest(budget, keys) if budget < len(keys) else sorted(keys)
    return Picked([_reminder(memories, key, today) for key in chosen], len(keys) - len(chosen))
