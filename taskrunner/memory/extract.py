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
from dataclasses import dataclass

from .kinds import (
    BLOCKER_SYMBOLS,
    KEYWORD_KINDS,
    KEYWORD_PATTERN,
    KEYWORD_PHRASES,
    MARKER_KINDS,
    MIDLINE_MARKERS,
    NAME_KINDS,
    NEGATIONS,
    UNNEGATED_KINDS,
    name_kind,
    split_label,
)
from .markdown import Block, iter_blocks, split_lines
from .narration import is_bare_narration
from .noise import is_date_only, is_narration, is_noise
from .normalize import readable_text, strip_markup
from .secrets import redact

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

_WORD = re.compile(r"\w+")
# Bold at the start of an item, perhaps after an emoji: "- 📝 **Shipped**".
_BOLD_START = re.compile(r"[^\w\s]{0,8}?[ \t]*(?:\*\*|__)")
# A line bold as a whole, perhaps with an emoji before it and a colon, a
# parenthesis or an emoji after it: "☀️ **Morning digest** (2026/02/04)".
_BOLD_LINE = re.compile(
    r"[^\w\s*]{0,8}[ \t]*\*\*([^*\n]{1,200})\*\*[ \t]*[:\uff1a]?[ \t]*"
    r"(?:[(\uff08][^()\uff08\uff09\n]{0,80}[)\uff09])?[ \t]*[^\w\s]{0,8}"
)
_STARTS_WITH_DATE = re.compile(r"[ \t]*\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}")
# A past-tense verb after "never"/"always": narration, not an instruction.
_NARRATED = re.compile(r"\s+\w+ed\b")
_CHECKBOX = re.compile(r"\[([ xX])\](?=[ \t]|$)[ \t]*")
# A marker, perhaps with an owner, then a colon or a dash: "TODO(alice): x",
# "TODO - x". The owner stops at the first paren: no backtracking.
_MARKER = re.compile(
    r"(" + "|".join(MARKER_KINDS) + r")(?![\w-])(?:\(([^()\n]{1,40})\))?"
    r"[ \t]*([:\uff1a]|[-\u2013\u2014](?=[ \t]|$))?[ \t]*",
    re.IGNORECASE,
)
# A marker in mid-line: "CLAUDE.md is stale — TODO: update it".
_MIDLINE = re.compile(r"(?<![\w-])(" + "|".join(MARKER_KINDS) + r")[:\uff1a]", re.IGNORECASE)
# Where a clause ends: a negation before it does not reach the keyword.
_CLAUSE_END = re.compile(r"[,.;:!?\uff0c\u3002\uff1b\uff1a\uff01\uff1f\u3001]")
# Words as the negation check sees them: "haven't" is one, "no-op" is not "no".
_NEGATION_WORD = re.compile(r"[\w'\u2019-]+")
# A sentence ends inside the text: "Fixed it. Created a new one:" says more
# than its label.
_SENTENCE_END = re.compile(r"[.!?;](?=\s)|[\u3002\uff01\uff1f\uff1b]")
_DREAM_SECTIONS = frozenset({"light sleep", "rem sleep", "deep sleep"})
#: header words (casefolded) of sections that keep only explicit items: an
#: agent's routine, its digests of other people's content, its musings, and
#: the tallies of the day that restate what is above them
QUIET_SECTION_WORDS: tuple[str, ...] = (
    "heartbeat",
    "心跳",
    "ハートビート",
    "news",
    "digest",
    "ニュース",
    "まとめ",
    "要約",
    "新闻",
    "摘要",
    "notícias",
    "новости",
    "exploration",
    "探索",
    "reflection",
    "reflexão",
    "reflexões",
    "рефлексия",
    "反思",
    "thoughts",
    "musings",
    "pensamentos",
    "размышления",
    "思考",
    "感想",
    "statistics",
    "stats",
    "成果",
    "总结",
    "统计",
    "統計",
)


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


def _readable(text: str) -> tuple[str, int]:
    """Item text and the secrets taken out of it: markup stripped, whitespace
    collapsed, secrets redacted (before the cut, so none is cut in two and
    missed), cut to ``MAX_ITEM_CHARS``."""
    text, secrets = redact(readable_text(text))
    if len(text) <= MAX_ITEM_CHARS:
        return text, secrets
    cut = text.rfind(" ", MAX_ITEM_CHARS // 2, MAX_ITEM_CHARS)
    return text[: cut if cut > 0 else MAX_ITEM_CHARS].rstrip() + " …", secrets


def _has_word(text: str) -> bool:
    return _WORD.search(text) is not None


def keyword_kind(text: str) -> str | None:
    """The kind of the first keyword in ``text`` that no negation undoes."""
    folded = text[:2000].casefold()
    found: list[tuple[int, str]] = []
    for match in KEYWORD_PATTERN.finditer(folded):
        kind = KEYWORD_KINDS[" ".join(match.group().split())]
        if kind == "rule" and _NARRATED.match(folded, match.end()):
            continue  # "we never agreed on it" tells what happened, it sets no rule
        if kind in UNNEGATED_KINDS or not _negated(folded, match.start()):
            found.append((match.start(), kind))
            break
    for phrase, kind in KEYWORD_PHRASES:
        at = folded.find(phrase)
        if at >= 0 and (not found or at < found[0][0]):
            found = [(at, kind)]
    return found[0][1] if found else None


def _negated(folded: str, start: int) -> bool:
    """True when one of the two words before ``start``, in its clause, is a negation.

    "Bug is not fixed yet", "Haven't decided": the keyword is not a fact.
    """
    window_start = max(0, start - 60)
    before = folded[window_start:start]
    clause = _CLAUSE_END.split(before)[-1]
    found = _NEGATION_WORD.findall(clause)
    if window_start > 0 and len(clause) == len(before) and found:
        found = found[1:]  # the window may have cut the first word in two
    return any(word in NEGATIONS or word.endswith(("n't", "n\u2019t")) for word in found[-2:])


def _label_kind(text: str) -> tuple[str, str] | None:
    """``Decision: use SQLite`` -> ("decision", "use SQLite"); ``New rule: x`` -> ("rule", …).

    A label that is only a kind's name is dropped from the text; a longer
    one (``Pending prod approval: font, contrast``) is part of what it says.
    """
    label = split_label(text)
    if label is None or not label[1]:
        return None
    kind = name_kind(label[0])
    if kind is None:
        return None
    return kind, (label[1] if label[0].casefold() in NAME_KINDS else text)


def _is_bare_label(text: str) -> bool:
    """``Key insight:``, ``Fixed the following:``: a label whose content is in the bullets below."""
    return text.endswith((":", "\uff1a")) and _SENTENCE_END.search(text) is None


def _marker_kind(text: str) -> tuple[str, str] | None:
    """``TODO(alice): rotate keys`` -> ("todo", "rotate keys (alice)"); ``a — TODO: b`` too.

    At the start, a marker in capitals needs no colon, in any other case it
    does. In mid-line it needs a colon, and capitals unless it is TODO or
    FIXME; the whole text is the item there.
    """
    match = _MARKER.match(text)
    if match is not None and (match.group(1).isupper() or match.group(3)):
        rest = text[match.end() :]
        owner = (match.group(2) or "").strip()
        if owner and _has_word(rest):
            rest = f"{rest} ({owner})"
        return MARKER_KINDS[match.group(1).upper()], rest
    for found in _MIDLINE.finditer(text, 1):
        word = found.group(1)
        if word.isupper() or word.upper() in MIDLINE_MARKERS:
            return MARKER_KINDS[word.upper()], text
    return None


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


def _symbol_kind(content: str) -> str | None:
    """❌, 🔴, 🚫, ⛔ (anywhere) or ⚠ (opening the item) report an open problem."""
    if content.lstrip().startswith("\u26a0") or any(s in content for s in BLOCKER_SYMBOLS):
        return "blocker"
    return None


def _header_item(title: str, number: int, path: tuple[str, ...]) -> Item | None:
    """A header that states something itself: a marker, or a keyword not naming its section."""
    if is_date_only(title):
        return None
    text, secrets = _readable(title)
    found = _marker_kind(text)
    if found is None:
        if name_kind(text) is not None or is_noise(text) or _word_count(text) < 3:
            return None  # "## Key decisions" names what is below; "## Tech deployed" a topic
        kind = "completed" if "\u2705" in text else keyword_kind(text)
        found = None if kind is None else (kind, text)
    if found is None or not _has_word(found[1]):
        return None
    return Item(found[1], found[0], number, path, secrets)


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
    found = _marker_kind(text) or _label_kind(text)
    if found is not None:
        kind, text = found
    if checked is not None:
        if checked and kind is None and is_noise(text):
            return None  # "- [x] Daily log updated": a routine ticked off
        kind = "completed" if checked else (kind or "todo")
    if not _has_word(text):
        return None
    # A marker, kind label or checkbox says the user meant an item; without
    # one, a bare label, a ping or a stamp carries no fact of its own.
    if kind is None:
        quiet = quiet or (section is not None and section.quiet)
        if quiet or _is_bare_label(text) or is_noise(text):
            return None
        section_kind = section.kind if section is not None and top_level else None
        kind = section_kind or _symbol_kind(content) or keyword_kind(text)
        if kind is None:
            if is_bare_narration(text):
                return None
            kind = "fact"
    return Item(text, kind, number, path, secrets)


def _quiets_nested(content: str) -> bool:
    """Whether the bullets nested under this one keep only explicit items.

    Under a bare label naming musings (``**深入思考**``, ``My reflection:``)
    as under a quiet section's header; under the agent telling what it did
    or read (``发现了 souls 区的讨论``, ``Reviewed the feed:``): the
    details of the narration.
    """
    text = readable_text(content)
    if _is_bare_label(text) and _is_quiet(text):
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
            kind = name_kind(title[:200])
            # A quiet section's subsections are quiet too, unless they name a
            # kind: "### Lessons" under "## Exploration" holds lessons.
            inherited = bool(sections and sections[-1].quiet) and kind is None
            quiet = inherited or _is_quiet(title)
            readable = None if is_date_only(title) else _readable(title)[0][:200]
            sections.append(_Section(level, readable, kind, quiet))
            if not dream_level and not quiet:
                item = _header_item(title, block.number, path)
                if item is not None:
                    yield item
            continue
        if dream_level:
            continue
        # The nearest section that names a kind or is quiet decides for the item.
        section = next((s for s in reversed(sections) if s.kind or s.quiet), None)
        # Only top-level bullets take their section's kind: nested ones are
        # usually the details of the bullet above.
        top_level = block.kind == "text" or block.level < 2
        while parents and parents[-1][0] >= block.level:
            parents.pop()
        quiet = bool(parents and parents[-1][1])
        item = _item(block.text, block.number, section, _path(sections), top_level, quiet)
        if item is not None:
            yield item
        if block.kind == "bullet":
            parents.append((block.level, quiet or _quiets_nested(block.text)))


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


def _is_quiet(title: str) -> bool:
    folded = title[:200].casefold()
    return any(word in folded for word in QUIET_SECTION_WORDS)


def _path(sections: list[_Section]) -> tuple[str, ...]:
    return tuple(s.title for s in sections if s.title)
