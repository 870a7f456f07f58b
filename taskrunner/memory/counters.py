# ruff: noqa: RUF001, RUF002, RUF003 -- the patterns and examples hold Chinese and Japanese text
"""Numbers in a note that are no memory: a count and what it counts, the
agent's usage reading, a level moving on.

``Karma: 120 (+3)``, ``10+ 条高质量评论``, ``token usage 91%`` and ``ACP 等级：Minimal →
Context-Graph`` are the agent's own progress; ``Port: 8080``, ``Hosting: $5/month``
and ``Duration: 12 months`` are facts, and are kept.
"""

from __future__ import annotations

import re

from .kinds import split_label
from .text_shapes import PARENTHESES, is_short, without_symbols

# A count and a few words: "10+ 条高质量评论", "11 leads", "533 tweets remaining".
_MEASURE_WORDS = "个條条份轮篇件次项項行人名本"
# 个 before 月 is part of "months" (3个月), not a count of things; 3个月饼 are mooncakes.
_COUNTER = re.compile(
    r"[~约約≈]?[ \t]?\d[\d,.]*[kKmM]?\+?\s*(?:[" + _MEASURE_WORDS + "](?!月(?!饼)))?"
)
# An amount of money: a price or a budget is a fact, not a count of something.
_MONEY = re.compile(
    r"[$\u20ac\u00a3\u00a5\u20bd\uffe5]|\d\s*(?:美元|欧元|日元|元|円|块)"
    r"|\d\s*(?:usd|usdt|usdc|eur|gbp|cny|rmb|jpy|rub|brl|btc|eth|dollars?|euros?|reais|rubles?"
    r"|roubles?|руб\w*"
    r"|долл\w*|евро)(?!\w)"
)
_DELTA = re.compile(r"[(\uff08][+\-\u2212]\d|\u2192 ?\d")
# Words after a count saying it is progress, not a fact: "533 tweets
# remaining in pipeline", "12 files processed", "剩余 40 条".
_PROGRESS = re.compile(
    r"\b(?:remaining|left|to go|queued|in (?:the )?(?:queue|pipeline|backlog)|processed|scanned"
    r"|indexed)\b|剩余|剩下|待处理|已处理|残り|処理済み|осталось|обработан\w*|restantes?|processad[oa]s?"
)
# A usage reading of the agent's own budget: "token usage 91%", "Token 使用：约 65 刀".
_USAGE = re.compile(
    r"\btokens?\b[^\n]{0,12}\b(?:usage|used|use|spent|budget used)\b|\bcontext (?:usage|window)\b"
    r"|token[ \t]*(?:使用|用量|消耗)|トークン(?:使用|消費)|использовано токенов|uso de tokens"
)
# A level or status moving on: "ACP 等级：Minimal → Context-Graph".
PROGRESS_LABELS: frozenset[str] = frozenset(
    {
        "level",
        "rank",
        "score",
        "karma",
        "tier",
        "等级",
        "级别",
        "レベル",
        "ランク",
        "уровень",
        "nível",
    }
)


def is_counter(text: str) -> bool:
    """A number and what it counts, nothing else: ``10+ 条评论``, ``@acme: 4 followers``.

    A bare number counts only with a change beside it (``Karma: 120 (+3)``):
    ``Port: 8080`` is a fact.
    """
    label = split_label(text)
    value = label[1] if label is not None else text
    money = _MONEY.search(value.casefold()) is not None
    value = without_symbols(value) if value[:1].isalnum() is False else value
    match = _COUNTER.match(value)
    if match is None or match.end() == 0:
        return False
    rest = value[match.end() :]
    if _DELTA.search(rest):
        return True
    if money:
        return False  # "Hosting: $5/month", "Price: 120 元": what something costs
    progress = _PROGRESS.search(rest) is not None and len(rest) <= 60
    if progress and not any(char.isdigit() for char in rest):
        return True  # "533 tweets remaining in pipeline": a reading, not a fact
    rest = PARENTHESES.sub(" ", rest)  # "(14:00-22:00)"
    if any(char.isdigit() for char in rest):
        return False  # "4 accounts every 45 minutes" says how, not how many
    counted = match.group().rstrip()[-1:] in _MEASURE_WORDS  # "800+ 行 TypeScript": a count
    long_span = _LONG_SPAN.match(rest) is not None
    if not counted and (long_span or _MEASURE.match(rest) or _NAMED.search(rest)):
        # "Timeout: 30 seconds", "Office: 5 Rua Augusta", "2222 on the NAS" say
        # what a thing is; "时长：4 秒" how long one run took, but a run takes
        # seconds or hours: "Duration: 12 months" is a contract's term
        reading = label is not None and _READING_LABEL.fullmatch(label[0].strip(" *_`"))
        return bool(reading) and not long_span
    return is_short(rest)


# Labels of a measurement taken of one run: how long it took, how big it came out.
_READING_LABEL = re.compile(
    r"(?i)duration|elapsed|took|runtime|run time|time taken|file size|output size"
    r"|时长|耗时|用时|文件大小|所要時間|処理時間|длительность|время выполнения|duração|tempo gasto"
)
# A span no run takes: days and longer.
_LONG_SPAN = re.compile(
    r"[ \t]*(?:days?|weeks?|wks?|months?|mos?|years?|yrs?|天|周|个月|月|年|日"
    r"|дн\w*|недел\w*|месяц\w*|год\w*|лет|dias?|semanas?|meses|mês|anos?)(?![^\W\d_])",
    re.IGNORECASE,
)
# What follows a number that makes it a measure or a date, not a count: a unit
# of size, time, weight, length, a share, a floor, a month, "per" something.
_MEASURE = re.compile(
    r"[ \t]*(?:(?:[kmgt]i?)?b|bytes?|ms|s|secs?|seconds?|mins?|minutes?|h|hrs?|hours?|days?"
    r"|weeks?|months?|years?|mg|g|kg|ml|l|km|m|cm|mm|px|pt|x|%"
    r"|jan\w*|feb\w*|mar\w*|apr\w*|may|jun\w*|jul\w*|aug\w*|sep\w*|oct\w*|nov\w*|dec\w*"
    r")(?![^\W\d_])|[ \t]*(?:楼|层|号|室|分钟|小时|天|秒|周|个月|月|年|毫秒|階|分|時間|日)"
    r"|[^\n]*\bper\b",
    re.IGNORECASE,
)
# A name or a place after the number: a capitalised or an all-capitals word, or
# a preposition ("on the NAS"): the line says where or what, not how many.
_NAMED = re.compile(r"\b(?:[A-Z][a-z]|[A-Z]{2,}\b)|\b(?:on|at|in|from|to|for|with|near)\b")


def is_usage(text: str) -> bool:
    """The agent reading its own budget: ``22:13 トークン使用率91%（182k/200k）``."""
    folded = text[:400].casefold()
    return _USAGE.search(folded) is not None and any(char.isdigit() for char in folded)


def is_level_change(text: str) -> bool:
    """A level or a score moving on: ``ACP 等级：Minimal → Context-Graph``."""
    label = split_label(text)
    if label is None or not label[0]:
        return False
    last_word = label[0].casefold().split()[-1]  # "ACP 等级" is a level too
    return last_word in PROGRESS_LABELS and ("\u2192" in label[1] or "->" in label[1])
