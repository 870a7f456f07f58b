"""Sections and labels that keep only explicit items.

An agent's note holds its routine (``## Heartbeat``), its digests of other
people's content (``## News digest``, ``Moltbook 探索``) and its musings
(``## Reflection``, ``- **深入思考**``). What is written there is the agent's,
not its user's world, so ``extract`` keeps from them only what says what it
is: a blocker, a rule, a preference of someone's, a decision.
"""

from __future__ import annotations

import re

from .item_kind import keyword_kind, symbol_kind
from .narration import is_routine_report

# A quotation: a "never" in someone's post title sets no rule of the user's.
_QUOTED = re.compile(
    r'"[^"\n]*"|\u201c[^\u201d\n]*\u201d|\u300c[^\u300d\n]*\u300d|\u300a[^\u300b\n]*\u300b'
)
#: what a line says it is that keeps it in a section that keeps only explicit items
KEPT_WHEN_QUIET = frozenset({"blocker", "rule", "preference", "decision"})
# A liking said in the first person: in the agent's routine, it is the agent
# talking about what it read, not its user's preference.
_FIRST_PERSON_LIKING = re.compile(
    r"(?i)\b(?:i|we)\s+(?:really\s+)?(?:like|love|hate|prefer)\b|\bprefiro\b|\bpreferimos\b"
    r"|\beu gosto\b|предпочитаю|предпочитаем|\bлюблю\b"  # noqa: RUF001 -- Russian
)
# The same in Chinese and Japanese, only opening the item: in "馆长说: 我更喜欢简短的回复"
# the user is quoted, in "私は田中さんがお茶の方が好きだと気づいた" Tanaka likes it;
# 我爱人 is my spouse.
_FIRST_PERSON_LIKING_CJK = re.compile(
    r"[\W_]*(?:我(?:很|真|最|更|也|还是|比较)?(?:喜欢|爱(?!人)|讨厌|偏好|偏爱)"
    r"|(?:私|僕|俺|わたし)(?:は|も)[^\u3001\u3002\uff01\uff1f\n]{0,12}?(?:好き|嫌い)(?!だと|と))"
)
# Someone besides the agent: "我爱吃辣这件事馆长记住了, 馆长喜欢清淡" tells the user's liking.
_NAMES_SOMEONE = re.compile(
    r"馆长|老板|用户|主人|老婆|老公|妈妈|爸爸|孩子|妻子|丈夫|母亲|父亲|儿子|女儿|さん|様|先生|くん|ちゃん"
    r"|部長|社長|上司|(?:妻|夫|母|父|息子|娘)[がはもの]|[A-Z][a-z]"
)
#: header words (casefolded) of sections that keep only explicit items: an
#: agent's routine, its digests of other people's content, its musings, and
#: the tallies of the day that restate what is above them
QUIET_SECTION_WORDS: tuple[str, ...] = (
    "heartbeat",
    "心跳",
    "ハートビート",
    "news",
    "digest",
    "ニュース",
    "まとめ",
    "要約",
    "新闻",
    "摘要",
    "notícias",
    "новости",
    "exploration",
    "探索",
    "reflection",
    "reflexão",
    "reflexões",
    "рефлексия",
    "反思",
    "thoughts",
    "musings",
    "pensamentos",
    "размышления",
    "思考",
    "感想",
    "statistics",
    "stats",
    "成果",
    "总结",
    "统计",
    "統計",
)

#: words (casefolded) of a bullet's bare label whose nested bullets are the
#: agent's takeaways from what it read: kept only when explicit
INSIGHT_LABEL_WORDS: tuple[str, ...] = (
    "insight",
    "key findings",
    "洞察",
    "核心发现",
    "关键发现",
    "感悟",
    "启发",
    "気づき",
    "инсайт",
    "percepç",
)


def explicit_kind(content: str, text: str) -> str | None:
    """The kind a line in a quiet section says it is, when that keeps it, else None.

    A routine check that found something broken is the one line of it the
    heartbeat must bring back; a rule, a preference or a decision written
    among the routine is still the user's word. A quoted post's title sets
    no rule, and the agent's own liking is no preference of its user.
    """
    said = symbol_kind(content) or keyword_kind(_QUOTED.sub(" ", text))
    if said not in KEPT_WHEN_QUIET:
        return None
    if said == "preference" and agents_own_liking(text):
        return None  # "I like the new header image": the agent's own voice
    return said


def agents_own_liking(text: str) -> bool:
    """A liking in the first person (``I like the new header image``, ``我很喜欢这个帖子``),
    which in the agent's routine is the agent talking about what it read."""
    if _FIRST_PERSON_LIKING.search(text) is not None:
        return True
    return _FIRST_PERSON_LIKING_CJK.match(text) is not None and _NAMES_SOMEONE.search(text) is None


def names_insights(label: str) -> bool:
    """``**关键洞察**``, ``- Key insights:``: the agent's musings on what it read follow.

    Only a bullet's label: a section named ``## Research insights`` holds
    findings people keep.
    """
    folded = label[:200].casefold()
    return any(word in folded for word in INSIGHT_LABEL_WORDS)


# Words of spaced scripts (Latin, Cyrillic) as whole words, perhaps plural
# ("## Newsletter" is no "news"); the CJK ones anywhere in the title.
_SPACED_QUIET = [w for w in QUIET_SECTION_WORDS if max(w) < "\u3000"]
_QUIET_WORD = re.compile(
    r"(?<![^\W\d_])(?:"
    + "|".join(map(re.escape, _SPACED_QUIET))
    + r")(?:s|es)?(?![^\W\d_])|"
    + "|".join(re.escape(w) for w in QUIET_SECTION_WORDS if w not in _SPACED_QUIET)
)


def is_quiet(title: str) -> bool:
    """A header naming routine, other people's content or musings; or a
    scheduled report sent (``Morning Report Sent``): its bullets restate the report."""
    folded = title[:200].casefold()
    return _QUIET_WORD.search(folded) is not None or is_routine_report(folded)
