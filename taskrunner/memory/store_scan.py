"""Memory fields read straight from the lines of ``memory/store.json``, without parsing it.

The store is written one memory per line (``store.dumps_store``), and inside a
JSON string every quote is escaped, so a top-level ``"kind": "`` can be found
with ``str.find``: on a 100k store that is many times cheaper than
``json.loads`` of every line. Each reader here is exact for the lines the
runner writes and falls back (to parsing, or to "unsure") for anything else, so
a hand-edited store is slower, never wrong. ``memory_search`` uses them.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from .store import parse_store, read_store_bytes


class StoreLines:
    """The store as one JSON memory per line (parsed whole when it is not in that layout)."""

    def __init__(
        self,
        lines: list[str],
        parsed: list[dict[str, Any]] | None = None,
        *,
        found: bool = True,
        path: Path | None = None,
        raw: bytes | None = None,
    ) -> None:
        #: one memory per line, possibly followed by a comma
        self.lines = lines
        self.parsed = parsed
        #: False when there is no store file at all (nothing captured yet)
        self.found = found
        #: the file and bytes the lines were read from, to report a line that is not JSON
        self.path = path
        self.raw = raw

    def __len__(self) -> int:
        return len(self.lines)

    def memory(self, index: int) -> dict[str, Any]:
        if self.parsed is not None:
            return self.parsed[index]
        line = self.lines[index]
        try:
            value = json.loads(line[:-1] if line.endswith(",") else line)
        except (json.JSONDecodeError, RecursionError):
            if self.raw is not None and self.path is not None:
                # A line that is not JSON makes the file none: the whole-file
                # parse says where, with the fix (``StoreCorrupt``).
                parse_store(self.path, self.raw)
            return {}  # not a memory: never a hit
        return value if isinstance(value, dict) else {}

    def kinds(self) -> set[str]:
        """Every kind a memory of the store has (hand-written ones too)."""
        if self.parsed is not None:
            found = (memory.get("kind") for memory in self.parsed)
        else:
            found = (string_field(line, "kind") for line in self.lines)
        kinds: set[str] = set()
        for index, kind in enumerate(found):
            if kind == UNSURE:
                kind = self.memory(index).get("kind")
            if isinstance(kind, str):
                kinds.add(kind)
        return kinds

    def texts(self) -> list[str]:
        """Every memory's text, in store order."""
        if self.parsed is not None:
            return [str(memory.get("text", "")) for memory in self.parsed]
        texts: list[str] = []
        append = texts.append
        for index, line in enumerate(self.lines):
            # The common case inline (a big store has 100k lines): the text
            # right after the id, without escapes; anything else goes through
            # text_field.
            if line.startswith('{"id": "'):
                start = line.find('", "text": "', 8, 80) + 12
                if start > 11:
                    end = line.find('"', start)
                    raw = line[start:end]
                    if (
                        end >= 0
                        and "\\" not in raw
                        and '"' not in line[8 : start - 12]
                        and line.find('"text"', end + 1) < 0
                    ):
                        append(raw)
                        continue
            at = line.find('"text": "')
            if at < 0 or may_be_nested(line, at) or line.find('"text"', at + 6) >= 0:
                # A text written otherwise ('"text":"…"'), a nested "text"
                # (history, a hand-ordered memory) that may come first, or a
                # "text" key again (nested, or a duplicate, whose last value
                # json.loads keeps): only the parsed memory says which one is
                # its own. (A text that is "text" itself is found again too:
                # slower, never wrong.)
                text = self.memory(index).get("text")
                append(text if isinstance(text, str) else "")
                continue
            start = at + 9
            end = line.find('"', start)
            if end < 0:
                # A text that never ends: a line cut short, reported by parsing it.
                text = self.memory(index).get("text")
                append(text if isinstance(text, str) else "")
                continue
            raw = line[start:end]
            if "\\" in raw:
                raw = text_field(line)
            append(raw)
        return texts


_UNICODE_ESCAPE = re.compile(r"\\u")


def read_store_lines(path: Path) -> StoreLines:
    """The store at ``path``, read-only; ``StoreCorrupt`` (with the fix) when it cannot be read."""
    # A symlinked store is followed: only writers refuse one (``store.check_location``).
    raw = read_store_bytes(path, follow_symlinks=True)
    if raw is None:
        return StoreLines([], found=False)
    text = raw.decode("utf-8", "replace")
    lines = text.split("\n")
    while lines and not lines[-1]:
        lines.pop()
    if (
        len(lines) >= 2
        and lines[0].startswith('{"version": ')
        and lines[0].endswith('"memories": [')
        and lines[-1] == "]}"
        # Every break between memories is "},\n{", as the writer joins them: a
        # JSON string holds no raw newline, so a memory spread over lines (a
        # hand edit) or a line cut short shows here, and then the whole-file
        # parse below finds every memory or reports the store corrupt.
        and text.count("},\n{") == len(lines) - 3
        and lines[1].startswith("{")
        and lines[-2].endswith("}")
        # ASCII-escaped text would hide words from the scan. A regex finds the
        # two characters several times faster than ``in`` does on a big store.
        and _UNICODE_ESCAPE.search(text) is None
    ):
        del lines[0], lines[-1]
        return StoreLines(lines, path=path, raw=raw)
    memories = parse_store(path, raw).memories
    return StoreLines([json.dumps(m, ensure_ascii=False) for m in memories], memories)


#: what ``quick_day`` and ``string_field`` give when the line alone cannot tell: past every date,
#: so the pre-filter keeps the memory and the exact filter decides
UNSURE = "\uffff"


def string_field(line: str, name: str) -> str | None:
    """The value of top-level ``"name": "..."`` read from a line (simple values only).

    Inside a JSON string every quote is escaped, so ``"name"`` only occurs
    as a key. ``UNSURE`` when the line alone cannot tell: the key is not
    written as the runner writes it (``"kind":"todo"``, ``"last_seen_at": 5``),
    an object or a list opens before it, so that the key found may be a
    nested one (a hand edit, another tool's field), or the key comes again
    (nested, or a duplicate key, whose last value ``json.loads`` keeps).
    """
    key = f'"{name}"'
    start = line.find(key)
    if start < 0:
        return None
    start += len(key)
    if line[start : start + 3] != ': "' or may_be_nested(line, start):
        return UNSURE
    start += 3
    end = line.find('"', start)
    if end < 0:
        return None
    if line.find(key, end) >= 0:
        return UNSURE  # the key again: a duplicate (json.loads keeps the last) or nested
    return line[start:end]


def may_be_nested(line: str, at: int) -> bool:
    """Whether an object or a list may open before ``at`` in a memory's line:
    a key's value, ``": [`` or ``"meta" :{`` (a memory is an object, so
    nothing else opens one). A text holds such a quote only escaped, after a
    backslash: slower, never wrong."""
    if line.find("[", 0, at) < 0 and line.find("{", 1, at) < 0:
        return False  # the common case, found at memchr speed
    return _VALUE_OPENS.search(line, 0, at) is not None


_VALUE_OPENS = re.compile(r'"\s*:\s*[\[{]')


def quick_day(line: str) -> str:
    """``search.day_of`` read from a line: exact, or ``UNSURE`` when the line
    alone cannot tell (a hand edit: a nested object first, a value that is
    not ten plain characters, a key written otherwise), which sorts after every date.

    ``note_date``, else ``date``, else a timestamp's date (an empty one skipped).
    """
    for key in ('"note_date"', '"date"'):
        at = line.find(key)
        if at < 0:
            continue
        at += len(key)
        if line[at : at + 3] != ': "' or line.find(key, at) >= 0:
            return UNSURE  # written otherwise, or there twice
        # may_be_nested, its common case inline: this runs once per memory.
        if (line.find("[", 0, at) >= 0 or line.find("{", 1, at) >= 0) and may_be_nested(line, at):
            return UNSURE  # perhaps a nested key
        value = line[at + 3 : at + 14]
        if value[:1] == '"':
            continue  # empty: the next field counts, as in search.day_of
        # Ten characters and no escape are what day_of reads; anything else
        # ("2026-03-01T10:00", day_of gives it whole) only the parsed memory tells.
        if value[10:] == '"' and '"' not in value[:10] and "\\" not in value:
            return value[:10]
        return UNSURE
    for name in ("last_seen_at", "created_at"):
        stamp = string_field(line, name)
        if stamp == UNSURE:
            return UNSURE
        if stamp:
            return stamp[:10]
    return ""


def text_field(line: str) -> str:
    """The text of a memory line: its first "text" key (``texts`` checks it is not nested)."""
    start = line.find('"text": "')
    if start < 0:
        return ""
    start += 9
    end = line.find('"', start)
    while end > 0 and line[end - 1] == "\\":
        prefix = line[start:end]
        if (len(prefix) - len(prefix.rstrip("\\"))) % 2 == 0:
            break  # an escaped backslash, then the closing quote
        end = line.find('"', end + 1)
    if end < 0:
        return ""
    raw = line[start:end]
    if "\\" not in raw:
        return raw
    try:
        value = json.loads(f'"{raw}"')
    except json.JSONDecodeError:
        return raw
    return value if isinstance(value, str) else raw
