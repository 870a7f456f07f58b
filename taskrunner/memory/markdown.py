"""A markdown note as a sequence of blocks: headers, list items and prose lines.

What this module decides is which lines are prose at all: fenced and
indented code, HTML comments, real YAML front matter and a table's header
row (it only names the columns) are skipped;
blockquote markers (``> ``), footnote definitions (``[^1]: ``) and
definition-list markers (``: ``) are removed so their content reads as any
other line; a setext header (a line underlined with ``===`` or ``---``) is a
header like an ATX one (``## Title``). What a block *means* is for
``extract``.

Every pattern is anchored or a fixed-width scan: a 1 MB line costs linear
time, never catastrophic backtracking.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

#: a front-matter block must close within this many lines
MAX_FRONT_MATTER_LINES = 200

_HEADER = re.compile(r" {0,3}(#{1,6})(?=[ \t]|$)")
_BULLET = re.compile(r"([ \t]*)(?:[-*+]|\d{1,9}[.)])[ \t]+")
_FENCE = re.compile(r"[ \t]*(`{3,}|~{3,})")
_FRONT_MATTER_KEY = re.compile(r"[A-Za-z_][\w-]*[ \t]*:(?:[ \t]|$)")
_SETEXT = re.compile(r" {0,3}(=+|-+)[ \t]*")
# "> > text": one or more quote markers, each with its optional space.
_QUOTE = re.compile(r"(?:[ \t]{0,3}>[ \t]?)+")
# "[^note]: text" opens a footnote definition; ": text" a definition.
_FOOTNOTE = re.compile(r"[ \t]{0,3}\[\^[^\]\s]{1,40}\]:[ \t]*")
_DEFINITION = re.compile(r"[ \t]{0,3}:[ \t]+(?=\S)")
# A table's delimiter row: "|---|:---:|", "--- | ---".
_TABLE_DELIMITER = re.compile(r"[ \t]*\|?(?:[ \t]*:?-+:?[ \t]*\|)+(?:[ \t]*:?-+:?[ \t]*)?")
# A horizontal rule: three or more of the same character, spaces allowed.
_RULE = re.compile(r" {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*")


@dataclass(frozen=True)
class Block:
    """One line of prose, as markdown sees it."""

    #: 1-based line number in the note
    number: int
    #: "header", "bullet", "text", or "break" (a thematic break: ``---``, ``***``)
    kind: str
    #: the header title, the list item's content, or the line's text
    text: str
    #: header level (1-6); for a bullet, the width of its indentation
    level: int = 0
    #: for a table row, the cells of its table's header row
    columns: tuple[str, ...] = ()


def split_lines(text: str) -> list[str]:
    """Lines as editors number them: split on ``\\n``, a trailing ``\\r`` dropped."""
    return [line[:-1] if line.endswith("\r") else line for line in text.split("\n")]


def front_matter_end(lines: list[str]) -> int:
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


def strip_comments(line: str, in_comment: bool) -> tuple[str, bool]:
    """Remove HTML comments from one line; the state carries a comment across lines.

    A ``<!--`` inside an inline code span (`` `<!--` ``, paired backticks) is
    text, not a comment.
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


def header_title(rest: str) -> str:
    """An ATX header's text without its optional closing ``#`` sequence."""
    rest = rest.strip()
    without = rest.rstrip("#")
    if not without:
        return ""
    if without != rest and without[-1] in " \t":
        return without.rstrip()
    return rest


def _indent(line: str) -> int:
    width = 0
    for char in line:
        if char == " ":
            width += 1
        elif char == "\t":
            width += 4 - width % 4
        else:
            break
    return width


def _is_quoted(line: str) -> bool:
    """Does the line start with a blockquote marker?"""
    quote = _QUOTE.match(line)
    return quote is not None and ">" in quote.group()


def _unquote(line: str) -> str:
    """The line without blockquote, footnote-definition or definition markers."""
    quote = _QUOTE.match(line)
    if quote is not None and ">" in quote.group():
        line = line[quote.end() :]
    for marker in (_FOOTNOTE, _DEFINITION):
        found = marker.match(line)
        if found is not None:
            return line[found.end() :]
    return line


def _is_table_header(line: str, lines: list[str], index: int) -> bool:
    """A table's first row: a ``|`` row with the delimiter row (``|---|``) below it."""
    if "|" not in line or index + 1 >= len(lines):
        return False
    return _is_table_delimiter(_unquote(lines[index + 1]))


def table_cells(row: str) -> tuple[str, ...]:
    """``| NAS | admin |`` -> ("NAS", "admin"): a table row's cells, stripped."""
    cells = row.strip().split("|")
    if cells and not cells[0].strip():
        cells = cells[1:]
    if cells and not cells[-1].strip():
        cells = cells[:-1]
    return tuple(cell.strip() for cell in cells)


def _is_table_delimiter(line: str) -> bool:
    return "|" in line and "-" in line and _TABLE_DELIMITER.fullmatch(line.rstrip()) is not None


def iter_blocks(text: str) -> Iterator[Block]:
    """The prose blocks of a note, in line order. Never raises on any text."""
    lines = split_lines(text)
    fence: str | None = None  # the opening fence while inside a code block
    in_comment = False
    in_list = False  # an indented line continues a list item, not a code block
    list_quoted = False  # that list is inside a blockquote, which a blank line ends
    in_code = False  # inside an indented code block
    previous_blank = True
    pending: tuple[int, str] | None = None  # a prose line that a setext underline may follow
    columns: tuple[str, ...] = ()  # the header cells of the table being read

    def text_block(number: int, line: str) -> Block:
        return Block(number, "text", line, columns=columns if "|" in line else ())

    start = front_matter_end(lines)
    for index in range(start, len(lines)):
        raw = lines[index]
        number = index + 1
        if fence is not None:
            stripped = raw.strip()
            if stripped.startswith(fence) and stripped == fence[0] * len(stripped):
                fence = None
            continue
        # Code first: a "<!--" in an indented code block opens no comment.
        if not in_comment:
            if in_code:
                if not raw.strip() or _indent(raw) >= 4:
                    continue
                in_code = False
            if raw.strip() and _indent(raw) >= 4 and previous_blank and not in_list:
                if pending is not None:
                    yield text_block(*pending)
                    pending = None
                in_code = True
                continue
        if in_comment or "<!--" in raw:
            raw, in_comment = strip_comments(raw, in_comment)
        if not raw.strip():
            if pending is not None:
                yield text_block(*pending)
                pending = None
            previous_blank = True
            in_list = in_list and not list_quoted
            columns = ()
            continue
        was_blank, previous_blank = previous_blank, False
        line = _unquote(raw)
        if pending is not None:
            underline = _SETEXT.fullmatch(line)
            if underline is not None:
                level = 1 if underline.group(1)[0] == "=" else 2
                yield Block(pending[0], "header", pending[1].strip(), level)
                pending = None
                continue
            yield text_block(*pending)
            pending = None
        if "|" not in line:
            columns = ()  # the table, if any, has ended
        opening = _FENCE.match(line)
        if opening is not None and not (
            opening.group(1)[0] == "`" and "`" in line[opening.end() :]
        ):
            fence = opening.group(1)
            continue
        header = _HEADER.match(line)
        if header is not None:
            in_list = False
            yield Block(number, "header", header_title(line[header.end() :]), len(header.group(1)))
            continue
        if _RULE.fullmatch(line):
            yield Block(number, "break", "")  # it ends what came before: "## Done" above it
            continue
        if _is_table_delimiter(line):
            continue
        if _is_table_header(line, lines, index):
            columns = table_cells(line)
            continue  # the header row names the columns, as a bare label names what is below
        bullet = _BULLET.match(line)
        if bullet is not None:
            in_list, list_quoted = True, _is_quoted(raw)
            yield Block(number, "bullet", line[bullet.end() :], _indent(bullet.group(1)))
            continue
        if _indent(line) == 0 and was_blank:
            in_list = False
        if _indent(line) < 4 and not in_list:
            pending = (number, line)  # a setext underline may make it a header
        else:
            yield text_block(number, line)
    if pending is not None:
        yield text_block(*pending)
