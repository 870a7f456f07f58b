"""A small JSON5 reader for OpenClaw's config file (``openclaw.json``).

JSON5 (https://spec.json5.org) is JSON plus what people type by hand:
``//`` and ``/* */`` comments, trailing commas, unquoted identifier keys,
single-quoted strings, hex numbers, ``.5`` and ``5.``, ``+``/``-Infinity``
and ``NaN``, and strings continued over lines with a backslash.

The parser is iterative (an explicit stack, no recursion), so hostile input
such as ten thousand ``[`` characters yields a ``JSON5Error`` naming the
nesting limit instead of a ``RecursionError``. Every failure is a
``JSON5Error`` carrying the 1-based line and column.
"""

from __future__ import annotations

import math
import re
import unicodedata
from typing import Any

from ..errors import JSON5Error

__all__ = ["DEFAULT_MAX_DEPTH", "JSON5Error", "loads"]

#: deepest nesting of objects/arrays accepted (a config file needs a handful)
DEFAULT_MAX_DEPTH = 512

# JSON5 white space: ECMAScript's WhiteSpace plus LineTerminator (Zs included).
_WS_CHARS = (
    "\t\n\v\f\r \u00a0\ufeff\u2028\u2029\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"
)
_WS = re.compile(f"[{re.escape(_WS_CHARS)}]+")
_LINE_END = re.compile("[\n\r\u2028\u2029]")
_NUMBER = re.compile(
    r"""
    (?P<sign>[+-])?
    (?:
        (?P<inf>Infinity)
      | (?P<nan>NaN)
      | 0[xX](?P<hex>[0-9a-fA-F]+)
      | (?P<dec>(?:0|[1-9][0-9]*)(?:\.[0-9]*)?|\.[0-9]+)(?P<exp>[eE][+-]?[0-9]+)?
    )
    """,
    re.VERBOSE,
)
_ASCII_IDENT = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")
_PLAIN_DQ = re.compile(r"[^\"\\\n\r]+")
_PLAIN_SQ = re.compile(r"[^'\\\n\r]+")
_HEX4 = re.compile(r"[0-9a-fA-F]{4}")
_HEX2 = re.compile(r"[0-9a-fA-F]{2}")

_SINGLE_ESCAPES = {
    "'": "'",
    '"': '"',
    "\\": "\\",
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "v": "\v",
}
_ID_START_CATEGORIES = frozenset({"Lu", "Ll", "Lt", "Lm", "Lo", "Nl"})
_ID_PART_CATEGORIES = _ID_START_CATEGORIES | {"Mn", "Mc", "Nd", "Pc"}
_LITERALS: dict[str, Any] = {"true": True, "false": False, "null": None}


def loads(text: str, *, max_depth: int = DEFAULT_MAX_DEPTH) -> Any:
    """Parse one JSON5 document; raise ``JSON5Error`` (a ``ValueError``) when it is invalid."""
    if not isinstance(text, str):
        raise TypeError(f"JSON5 text must be str, not {type(text).__name__}")
    return _Parser(text, max_depth).document()


def _is_id_start(ch: str) -> bool:
    return ch in "$_" or unicodedata.category(ch) in _ID_START_CATEGORIES


def _is_id_part(ch: str) -> bool:
    return ch in "$_\u200c\u200d" or unicodedata.category(ch) in _ID_PART_CATEGORIES


def _describe(text: str, pos: int) -> str:
    return "end of input" if pos >= len(text) else f"character {text[pos]!r}"


class _Parser:
    def __init__(self, text: str, max_depth: int) -> None:
        self.text = text
        self.pos = 0
        self.max_depth = max_depth

    def error(self, msg: str, pos: int | None = None) -> JSON5Error:
        return JSON5Error(msg, self.text, self.pos if pos is None else pos)

    # -- the document ----------------------------------------------------

    def document(self) -> Any:
        text = self.text
        # Each frame is [container, pending key]; a container is attached to
        # its parent only once it is closed.
        stack: list[list[Any]] = []
        while True:
            self.skip()
            ch = text[self.pos] if self.pos < len(text) else ""
            value: Any
            if ch in ("{", "["):
                if len(stack) >= self.max_depth:
                    raise self.error(f"nesting deeper than {self.max_depth} levels")
                self.pos += 1
                container: dict[str, Any] | list[Any] = {} if ch == "{" else []
                self.skip()
                close = "}" if ch == "{" else "]"
                if self.peek() == close:
                    self.pos += 1
                    value = container
                else:
                    stack.append([container, None])
                    if isinstance(container, dict):
                        stack[-1][1] = self.member_key()
                    continue
            else:
                value = self.scalar()
            # Attach the finished value, closing every container it completes.
            while True:
                if not stack:
                    self.skip()
                    if self.pos < len(text):
                        raise self.error(f"unexpected {_describe(text, self.pos)} after the value")
                    return value
                frame = stack[-1]
                top = frame[0]
                if isinstance(top, dict):
                    top[frame[1]] = value
                    close = "}"
                else:
                    top.append(value)
                    close = "]"
                self.skip()
                ch = self.peek()
                if ch == ",":
                    self.pos += 1
                    self.skip()
                    if self.peek() == close:  # trailing comma
                        self.pos += 1
                        value = stack.pop()[0]
                        continue
                    if isinstance(top, dict):
                        frame[1] = self.member_key()
                    break
                if ch == close:
                    self.pos += 1
                    value = stack.pop()[0]
                    continue
                what = "object" if close == "}" else "array"
                raise self.error(
                    f"expected ',' or '{close}' in {what}, found {_describe(text, self.pos)}"
                )

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def skip(self) -> None:
        """Skip white space and comments."""
        text = self.text
        while True:
            m = _WS.match(text, self.pos)
            if m:
                self.pos = m.end()
            if text.startswith("//", self.pos):
                end = _LINE_END.search(text, self.pos)
                self.pos = len(text) if end is None else end.start()
            elif text.startswith("/*", self.pos):
                end_pos = text.find("*/", self.pos + 2)
                if end_pos < 0:
                    raise self.error("unterminated /* comment")
                self.pos = end_pos + 2
            else:
                return

    # -- members and scalars -----------------------------------------------

    def member_key(self) -> str:
        """Read ``key :`` and return the key."""
        ch = self.peek()
        key = self.string() if ch in ('"', "'") else self.identifier()
        self.skip()
        if self.peek() != ":":
            raise self.error(
                f"expected ':' after key {key!r}, found {_describe(self.text, self.pos)}"
            )
        self.pos += 1
        return key

    def scalar(self) -> Any:
        text = self.text
        ch = self.peek()
        if not ch:
            raise self.error("expected a value, found end of input")
        if ch in ('"', "'"):
            return self.string()
        m = _NUMBER.match(text, self.pos)
        if m:
            return self.number(m)
        m = _ASCII_IDENT.match(text, self.pos)
        if m and m.group() in _LITERALS:
            self.pos = m.end()
            return _LITERALS[m.group()]
        raise self.error(f"expected a value, found {_describe(text, self.pos)}")

    def number(self, m: re.Match[str]) -> Any:
        negative = m.group("sign") == "-"
        start = self.pos
        self.pos = m.end()
        if m.group("inf"):
            return -math.inf if negative else math.inf
        if m.group("nan"):
            return math.nan
        hex_digits = m.group("hex")
        if hex_digits is not None:
            value = int(hex_digits, 16)
            return -value if negative else value
        body = m.group()
        if "." in body or m.group("exp"):
            return float(body)
        try:
            return int(body)
        except ValueError:
            # int() refuses more than sys.get_int_max_str_digits() digits.
            raise self.error("integer has too many digits", start) from None

    def identifier(self) -> str:
        text = self.text
        start = self.pos
        m = _ASCII_IDENT.match(text, start)
        chars: list[str] = []
        if m:
            chars.append(m.group())
            self.pos = m.end()
        while self.pos < len(text):
            ch = text[self.pos]
            if ch == "\\":
                if not text.startswith("\\u", self.pos) or not _HEX4.match(text, self.pos + 2):
                    raise self.error("invalid escape in key: use \\uXXXX")
                ch = chr(int(text[self.pos + 2 : self.pos + 6], 16))
                valid = _is_id_start(ch) if not chars else _is_id_part(ch)
                if not valid:
                    raise self.error(f"escaped character {ch!r} cannot appear in a key")
                self.pos += 6
            elif _is_id_start(ch) if not chars else _is_id_part(ch):
                self.pos += 1
            else:
                break
            chars.append(ch)
        if not chars:
            raise self.error(f"expected a key, found {_describe(text, start)}")
        return "".join(chars)

    def string(self) -> str:
        text = self.text
        start = self.pos
        quote = text[start]
        plain = _PLAIN_DQ if quote == '"' else _PLAIN_SQ
        self.pos += 1
        parts: list[str] = []
        while True:
            m = plain.match(text, self.pos)
            if m:
                parts.append(m.group())
                self.pos = m.end()
            ch = self.peek()
            if ch == quote:
                self.pos += 1
                return "".join(parts)
            if ch == "\\":
                parts.append(self.escape())
            elif not ch:
                raise self.error("unterminated string", start)
            else:  # a raw line break
                raise self.error(
                    "line break inside a string: end the line with a backslash to continue it"
                )

    def escape(self) -> str:
        text = self.text
        at = self.pos
        ch = text[at + 1] if at + 1 < len(text) else ""
        if not ch:
            raise self.error("unterminated string", at)
        if ch in _SINGLE_ESCAPES:
            self.pos = at + 2
            return _SINGLE_ESCAPES[ch]
        if ch == "u":
            if not _HEX4.match(text, at + 2):
                raise self.error("invalid \\u escape: needs four hex digits", at)
            code = int(text[at + 2 : at + 6], 16)
            self.pos = at + 6
            # A UTF-16 surrogate pair written as two escapes is one character.
            if (
                0xD800 <= code <= 0xDBFF
                and text.startswith("\\u", self.pos)
                and _HEX4.match(text, self.pos + 2)
            ):
                low = int(text[self.pos + 2 : self.pos + 6], 16)
                if 0xDC00 <= low <= 0xDFFF:
                    self.pos += 6
                    return chr(0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00))
            return chr(code)
        if ch == "x":
            if not _HEX2.match(text, at + 2):
                raise self.error("invalid \\x escape: needs two hex digits", at)
            self.pos = at + 4
            return chr(int(text[at + 2 : at + 4], 16))
        after = text[at + 2 : at + 3]
        if ch == "0" and not (after.isascii() and after.isdigit()):  # \01 is an octal escape
            self.pos = at + 2
            return "\0"
        if "0" <= ch <= "9":
            raise self.error(f"invalid escape \\{ch} in string", at)
        if ch == "\r":  # line continuation: \r\n counts as one line break
            self.pos = at + 3 if text.startswith("\r\n", at + 1) else at + 2
            return ""
        if ch in "\n\u2028\u2029":
            self.pos = at + 2
            return ""
        # Any other escaped character stands for itself (\a is "a").
        self.pos = at + 2
        return ch
