# ruff: noqa: RUF003 -- the patterns hold Chinese and Japanese text
"""What a short text is made of: dates and times, asides, a few words.

``noise`` and ``counters`` weigh what is left of a line once these are taken
out: a label's value that is only a time, a count followed by a few words.
"""

from __future__ import annotations

import re

from .normalize import is_cjk

# Pieces of a text that carry no fact: dates, times, weekdays, months,
# times of day, time zones, bare numbers (English, Chinese, Japanese).
DATE_TIME = re.compile(
    r"\d{4}-\d{2}-\d{2}t\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?(?:z|[+-]\d{2}(?::?\d{2})?)?"
    r"|\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?"
    r"|\d{1,2}[:\uff1a]\d{2}(?:[:\uff1a]\d{2})?"
    r"|\d{1,2}/\d{1,2}(?:/\d{2,4})?"
    r"|\d{1,2}(?:st|nd|rd|th)\b"
    r"|\d+(?:年|月|日|号|時|时|分|秒|h)?"
    r"|[月火水木金土日]曜日?|[(\uff08][月火水木金土日][)\uff09]|(?:星期|周|週)[一二三四五六日天]"
    r"|凌晨|早上|上午|中午|下午|傍晚|晚上|深夜|夜间|午前|午後|夕方|今日|今天"
    r"|\b(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day)?\b"
    r"|\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b"
    r"|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)\b"
    r"|\b(?:january|february|march|april|june|july|august|september|october|november"
    r"|december)\b"
    r"|\b(?:am|pm|a\.m\.|p\.m\.|morning|afternoon|evening|night|noon|midnight)\b"
    r"|\b(?:utc|gmt|z|est|edt|cst|cdt|mst|mdt|pst|pdt|cet|cest|bst|ist|jst|kst|hkt|sgt)\b"
)

#: a parenthesised aside, "(14:00-22:00)", "（两轮各 50 刀）"
PARENTHESES = re.compile(r"[(\uff08][^()\uff08\uff09]*[)\uff09]")
SHORT_REST_WORDS = 3
SHORT_REST_CJK = 8


def is_date_only(text: str) -> bool:
    """True for a text that only gives a date or a time (``14:30``, ``2026-02-13 UTC``)."""
    rest = DATE_TIME.sub(" ", text[:300].casefold())
    return not any(char.isalpha() for char in rest)


def without_symbols(text: str) -> str:
    """The text without the symbols and punctuation around it: "✅ Working 🎉" -> "working"."""
    start, end = 0, len(text)
    while start < end and not text[start].isalnum():
        start += 1
    while end > start and not text[end - 1].isalnum():
        end -= 1
    return text[start:end]


def is_short(text: str) -> bool:
    """A few words at most: what a counter's or a status's rest looks like."""
    cjk = sum(1 for char in text if is_cjk(char))
    words = re.findall(r"[^\W\d_]{2,}", "".join(" " if is_cjk(c) else c for c in text))
    return cjk <= SHORT_REST_CJK and len(words) <= SHORT_REST_WORDS and (cjk + len(words)) > 0
