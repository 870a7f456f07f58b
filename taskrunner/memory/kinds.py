"""What a captured item is (its kind) and how much it matters (its importance).

The one place these tables live: extraction assigns kinds, capture turns a
kind into an importance, the docs show both tables.
"""

from __future__ import annotations

import re

#: importance (0..1) of each kind. Decisions and blockers matter most; todos,
#: actions and lessons next; bold facts and completed items are middling;
#: headers stay below 0.3 so memory_consolidate prunes them once stale.
KIND_IMPORTANCE: dict[str, float] = {
    "decision": 0.9,
    "blocker": 0.9,
    "todo": 0.75,
    "action": 0.75,
    "learned": 0.7,
    "note": 0.6,
    "fact": 0.5,
    "completed": 0.5,
    "header": 0.2,
}

#: importance of a kind not in the table (a memory written by hand)
DEFAULT_IMPORTANCE = 0.5

#: uppercase markers at the start of an item, and the kind each one records
MARKER_KINDS: dict[str, str] = {
    "TODO": "todo",
    "DECISION": "decision",
    "BLOCKER": "blocker",
    "ACTION": "action",
    "NOTE": "note",
}

#: a bold label that names a kind (``- **Decision:** use SQLite``), casefolded
LABEL_KINDS: dict[str, str] = {
    "todo": "todo",
    "todos": "todo",
    "decision": "decision",
    "decisions": "decision",
    "blocker": "blocker",
    "blockers": "blocker",
    "action": "action",
    "action item": "action",
    "actions": "action",
    "note": "note",
    "lesson": "learned",
    "lesson learned": "learned",
    "lessons learned": "learned",
}

#: keywords that make a plain bullet worth keeping (whole word, any case),
#: and the kind each one records
KEYWORD_KINDS: dict[str, str] = {
    # decisions
    "decided": "decision",
    "agreed": "decision",
    "chose": "decision",
    # lessons
    "learned": "learned",
    "learnt": "learned",
    "realized": "learned",
    "realised": "learned",
    "discovered": "learned",
    "lesson": "learned",
    # things finished
    "completed": "completed",
    "finished": "completed",
    "fixed": "completed",
    "resolved": "completed",
    "solved": "completed",
    "shipped": "completed",
    "deployed": "completed",
    "released": "completed",
    "launched": "completed",
    "merged": "completed",
    "implemented": "completed",
}

#: a word that, one or two words before a keyword, says the opposite: "not
#: fixed yet", "never agreed". Words ending in "n't" count too ("haven't").
NEGATIONS: frozenset[str] = frozenset({"not", "no", "never", "cannot"})

#: a bold label naming a time (casefolded): "- **时间:** 早上 9:27" whose value is
#: only a date or a time is a heartbeat's time stamp, not a fact. Only these
#: labels: "**Deadline:** Friday" and "**Port:** 8080" are facts.
TIME_LABELS: frozenset[str] = frozenset(
    {
        "time",
        "date",
        "timestamp",
        "datetime",
        "date/time",
        "current time",
        "时间",
        "時間",
        "当前时间",
        "日期",
        "日付",
        "日時",
        "时刻",
        "時刻",
        "現在時刻",
    }
)


#: a header holding one of these words (casefolded) makes the plain bullets of
#: its section that kind: the bullets under "## Key decisions" are decisions
SECTION_WORDS: dict[str, str] = {
    "decision": "decision",
    "decisions": "decision",
    "todo": "todo",
    "todos": "todo",
    "blocker": "blocker",
    "blockers": "blocker",
    "lesson": "learned",
    "lessons": "learned",
    "learned": "learned",
    "learnings": "learned",
}

#: the same for phrases found anywhere in a header (scripts without spaces)
SECTION_PHRASES: dict[str, str] = {
    "action items": "action",
    "next steps": "action",
    "决定": "decision",
    "決定": "decision",
    "待办": "todo",
    "やること": "todo",
    "学到": "learned",
    "学んだ": "learned",
    "教训": "learned",
    "教訓": "learned",
}


def section_kind(title: str) -> str | None:
    """The kind a section header gives its plain bullets, or None."""
    folded = title.casefold()
    for word in re.findall(r"\w+", folded):
        kind = SECTION_WORDS.get(word)
        if kind is not None:
            return kind
    for phrase, kind in SECTION_PHRASES.items():
        if phrase in folded:
            return kind
    return None


def importance_of(kind: str) -> float:
    """The importance of a kind, from ``KIND_IMPORTANCE``."""
    return KIND_IMPORTANCE.get(kind, DEFAULT_IMPORTANCE)
