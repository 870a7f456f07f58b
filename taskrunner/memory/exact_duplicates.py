"""Exact-duplicate groups: texts whose ``normalize_text`` is equal, found cheaply.

``normalize_text`` (NFKC, markup stripped, casefolded, whitespace
collapsed) costs several microseconds a text; at 100k memories running it
on every text would cost as much as the rest of consolidation. A cheap key
that equal normalized texts always share narrows it down to the few texts
that need it. The key depends on what ``normalize_text`` deletes: a
property test compares it with the real thing, so a change there that
breaks the key fails loudly instead of missing duplicates.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Sequence
from itertools import compress

from .normalize import normalize_text

# Characters normalize_text may delete from prose (bold/emphasis markers,
# code-span backticks); links also delete their URL, but need a "]".
_MARKUP_CHARS = ("*", "_", "`")

# What ``squash`` deletes from ASCII text: the markup characters and every
# character ``str.split()`` takes for whitespace (ASCII's six and \x1c-\x1f).
_ASCII_SQUASHED = b"*_` \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f"


def squash(normalized: str) -> str:
    """``normalized`` without whitespace and markup characters."""
    squashed = "".join(normalized.split())
    for char in _MARKUP_CHARS:
        if char in squashed:  # str.replace is much faster than str.translate
            squashed = squashed.replace(char, "")
    return squashed


def quick_key(text: str) -> str | None:
    """``squash(normalize_text(text))`` computed cheaply, or None for text with link syntax.

    Without a "]" no link can match, so normalize_text only casefolds,
    deletes markup characters and changes whitespace: all of which
    ``squash`` erases. Equal normalized texts therefore have equal keys.
    """
    folded = unicodedata.normalize("NFKC", text)
    if "]" in folded:
        return None
    return squash(folded.casefold())


def _key(text: str) -> bytes:
    """``squash(normalize_text(text))`` as UTF-8, through ``quick_key`` when it can."""
    key = quick_key(text)
    if key is None:
        key = squash(normalize_text(text))
    return key.encode("utf-8", "surrogatepass")


def _ascii_keys(texts: Sequence[str]) -> list[bytes]:
    """``_key`` of each ASCII text, for all of them at once.

    On ASCII, NFKC changes nothing and casefolding is lowercasing, so
    ``quick_key`` is the lowercased text without the bytes in
    ``_ASCII_SQUASHED``: a few passes over the joined texts instead of a
    dozen calls per text. A text with a NUL (the separator) or a "]"
    (maybe a link) takes ``_key``.
    """
    joined = "\0".join(texts).encode("ascii").lower().translate(None, _ASCII_SQUASHED)
    keys = joined.split(b"\0")
    if len(keys) != len(texts):  # some text holds a NUL
        return [_key(text) for text in texts]
    if b"]" in joined:
        keys = [_key(text) if b"]" in key else key for text, key in zip(texts, keys, strict=True)]
    return keys


def _keys(texts: Sequence[str]) -> list[bytes]:
    is_ascii = list(map(str.isascii, texts))
    ascii_keys = iter(_ascii_keys(list(compress(texts, is_ascii))))
    if all(is_ascii):
        return list(ascii_keys)
    return [
        next(ascii_keys) if plain else _key(text)
        for text, plain in zip(texts, is_ascii, strict=True)
    ]


def exact_groups(texts: Sequence[str]) -> list[int]:
    """A group number per text: equal exactly when ``normalize_text`` is equal.

    ``normalize_text`` runs only on texts whose cheap key collides with
    another's (a few percent): at 100k memories it would otherwise cost as
    much as the rest of the plan.
    """
    numbers: dict[bytes, int] = {}
    number = numbers.setdefault
    # One expression per text: ``len(numbers)`` is read before a new key goes in.
    group = [number(key, len(numbers)) for key in _keys(texts)]
    if len(numbers) == len(texts):
        return group
    count = Counter(group)
    exact: dict[tuple[int, str], int] = {}
    for position, key_group in enumerate(group):
        if count[key_group] > 1:
            normalized = normalize_text(texts[position])
            group[position] = exact.setdefault((key_group, normalized), len(numbers) + len(exact))
    return group
