"""Near-duplicate detection on word sets, exact at any scale.

Two word sets ``A`` and ``B`` are near-duplicates when their Jaccard
similarity is strictly above 0.9, computed in integers
(``10 * |A & B| > 9 * |A | B|``), and no word that only one of them has is a
guard token (``is_guard_token``): a token with a digit, a negation, one of a
short list of opposites, or a weekday or month name. "port 8080" and "port
8081", "we will deploy" and "we will not deploy", "keep it enabled" and
"keep it disabled", "on Tuesday" and "on Wednesday" stay apart. Whether a
line edited in place still holds a memory is another question, answered by
position and ``edit_similarity`` (``merge``), not by the guard.

For many sets at once, ``similarity_join`` finds every pair exactly;
``NearDuplicateIndex`` below answers one query at a time against a growing index.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from typing import Generic, TypeVar

from .normalize import CJK_CHARACTERS

K = TypeVar("K")

WORD_RE = re.compile(r"\w+")

#: negations: two texts that differ by one of these say opposite things
GUARD_WORDS = frozenset({"no", "not", "never", "cannot", "without", "nor", "t"})

#: opposites (and their inflections): "keep the job enabled" and "keep the
#: job disabled" are two different memories, however similar the rest
OPPOSITE_WORDS = frozenset(
    {
        *("enable", "enables", "enabled", "enabling"),
        *("disable", "disables", "disabled", "disabling"),
        *("on", "off"),
        *("increase", "increases", "increased", "increasing"),
        *("decrease", "decreases", "decreased", "decreasing"),
        *("add", "adds", "added", "adding"),
        *("remove", "removes", "removed", "removing"),
        *("allow", "allows", "allowed", "allowing"),
        *("deny", "denies", "denied", "denying"),
        *("start", "starts", "started", "starting"),
        *("stop", "stops", "stopped", "stopping"),
        *("before", "after"),
        *("true", "false"),
        *("yes", "no"),
        *("open", "opens", "opened", "opening"),
        *("close", "closes", "closed", "closing"),
    }
)


#: weekday and month names, whole words, in the languages of the notes
#: (English with the usual abbreviations, Portuguese, Russian with its case
#: endings): "deploy on Tuesday" and "deploy on Wednesday" are two memories.
CALENDAR_WORDS = frozenset(
    {
        # English
        *("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"),
        *("mondays", "tuesdays", "wednesdays", "thursdays", "fridays", "saturdays", "sundays"),
        *("mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun"),
        *("january", "february", "march", "april", "may", "june", "july", "august"),
        *("september", "october", "november", "december"),
        *("jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec"),
        # Portuguese ("segunda-feira" is the words "segunda" and "feira")
        *("segunda", "terça", "terca", "quarta", "quinta", "sexta", "sábado", "sabado"),
        "domingo",
        *("janeiro", "fevereiro", "março", "marco", "abril", "maio", "junho", "julho"),
        *("agosto", "setembro", "outubro", "novembro", "dezembro"),
        # Russian, in every case form
        *("понедельник", "понедельника", "понедельнику", "понедельником", "понедельнике"),
        *("понедельники", "понедельникам", "вторник", "вторника", "вторнику", "вторником"),
        *("вторнике", "вторники", "вторникам", "четверг", "четверга", "четвергу", "четвергом"),
        *("четверге", "четверги", "четвергам", "среда", "среды", "среду", "средой"),
        *("среде", "средам", "пятница", "пятницы", "пятницу", "пятницей", "пятнице"),
        *("пятницам", "суббота", "субботы", "субботу", "субботой", "субботе", "субботам"),
        *("воскресенье", "воскресенья", "воскресенью", "воскресеньем"),
        *("январь", "января", "январе", "январю", "январём", "январем", "февраль"),
        *("февраля", "феврале", "февралю", "февралём", "февралем", "апрель", "апреля"),
        *("апреле", "апрелю", "апрелём", "апрелем", "июнь", "июня", "июне", "июню"),
        *("июнём", "июнем", "июль", "июля", "июле", "июлю", "июлём", "июлем", "сентябрь"),
        *("сентября", "сентябре", "сентябрю", "сентябрём", "сентябрем", "октябрь"),
        *("октября", "октябре", "октябрю", "октябрём", "октябрем", "ноябрь", "ноября"),
        *("ноябре", "ноябрю", "ноябрём", "ноябрем", "декабрь", "декабря", "декабре"),
        *("декабрю", "декабрём", "декабрем", "март", "марта", "марте", "марту", "мартом"),
        *("август", "августа", "августе", "августу", "августом", "май", "мая", "мае"),
        *("маю", "маем"),
    }
)

#: every whole word that is a guard token
GUARD_TOKENS = GUARD_WORDS | OPPOSITE_WORDS | CALENDAR_WORDS

# Chinese and Japanese write without spaces, so a weekday or month is part of
# a longer \w+ token: 星期二, 周五, 禮拜三, 火曜日, 十二月 (1月 holds a digit).
_CJK_CALENDAR = re.compile(
    "星期[一二三四五六日天]|[周週][一二三四五六日]|[礼禮]拜[一二三四五六日天]"
    "|[月火水木金土日]曜|[一二三四五六七八九十]月"
)


def words(text: str) -> frozenset[str]:
    """The word set of a memory text: ``\\w+`` tokens of the casefolded text."""
    return frozenset(WORD_RE.findall(text.casefold()))


def is_guard_token(token: str) -> bool:
    """True for a token that must never differ between merged texts.

    A token with a digit, or one of ``GUARD_TOKENS`` (negations, opposites,
    weekday and month names), or a Chinese/Japanese token holding a weekday
    or month name.
    """
    if token in GUARD_TOKENS:
        return True
    if token.isascii():
        # An alphabetic token holds no digit; only the rest need a character scan.
        return not token.isalpha() and any(ch.isdigit() for ch in token)
    return any(ch.isdigit() for ch in token) or _CJK_CALENDAR.search(token) is not None


def is_near_duplicate(a: frozenset[str], b: frozenset[str]) -> bool:
    """``10 * |A & B| > 9 * |A | B|`` and no guard token in the symmetric difference."""
    overlap = len(a & b)
    if 10 * overlap <= 9 * (len(a) + len(b) - overlap):
        return False
    return not any(is_guard_token(token) for token in a ^ b)


#: the share of a line an edit in place keeps, in order, at least (``difflib``'s
#: ratio over its words, a Chinese or Japanese character counting as a word):
#: ``Port: 8080`` to ``Port: 8081``, ``Call Sam`` to ``Call Ana``, ``馆长喜欢清淡``
#: to ``馆长喜欢辣``; not ``Call the plumber`` to ``Buy eggs for the party``
EDIT_SIMILARITY = 0.5

# Words of spaced scripts, single characters of the others: a Chinese or
# Japanese line is one \w+ word, and its edits are of characters.
_EDIT_UNITS = re.compile(f"[{CJK_CHARACTERS}]|[^\\W{CJK_CHARACTERS}]+")


def edit_similarity(old: str, new: str) -> float:
    """How much of ``old`` the line now holding ``new`` kept: ``difflib``'s ratio
    over their words (casefolded), a CJK character counting as a word.

    Over words, not characters: a 2,000-character line is a few hundred words,
    and the ratio costs the product of the two lengths. Below
    ``EDIT_SIMILARITY`` the cheap upper bounds answer, and 0.0 stands for "not
    an edit".
    """
    a = _EDIT_UNITS.findall(old.casefold())
    b = _EDIT_UNITS.findall(new.casefold())
    if not a or not b:
        return 0.0  # a text without a word is no memory, and nothing to edit
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    if matcher.real_quick_ratio() < EDIT_SIMILARITY or matcher.quick_ratio() < EDIT_SIMILARITY:
        return 0.0
    return matcher.ratio()


def jaccard(a: AbstractSet[object], b: AbstractSet[object]) -> float:
    """Jaccard similarity for reports (two empty sets: 1.0 when equal)."""
    union = len(a | b)
    return len(a & b) / union if union else 1.0


def brute_force_pairs(sets: Sequence[frozenset[str]]) -> list[tuple[int, int]]:
    """Every near-duplicate pair by comparing all pairs: the definition, for tests."""
    return [
        (i, j)
        for i in range(len(sets))
        for j in range(i + 1, len(sets))
        if is_near_duplicate(sets[i], sets[j])
    ]


_GUARD_RANK_OFFSET = 1 << 40
_UNSEEN_RANK = -(1 << 62)


class NearDuplicateIndex(Generic[K]):
    """Keys by word set; ``query`` returns every key whose set is a near-duplicate.

    Exact. Only sets sharing a token with the query's prefix are verified,
    and only when their sizes are compatible. Token ranks are assigned on
    first sight and never change, so ``add`` and ``query`` may interleave;
    tokens first seen in a query rank before every indexed token, which
    makes a query made mostly of words the index has never seen end at once.
    Index the smaller side (the new items) and stream the larger through
    ``query``.
    """

    def __init__(self) -> None:
        self._keys: list[K] = []
        self._sets: list[frozenset[str]] = []
        self._postings: dict[str, list[int]] = {}
        self._rank: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self._keys)

    def add(self, key: K, words: frozenset[str]) -> None:
        """Index ``words`` under ``key``."""
        position = len(self._keys)
        self._keys.append(key)
        self._sets.append(words)
        if not words:
            return
        rank = self._rank
        for token in words:
            if token not in rank:
                # Later-seen tokens rank first: common words show up early, so
                # rare ones fill the prefixes. Guard tokens rank last (every
                # candidate shares them, so they filter nothing). A rank never
                # changes once given, which keeps the order global.
                rank[token] = -len(rank) + (_GUARD_RANK_OFFSET if is_guard_token(token) else 0)
        ordered = sorted(words, key=rank.__getitem__)
        postings = self._postings
        for token in ordered[: len(words) - (9 * len(words)) // 10]:
            posting = postings.get(token)
            if posting is None:
                postings[token] = [position]
            else:
                posting.append(position)

    def query(self, words: frozenset[str]) -> list[K]:
        """Every added key whose words are near-duplicates of ``words``, in insertion order."""
        size = len(words)
        if not size:
            return []
        postings = self._postings
        candidates: set[int] = set()
        rank = self._rank
        # A token the index has never seen is in no indexed set: ranking it
        # before every known token keeps the order global and makes the
        # probe prefix as selective as it can be.
        ordered = sorted(words, key=lambda token: rank.get(token, _UNSEEN_RANK))
        for token in ordered[: size - (9 * size) // 10]:
            posting = postings.get(token)
            if posting is not None:
                candidates.update(posting)
        if not candidates:
            return []
        sets = self._sets
        keys = self._keys
        found: list[K] = []
        for position in sorted(candidates):
            other = sets[position]
            small, large = (size, len(other)) if size <= len(other) else (len(other), size)
            if 10 * small > 9 * large and is_near_duplicate(words, other):
                found.append(keys[position])
        return found
