"""Ranked full-text search over ``memory/store.json`` (``runner.py memory_search``).

Read-only and lock-free: writers replace the store with an atomic rename,
so a reader always sees one whole store, old or new, and never waits for a
writer.

Ranking is BM25 (k1 = 1.2, b = 0.75) over tokens: ``\\w+`` words of the
casefolded text, except that runs of Chinese, Japanese or Korean characters
(written without spaces) become overlapping character pairs ("数据库" ->
"数据", "据库"; a lone character is its own token). Without a query, the
newest memories come first (latest note date, then store order).

Fast on big stores without parsing all of it: the store is one memory per
line (``store.dumps_store``), so a query looks only at the lines holding a
query token, and the filters read their few fields straight from each line.
A store in another layout (written by hand) is parsed whole.
"""

from __future__ import annotations

import heapq
import math
import re
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import accumulate
from pathlib import Path
from typing import Any

from .kinds import LOOP_KINDS
from .loops import is_open, status_of
from .normalize import CJK_CHARACTERS
from .store_scan import (
    UNSURE,
    StoreLines,
    quick_day,
    read_store_lines,
    string_field,
)

K1 = 1.2
B = 0.75

_CJK = CJK_CHARACTERS
_TOKEN_RE = re.compile(f"[{_CJK}]+|[^\\W{_CJK}]+")
_CJK_RUN = re.compile(f"[{_CJK}]")


def tokens(text: str) -> list[str]:
    """Search tokens of ``text``, repeats included (see the module docstring)."""
    out: list[str] = []
    for run in _TOKEN_RE.findall(text.casefold()):
        if _CJK_RUN.match(run):
            if len(run) == 1:
                out.append(run)
            else:
                out.extend(run[i : i + 2] for i in range(len(run) - 1))
        else:
            out.append(run)
    return out


@dataclass(frozen=True)
class Query:
    """What to look for; every part optional."""

    text: str = ""
    kinds: frozenset[str] = frozenset()
    open_only: bool = False
    since: date | None = None
    limit: int = 10


@dataclass
class Hit:
    """One memory found, with what a reader needs to judge and find it."""

    memory: dict[str, Any]
    score: float | None

    def to_json(self) -> dict[str, Any]:
        memory = self.memory
        file, line = source_of(memory)
        return {
            "id": memory.get("id"),
            "text": memory.get("text"),
            "kind": memory.get("kind"),
            "status": status_of(memory),
            "date": day_of(memory),
            "section": memory.get("section"),
            "file": file,
            "line": line,
            "score": None if self.score is None else round(self.score, 4),
            "history": memory.get("history") or [],
        }


def source_of(memory: dict[str, Any]) -> tuple[str | None, int | None]:
    """Where the memory's text was read: ``text_source``, else its first source."""
    where = memory.get("text_source")
    if not isinstance(where, dict):
        sources = memory.get("sources")
        where = sources[0] if isinstance(sources, list) and sources else None
    if not isinstance(where, dict):
        return None, None
    file, line = where.get("file"), where.get("line")
    return (
        file if isinstance(file, str) else None,
        line if isinstance(line, int) and not isinstance(line, bool) else None,
    )


def day_of(memory: dict[str, Any]) -> str | None:
    """The memory's date: the latest note it was seen in, else its first, else when seen."""
    for name in ("note_date", "date"):
        value = memory.get(name)
        if isinstance(value, str) and value:
            return value
    stamp = memory.get("last_seen_at") or memory.get("created_at")
    return stamp[:10] if isinstance(stamp, str) else None


class _Filter:
    """The query's filters, read cheaply from a line, exactly from a memory."""

    def __init__(self, query: Query) -> None:
        self.query = query
        self.since = query.since.isoformat() if query.since else ""
        self.active = bool(query.kinds or query.open_only or query.since)

    def line_passes(self, line: str) -> bool:
        """False only when the line alone shows the memory fails; unsure passes."""
        if not self.active:
            return True
        kind = string_field(line, "kind")
        if kind != UNSURE:
            if self.query.kinds and kind not in self.query.kinds:
                return False
            if self.query.open_only and (
                kind not in LOOP_KINDS or string_field(line, "status") == "done"
            ):
                return False
        return not self.since or quick_day(line) >= self.since

    def passes(self, memory: dict[str, Any]) -> bool:
        kind = memory.get("kind")
        if not isinstance(kind, str):
            kind = None  # a hand edit ("kind": []): no kind, and no crash
        if self.query.kinds and kind not in self.query.kinds:
            return False
        if self.query.open_only and not is_open(memory):
            return False  # an open loop; a fact hand-marked "open" is none
        return not self.since or (day_of(memory) or "") >= self.since


def search(path: Path, query: Query) -> list[Hit]:
    """The best ``query.limit`` memories of the store at ``path`` for ``query``."""
    return search_store(read_store_lines(path), query)


def search_store(store: StoreLines, query: Query) -> list[Hit]:
    """``search`` over a store already read (``store_scan.read_store_lines``)."""
    keep = _Filter(query)
    wanted = list(dict.fromkeys(tokens(query.text)))
    if not wanted:
        return _newest(store, keep, query.limit)
    return _ranked(store, keep, wanted, query.limit)


def _exact(
    store: StoreLines, keep: _Filter, order: Iterable[int], limit: int
) -> Iterator[tuple[int, dict[str, Any]]]:
    """Parse lines in ``order``; yield those whose memory really passes the filters."""
    found = 0
    for index in order:
        if found >= limit:
            return
        memory = store.memory(index)
        if isinstance(memory.get("text"), str) and keep.passes(memory):
            found += 1
            yield index, memory


def _day(store: StoreLines, index: int) -> str:
    """The memory's day as ``day_of`` reads it, from the line when it can tell."""
    day = quick_day(store.lines[index])
    return (day_of(store.memory(index)) or "") if day == UNSURE else day


def _newest(store: StoreLines, keep: _Filter, limit: int) -> list[Hit]:
    lines: Iterable[tuple[int, str]] = enumerate(store.lines)
    if keep.active:
        lines = ((index, line) for index, line in lines if keep.line_passes(line))
    # Inline, not a generator calling _day: this loop runs once per memory.
    days: list[tuple[str, int]] = []
    append = days.append
    for index, line in lines:
        day = quick_day(line)
        append((day if day != UNSURE else (day_of(store.memory(index)) or ""), index))

    def order() -> Iterator[int]:
        best = heapq.nlargest(max(limit * 4, 50), days)
        yield from (index for _, index in best)
        # Hits are checked exactly on the parsed memory; should the quick
        # filters have let too many through, the rest follows in the same order.
        yield from (index for _, index in sorted(set(days) - set(best), reverse=True))

    return [Hit(memory, None) for _, memory in _exact(store, keep, order(), limit)]


_WORD_CHAR = re.compile(f"[^\\W{_CJK}]")


def _occurrences(blob: str, token: str) -> Iterator[int]:
    """Offsets of ``token`` in ``blob`` as a whole token (CJK pairs: anywhere)."""
    if _CJK_RUN.match(token):
        # Overlapping, as ``tokens`` makes them: "哈哈哈" holds "哈哈" twice.
        at = blob.find(token)
        while at >= 0:
            yield at
            at = blob.find(token, at + 1)
        return
    # The regex finds the token not followed by a word character (a literal
    # prefix keeps it fast); the character before is checked here.
    is_word = _WORD_CHAR.match
    for match in re.finditer(re.escape(token) + f"(?![^\\W{_CJK}])", blob):
        at = match.start()
        if at and is_word(blob[at - 1]):
            continue
        yield at


def _ranked(store: StoreLines, keep: _Filter, wanted: Sequence[str], limit: int) -> list[Hit]:
    """BM25 over the texts; text length in characters stands for the token count."""
    total = len(store)
    if not total:
        return []
    folded = store.texts()
    blob = "\n".join(folded).casefold()
    # Casefolding the whole at once is cheaper than text by text; it keeps
    # every offset unless a character folds to more than one ("ß" -> "ss").
    if len(blob) != sum(map(len, folded)) + len(folded) - 1:
        folded = [text.casefold() for text in folded]
        blob = "\n".join(folded)
    ends = list(accumulate(len(text) + 1 for text in folded))
    # token -> text index -> how often the token is in that text
    frequencies: dict[str, dict[int, int]] = {}
    for token in wanted:
        found = frequencies[token] = {}
        for at in _occurrences(blob, token):
            index = bisect_right(ends, at)
            found[index] = found.get(index, 0) + 1
    lines = store.lines
    if keep.active:
        for token, found in frequencies.items():
            frequencies[token] = {i: n for i, n in found.items() if keep.line_passes(lines[i])}
    average = max(1.0, len(blob) / total)
    scores: dict[int, float] = {}
    for found in frequencies.values():
        if not found:
            continue
        idf = math.log(1 + (total - len(found) + 0.5) / (len(found) + 0.5))
        for index, tf in found.items():
            norm = K1 * (1 - B + B * len(folded[index]) / average)
            scores[index] = scores.get(index, 0.0) + idf * tf * (K1 + 1) / (tf + norm)

    # best score first; among equals the newer note, then the later line
    def rank(index: int) -> tuple[float, str, int]:
        return (scores[index], _day(store, index), index)

    def order() -> Iterator[int]:
        # The few best by score, with every memory tied with the last of them,
        # ordered in full; the rest only when the exact filters want more.
        top = heapq.nlargest(max(limit * 4, 50), scores, key=scores.__getitem__)
        if not top:
            return
        floor = scores[top[-1]]
        best = sorted((i for i, score in scores.items() if score >= floor), key=rank, reverse=True)
        yield from best
        yield from sorted(set(scores) - set(best), key=rank, reverse=True)

    return [Hit(memory, scores[i]) for i, memory in _exact(store, keep, order(), limit)]
