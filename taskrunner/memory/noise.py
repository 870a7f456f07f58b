# ruff: noqa: RUF001, RUF002, RUF003 -- the word lists hold Chinese and Japanese text
"""Lines that are in a note but are not memories: pings, stamps, counters, labels.

An agent's daily note records its own routine as well as its user's world:
a heartbeat check every 30 minutes, "status: stable", "Karma 12 → 14",
"10 comments posted", a lone link. A person would not write those into a
notebook about their boss, so capture does not keep them. Each test here
looks at the item's text alone (markup already removed); ``extract`` applies
them to items that no marker, kind label or checkbox made explicit. The numbers
(counts, usage readings, levels) are weighed in ``counters``; ``is_noise``
gathers every test.
"""

from __future__ import annotations

import re

from .counters import is_counter, is_level_change, is_usage
from .kinds import ROUTINE_NEXT, TIME_LABELS, split_label
from .narration import (
    is_greeting,
    is_notes_upkeep,
    is_routine_activity,
    is_routine_report,
)
from .text_shapes import DATE_TIME, PARENTHESES, is_date_only, is_short, without_symbols

# A status ping: the heartbeat reporting it looked and found nothing, a
# system reported stable. Casefolded substrings.
STATUS_PHRASES: tuple[str, ...] = (
    "heartbeat_ok",
    "heartbeat check",
    "heartbeat checked",
    "heartbeat ran",
    "heartbeat 检查",
    "no active tasks",
    "no pending tasks",
    "no new tasks",
    "nothing new",
    "nothing to report",
    "no durable",
    "nothing was",
    "consolidation run",
    "memory consolidation",
    "dream diary",
    "no new durable",
    "checks done",
    "checks complete",
    "checks completed",
    "检查完成",
    "チェック完了",
    "проверки выполнены",
    "verificações concluídas",
    "all systems normal",
    "系统稳定",
    "无新增",
    "一切正常",
    "異常なし",
    "変化なし",
    "sem novidades",
    "nada de novo",
    "без изменений",
    "ничего нового",
)
#: a whole line (or a label's whole value) that is a check-list's ping: nothing
#: arrived, nothing is wrong. Only as the whole of it: "No new messages from
#: the bank about the loan" says something.
PING_LINES: frozenset[str] = frozenset(
    {
        "no new messages",
        "no new mail",
        "no new emails",
        "no new notifications",
        "no messages",
        "all good",
        "all ok",
        "all green",
        "nenhuma mensagem nova",
        "sem mensagens novas",
        "новых сообщений нет",
        "нет новых сообщений",
        "没有新消息",
        "无新消息",
        "暂无新消息",
        "新着メッセージなし",
        "新しいメッセージなし",
        "心跳检查",
        "heartbeat",
        "ハートビート確認",
    }
)
# A share that is whole and says so: "5/5 healthy", "50/50 passing". A part
# ("47/50 passing") reports what failed and is kept.
_FULL_SHARE = re.compile(
    r"(\d+)\s*/\s*(\d+)(?:\s+[^\W\d_]+){0,3}?\s+"
    r"(?:healthy|passing|passed|ok|green|up|running|online|正常|通过)"
)
#: labels of what a routine checks: "All good" after one of these is a ping,
#: after a person or a case ("Biopsy results: all good") it is news
_CHANNEL_LABELS: frozenset[str] = frozenset(
    {
        "email",
        "emails",
        "mail",
        "inbox",
        "messages",
        "notifications",
        "whatsapp",
        "telegram",
        "slack",
        "discord",
        "signal",
        "heartbeat",
        "status",
        "checks",
        "gateway",
        "cron",
        "system",
        "systems",
        "邮件",
        "邮箱",
        "消息",
        "状态",
        "メール",
        "メッセージ",
        "почта",
        "сообщения",
        "статус",
        "mensagens",
    }
)
# What a routine counts whole: "Cron jobs: 5/5 healthy"; not "Interviews: 3/3 passed".
_MACHINE_WORDS = re.compile(
    r"\b(?:tests?|checks?|jobs?|cron|servers?|services?|replicas?|nodes?|containers?|pods?"
    r"|endpoints?|hosts?|health|agents?|workers?|builds?)\b|测试|检查|任务|服务|节点"
)
# A test or a check of a person, not of a machine: "Driving test: 1/1 passed".
_PERSONS_TEST = re.compile(
    r"\b(?:driving|driver'?s|road|blood|eye|hearing|covid|pcr|pregnancy|dna|drug|visa"
    r"|background|credit|reference|medical|school|ielts|toefl)\s+(?:tests?|checks?)\b|血液"
)
# A machine's vital sign, only as a bare share: "CPU: 12%"; not "Disk: 87% full,
# order a new drive", which asks for something.
_VITAL_LABELS: frozenset[str] = frozenset(
    {"cpu", "cpu usage", "memory", "memory usage", "mem", "ram", "swap", "load", "disk"}
)
_BARE_SHARE = re.compile(r"(\d+(?:\.\d+)?)\s*%(?:\s+(used|free))?")
#: a bare share of a vital at or above this is a warning worth keeping: "Disk: 98%"
VITAL_WARNING_PERCENT = 80.0


def _is_ping(bare: str, label: str | None = None) -> bool:
    """``No new messages``, ``5/5 cron jobs healthy``: the whole of it says nothing happened."""
    if " ".join(bare.split()) in PING_LINES:
        return label is None or label in _CHANNEL_LABELS
    share = _FULL_SHARE.fullmatch(bare)
    if share is None or share.group(1) != share.group(2):
        return False
    counted = bare if label is None else f"{label} {bare}"
    return _MACHINE_WORDS.search(counted) is not None and _PERSONS_TEST.search(counted) is None


def _is_calm_vital(label: str, value: str) -> bool:
    """``CPU: 12%``, ``Memory: 43%``; not ``Disk: 98%`` or ``Disk: 5% free``."""
    match = _BARE_SHARE.fullmatch(value)
    if label not in _VITAL_LABELS or match is None:
        return False
    percent = float(match.group(1))
    if match.group(2) == "free":
        percent = 100.0 - percent
    return percent < VITAL_WARNING_PERCENT


# A label's value that only reports a state: "**WhatsApp**: stable".
_STATUS_VALUE = re.compile(
    r"(?:ok|okay|stable|healthy|normal|fine|up|running|updated|done|working|recovered"
    r"|稳定|正常|已更新|已恢复|自动恢复|恢复|完了|正常稼働|estável|normal|стабильно|норма)"
    r"(?![\w])(?![ \t]+to\b)",  # "up to $2000" is a limit, not a state
)
_CLOCK = re.compile(r"\d{1,2}:\d{2}(?::\d{2})?")
_LINK_ONLY = re.compile(r"[\[(<]?(?:https?://|www\.)\S+[\])>]?")
#: labels of session metadata a transcript writes at its top
SESSION_LABELS: frozenset[str] = frozenset(
    {"session key", "session id", "session", "message id", "消息 id", "run id", "commit", "sha"}
)
# A log line: a time stamp, then a level.
_LOG_LINE = re.compile(
    r"\[?\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(?::\d{2})?[^\s\]]{0,12}\]?[ \t]+\[?"
    r"(?:TRACE|DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|CRITICAL|FATAL)\b"
)
_BOOK_TITLE = re.compile(r"\u300a[^\u300b\n]{1,300}\u300b")
# A quotation: "…", “…”, 「…」, 『…』 or 《…》.
_QUOTATION = (
    r'(?:"[^"\n]{1,300}"|“[^”\n]{1,300}”|「[^」\n]{1,300}」|『[^』\n]{1,300}』'
    r"|《[^》\n]{1,300}》)"
)
# Someone's post by its title: a handle and a colon, or a name and a
# possessive, then only the quoted title (and perhaps a dash and a gloss):
# ``gh0st: "AGI isn't what you think it is"``, ``EmberCF 的 "Stop Pretending"``.
_QUOTED_POST = re.compile(
    r"(?:[A-Za-z0-9_.\-]{2,40}(?:[ \t]*[(（][^()（）\n]{1,20}[)）])?[ \t]*[:：]"
    r"|[^\s:：]{2,40}(?:[ \t]*[的の]|['’]s))[ \t]*" + _QUOTATION + r"[ \t]*(?:[-–—][^\n]{0,60})?"
)
# A state word after a check mark closing the item: "Task 1: X Posting - ✅ Working".
_CHECKED_STATE = re.compile(
    r"✅[ \t]*(?:ok|okay|working|done|stable|running|healthy|normal|正常|稳定|完了|正常稼働"
    r"|estável|funcionando|работает|стабильно)[ \t]*[.!。！]?[ \t]*$"
)
# An item closing by saying nothing changed: "privacy.astro → already had it (unchanged)".
_UNCHANGED = re.compile(
    r"[(（]?(?:unchanged|untouched|no changes?|无变化|未改动|没有变化|変更なし|без изменений"
    r"|sem alterações|inalterado)[)）]?[ \t.。]*$"
)
#: endings of a short check report (Japanese "done", "confirmed")
CHECK_SUFFIXES: tuple[str, ...] = ("済み", "確認完了", "已确认", "已检查")
#: labels of a field whose value is quoted text, not an author quoted
FIELD_LABELS: frozenset[str] = frozenset(
    {
        "title",
        "name",
        "subject",
        "headline",
        "tagline",
        "slogan",
        "motto",
        "quote",
        "copy",
        "text",
        "message",
        "标题",
        "名称",
        "タイトル",
        "件名",
        "título",
        "nome",
        "assunto",
        "заголовок",
        "название",
        "тема",
    }
)
#: speaker labels of a pasted chat transcript
SPEAKERS: frozenset[str] = frozenset({"user", "assistant", "system", "human", "ai"})
#: labels of where a session came from; with a one-word value (``Source:
#: telegram``, as OpenClaw's session summaries write it) they are metadata
CHANNEL_LABELS: frozenset[str] = frozenset(
    {"source", "channel", "surface", "provider", "来源", "渠道", "チャネル", "канал", "canal"}
)
_ONE_WORD = re.compile(r"[^\W\d_][\w-]{0,30}")
_CLOCK_SECONDS = re.compile(r"\d{1,2}:\d{2}:\d{2}")
# Someone getting in touch, and nothing about what they said: "馆长通过
# Telegram 联系我", "Sam messaged me on Telegram". Only the verb: whatever
# comes before it is the rest that is_contact weighs, so that a reason
# written without spaces ("馆长为了明天的服务器迁移联系我") keeps the line.
_CONTACT = re.compile(
    r"联系(?:了)?我"
    r"|\b(?:contacted|messaged|pinged|texted|called|dm'?ed) me\b"
    r"|から連絡(?:が(?:あった|来た))?|написал\w* мне|связал\w* со мной"
    r"|me (?:contatou|chamou|mandou mensagem)"
)


def is_status(text: str) -> bool:
    """A heartbeat's ping or a state report: ``状态：系统稳定``, ``checked email: nothing new``."""
    folded = text[:400].casefold()
    if any(phrase in folded for phrase in STATUS_PHRASES):
        return True
    if _CHECKED_STATE.search(folded) is not None or _UNCHANGED.search(folded) is not None:
        return True
    label = split_label(folded)
    if label is None:
        # Unlabelled, only a state word is a ping: "自动恢复 ✅".
        bare = without_symbols(folded)
        return _STATUS_VALUE.fullmatch(bare) is not None or _is_ping(bare)
    value = without_symbols(PARENTHESES.sub(" ", label[1]))
    name = label[0].strip(" *_`")
    if _is_ping(value, name):
        return True  # "Email: no new mail", "Cron jobs: 5/5 healthy"
    if _is_calm_vital(name, label[1].strip(" *_`")):
        return True
    match = _STATUS_VALUE.match(value)
    if match is None:
        return False
    rest = value[match.end() :]
    return len(rest) <= 40 and (not rest.strip(" ,，、。.") or is_short(rest))


def is_timestamp(text: str) -> bool:
    """A time label whose value is only a time, or a text of only dates and times."""
    if is_date_only(PARENTHESES.sub(" ", text)):
        return True
    label = split_label(text)
    if label is None:
        return False
    name = label[0].strip(" *_`").casefold()
    value = PARENTHESES.sub(" ", label[1])
    if ROUTINE_NEXT.fullmatch(name) and is_date_only(value):
        return True  # "Next check: 15:00": the routine's own schedule
    if _CLOCK.search(value) and is_date_only(value) and _names_a_past_moment(name):
        return True  # "Disconnected: 06:16:47 (status 503)", "完成时间：凌晨 04:00": logged
    return name in TIME_LABELS and is_date_only(label[1])


# What happened at a logged moment: "Disconnected", "Finished at", "完成时间".
# Only the past: "Deadline: 18:00", "Meeting: 15:00", "Scheduled: 9:30" say
# when something will be, which is what a user needs remembered.
_PAST_MOMENT = re.compile(
    r"(?!(?:scheduled|planned|booked|reserved|expected|needed|required)\b)"
    r"(?:\w+ed|done|ran|sent)(?: at| on)?"
    r"|(?:完成|结束|检查|更新|运行|执行|记录|发送|完了|終了|実行|確認|送信)(?:时间|時間|时刻|時刻)?"
)


def _names_a_past_moment(label: str) -> bool:
    words = label.split()
    return any(_PAST_MOMENT.fullmatch(" ".join(words[-n:])) for n in (1, 2) if len(words) >= n)


def is_metadata(text: str) -> bool:
    """A transcript's session metadata or a speaker's line: ``Session ID: …``,
    ``user: …``, ``Source: telegram``."""
    label = split_label(text)
    if label is None:
        return False
    name = label[0].casefold()
    if name in CHANNEL_LABELS:
        return _ONE_WORD.fullmatch(label[1].strip(" *_`.")) is not None
    return name in SESSION_LABELS or name in SPEAKERS


def is_timing_log(text: str) -> bool:
    """Moments to the second and little else: ``断开 15:12:16，恢复 15:12:21 (5秒)``."""
    if _CLOCK_SECONDS.search(text) is None:
        return False
    rest = DATE_TIME.sub(" ", PARENTHESES.sub(" ", text[:300].casefold()))
    return is_short(rest) or not any(char.isalpha() for char in rest)


def is_contact(text: str) -> bool:
    """Someone got in touch, nothing about what for: ``Sam messaged me on Telegram``."""
    match = _CONTACT.search(text[:300])
    if match is None:
        return False
    rest = text[: match.start()] + " " + text[match.end() :]
    return not rest.strip() or is_short(rest)


def is_quote(text: str) -> bool:
    """Mostly the titles of other people's posts: ``Ronin 的《The Nightly Build》``."""
    titles = sum(len(match.group()) for match in _BOOK_TITLE.finditer(text))
    return titles > 0 and titles * 2 >= len(text.strip())


def is_quoted_post(text: str) -> bool:
    """Someone's post by its quoted title: ``Sault: "You Are a Ghost with Neurons"``.

    A field's label is no author: ``Title: "Gap Analysis"`` names a page.
    """
    if _QUOTED_POST.fullmatch(text.strip()) is None:
        return False
    label = split_label(text)
    return label is None or label[0].casefold() not in FIELD_LABELS


def is_question(text: str) -> bool:
    """A musing: ``Are we living in a simulation?``."""
    return text.rstrip().endswith(("?", "\uff1f"))


def is_check_result(text: str) -> bool:
    """A short report that something was checked or set up: ``uv インストール済み``."""
    bare = without_symbols(text)
    return bare.endswith(CHECK_SUFFIXES) and is_short(bare)


def is_log_line(text: str) -> bool:
    """A line of a program's log: ``2026-02-13 12:00:00 INFO request served``."""
    return _LOG_LINE.match(text) is not None


def is_narration(text: str) -> bool:
    """The agent telling what it did or read: its routine, or other people's posts."""
    return is_routine_activity(text) or is_quote(text) or is_quoted_post(text)


def is_link_only(text: str) -> bool:
    return _LINK_ONLY.fullmatch(text.strip()) is not None


def is_noise(text: str) -> bool:
    """True for a text that is a ping, a stamp, a counter, metadata or a lone link."""
    return (
        is_timestamp(text)
        or is_status(text)
        or is_counter(text)
        or is_metadata(text)
        or is_usage(text)
        or is_level_change(text)
        or is_timing_log(text)
        or is_contact(text)
        or is_link_only(text)
        or is_log_line(text)
        or is_quote(text)
        or is_quoted_post(text)
        or is_greeting(text)
        or is_question(text)
        or is_routine_activity(text)
        or is_check_result(text)
        or is_notes_upkeep(text)
        or is_routine_report(text)
    )
