"""Markdown daily note -> memory items (text, kind, 1-based source line).

What is read: ``##``/``###`` headers, bold bullets, uppercase markers,
checkboxes and bullets holding a keyword (tables in ``kinds``). What is
skipped: fenced code, HTML comments, real YAML front matter, the
``Light Sleep``/``REM Sleep``/``Deep Sleep`` sections OpenClaw's dreaming
writes, headers that only give a date or a time, and bullets that are only a
label (``关键洞察``-style headings of nested bullets) or a heartbeat's time stamp.

Every pattern is anchored or a fixed-width scan: a 1 MB line costs linear
time, never catastrophic backtracking.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from .kinds import (
    KEYWORD_KINDS,
    LABEL_KINDS,
    MARKER_KINDS,
    NEGATIONS,
    TIME_LABELS,
    section_kind,
)
from .normalize import readable_text, strip_markup

#: longest item text kept; a longer line is cut at a word boundary
MAX_ITEM_CHARS = 2000
#: items taken from one note at most; more is a pasted log, not notes
MAX_ITEMS_PER_NOTE = 2000
#: a front-matter block must close within this many lines
MAX_FRONT_MATTER_LINES = 200

_WORD = re.compile(r"\w+")
_HEADER = re.compile(r" {0,3}(#{1,6})(?=[ \t]|$)")
_BULLET = re.compile(r"([ \t]*)(?:[-*+]|\d{1,9}[.)])[ \t]+")
# Bold at the start of an item, perhaps after an emoji: "- 📝 **Shipped**".
_BOLD_START = re.compile(r"[^\w\s]{0,8}?[ \t]*(?:\*\*|__)")
_CHECKBOX = re.compile(r"\[([ xX])\](?=[ \t]|$)[ \t]*")
_FENCE = re.compile(r"[ \t]*(`{3,}|~{3,})")
# A marker, perhaps with an owner, then a colon or a dash: "TODO(alice): x",
# "TODO - x". The owner stops at the first paren: no backtracking.
_MARKER = re.compile(
    r"(" + "|".join(MARKER_KINDS) + r")(?![\w-])(?:\(([^()\n]{1,40})\))?"
    r"[ \t]*(?:[:\uff1a]|[-\u2013\u2014](?=[ \t]|$))?[ \t]*"
)
# Keywords as whole words: neither letters, digits, "_" nor "-" around them,
# so "Fixed-width" and "decided_by" hold none.
_KEYWORD = re.compile(
    r"(?<![\w-])(?:" + "|".join(sorted(KEYWORD_KINDS, key=len, reverse=True)) + r")(?![\w-])"
)
# Where a clause ends: a negation before it does not reach the keyword.
_CLAUSE_END = re.compile(r"[,.;:!?\uff0c\u3002\uff1b\uff1a\uff01\uff1f\u3001]")
# Words as the negation check sees them: "haven't" is one, "no-op" is not "no".
_NEGATION_WORD = re.compile(r"[\w'\u2019-]+")
# A sentence ends inside the text: "Fixed it. Created a new one:" says more
# than its label.
_SENTENCE_END = re.compile(r"[.!?;](?=\s)|[\u3002\uff01\uff1f\uff1b]")
_FRONT_MATTER_KEY = re.compile(r"[A-Za-z_][\w-]*[ \t]*:(?:[ \t]|$)")
_DREAM_SECTIONS = frozenset({"light sleep", "rem sleep", "deep sleep"})

# Pieces of a header that carry no fact: dates, times, weekdays, months,
# times of day, time zones, bare numbers (English, Chinese, Japanese).
_DATE_TIME = re.compile(
    r"\d{4}-\d{2}-\d{2}t\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?(?:z|[+-]\d{2}(?::?\d{2})?)?"
    r"|\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?"
    r"|\d{1,2}[:\uff1a]\d{2}(?:[:\uff1a]\d{2})?"
    r"|\d{1,2}/\d{1,2}(?:/\d{2,4})?"
    r"|\d{1,2}(?:st|nd|rd|th)\b"
    r"|\d+(?:年|月|日|号|時|时|分|h)?"
    r"|[月火水木金土日]曜日?|[(\uff08][月火水木金土日][)\uff09]|(?:星期|周|週)[一二三四五六日天]"
    r"|凌晨|早上|上午|中午|下午|傍晚|晚上|深夜|夜间|午前|午後|夕方|今日|今天"
    r"|\b(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day)?\b"
    r"|\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b"
    r"|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)\b"
    r"|\b(?:january|february|march|april|june|july|august|september|october|november"
    r"|december)\b"
    r"|\b(?:am|pm|a\.m\.|p\.m\.|morning|afternoon|evening|night|noon|midnight)\b"
    r"|\b(?:utc|gmt|z|est|edt|cst|cdt|mst|mdt|pst|pdt|cet|cest|bst|ist|jst|kst|hkt|sgt)\b"
)


@dataclass(frozen=True)
class Item:
    """One thing worth remembering, and the line it came from."""

    text: str
    kind: str
    #: 1-based line number in the note
    line: int


def split_lines(text: str) -> list[str]:
    """Lines as editors number them: split on ``\\n``, a trailing ``\\r`` dropped."""
    return [line[:-1] if line.endswith("\r") else line for line in text.split("\n")]


def is_date_only(header: str) -> bool:
    """True for a header that only gives a date or a time (``## 14:30``, ``# 2026-02-13``)."""
    rest = _DATE_TIME.sub(" ", header[:300].casefold())
    return not any(ch.isalpha() for ch in rest)


def _readable(text: str) -> str:
    """Item text: markup stripped, whitespace collapsed, cut to ``MAX_ITEM_CHARS``."""
    text = readable_text(text)
    if len(text) <= MAX_ITEM_CHARS:
        return text
    cut = text.rfind(" ", MAX_ITEM_CHARS // 2, MAX_ITEM_CHARS)
    return text[: cut if cut > 0 else MAX_ITEM_CHARS].rstrip() + " …"


def _has_word(text: str) -> bool:
    return _WORD.search(text) is not None


def _keyword_kind(text: str) -> str | None:
    """The kind of the first keyword in ``text`` that no negation precedes."""
    folded = text.casefold()
    for match in _KEYWORD.finditer(folded):
        if not _negated(folded, match.start()):
            return KEYWORD_KINDS[match.group()]
    return None


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


def _split_label(text: str) -> tuple[str, str] | None:
    """``Time: 9:27`` -> ("Time", "9:27"): the text before the first colon in 40 characters."""
    head = text[:40]
    colons = [at for at in (head.find(":"), head.find("\uff1a")) if at >= 0]
    if not colons:
        return None
    at = min(colons)
    return " ".join(text[:at].split()), text[at + 1 :].strip()


def _label_kind(text: str) -> tuple[str, str] | None:
    """``Decision: use SQLite`` -> ("decision", "use SQLite") when the label names a kind."""
    label = _split_label(text)
    if label is None:
        return None
    kind = LABEL_KINDS.get(label[0].casefold())
    return None if kind is None else (kind, label[1])


def _is_timestamp(text: str) -> bool:
    """A time label whose value is only a time: ``Date: 2026-02-10``, a heartbeat's ``时间``."""
    label = _split_label(text)
    return label is not None and label[0].casefold() in TIME_LABELS and is_date_only(label[1])


def _is_bare_label(text: str) -> bool:
    """``Key insight:``, ``Fixed the following:``: a label whose content is in the bullets below."""
    return text.endswith((":", "\uff1a")) and _SENTENCE_END.search(text) is None


def _marker_kind(text: str) -> tuple[str, str] | None:
    """``TODO(alice): rotate keys`` -> ("todo", "rotate keys (alice)")."""
    match = _MARKER.match(text)
    if match is None:
        return None
    rest = text[match.end() :]
    owner = (match.group(2) or "").strip()
    if owner and _has_word(rest):
        rest = f"{rest} ({owner})"
    return MARKER_KINDS[match.group(1)], rest


def _header_item(level: int, title: str, number: int) -> Item | None:
    if level not in (2, 3) or is_date_only(title):
        return None
    text = _readable(title)
    return Item(text, "header", number) if _has_word(text) else None


def _bullet_item(content: str, number: int, section: str | None) -> Item | None:
    """A bullet's item; ``section`` is the kind its section gives a top-level bullet."""
    checked: bool | None = None
    box = _CHECKBOX.match(content)
    if box is not None:
        checked = box.group(1) != " "
        content = content[box.end() :]
    bold = _is_bold(content)
    text = _readable(content)
    kind: str | None = None
    found = _marker_kind(text) or (_label_kind(text) if bold else None)
    if found is not None:
        kind, text = found
    if checked is not None:
        kind = "completed" if checked else (kind or "todo")
    # A marker, kind label or checkbox says the user meant an item; without
    # one, a bare label or a time stamp carries no fact of its own.
    explicit = kind is not None
    if kind is None:
        kind = section or _keyword_kind(text) or ("fact" if bold else None)
    if kind is None or not _has_word(text):
        return None
    if not explicit and (_is_bare_label(text) or _is_timestamp(text)):
        return None
    return Item(text, kind, number)


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


def _paragraph_item(line: str, number: int) -> Item | None:
    """A prose line counts when it opens with a marker or a bold kind label."""
    stripped = line.lstrip()
    bold = stripped.startswith(("**", "__"))
    if not (bold or stripped[:1] in ("T", "D", "B", "A", "N", "`")):
        return None  # cheap exit for the common case
    text = _readable(stripped)
    found = _marker_kind(text) or (_label_kind(text) if bold else None)
    if found is None or not _has_word(found[1]):
        return None
    return Item(found[1], found[0], number)


def _front_matter_end(lines: list[str]) -> int:
    """Index of the line after a real YAML front-matter block, else 0.

    Real means: the file opens with ``---``, a ``---``/``...`` line closes it,
    the first line inside is ``key: value`` and every other line is a key,
    an indented continuation, a ``- `` list entry or a comment. A note that
    opens with a horizontal rule followed by prose is not front matter.
    """
    if not lines or lines[0].rstrip() != "---":
        return 0
    seen_key = False
    for index in range(1, min(len(lines), MAX_FRONT_MATTER_LINES + 1)):
        line = lines[index]
        if line.rstrip() in ("---", "...") and not line[:1].isspace():
            return index + 1 if seen_key else 0
        if not line.strip():
            continue
        if _FRONT_MATTER_KEY.match(line):
            seen_key = True
        elif not seen_key or not (line[:1].isspace() or line.startswith(("- ", "#"))):
            return 0
    return 0


def _strip_comments(line: str, in_comment: bool) -> tuple[str, bool]:
    """Remove HTML comments from one line; the state carries a comment across lines.

    A ``<!--`` inside an inline code span (`` `<!--` ``, paired backticks as
    ``strip_markup`` pairs them) is text, not a comment.
    """
    out: list[str] = []
    pos = 0
    opener = -1  # the next "<!--" at or after pos, found once: linear time
    while True:
        if in_comment:
            end = line.find("-->", pos)
            if end < 0:
                return "".join(out), True
            pos = end + 3
            in_comment = False
        if opener < pos:
            opener = line.find("<!--", pos)
        if opener < 0:
            out.append(line[pos:])
            return "".join(out), False
        tick = line.find("`", pos, opener)
        if tick >= 0:
            close = line.find("`", tick + 1)
            if close >= 0:
                # A code span: kept whole, whatever it holds.
                out.append(line[pos : close + 1])
                pos = close + 1
                continue
            # An unpaired backtick opens no span: the comment starts.
        out.append(line[pos:opener])
        out.append(" ")  # "a<!-- x -->b" reads as two words
        pos = opener + 4
        in_comment = True


def extract_items(text: str) -> list[Item]:
    """Every item in a note, in line order. Never raises on any text."""
    return list(iter_items(text))


def iter_items(text: str) -> Iterator[Item]:
    """The items of a note, in line order, produced as the lines are read."""
    text = text.replace("\x00", "")
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = split_lines(text)
    fence: str | None = None  # the opening fence while inside a code block
    in_comment = False
    dream_level = 0  # > 0 while inside a dreaming section of that header level
    sections: list[tuple[int, str | None]] = []  # (level, kind) of the enclosing headers
    for index in range(_front_matter_end(lines), len(lines)):
        raw = lines[index]
        number = index + 1
        if fence is not None:
            stripped = raw.strip()
            if stripped.startswith(fence) and stripped == fence[0] * len(stripped):
                fence = None
            continue
        if in_comment or "<!--" in raw:
            raw, in_comment = _strip_comments(raw, in_comment)
        opening = _FENCE.match(raw)
        if opening is not None and not (opening.group(1)[0] == "`" and "`" in raw[opening.end() :]):
            fence = opening.group(1)
            continue
        header = _HEADER.match(raw)
        if header is not None:
            level = len(header.group(1))
            title = _header_title(raw[header.end() :])
            if dream_level and level > dream_level:
                continue
            dream_level = level if strip_markup(title).casefold() in _DREAM_SECTIONS else 0
            while sections and sections[-1][0] >= level:
                sections.pop()
            sections.append((level, section_kind(title[:200])))
            if not dream_level:
                item = _header_item(level, title, number)
                if item is not None:
                    yield item
            continue
        if dream_level:
            continue
        bullet = _BULLET.match(raw)
        if bullet is None:
            item = _paragraph_item(raw, number)
        else:
            # Only top-level bullets take their section's kind: nested ones
            # are usually the details of the bullet above.
            top_level = len(bullet.group(1)) < 2
            section = next((kind for _, kind in reversed(sections) if kind), None)
            item = _bullet_item(raw[bullet.end() :], number, section if top_level else None)
        if item is not None:
            yield item


def _header_title(rest: str) -> str:
    """An ATX header's text without its optional closing ``#`` sequence."""
    rest = rest.strip()
    without = rest.rstrip("#")
    if not without:
        return ""
    if without != rest and without[-1] in " \t":
        return without.rstrip()
    return rest
