"""What an item's own words say it is: a marker (``TODO:``, ``fixme:``, a mid-line
``— TODO: …``), a label naming a kind (``Decision: …``), a keyword no negation
undoes (``prefers``, ``always``, ``blocked``), a blocker symbol (❌).

The tables (which words, which kinds) are in ``kinds``; ``extract`` decides
which of these an item is asked, in what order, given its section and markup.
"""

from __future__ import annotations

import re

from .kinds import (
    BLOCKER_SYMBOLS,
    KEYWORD_KINDS,
    KEYWORD_PATTERN,
    KEYWORD_PHRASES,
    LOOP_KINDS,
    MARKER_KINDS,
    MIDLINE_MARKERS,
    NEGATIONS,
    UNNEGATED_KINDS,
    cjk_negated,
    name_kind,
    split_label,
    whole_name_kind,
)
from .noise import is_question, is_timestamp
from .text_shapes import PARENTHESES

_WORD = re.compile(r"\w+")
# A past-tense verb after "never"/"always": narration, not an instruction
# ("we never agreed"); verbs that only end in "-ed" give the instruction
# ("never feed the cat", "must exceed 12 characters").
_NARRATED = re.compile(
    r"\s+(?!(?:feed|need|exceed|proceed|succeed|speed|bleed|breed|heed|embed|shed|shred|wed"
    r"|seed|weed)\b)\w+ed\b"
)
# An instruction opening with a negation: "Don't use emojis", "Do not share it".
_NEGATED_IMPERATIVE = re.compile(
    r"(?:please[ ,]+)?(?:don'?t|don\u2019t|do not|never)\s+\w|别(?![人的处])|勿|切勿|请勿"
)
# A blocker said to be over: "no longer blocked", "not blocking anymore", "不再卡住".
_RESOLVED = re.compile(
    r"\b(?:no longer|not any ?more|anymore|any more|no more|nothing is|nothing's|"
    r"unblocked|resolved)\b"
    r"|不再|不卡|已解决|解决了|已解除|もう.{0,6}ない|解消|больше не|já não|não está mais"
)
# A marker, perhaps with an owner, then a colon or a dash: "TODO(alice): x",
# "TODO - x". The owner stops at the first paren: no backtracking.
_MARKER = re.compile(
    r"(" + "|".join(MARKER_KINDS) + r")(?![\w-])(?:\(([^()\n]{1,40})\))?"
    r"[ \t]*([:\uff1a]|[-\u2013\u2014](?=[ \t]|$))?[ \t]*",
    re.IGNORECASE,
)
# A marker in mid-line: "CLAUDE.md is stale — TODO: update it".
_MIDLINE = re.compile(r"(?<![\w-])(" + "|".join(MARKER_KINDS) + r")[:\uff1a]", re.IGNORECASE)
# Where a clause ends: a negation before it does not reach the keyword.
_CLAUSE_END = re.compile(r"[,.;:!?\uff0c\u3002\uff1b\uff1a\uff01\uff1f\u3001]")
# Words as the negation check sees them: "haven't" is one, "no-op" is not "no".
_NEGATION_WORD = re.compile(r"[\w'\u2019-]+")


def has_word(text: str) -> bool:
    return _WORD.search(text) is not None


def keyword_kind(text: str) -> str | None:
    """The kind of the first keyword in ``text`` that no negation undoes."""
    folded = text[:2000].casefold()
    found: list[tuple[int, str]] = []
    for match in KEYWORD_PATTERN.finditer(folded):
        kind = KEYWORD_KINDS[" ".join(match.group().split())]
        if kind == "rule" and _NARRATED.match(folded, match.end()):
            continue  # "we never agreed on it" tells what happened, it sets no rule
        if kind == "blocker" and _resolved(folded, match.start(), match.end()):
            continue  # "the migration is no longer blocked": over, not open
        if kind == "decision" and _UNSETTLED.search(
            folded, max(0, match.start() - 20), match.start()
        ):
            continue  # "to be decided", "will be agreed": not yet
        if kind == "preference" and _asks(folded, match.start(), match.end()):
            continue  # "Do I like the new layout?": a question, no preference
        if kind in UNNEGATED_KINDS or not _negated(folded, match.start()):
            found.append((match.start(), kind))
            break
    for phrase, kind in KEYWORD_PHRASES:
        at = folded.find(phrase)
        if kind == "blocker" and at >= 0 and _resolved(folded, at, at + len(phrase)):
            continue
        while at >= 0 and kind not in UNNEGATED_KINDS and cjk_negated(folded, at):
            at = folded.find(phrase, at + 1)  # "还没决定": nothing was decided; a later one may be
        if at >= 0 and (not found or at < found[0][0]):
            found = [(at, kind)]
    if not found and _NEGATED_IMPERATIVE.match(folded.lstrip()) is not None:
        return "rule"
    return found[0][1] if found else None


# A decision still to come: "to be decided", "will be agreed", "yet to be chosen".
_UNSETTLED = re.compile(r"\b(?:to|will|must|should|shall|can)\s+be\s+$")


def _asks(folded: str, start: int, end: int) -> bool:
    """True when the clause of a keyword is a question that opens as one:
    "Do I like the new layout?", not "Ana prefers Annie, right?"."""
    after = _CLAUSE_END.split(folded[end : end + 200], maxsplit=1)[0]
    rest = folded[end : end + len(after) + 1]
    if "?" not in rest and "\uff1f" not in rest:
        return False
    clause = _CLAUSE_END.split(folded[max(0, start - 80) : start])[-1].split()
    return bool(clause) and clause[0] in _AUXILIARIES


#: words opening a question: "Do I like…?", "Would Sam prefer…?"
_AUXILIARIES: frozenset[str] = frozenset(
    {"do", "does", "did", "would", "will", "is", "are", "can", "could", "should", "shall"}
    | {"why", "what", "who", "how", "when", "where", "which"}
)


def _resolved(folded: str, start: int, end: int) -> bool:
    """True when the clause of a blocker's keyword says it is over."""
    before = _CLAUSE_END.split(folded[max(0, start - 60) : start])[-1]
    after = _CLAUSE_END.split(folded[end : end + 60])[0]
    return _RESOLVED.search(f"{before}{folded[start:end]}{after}") is not None


#: kinds a header ending on their keyword gives the items under it
_TOPIC_KINDS: frozenset[str] = frozenset({"preference", "rule", "decision", "learned"})
#: a topic header is a title, not a sentence
_TOPIC_MAX_WORDS = 8
# How a topic title opens: "Things/Stuff/What/Everything …", "Coisas que …",
# "O que …", "Что …"; a title opening otherwise states something.
_TOPIC_OPENING = re.compile(
    r"(?:things|stuff|what|everything|coisas|o que|tudo o que|что|то,? что|всё,? что|все,? что)\b"
)
# Words that leave a topic unsettled: "to be decided", "what Sam may prefer", "who decided".
# Matched on the title as written: "May" is a name, "may" a hedge; 待 and 需要
# only just before the keyword (接待处 is a reception desk).
_TOPIC_HEDGE = re.compile(
    r"(?i:\b(?:to be|might|would|could|should|who|why|how|if|whether|pode|talvez)\b)|\bmay\b"
    r"|(?:待|需要|要)(?=决定|決定|定)"
)


def topic_kind(title: str) -> str | None:
    """The kind of a header that ends on its keyword: ``## Stuff Sam prefers``,
    ``## Things we decided``, ``## 馆长喜欢的``. It names what the items under it
    are, as ``## Preferences`` does, and states nothing itself. A negated one
    names nothing: ``## Not yet decided``, ``## 未决定``.
    """
    folded = title[:200].casefold().rstrip()
    while folded and not folded[-1].isalnum():
        folded = folded[:-1]  # "## What Sam likes:", "## Sam prefers 🎯"
    if len(folded.split()) > _TOPIC_MAX_WORDS:
        return None
    if _TOPIC_HEDGE.search(title[:200]) is not None:
        return None  # "## To be decided", "## What Sam may prefer": nothing settled
    for phrase, kind in KEYWORD_PHRASES:
        # Only a noun phrase: "馆长喜欢的", "好きなもの"; "田中さんは寿司が好き" states it.
        for ending in (phrase + "的", phrase + "の", phrase + "なもの", phrase + "なこと"):
            if folded.endswith(ending):
                at = len(folded) - len(ending)
                return None if kind not in _TOPIC_KINDS or cjk_negated(folded, at) else kind
    if _TOPIC_OPENING.match(folded) is None:
        return None  # "## Dark mode is what Sam prefers", "## Reply in Portuguese, always"
    last = None
    for match in KEYWORD_PATTERN.finditer(folded):
        last = match
    if last is None or last.end() != len(folded):
        return None
    kind = KEYWORD_KINDS[" ".join(last.group().split())]
    if kind not in _TOPIC_KINDS or _negated(folded, last.start()):
        return None
    return kind


def is_question_title(title: str) -> bool:
    """A header that is a question as a whole, so it states nothing: ``## Do we
    always deploy on Fridays?``, ``## Open question: what does Sam prefer``.
    ``## Shipped v2 (finally?)`` and ``## Question: which DB — decided
    Postgres`` state something."""
    bare = PARENTHESES.sub(" ", title[:200])
    if is_question(bare):
        return True
    match = _QUESTION_LABEL.match(bare)
    if match is None:
        return False
    # Answered when what follows the question says something: "— decided
    # Postgres"; "what does Sam prefer, tea or coffee" lists options only.
    parts = _ANSWER_BREAK.split(bare[match.end() :], maxsplit=1)
    if len(parts) < 2 or _OTHER_OPTION.match(parts[1]) is not None:
        return True  # "…, or never": one more option, no answer
    return keyword_kind(parts[1]) is None


def without_guesses(title: str) -> str:
    """A header without what it guesses: ``## Sam may prefer`` states nothing,
    ``## Sam prefers tea; maybe Ana wants coffee`` still Sam's preference,
    ``## Always CC Ana — she might want a copy`` still the rule."""
    return _GUESSED.sub(" ", title[:200])


#: question words besides the auxiliaries, in the other languages of the notes
_QUESTION_WORDS: frozenset[str] = frozenset(
    {"whom", "whose", "whether", "o que", "qual", "quais", "quem", "como", "quando"}
    | {"onde", "será", "что", "какой", "какая", "какую", "кто", "как", "когда", "где"}
    | {"почему", "стоит ли"}
)
_OTHER_OPTION = re.compile(r"(?i)\s*(?:or|ou|или|还是|或者|それとも)(?![^\W\d_])")
# Where an answer may follow a question: "## Question: which DB — decided Postgres".
_ANSWER_BREAK = re.compile(r"[.!?;,\u2013\u2014\u3001\u3002\uff01\uff1f\uff1b\uff0c]|\s-\s")
# "Open question: what …", "Pergunta: o que …", "问题: 要不要 …": a label, then a question word.
_QUESTION_LABEL = re.compile(
    r"(?i)[\W_]*(?:open questions?|questions?|pergunta|вопрос|问题|疑問)\s*[:\uff1a]\s*(?:(?:"
    + "|".join(sorted(_AUXILIARIES | _QUESTION_WORDS))
    + r")\b|什么|哪|谁|怎么|为什么|是否|要不要|何|どう|なぜ)"
)
# A guess just before the liking or the choice it guesses: "Sam may prefer",
# "what Sam might like", "Ana maybe wants", "可能喜欢", "好きかも". "May" is a name.
_GUESSED_KEYWORD = (
    r"(?i:prefers?|preferred|likes?|loves?|hates?|dislikes?|wants?|decided|chose|prefere|gosta"
    r"|decidiu|предпочита\w*|любит|решил\w*)\b"
)
_GUESSED = re.compile(
    r"\b(?:may|(?i:might))\s+(?:(?i:also|not|still)\s+)?"
    + _GUESSED_KEYWORD
    + r"|(?i:\b(?:maybe|perhaps|possibly|probably|talvez|возможно|может быть))[,\s]+"
    r"(?:[^\W\d_]+\s+)?"
    + _GUESSED_KEYWORD
    + r"|(?<![尽利不])(?:可能|也许|或许)(?:会|更|比较)?(?:喜欢|偏好|讨厌|想要|决定)"
    r"|(?:好き|嫌い)(?:なの)?かも"
)


def says_not(text: str) -> bool:
    """Whether ``text`` says it is not done: "Started the migration, not
    finished", "still not paid", "还没付房租", "まだ". Only such phrases: a
    negation elsewhere ("Fix the bug that does not let Sam log in", 无线,
    没问题) says nothing of the item being done."""
    return _NOT_DONE.search(text[:400].casefold()) is not None


# Not done, in the languages of the notes.
_NOT_DONE = re.compile(
    r"\b(?:not (?:yet|done|finished|complete|completed|paid|sent|fixed|started)|still not"
    r"|didn't|didn\u2019t|did not|couldn't|couldn\u2019t|could not|unfinished|half done"
    r"|ainda não|não (?:terminei|consegui|acabei)|não foi feito|ещё не|еще не|не успел\w*"
    r"|не сделал\w*|не готово)\b"
    r"|还没|还未|尚未|没有[做完修付办交弄成]|未完|没完|没做|没修|没付|没办|没交|不能|无法|未能"
    r"|まだ|できなかった|していない|してない|未対応"
)


# The opening of a line saying what is left to do.
_LEFT_TO_DO = re.compile(
    r"(?i)[\W_]*(?:(?:still|not yet|tomorrow|later|left|remaining|next|open|to do|pending|todo"
    r"|amanhã|ainda|falta|pendente|завтра|осталось|ещё не|еще не)(?![\w.-])"
    r"|明天|还没|未完成|待办|まだ|明日|残り)"
)


def opens_what_is_left(line: str, *, labels: bool = True) -> bool:
    """``Still open:``, ``Tomorrow``, ``明天``, and with ``labels`` a loop's name
    (``Reminders:``): what follows is not done."""
    if _LEFT_TO_DO.match(line) is not None:
        return True
    return labels and name_kind(line.rstrip(":\uff1a")) in LOOP_KINDS


def _negated(folded: str, start: int) -> bool:
    """True when one of the two words before ``start``, in its clause, is a negation.

    "Bug is not fixed yet", "Haven't decided": the keyword is not a fact.
    """
    window_start = max(0, start - 60)
    before = folded[window_start:start]
    clause = _CLAUSE_END.split(before)[-1]
    found = _NEGATION_WORD.findall(clause)
    if window_start > 0 and len(clause) == len(before) and found:
        found = found[1:]  # the window may have cut the first word in two
    last = found[-2:]
    return any(
        (word in NEGATIONS or word.endswith(("n't", "n\u2019t")))
        and (index + 1 >= len(last) or last[index + 1] not in _NOT_NEGATING)
        for index, word in enumerate(last)
    )


#: words that make a negation before them no negation: "not only", "não só", "no doubt"
_NOT_NEGATING: frozenset[str] = frozenset({"only", "just", "doubt", "só", "apenas", "только"})


def label_kind(text: str) -> tuple[str, str] | None:
    """``Decision: use SQLite`` -> ("decision", "use SQLite"); ``New rule: x`` -> ("rule", …).

    A label that is only a kind's name is dropped from the text; a longer
    one (``Pending prod approval: font, contrast``) is part of what it says.
    """
    label = split_label(text)
    if label is None or not label[1]:
        return None
    whole = whole_name_kind(label[0])
    kind = whole or name_kind(label[0])
    if kind is None:
        return None
    if is_timestamp(text):
        return None  # "Next check: 15:00": when the routine runs again, no one's step
    if kind == "blocker" and _WAIT_TIME.match(label[1]):
        return None  # "Waiting: 5 minutes for the build to start": how long, not what blocks
    return kind, (label[1] if whole is not None else text)


# A time waited: "5 minutes", "2 h", "10 分钟".
_WAIT_TIME = re.compile(
    r"(?:about |~|约|約)?\d+(?:[.,]\d+)?\s*(?:s|secs?|seconds?|min|mins|minutes?|h|hrs?|hours?"
    r"|минут\w*|час\w*|minutos?|horas?)(?![^\W\d_])|(?:约|約)?\d+\s*(?:分钟|分|秒|小时|時間)"
)


def marker_kind(text: str) -> tuple[str, str] | None:
    """``TODO(alice): rotate keys`` -> ("todo", "rotate keys (alice)"); ``a — TODO: b`` too.

    At the start, a marker in capitals needs no colon, in any other case it
    does. In mid-line it needs a colon, and capitals unless it is TODO or
    FIXME; the whole text is the item there.
    """
    match = _MARKER.match(text)
    if match is not None and match.group(1).upper() == "DONE" and not _done_marker(text, match):
        match = None
    if match is not None and (match.group(1).isupper() or match.group(3)):
        rest = text[match.end() :]
        owner = (match.group(2) or "").strip()
        if owner and has_word(rest):
            rest = f"{rest} ({owner})"
        return MARKER_KINDS[match.group(1).upper()], rest
    for found in _MIDLINE.finditer(text, 1):
        word = found.group(1)
        if word.upper() == "DONE":
            continue  # "NOT DONE: renew the domain" says the opposite
        if word.isupper() or word.upper() in MIDLINE_MARKERS:
            return MARKER_KINDS[word.upper()], text
    return None


# A value that says there is nothing: "Stuck: nothing", "Tasks: 0 open", "等待: 无".
_NOTHING = re.compile(
    r"[\W_]*(?:none|nothing|no|nope|n/?a|nil|0(?:\s+open)?|zero|all done|see below|nada|nenhum"
    r"|nenhuma|ничего|нет|无|没有|暂无|なし|ない|特になし)[\W_]*",
    re.IGNORECASE,
)


def is_nothing(text: str) -> bool:
    """A loop label's value that says there is none: ``none``, ``n/a``, ``无``, ``なし``."""
    return _NOTHING.fullmatch(text) is not None


# Only how many: "3 of 5 finished", "3/5 done", "2 open", "4 件未完成".
# A number alone says something ("Blocker: 403", "TODO: 1099", "Done: #42"):
# only a number with what state it counts is a tally.
_TALLY = re.compile(
    r"[\W_]*(?:~|about |约|約)?\d+(?:\s*(?:/|of|из|de|中)\s*\d+)?\s*(?:[个件条項项]|tasks?|items?"
    r"|todos?|tarefas?|задач\w*)?\s*(?:open|done|finished|complete|completed|left|remaining"
    r"|pending|closed|to go|abertas?|feitas?|pendentes?|открыт\w*|готов\w*|осталось|сделан\w*"
    r"|完成|已完成|待办|未完成|残り|完了)[\W_]*",
    re.IGNORECASE,
)


def is_tally(text: str) -> bool:
    """A loop label's value that only counts: ``Tasks: 3 of 5 finished``, ``Todos: 2 open``.

    How far along a list is, not a thing to do."""
    return _TALLY.fullmatch(text) is not None


#: marks that say an item is finished when they open or close it: "Renew the domain ✅"
DONE_SYMBOLS: tuple[str, ...] = ("\u2705", "\u2714", "\u2611")
_STRUCK = re.compile(r"\s*~~(?!~).+~~\s*", re.DOTALL)


def is_struck(content: str) -> bool:
    """The whole item struck through: ``~~TODO: renew the domain~~`` is done."""
    return _STRUCK.fullmatch(content) is not None and "~~" not in content.strip()[2:-2]


def done_mark(content: str) -> bool:
    """Whether the item's own markup says it is finished: a ✅ or ✔ opening or
    closing it, or the whole of it struck through. A blocker symbol anywhere
    wins: ``✅ Backup ran, ❌ upload failed`` reports a failure."""
    if symbol_kind(content) is not None or "\u26a0" in content:
        return False  # "✅ Backup ran, ⚠️ upload slow": something is not done
    bare = content.strip().replace("\ufe0f", "")
    return bare.startswith(DONE_SYMBOLS) or bare.endswith(DONE_SYMBOLS) or is_struck(content)


def _done_marker(text: str, match: re.Match[str]) -> bool:
    """``DONE: x``, ``DONE - x``, ``DONE renew x``; not ``DONE? Not yet``,
    ``DONE. Moving on`` or ``DONE DEAL with the landlord``."""
    if match.group(3):
        return True
    rest = text[match.end() :]
    return match.group(1).isupper() and rest[:1].islower()


def symbol_kind(content: str) -> str | None:
    """❌, 🔴, 🚫, ⛔ (anywhere) or ⚠ (opening the item) report an open problem."""
    if content.lstrip().startswith("\u26a0") or any(s in content for s in BLOCKER_SYMBOLS):
        return "blocker"
    return None
