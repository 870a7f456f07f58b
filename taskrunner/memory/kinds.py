"""What a captured item is (its kind) and how much it matters (its importance).

The one place these tables live: extraction assigns kinds, capture turns a
kind into an importance, the docs show both tables.
"""

from __future__ import annotations

import re

#: importance (0..1) of each kind. Standing rules and preferences matter most
#: (what the user wants of the agent does not go stale); decisions and
#: blockers next; todos, reminders, actions and lessons after them; facts and
#: completed items are middling; headers stay below 0.3 so memory_consolidate
#: prunes them once stale. Everything at or above consolidate's prune
#: threshold (0.3 by default) is never pruned as stale.
KIND_IMPORTANCE: dict[str, float] = {
    "rule": 0.95,
    "preference": 0.95,
    "decision": 0.9,
    "blocker": 0.9,
    "todo": 0.75,
    "reminder": 0.75,
    "action": 0.75,
    "learned": 0.7,
    "note": 0.6,
    "fact": 0.5,
    "completed": 0.5,
    "header": 0.2,
}

#: importance of a kind not in the table (a memory written by hand)
DEFAULT_IMPORTANCE = 0.5

#: markers at the start of an item (``TODO: x``, ``FIXME(bob) - x``), and the kind
#: each one records. In capitals they need no colon; in any other case they
#: do (``todo: x``). In mid-line only a marker with a colon counts, and only
#: in capitals or one of ``MIDLINE_MARKERS`` (``… — TODO: update the docs``).
MARKER_KINDS: dict[str, str] = {
    "TODO": "todo",
    "FIXME": "todo",
    "DECISION": "decision",
    "BLOCKER": "blocker",
    "BLOCKED": "blocker",
    "ACTION": "action",
    "NOTE": "note",
    "REMINDER": "reminder",
    "NEXT": "reminder",
    "RULE": "rule",
    "PREFERENCE": "preference",
    "DONE": "completed",
}
MIDLINE_MARKERS: frozenset[str] = frozenset({"TODO", "FIXME"})

#: words that name a kind (casefolded), as a label (``**Decision:** use SQLite``,
#: ``Rule: always …``, ``New rule: …``) or in a section header (the plain
#: bullets under ``## Key decisions`` are decisions). Latin-script names match
#: whole words; the others (Chinese, Japanese) match anywhere in the text.
NAME_KINDS: dict[str, str] = {
    # English
    "todo": "todo",
    "todos": "todo",
    "to do": "todo",
    "to-do": "todo",
    "decision": "decision",
    "decisions": "decision",
    "blocker": "blocker",
    "blockers": "blocker",
    "blocked": "blocker",
    "action": "action",
    "actions": "action",
    "action item": "action",
    "action items": "action",
    "note": "note",
    "lesson": "learned",
    "lessons": "learned",
    "lesson learned": "learned",
    "lessons learned": "learned",
    "learned": "learned",
    "learnings": "learned",
    "preference": "preference",
    "preferences": "preference",
    "rule": "rule",
    "rules": "rule",
    "reminder": "reminder",
    "reminders": "reminder",
    "next": "reminder",
    "next step": "reminder",
    "next steps": "reminder",
    "pending": "reminder",
    # Portuguese
    "tarefa": "todo",
    "tarefas": "todo",
    "decisão": "decision",
    "decisões": "decision",
    "bloqueio": "blocker",
    "bloqueado": "blocker",
    "lição": "learned",
    "lições": "learned",
    "aprendizado": "learned",
    "preferência": "preference",
    "preferências": "preference",
    "regra": "rule",
    "regras": "rule",
    "lembrete": "reminder",
    "lembretes": "reminder",
    "próximo passo": "reminder",
    "próximos passos": "reminder",
    "pendente": "reminder",
    "pendências": "reminder",
    # Russian
    "задача": "todo",
    "задачи": "todo",
    "решение": "decision",
    "решения": "decision",
    "блокер": "blocker",
    "блокеры": "blocker",
    "урок": "learned",
    "уроки": "learned",
    "предпочтение": "preference",
    "предпочтения": "preference",
    "правило": "rule",
    "правила": "rule",
    "напоминание": "reminder",
    "напоминания": "reminder",
    "следующий шаг": "reminder",
    "следующие шаги": "reminder",
    # Chinese
    "待办": "todo",
    "待辦": "todo",
    "决定": "decision",
    "決定": "decision",
    "决策": "decision",
    "方针": "decision",
    "方針": "decision",
    "阻塞": "blocker",
    "卡点": "blocker",
    "学到": "learned",
    "教训": "learned",
    "教訓": "learned",
    "偏好": "preference",
    "规则": "rule",
    "規則": "rule",
    "提醒": "reminder",
    "下一步": "reminder",
    "待跟进": "reminder",
    # Japanese
    "やること": "todo",
    "ブロッカー": "blocker",
    "学んだ": "learned",
    "学び": "learned",
    "好み": "preference",
    "ルール": "rule",
    "リマインダー": "reminder",
    "リマインド": "reminder",
    "次回": "reminder",
    "次のステップ": "reminder",
}

#: phrases that give a plain item its kind (casefolded; Latin-script ones as
#: whole words, the others anywhere), the first one found deciding
KEYWORD_KINDS: dict[str, str] = {
    # standing rules and preferences: what the user wants, in any language
    "always": "rule",
    "instructed": "rule",
    "never": "rule",
    "must": "rule",
    "must not": "rule",
    "sempre": "rule",
    "nunca": "rule",
    "deve": "rule",
    "proibido": "rule",
    "всегда": "rule",
    "никогда": "rule",
    "нельзя": "rule",
    "должен": "rule",
    "должна": "rule",
    "总是": "rule",
    "始终": "rule",
    "永远不": "rule",
    "一律": "rule",
    "必须": "rule",
    "务必": "rule",
    "禁止": "rule",
    "不要": "rule",
    "不得": "rule",
    "必ず": "rule",
    "絶対に": "rule",
    "決して": "rule",
    "一定要": "rule",
    "запрещено": "rule",
    "常に": "rule",
    # "from now on": what follows is how things are done from here
    "from now on": "rule",
    "going forward": "rule",
    "henceforth": "rule",
    "a partir de agora": "rule",
    "daqui em diante": "rule",
    "de agora em diante": "rule",
    "впредь": "rule",
    "отныне": "rule",
    "с этого момента": "rule",  # noqa: RUF001 -- Russian "from this moment"
    "从今以后": "rule",
    "今后": "rule",
    "从现在起": "rule",
    "从现在开始": "rule",
    "今後は": "rule",
    "これからは": "rule",
    "prefers": "preference",
    "prefer": "preference",
    "preferred": "preference",
    "likes": "preference",
    "dislikes": "preference",
    "loves": "preference",
    "hates": "preference",
    "wants": "preference",
    "doesn't want": "preference",
    "does not want": "preference",
    "doesn't like": "preference",
    "does not like": "preference",
    "don't like": "preference",
    "do not like": "preference",
    "i like": "preference",
    "we like": "preference",
    "prefiro": "preference",
    "preferimos": "preference",
    "não gosto": "preference",
    "eu gosto": "preference",
    "odeio": "preference",
    "предпочитаю": "preference",
    "предпочитаем": "preference",
    "люблю": "preference",
    "не люблю": "preference",
    "любит": "preference",
    "не любит": "preference",
    "prefere": "preference",
    "gosta": "preference",
    "não gosta": "preference",
    "предпочитает": "preference",
    "нравится": "preference",
    "не нравится": "preference",
    "喜欢": "preference",
    "讨厌": "preference",
    "不想": "preference",
    "好き": "preference",
    "嫌い": "preference",
    "好む": "preference",
    # blockers and reminders
    "blocked": "blocker",
    "blocking": "blocker",
    "waiting on": "blocker",
    "waiting for": "blocker",
    "awaiting": "blocker",
    "stuck on": "blocker",
    "unavailable": "blocker",
    "unreachable": "blocker",
    "indisponível": "blocker",
    "недоступен": "blocker",
    "недоступна": "blocker",
    "недоступно": "blocker",
    "недоступны": "blocker",
    "不可用": "blocker",
    "无法访问": "blocker",
    "利用できない": "blocker",
    "アクセスできない": "blocker",
    "bloqueado": "blocker",
    "aguardando": "blocker",
    "заблокирован": "blocker",
    "ждём": "blocker",
    "卡住": "blocker",
    "被阻": "blocker",
    "ブロック": "blocker",
    "remind": "reminder",
    "pending": "reminder",
    "提醒": "reminder",
    "リマインド": "reminder",
    "don't forget": "reminder",
    "remember to": "reminder",
    "lembrar": "reminder",
    "напомнить": "reminder",
    "не забыть": "reminder",
    "别忘": "reminder",
    "记得": "reminder",
    "忘れず": "reminder",
    # decisions
    "decided": "decision",
    "agreed": "decision",
    "chose": "decision",
    "decidimos": "decision",
    "decidiu": "decision",
    "decidi": "decision",
    "decidido": "decision",
    "decidiram": "decision",
    "решили": "decision",
    "решено": "decision",
    "决定": "decision",
    "決定": "decision",
    "确定了": "decision",
    "決めた": "decision",
    "決めました": "decision",
    "決まった": "decision",
    # lessons
    "learned": "learned",
    "learnt": "learned",
    "realized": "learned",
    "realised": "learned",
    "discovered": "learned",
    "lesson": "learned",
    "aprendi": "learned",
    "aprendemos": "learned",
    "понял": "learned",
    "поняли": "learned",
    "学到": "learned",
    "学んだ": "learned",
    "気づいた": "learned",
    # things finished
    "completed": "completed",
    "finished": "completed",
    "fixed": "completed",
    "resolved": "completed",
    "solved": "completed",
    "shipped": "completed",
    "deployed": "completed",
    "released": "completed",
    "launched": "completed",
    "merged": "completed",
    "implemented": "completed",
    "concluído": "completed",
    "corrigido": "completed",
    "resolvido": "completed",
    "готово": "completed",
    "исправлено": "completed",
    "сделано": "completed",
    "завершено": "completed",
    "完成": "completed",
    "搞定": "completed",
    "修复": "completed",
    "解决": "completed",
    "上线": "completed",
    "发布成功": "completed",
    "完了": "completed",
    "成功": "completed",
}

#: kinds a negation before their keyword does not undo: "doesn't like X" is
#: still a preference, "never deploy on Fridays" still a rule
UNNEGATED_KINDS: frozenset[str] = frozenset({"rule", "preference", "blocker", "reminder"})

#: an item holding one of these symbols reports an open problem (❌ 🔴 🚫 ⛔);
#: so does one opening with ⚠
BLOCKER_SYMBOLS: tuple[str, ...] = ("\u274c", "\U0001f534", "\U0001f6ab", "\u26d4")

#: a word that, one or two words before a keyword, says the opposite: "not
#: fixed yet", "never agreed", "nothing was decided", "ничего не решили",
#: "não decidimos". Words ending in "n't" count too ("haven't").
NEGATIONS: frozenset[str] = frozenset(
    {"not", "no", "never", "cannot", "nothing", "не", "ничего", "não", "nada", "nunca"}
)
#: characters that, just before a keyword of a script without spaces, say the
#: opposite: 还没决定, 未完成, 没有解决, 不决定
CJK_NEGATIONS: str = "没未不無无"

#: the label (casefolded) of when a routine runs again: "Next check: 15:00" is
#: the routine's schedule, no one's next step
ROUTINE_NEXT = re.compile(
    r"next (?:check|heartbeat|run|poll|sync|scan|update|report)"
    r"|下次(?:检查|心跳|运行)|次回(?:チェック|確認)"
)

#: a bold label naming a time (casefolded): "- **时间:** 早上 9:27" whose value is
#: only a date or a time is a heartbeat's time stamp, not a fact. Only these
#: labels: "**Deadline:** Friday" and "**Port:** 8080" are facts.
TIME_LABELS: frozenset[str] = frozenset(
    {
        "time",
        "date",
        "timestamp",
        "datetime",
        "date/time",
        "current time",
        "时间",
        "時間",
        "当前时间",
        "日期",
        "日付",
        "日時",
        "时刻",
        "時刻",
        "現在時刻",
    }
)


def _is_latin(term: str) -> bool:
    return all(
        char.isascii() or char in "áàâãçéêíóôõúüё" or "\u0400" <= char <= "\u04ff" for char in term
    )


def _terms_pattern(terms: list[str]) -> re.Pattern[str]:
    """Whole-word alternation of the Latin-script terms, longest first."""
    latin = sorted((t for t in terms if _is_latin(t)), key=len, reverse=True)
    return re.compile(
        r"(?<![\w-])(?:"
        + "|".join(re.escape(t).replace(r"\ ", r"\s+") for t in latin)
        + r")(?![\w-])"
    )


_NAME_WORDS = _terms_pattern(list(NAME_KINDS))
_NAME_PHRASES = tuple((t, k) for t, k in NAME_KINDS.items() if not _is_latin(t))
KEYWORD_PATTERN = _terms_pattern(list(KEYWORD_KINDS))
#: keywords of scripts without spaces, found anywhere in the text
KEYWORD_PHRASES: tuple[tuple[str, str], ...] = tuple(
    (t, k) for t, k in KEYWORD_KINDS.items() if not _is_latin(t)
)


#: labels and headers that name a kind only as the whole of it (casefolded):
#: ``Stuck: AJ's reply``, ``## Tasks``, ``待ち:``, but not ``Waiting room:``,
#: ``Cron tasks:``, ``待ち合わせ:`` (meeting up) or ``タスク管理ツール:``
WHOLE_NAME_KINDS: dict[str, str] = {
    "tasks": "todo",
    "task list": "todo",
    "open tasks": "todo",
    "a fazer": "todo",
    "сделать": "todo",
    "список задач": "todo",
    "要做": "todo",
    "任务清单": "todo",
    "タスク": "todo",
    "stuck": "blocker",
    "waiting": "blocker",
    "waiting on": "blocker",
    "waiting for": "blocker",
    "esperando": "blocker",
    "ждём": "blocker",
    "ждем": "blocker",
    "等待": "blocker",
    "待ち": "blocker",
    "次に": "reminder",
}
#: the whole of a label or header that says what follows is finished
#: (``Done: renew the domain``, the bullets under ``## Completed today``); a
#: finished item closes the open loop of the same text
DONE_NAMES: frozenset[str] = frozenset(
    {
        "done",
        "completed",
        "finished",
        "feito",
        "feitos",
        "concluído",
        "concluídos",
        "concluídas",
        "сделано",
        "готово",
        "выполнено",
        "完成",
        "已完成",
        "今日完成",
        "完了",
        "済み",
        "完了したこと",
    }
)
# The name inside a label or header's markup and emoji: "**Done today:**",
# "✅ 已完成". A question ("## Done?") names nothing.
_WHOLE_NAME = re.compile(r"[\W_]*(.+?)[^\w?\uff1f]*")
_DONE_WHEN = re.compile(r"(.+?)\s+(?:today|this week|hoje|сегодня)")


def whole_name_kind(text: str, *, header: bool = False) -> str | None:
    """The kind a label or header names as the whole of it: ``Stuck``, ``Done today``, ``待ち``.

    A header names no kind of ``WHOLE_NAME_KINDS``: under ``## Tasks`` or
    ``## Waiting`` people log what they did as often as what is to do, and a
    heartbeat's ``### Stuck`` lists "nothing".
    """
    match = _WHOLE_NAME.fullmatch(" ".join(text[:60].casefold().split()))
    if match is None:
        return None
    name = match.group(1)
    if name.endswith(("?", "\uff1f")):
        return None
    when = _DONE_WHEN.fullmatch(name)
    if name in DONE_NAMES or (when is not None and when.group(1) in DONE_NAMES):
        return "completed"
    return (None if header else WHOLE_NAME_KINDS.get(name)) or NAME_KINDS.get(name)


def name_kind(text: str, *, header: bool = False) -> str | None:
    """The kind a label (or, with ``header``, a section header) names
    (``Key decisions``, ``下一步``), or None."""
    whole = whole_name_kind(text, header=header)
    if whole is not None:
        return whole
    folded = text[:200].casefold()
    match = _NAME_WORDS.search(folded)
    if match is not None:
        return NAME_KINDS[" ".join(match.group().split())]
    for phrase, kind in _NAME_PHRASES:
        at = folded.find(phrase)
        if at >= 0 and not cjk_negated(folded, at, also="待要"):
            return kind  # not "## 未决定" (undecided), "## 待决定" (to be decided)
    return None


def cjk_negated(folded: str, start: int, *, also: str = "") -> bool:
    """True when a negation (or a character of ``also``) stands just before
    ``start``, perhaps after 还 or 有: 还没决定, 未完成, 没有解决. 要不 (how
    about) is no negation."""
    before = folded[max(0, start - 3) : start].rstrip("还有")
    return bool(before) and before[-1] in CJK_NEGATIONS + also and not before.endswith("要不")


#: kept for callers of earlier versions: a section header's kind
section_kind = name_kind


def importance_of(kind: str) -> float:
    """The importance of a kind, from ``KIND_IMPORTANCE``."""
    return KIND_IMPORTANCE.get(kind, DEFAULT_IMPORTANCE)


#: kinds that are open loops: something to do or something in the way. They
#: carry ``status`` ("open" until a completed item closes them, then "done")
#: and are brought back by an alert while open (``taskrunner/memory/loops.py``).
LOOP_KINDS: frozenset[str] = frozenset({"todo", "action", "reminder", "blocker"})


# A label's colon: not one between digits, as in "14:30".
_LABEL_COLON = re.compile(r"\uff1a|(?<!\d):|:(?!\d)")


def split_label(text: str) -> tuple[str, str] | None:
    """``Time: 9:27`` -> ("Time", "9:27"): the text before the first colon in 40 characters."""
    match = _LABEL_COLON.search(text, 0, 41)
    if match is None:
        return None
    at = match.start()
    return " ".join(text[:at].split()), text[at + 1 :].strip()
