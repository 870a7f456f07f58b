"""Readable text and the exact-duplicate key shared by every memory task."""

from __future__ import annotations

import hashlib
import re
import unicodedata

# Links and images: ``[text](url)`` -> text, ``![alt](url)`` -> alt. Each
# character class stops at the next bracket or paren, so a 1 MB line with
# thousands of unclosed brackets is still scanned in linear time.
_LINK = re.compile(r"!?\[([^\[\]\n]*)\]\([^()\n]*\)")
# Bold: every run of two or more stars (``***x***`` is bold italic).
_STARS = re.compile(r"\*{2,}")
# ``__bold__`` only where it opens or closes emphasis, so ``snake__case``
# inside a word is kept. Fixed-width lookarounds: linear time.
_UNDERSCORES = re.compile(r"(?<!\w)_{2,}(?=\S)|(?<=\S)_{2,}(?!\w)")


def _strip_prose(text: str) -> str:
    # Each pattern runs only when the text holds what it needs to match: most
    # memories hold no markup, and these regexes dominated the cost of
    # normalizing a 100k-memory store.
    # Links first: removing one may bring two stars together ("*[](u)*").
    # An image inside a link needs a second pass: [![alt](img)](url).
    for _ in range(3):
        if "](" not in text:
            break
        stripped = _LINK.sub(r"\1", text)
        if stripped == text:
            break
        text = stripped
    if "**" in text:
        text = _STARS.sub("", text)
    if "__" in text:
        text = _UNDERSCORES.sub("", text)
    return text


def strip_markup(text: str) -> str:
    """Readable text: bold, backticks and link syntax removed, whitespace collapsed.

    Text inside inline code spans is kept literally (``__init__`` stays).
    """
    if "`" in text:
        parts = text.split("`")
        # Odd indices are inside code spans; an unpaired final backtick
        # leaves the last part outside.
        paired = len(parts) % 2 == 1
        out = []
        for index, part in enumerate(parts):
            in_code = index % 2 == 1 and (paired or index < len(parts) - 1)
            out.append(part if in_code else _strip_prose(part))
        text = "".join(out)
    else:
        text = _strip_prose(text)
    return " ".join(text.split())


def normalize_text(text: str) -> str:
    """The exact-duplicate key: NFKC, markup stripped, casefolded, whitespace collapsed."""
    text = unicodedata.normalize("NFKC", text)
    return " ".join(strip_markup(text).casefold().split())


def memory_id(text: str) -> str:
    """A stable id for a memory: ``m_`` + 16 hex digits of sha256(normalize_text(text))."""
    digest = hashlib.sha256(normalize_text(text).encode("utf-8", "surrogatepass")).hexdigest()
    return "m_" + digest[:16]
