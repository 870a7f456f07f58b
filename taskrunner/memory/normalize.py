"""Readable text and the exact-duplicate key shared by every memory task."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable

# Links and images: ``[text](url)`` -> text, ``![alt](url)`` -> alt. Each
# character class stops at the next bracket or paren, so a 1 MB line with
# thousands of unclosed brackets is still scanned in linear time.
_LINK = re.compile(r"!?\[([^\[\]\n]*)\]\([^()\n]*\)")
# Bold: every run of two or more stars (``***x***`` is bold italic).
_STARS = re.compile(r"\*{2,}")
# Emphasis pairs: ``__bold__``, ``*em*``, ``_em_``, ``~~strike~~``. A pair
# opens after a non-word character, closes before one, and holds no space
# next to its delimiters, so ``snake_case_name``, ``2*3*4`` and ``a * b``
# are text. The content cannot hold the delimiter character, so every
# attempt stops at the next one: linear time on any line. A closer followed
# by ``.py``, ``-x`` or ``/x`` belongs to a file name (``__Init__.py``).
_NOT_A_NAME = r"(?!\w)(?![.\-/]\w)"
_DOUBLE_UNDERSCORE = re.compile(r"(?<![\w.])__([^\s_](?:[^_\n]*[^\s_])?)__" + _NOT_A_NAME)
_STAR = re.compile(r"(?<![\w*])\*([^\s*](?:[^*\n]*[^\s*])?)\*(?![\w*])")
_UNDERSCORE = re.compile(r"(?<![\w.])_([^\s_](?:[^_\n]*[^\s_])?)_" + _NOT_A_NAME)
_STRIKE = re.compile(r"(?<!~)~~([^\s~](?:[^~\n]*[^\s~])?)~~(?!~)")
# Simple HTML tags people type in markdown, without attributes. Only known
# tag names: ``ssh <host>``, ``Vec<String>`` and ``a < b > c`` are text.
_INLINE_TAG = re.compile(
    r"</?(?:kbd|b|i|u|s|em|strong|del|ins|mark|sub|sup|small|big|code|span|abbr|tt)"
    r"[ \t]*/?>",
    re.IGNORECASE,
)
_BREAK_TAG = re.compile(
    r"</?(?:br|p|div|hr|center|details|summary|blockquote|ul|ol|li)[ \t]*/?>", re.IGNORECASE
)
# ``__name__`` spelled without a code span is still a Python name, not bold.
_DUNDERS = frozenset(
    (  # noqa: SIM905 -- a word list reads better as words
        "all annotations builtins call class dict doc enter eq exit file future getattr "
        "getitem hash init init_subclass iter len loader main module name new next "
        "package path post_init pycache qualname repr setattr setitem slots spec str "
        "version"
    ).split()
)


def _unbold(match: re.Match[str]) -> str:
    inner = match.group(1)
    return match.group(0) if inner in _DUNDERS else inner


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
    if "*" in text:
        if "**" in text:
            text = _STARS.sub("", text)
        if "*" in text:
            text = _STAR.sub(r"\1", text)
    if "_" in text:
        if "__" in text:
            text = _DOUBLE_UNDERSCORE.sub(_unbold, text)
        text = _UNDERSCORE.sub(r"\1", text)
    return text


def _strip_display(text: str) -> str:
    # Strike-through and tags are removed from item text only, never from the
    # duplicate key: the key may only delete "*", "_" and backticks (and link
    # syntax), which exact.quick_key relies on.
    text = _strip_prose(text)
    if "~~" in text:
        text = _STRIKE.sub(r"\1", text)
    if "<" in text and ">" in text:
        text = _BREAK_TAG.sub(" ", _INLINE_TAG.sub("", text))
    return text


def _outside_code(text: str, strip: Callable[[str], str]) -> str:
    """``strip`` applied outside inline code spans (kept literally), whitespace collapsed."""
    if "`" not in text:
        return " ".join(strip(text).split())
    parts = text.split("`")
    # Odd indices are inside code spans; an unpaired final backtick leaves
    # the last part outside.
    paired = len(parts) % 2 == 1
    out = []
    for index, part in enumerate(parts):
        in_code = index % 2 == 1 and (paired or index < len(parts) - 1)
        out.append(part if in_code else strip(part))
    return " ".join("".join(out).split())


def strip_markup(text: str) -> str:
    """Text without bold/emphasis, backticks and link syntax, whitespace collapsed.

    The form ``normalize_text`` keys duplicates on. Text inside inline code
    spans is kept literally (``__init__`` stays).
    """
    return _outside_code(text, _strip_prose)


def readable_text(text: str) -> str:
    """An item's text: ``strip_markup`` plus strike-through and simple HTML tags removed."""
    return _outside_code(text, _strip_display)


def normalize_text(text: str) -> str:
    """The exact-duplicate key: NFKC, markup stripped, casefolded, whitespace collapsed."""
    text = unicodedata.normalize("NFKC", text)
    return " ".join(strip_markup(text).casefold().split())


def memory_id(text: str) -> str:
    """A stable id for a memory: ``m_`` + 16 hex digits of sha256(normalize_text(text))."""
    digest = hashlib.sha256(normalize_text(text).encode("utf-8", "surrogatepass")).hexdigest()
    return "m_" + digest[:16]


#: the characters of scripts written without spaces (kana, CJK ideographs,
#: Hangul), as a regex character class body
CJK_CHARACTERS = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"


def is_cjk(char: str) -> bool:
    return "\u3040" <= char <= "\u9fff" or "\uac00" <= char <= "\ud7af"
