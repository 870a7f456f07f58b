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
from collections.abc import Sequence

from .normalize import normalize_text

# Characters normalize_text may delete from prose (bold/emphasis markers,
# code-span backticks); links also delete their URL, but need a "]".
_MARKUP_CHARS = ("*", "_", "`")


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


def exact_groups(texts: Sequence[str]) -> list[int]:
    """A group number per text: equal exactly when ``normalize_text`` is equal.

    ``normalize_text`` runs only on texts whose cheap key collides with
    another's (a few percent): at 100k memories it would otherwise cost as
    much as the rest of the plan.
    """
    by_key: dict[str, list[int]] = {}
    for position, text in enumerate(texts):
        key = quick_key(text)
        if key is None:
            key = squash(normalize_text(text))
        members = by_key.get(key)
        if members is None:
            by_key[key] = [position]
        else:
            members.append(position)
    group = [0] * len(texts)
    next_group = 0
    for members in by_key.values():
        if len(members) == 1:
            group[members[0]] = next_group
            next_group += 1
            continue
        exact: dict[str, int] = {}
        for position in members:
            number = exact.get(normalized := normalize_text(texts[position]))
            if number is None:
                number = exact[normalized] = next_group
                next_group += 1
            group[position] = number
    return group
