"""JSON problems said in the words of the file, not of Python.

Whoever reads "holds a JSON NoneType" or "Unterminated string starting at"
has a file open in an editor, not a debugger: they look for ``null`` and for
a line and a column.
"""

from __future__ import annotations

import json


def json_kind(value: object) -> str:
    """``value`` as the JSON it was: "null", "true", "a number", "text", "a list", "an object"."""
    if value is None:
        return "null"
    if isinstance(value, bool):  # before int: True is an int to Python
        return "true" if value else "false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return "not JSON"


def json_text(value: object, limit: int = 60) -> str:
    """``value`` spelled as in the file (``null``, ``"7"``, ``["a", 2]``), cut at ``limit``."""
    try:
        text = json.dumps(value, ensure_ascii=False, default=str)
    except ValueError:  # a loop: not from a file
        text = json_kind(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def decode_problem(exc: Exception, *, one_line: bool = False) -> str:
    """What ``json.loads`` failed on, one line: "unterminated string at line 3 column 5".

    ``one_line``: the text was a single line (a run log record), so only the
    column is said.
    """
    if isinstance(exc, UnicodeDecodeError):  # json.loads of bytes decodes them first
        if exc.encoding.replace("-", "").lower().startswith("utf8"):
            return f"not UTF-8 text at byte {exc.start}"
        # Bytes that look like a UTF-16 or UTF-32 start were read as such: their
        # positions would not be the file's.
        return "not UTF-8 text"
    if not isinstance(exc, json.JSONDecodeError):
        return str(exc)
    what = exc.msg
    # The decoder's message ends where its position is appended ("... starting at").
    for tail in (" starting at", " at"):
        if what.endswith(tail):
            what = what[: -len(tail)]
            break
    if what == "Extra data":
        what = "more text after the end of the JSON value"
    what = what[:1].lower() + what[1:]
    where = f"column {exc.colno}" if one_line else f"line {exc.lineno} column {exc.colno}"
    return f"{what} at {where}"
