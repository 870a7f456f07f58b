"""Markdown daily note -> memory items (text, kind, 1-based source line, section).

Every list item and prose line is a candidate (``markdown.iter_blocks``
decides what is prose); what it is decides its kind: a marker (``TODO:``,
``fixme:``, a mid-line ``— TODO: …``), a label naming a kind (``Rule: …``,
``**Decision:** …``), a checkbox, the kind its section names (the bullets
under ``## Preferences``), a keyword (``prefers``, ``always``, ``blocked``,
``decided``, ``完成``), a ❌ that opens it; else it is a ``fact``.

What is not a memory: headers (they name the *section* of the items under
them and are an item only when they state something themselves), bare
labels whose content is below, and the noise of ``noise.is_noise``
(heartbeat pings, time stamps, counters, session metadata, lone links,
the agent narrating what it did or read, other people's posts by their
quoted titles, greetings, a ticked-off routine such as ``- [x] Daily log
updated``), and a plain line that opens with a verb in the past and holds
no detail (``Generated the audio successfully``). Sections whose header
names routine (``Heartbeat``), other people's content (``News digest``,
``Moltbook 探索``) or musings (``Reflection``, ``深入思考``) keep only
explicit items; so do the bullets nested under a bare label naming musings
(``- **My thoughts:**``) or under a bullet that narrates (``- Reviewed the
feed:``). So do the ``Light Sleep``/``REM Sleep``/``Deep Sleep`` sections
OpenClaw's dreaming writes: they keep nothing.

A line that is bold as a whole (``**Key results:**``) is a header too, one
level below ``######``: people write headers that way.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace

from .item_kind import (
    done_mark,
    has_word,
    is_nothing,
    is_question_title,
    is_tally,
    keyword_kind,
    label_kind,
    marker_kind,
    opens_what_is_left,
    says_not,
    symbol_kind,
    topic_kind,
    without_guesses,
)
from .kinds import LOOP_KINDS, name_kind
from .markdown import Block, iter_blocks, split_lines
from .narration import is_bare_narration
from .noise import is_narration, is_noise
from .normalize import readable_text, strip_markup
from .quiet_sections import explicit_kind, is_quiet, names_insights
from .secrets import REDACTED, redact, redact_table_row
from .text_shapes import is_date_only

# split_lines and is_date_only are re-exported: callers read notes and headers with them.
__all__ = [
    "MAX_ITEMS_PER_NOTE",
    "MAX_ITEM_CHARS",
    "Item",
    "extract_items",
    "is_date_only",
    "iter_items",
    "split_lines",
]

#: longest item text kept; a longer line is cut at a word boundary
MAX_ITEM_CHARS = 2000
#: items taken from one note at most; more is a pasted log, not notes
MAX_ITEMS_PER_NOTE = 2000
#: the level of a bold line acting as a header: below every ``#`` header
BOLD_HEADER_LEVEL = 7

# Bold at the start of an item, perhaps after an emoji: "- 📝 **Shipped**".
_BOLD_START = re.compile(r"[^\w\s]{0,8}?[ \t]*(?:\*\*|__)")
# A line bold as a whole, perhaps with an emoji before it and a colon, a
# parenthesis or an emoji after it: "☀️ **Morning digest** (2026/02/04)".
_BOLD_LINE = re.compile(
    r"[^\w\s*]{0,8}[ \t]*\*\*([^*\n]{1,200})\*\*[ \t]*[:\uff1a]?[ \t]*"
    r"(?:[(\uff08][^()\uff08\uff09\n]{0,80}[)\uff09])?[ \t]*[^\w\s]{0,8}"
)
_STARTS_WITH_DATE = re.compile(r"[ \t]*\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}")
_CHECKBOX = re.compile(r"\[([ xX])\](?=[ \t]|$)[ \t]*")
# A sentence ends inside the text: "Fixed it. Created a new one:" says more
# than its label.
_SENTENCE_END = re.compile(r"[.!?;](?=\s)|[\u3002\uff01\uff1f\uff1b]")
_DREAM_SECTIONS = frozenset({"light sleep", "rem sleep", "deep sleep"})
_STANDING_KINDS = frozenset({"rule", "preference"})


@dataclass(frozen=True)
class Item:
    """One thing worth remembering, the line it came from and the headers above it."""

    text: str
    kind: str
    #: 1-based line number in the note
    line: int
    #: titles of the enclosing headers, outermost first
    section: tuple[str, ...] = ()
    #: secrets replaced by ``[redacted]`` in ``text``
    secrets: int = 0


@dataclass(frozen=True)
class _Section:
    level: int
    title: str | None  # None: a header that only gives a date
    kind: str | None
    quiet: bool
    #: the kind only names what the bullets right under it are, when they say
    #: nothing of themselves: "## Done today", "## Stuff Sam prefers"
    weak: bool = False


def _readable(text: str) -> tuple[str, int]:
    """Item text and the secrets taken out of it: markup stripped, whitespace
    collapsed, secrets redacted (before the cut, so none is cut in two and
    missed), cut to ``MAX_ITEM_CHARS``."""
    text, secrets = redact(readable_text(text))
    if len(text) <= MAX_ITEM_CHARS:
        return text, secrets
    cut = text.rfind(" ", MAX_ITEM_CHARS // 2, MAX_ITEM_CHARS)
    return text[: cut if cut > 0 else MAX_ITEM_CHARS].rstrip() + " …", secrets


def _is_bare_label(text: str) -> bool:
    """``Key insight:``, ``Fixed the following:``: a label whose content is in the bullets below."""
    return text.endswith((":", "\uff1a")) and _SENTENCE_END.search(text) is None


def _is_bold(content: str) -> bool:
    """Bold at the start of a bullet, perhaps after an emoji: ``📝 **Shipped**``.

    ``__init__.py`` opens with underscores but is a name, not bold.
    """
    match = _BOLD_START.match(content)
    if match is None:
        return False
    if content[match.end() - 1] == "*":
        return True
    return not strip_markup(content[match.end() - 2 : match.end() + 200]).startswith("__")


def _header_item(title: str, number: int, path: tuple[str, ...]) -> Item | None:
    """A header that states something itself: a marker, or a keyword not naming its section."""
    if is_date_only(title):
        return None
    text, secrets = _readable(title)
    found = marker_kind(text)
    if found is None:
        if name_kind(text) or topic_kind(text) or is_noise(text) or _word_count(text) < 3:
            return None  # "## Key decisions" names what is below; "## Tech deployed" a topic
        if is_question_title(text):
            return None  # "## Do we deploy on Fridays?": asked, not said
        # What it guesses is no keyword: "## Sam may prefer" states nothing.
        kind = "completed" if "\u2705" in text else keyword_kind(without_guesses(text))
        found = None if kind is None else (kind, text)
    if found is None or not _says_something(found[1]):
        return None
    return Item(found[1], found[0], number, path, secrets)


def _says_something(text: str) -> bool:
    """A word left besides the secrets taken out: ``[redacted]`` alone says nothing."""
    return has_word(text.replace(REDACTED, " "))


def _is_standing_wish(text: str) -> bool:
    """A rule or a preference, whatever else the line looks like.

    The noise rules judge a line by its shape, and a standing instruction can
    share it: ``Token usage must stay below 80%`` reads like a usage report,
    ``总是通过邮件联系我`` like a contact ping. Losing one costs far more than
    keeping a reading, so the instruction wins.
    """
    return keyword_kind(text) in _STANDING_KINDS


def _word_count(text: str) -> float:
    """Words of a text, a CJK character counting as half a word."""
    cjk = sum(1 for char in text if "\u3040" <= char <= "\u9fff")
    latin = re.findall(
        r"[^\W\d_]+|\d+", "".join(" " if "\u3040" <= c <= "\u9fff" else c for c in text)
    )
    return len(latin) + cjk / 2


def _item(
    content: str,
    number: int,
    section: _Section | None,
    path: tuple[str, ...],
    top_level: bool,
    quiet: bool = False,
) -> Item | None:
    """The item of a list item or a prose line, or None; see the module docstring."""
    checked: bool | None = None
    box = _CHECKBOX.match(content)
    if box is not None:
        checked = box.group(1) != " "
        content = content[box.end() :]
    text, secrets = _readable(content)
    kind: str | None = None
    found = marker_kind(text) or label_kind(text)
    if found is not None:
        kind, text = found
    if (kind in LOOP_KINDS or kind == "completed") and (is_nothing(text) or is_tally(text)):
        return None  # "Stuck: nothing", "等待: 无", "Tasks: 3 of 5 finished": no loop at all
    if kind in LOOP_KINDS and done_mark(content):
        kind = "completed"  # "~~TODO: renew the domain~~", "TODO: renew it ✅"
    if checked is not None:
        if checked and kind is None and is_noise(text):
            return None  # "- [x] Daily log updated": a routine ticked off
        kind = "completed" if checked else (kind or "todo")
    if not _says_something(text):
        return None
    # A marker, kind label or checkbox says the user meant an item; without
    # one, a bare label, a ping or a stamp carries no fact of its own.
    if kind is None:
        quiet = quiet or (section is not None and section.quiet)
        if _is_bare_label(text) or (is_noise(text) and not _is_standing_wish(text)):
            return None
        if quiet:
            # A routine check that found something broken is the one line of
            # it the heartbeat must bring back; a rule, a preference or a
            # decision written among the routine is still the user's word.
            said = explicit_kind(content, text)
            return None if said is None else Item(text, said, number, path, secrets)
        section_kind = section.kind if section is not None and top_level else None
        said = symbol_kind(content) or keyword_kind(text)
        # A weak section names what its items are unless they say it of
        # themselves: "❌ the registrar is down" under "## Done today".
        weak = section is not None and section.weak
        kind = (said or section_kind) if weak else (section_kind or said)
        if section_kind is not None and kind == section_kind and is_nothing(text):
            return None  # "- Nothing" under "## Done" or "## Blockers"
        if (
            kind == "completed"
            and not said
            and (says_not(text) or opens_what_is_left(text, labels=False))
        ):
            kind = None  # "Started the migration, not finished" under "## Done today"
        if kind is None and is_bare_narration(text):
            return None  # "✅ Added the checklist" too: the agent's log of its work
        if (kind is None or kind in LOOP_KINDS) and done_mark(content):
            kind = "completed"  # its own ✅ or strike-through, even under "## TODO"
        kind = kind or "fact"
    return Item(text, kind, number, path, secrets)


def _quiets_nested(content: str) -> bool:
    """Whether the bullets nested under this one keep only explicit items.

    Under a bare label naming musings (``**深入思考**``, ``My reflection:``)
    as under a quiet section's header; under the agent telling what it did
    or read (``发现了 souls 区的讨论``, ``Reviewed the feed:``): the
    details of the narration.
    """
    text = readable_text(content)
    if _is_bare_label(text) and (is_quiet(text) or names_insights(text)):
        return True
    return is_narration(text)


def _bold_line_title(text: str) -> str | None:
    """The title of a prose line that is bold as a whole, else None."""
    match = _BOLD_LINE.fullmatch(text.strip())
    return None if match is None else match.group(1).strip().rstrip(":\uff1a").strip()


def extract_items(text: str) -> list[Item]:
    """Every item in a note, in line order. Never raises on any text."""
    return list(iter_items(text))


def iter_items(text: str) -> Iterator[Item]:
    """The items of a note, in line order, produced as the lines are read."""
    text = text.replace("\x00", "")
    if text.startswith("\ufeff"):
        text = text[1:]
    sections: list[_Section] = []  # the enclosing headers, outermost first
    # The bullets above the current one whose nested bullets say what they
    # are: (indentation, whether the nested bullets are quiet).
    parents: list[tuple[int, bool]] = []
    dream_level = 0  # > 0 while inside a dreaming section of that header level
    first = True
    for block in iter_blocks(text):
        if block.kind == "break":
            parents.clear()
            _end_done(sections)  # "## Done today", a few bullets, "---": what follows is not
            continue
        title, level = _title_of(block, first)
        first = False
        if block.kind != "bullet":
            parents.clear()
        if title is not None:
            if block.kind == "header":
                if dream_level and level > dream_level:
                    continue
                dream = strip_markup(title).casefold() in _DREAM_SECTIONS
                dream_level = level if dream else 0
            while sections and sections[-1].level >= level:
                sections.pop()
            path = _path(sections)
            named = name_kind(title[:200], header=True)
            kind = named or topic_kind(title)
            weak = kind is not None and (named is None or kind == "completed")
            # A quiet section's subsections are quiet too, unless they name a
            # kind: "### Lessons" under "## Exploration" holds lessons, while
            # "### Done" under "## Heartbeat" is the routine ticked off.
            inherited = bool(sections and sections[-1].quiet) and kind in (None, "completed")
            quiet = inherited or is_quiet(title)
            readable = None if is_date_only(title) else _readable(title)[0][:200]
            sections.append(_Section(level, readable, kind, quiet, weak))
            if not dream_level and not quiet:
                item = _header_item(title, block.number, path)
                if item is not None:
                    yield item
            continue
        if dream_level:
            continue
        # The nearest section that names a kind or is quiet decides for the item.
        # A line of prose that opens what is left ends what is finished:
        # "Still open", "Tomorrow:", "> Reminder" under "## Done today";
        # "Busy day." or "Morning:" does not.
        in_done = block.kind == "text" and _lists_done(sections)
        if in_done and opens_what_is_left(readable_text(block.text)):
            _end_done(sections)
        # Only the section that itself says "done" makes its items finished:
        # not "**Still open:**" or "### Backend" under "## Done today".
        section = next(
            (
                s
                for s in reversed(sections)
                if s.quiet or (s.kind and (s.kind != "completed" or s is sections[-1]))
            ),
            None,
        )
        # Only top-level bullets take their section's kind: nested ones are
        # usually the details of the bullet above.
        top_level = block.kind == "text" or block.level < 2
        if section is not None and section.weak and block.kind != "bullet":
            top_level = False  # "## What we decided" names its bullets, not a prose line
        while parents and parents[-1][0] >= block.level:
            parents.pop()
        quiet = bool(parents and parents[-1][1])
        content, in_cells = redact_table_row(block.text, block.columns)
        item = _item(content, block.number, section, _path(sections), top_level, quiet)
        if item is not None and in_cells:
            item = replace(item, secrets=item.secrets + in_cells)
        if item is not None:
            yield item
        if block.kind == "bullet":
            parents.append((block.level, quiet or _quiets_nested(block.text)))


def _lists_done(sections: list[_Section]) -> bool:
    """Whether the innermost section lists what is finished (``## Done today``)."""
    return bool(sections) and sections[-1].kind == "completed"


def _end_done(sections: list[_Section]) -> None:
    """The innermost section, when it lists what is finished, lists it no more."""
    if _lists_done(sections):
        sections[-1] = replace(sections[-1], kind=None)


def _title_of(block: Block, first: bool) -> tuple[str | None, int]:
    """A header's title and level; a bold line is a header too (the note's title when first)."""
    if block.kind == "header":
        return block.text, block.level
    if block.kind == "text":
        title = _bold_line_title(block.text)
        if title is not None:
            return title, 1 if first else BOLD_HEADER_LEVEL
        if first and _STARTS_WITH_DATE.match(block.text):
            return block.text, 1  # "2026-01-28 Session Summary": the note's title
    return None, 0


def _path(sections: list[_Section]) -> tuple[str, ...]:
    return tuple(s.title for s in sections if s.title)
