# ruff: noqa: RUF001 -- real notes are Chinese and Japanese: full-width punctuation is real
"""Extraction on generated notes: every item points at its line; arbitrary text never crashes."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from taskrunner.memory.extract import (
    MAX_ITEM_CHARS,
    Item,
    extract_items,
    split_lines,
)
from taskrunner.memory.kinds import KIND_IMPORTANCE
from taskrunner.memory.similarity import words

VOCAB = ["alpha", "beta", "gamma", "deploy", "cache", "ship", "猫", "テスト", "decided", "fixed"]


WORD = st.sampled_from(VOCAB)


PHRASE = st.lists(WORD, min_size=1, max_size=6).map(" ".join)


@st.composite
def markdown_line(draw: st.DrawFn) -> str:
    phrase = draw(PHRASE)
    url = draw(WORD)
    shapes = [
        f"## {phrase}",
        f"### {phrase}",
        f"- **{phrase}** {draw(PHRASE)}",
        f"1. **{phrase}**",
        f"- [ ] {phrase}",
        f"- [x] {phrase}",
        f"TODO: {phrase}",
        f"- NOTE {phrase}",
        f"- {phrase}",
        f"- see [{phrase}](https://{url}.example) now",
        f"- use `{phrase}` here",
        f"- `<!--` {phrase}",
        f"- **{phrase}：**",
        f"- **时间：** 早上 9:27 {phrase}",
        f"- not {phrase}",
        f"TODO({phrase}): {phrase}",
        f"- *{phrase}* _{phrase}_ ~~{phrase}~~ <kbd>{phrase}</kbd>",
        f"- {phrase}-{phrase}",
        f"  - nested {phrase}",
        phrase,
        "```",
        "~~~",
        "---",
        "<!--",
        "-->",
        f"<!-- {phrase} -->",
        "## Light Sleep",
        "## Key decisions",
        "",
    ]
    return draw(st.sampled_from(shapes))


markdown_notes = st.lists(markdown_line(), max_size=25).map("\n".join)


@settings(max_examples=300, deadline=None)
@given(markdown_notes)
def test_every_item_points_at_a_line_holding_its_words(note: str) -> None:
    lines = split_lines(note)
    for item in extract_items(note):
        assert 1 <= item.line <= len(lines)
        # A secret becomes "[redacted]": the one word the line need not hold.
        assert words(item.text) - {"redacted"} <= words(lines[item.line - 1])
        assert item.text and item.kind in KIND_IMPORTANCE


def _wordchars(text: str) -> str:
    return "".join(re.findall(r"\w+", text.replace("\x00", "").casefold()))


def _is_subsequence(needle: str, haystack: str) -> bool:
    it = iter(haystack)
    return all(ch in it for ch in needle)


@settings(max_examples=400, deadline=None)
@given(st.text() | markdown_notes | st.lists(st.text() | markdown_line()).map("\n".join))
def test_arbitrary_text_never_crashes_and_stays_consistent(note: str) -> None:
    items = extract_items(note)
    assert extract_items(note) == items  # deterministic
    lines = split_lines(note.removeprefix("\ufeff"))
    for item in items:
        assert isinstance(item, Item)
        assert 1 <= item.line <= len(lines)
        assert re.search(r"\w", item.text) and "`" not in item.text
        assert len(item.text) <= MAX_ITEM_CHARS + 2
        assert item.text == " ".join(item.text.split())
        # Markup removal may join pieces, never invent letters: every word's
        # characters appear, in order, on its source line.
        line = lines[item.line - 1]
        for word in words(item.text):
            assert _is_subsequence(word.replace("_", ""), _wordchars(line).replace("_", ""))
