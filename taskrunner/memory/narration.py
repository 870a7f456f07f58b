# ruff: noqa: RUF001, RUF002 -- the word lists hold Chinese and Japanese text
"""The agent narrating its own day: what it looked at, whom it greeted, the
reports it sent, the notes it kept up to date.

A daily note is also the agent's diary, and a line telling what the agent did
is a memory only when it holds a detail worth keeping (``has_detail``):
``Updated OpenClaw to v2026.3.12`` is a fact, ``Generated audio successfully``
is not. ``noise`` applies these to items nothing else made explicit.
"""

from __future__ import annotations

import re

from .kinds import split_label
from .normalize import is_cjk

# Opening verbs of the agent's routine: it looked, read, reviewed, found,
# talked, replied (English, Chinese, Japanese, Russian, Portuguese); in
# Chinese perhaps after whom it was with ("和馆长讨论了…").
_ROUTINE_ACTIVITY = re.compile(
    r"(?i)(?:checked|reviewed|read|re-read|refreshed|browsed|looked at|viewed"
    r"|discussed|greeted|replied|responded|commented on|chatted)\b"
    # not the subject of a statement: "Read replicas are behind", "Checked bags cost $30"
    r"(?!\s+[\w-]+\s+(?:are|is|was|were|can|cannot|must|should|need|needs|cost|costs"
    r"|lag|lags|have|has)\b)"
    r"|(?:[和与跟同][^\s,，]{1,8})?(?:查看了|回顾了|讨论了|浏览了|阅读了|看了|检查了|发现了|发现[:：]"
    r"|回复了|评论了|聊了)"
    r"|(?:確認した|閲覧した|読んだ|返信した|コメントした)"
    r"|(?:проверил|посмотрел|прочитал|просмотрел|обсудил|ответил)\w*"
    r"|(?:verifiquei|revisei|discutimos|respondi|comentei)\b"
    # "li" (I read) only before what was read: "Li is allergic to shellfish" names Li
    r"|(?-i:[Ll]i)(?=\s+(?-i:o|os|um|uma|sobre|que|todo|toda|todos|todas|mais)\b)"
)
# Greetings exchanged: "sent a short greeting back", "打招呼", "挨拶した".
_GREETING = re.compile(
    r"(?i)\b(?:sent|said|replied|answered|exchanged|returned)\b[^.;\n]{0,20}\b(?:hello|hi|greetings?)\b"
    r"|\bgreeted\b|打招呼|问好|挨拶(?:した|を返)|поздоровал\w*|cumpriment(?:ou|ei)|saudou"
)
# What makes a plain line a fact: a digit, a path, code or a link, a change.
_DETAIL = re.compile(r"\d|[/\\`~@#<>=|→\"“「『《]|\w\.\w|->")
# A verb in the past opening a sentence; not "Need", "Speed".
_PAST = re.compile(r"[A-Z][a-z]+[^e\W]ed|Made|Built|Wrote|Sent|Ran|Did|Got|Gave|Took|Found")
_LATIN_WORD = re.compile(r"[^\W\d_][\w'’-]*")
# A compound name: "tplink-omada-mcp", "snake_case", "camelCase".
_COMPOUND = re.compile(r"\w-\w+-\w|_|[a-z][A-Z]")
# A scheduled report sent: when, what, sent (each in five languages).
_ROUTINE_REPORT: tuple[re.Pattern[str], ...] = (
    re.compile(
        r"\b(?:morning|daily|evening|nightly|weekly|hourly|scheduled|cron)\b|上午|早间|晚间|每日|每天"
        r"|定时|朝の|毎朝|日次|定期|夕方の|утренн|ежедневн|вечерн|matinal|diári|semanal|da manhã"
    ),
    re.compile(
        r"\b(?:report|digest|summary|briefing|recap)\b|摘要|报告|日报|简报|汇报|レポート|報告|まとめ"
        r"|ダイジェスト|サマリー|отч[её]т|дайджест|сводк|relatório|resumo|boletim"
    ),
    re.compile(r"\b(?:sent|delivered|posted)\b|发送|送达|送信|配信|отправ|доставлен|envi|entregue"),
)
# The words of a report that the agent's own notes were kept up to date.
_NOTES_UPKEEP = re.compile(
    r"\b[a-z_-]+\.md\b|\b(?:the|today's|daily|memory|log|logs|notes|note|files?|file"
    r"|updated|refreshed|synced|written|saved|update|and|all|context)\b"
    r"|更新了|已更新|更新|今日|日记|日志|记忆|文件|和|、"
    r"|日報|ログ|メモリ|を|更新した|更新済み"
    r"|дневник|журнал|память|обновл\w*|файл\w*"
    r"|diário|memória|arquivos?|atualizad[oa]s?|atualizei"
)


def is_routine_activity(text: str) -> bool:
    """The agent telling it looked at something: ``Refreshed all context files``, ``查看了回复``."""
    return _ROUTINE_ACTIVITY.match(text) is not None


def is_greeting(text: str) -> bool:
    """Greetings exchanged: ``Miguel sent a simple hello; Vader said hi back``."""
    return _GREETING.search(text[:400]) is not None


def has_detail(text: str) -> bool:
    """Whether a line holds a detail worth keeping: a number, a path, a link
    or code, a ``name: value`` pair, a change (``→``), a quotation, or a name
    (a capitalized or compound word after the first)."""
    if _DETAIL.search(text) is not None or split_label(text) is not None:
        return True
    words = _LATIN_WORD.findall(text)
    return any(word[:1].isupper() for word in words[1:]) or any(
        _COMPOUND.search(word) for word in words
    )


def is_bare_narration(text: str) -> bool:
    """The agent telling what it did, and nothing worth keeping about it:
    ``Generated multi-paragraph audio successfully``.

    It opens with a capitalized verb in the past (``Updated``, ``Sent``) and
    holds no detail (see ``has_detail``): ``Updated OpenClaw to v2026.3.12``
    is a fact.
    """
    stripped = text.strip()
    if any(is_cjk(char) for char in stripped):
        return False
    words = _LATIN_WORD.findall(stripped)
    return bool(words) and _PAST.fullmatch(words[0]) is not None and not has_detail(stripped)


def is_routine_report(text: str) -> bool:
    """A scheduled report sent: ``✅ Delivered the morning report``, ``上午摘要已发送``.

    All three must be there: when (a routine time), what (a report) and sent.
    """
    folded = text[:400].casefold()
    return all(pattern.search(folded) is not None for pattern in _ROUTINE_REPORT)


def is_notes_upkeep(text: str) -> bool:
    """The agent keeping its own notes: ``Daily log updated``, ``更新了 USER.md、SOUL.md``.

    Only when it says nothing of what changed: ``更新 SOUL.md（添加学习协议）``
    tells what the agent now does.
    """
    rest = _NOTES_UPKEEP.sub(" ", text[:300].casefold())
    return rest != text[:300].casefold() and not any(char.isalnum() for char in rest)
