# ruff: noqa: RUF001, RUF002 -- labels and separators in Chinese and Japanese are real
"""Tokens, keys and passwords in a note's text, replaced before anything is stored.

Daily notes hold secrets: a bot token pasted while setting up a channel, an
API key, ``password: hunter2``. The store is read by the agent's search and
copied into backups, so capture keeps the secret in the note only: each one
it recognises becomes ``[redacted]`` in the item text, and the run counts
them (``secrets_redacted``) without ever printing one.

Recognised: well-known key shapes (OpenAI/Anthropic ``sk-…``, GitHub
``ghp_…``/``github_pat_…``, Slack ``xox?-…``, Google ``AIza…``, AWS
``AKIA…``, Stripe ``sk_live_…``, Telegram bot tokens ``123456789:AA…``,
JWTs, PEM private-key headers, credentials in URLs ``https://user:pass@``)
and the value after a secret-naming label (``password: …``, ``api_key=…``,
``token: …``, ``密码：…``) or after a secret's name in a sentence when it looks
like one (``the wifi password is hunter2``, ``AWS secret key wJalr…``). Every
pattern is bounded: linear time on any line.
"""

from __future__ import annotations

import re
from collections.abc import Callable

#: what a recognised secret becomes in stored text
REDACTED = "[redacted]"

_KEY_SHAPES = (
    r"sk-(?:ant-|proj-|live-)?[A-Za-z0-9_\-]{20,200}",
    r"(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{30,100}",
    r"github_pat_[A-Za-z0-9_]{30,200}",
    r"xox[abposr]-[A-Za-z0-9\-]{10,200}",
    r"AIza[0-9A-Za-z_\-]{35}",
    r"(?:AKIA|ASIA)[0-9A-Z]{16}",
    r"(?:sk|rk|pk)_(?:live|test)_[0-9A-Za-z]{16,200}",
    r"glpat-[0-9A-Za-z_\-]{20,100}",
    r"npm_[A-Za-z0-9]{36}",
    r"xapp-\d-[A-Za-z0-9\-]{10,200}",
    r"hf_[A-Za-z0-9]{30,100}",
    r"eyJ[A-Za-z0-9_\-]{8,2000}\.eyJ[A-Za-z0-9_\-]{8,4000}\.[A-Za-z0-9_\-]{8,2000}",  # JWT
    r"-----(?:BEGIN|END) (?:[A-Z]{1,20} )?PRIVATE KEY-----",
)
_SHAPE = re.compile(
    r"(?<![A-Za-z0-9_\-])(?:" + "|".join(_KEY_SHAPES) + r")(?![A-Za-z0-9_\-])"
    # A Telegram bot token, also where the Bot API puts it: ".../bot123456789:AA…/sendMessage".
    r"|(?<![0-9])\d{6,12}:AA[A-Za-z0-9_\-]{30,100}(?![A-Za-z0-9_\-])"
    # What an HTTP Authorization header carries.
    r"|(?<=Bearer )[A-Za-z0-9._~+/\-]{16,2000}=*|(?<=Basic )[A-Za-z0-9+/]{12,2000}={0,2}"
)
# The base64 body of a PEM private key, a line of its own between the markers
# (and nothing anyone would keep as a memory outside them).
_PEM_BODY = re.compile(r"[A-Za-z0-9+/]{40,100}={0,2}")
# "https://user:secret@host": the password part of a URL's credentials, up to
# the last "@" before the host (a password may hold "@" itself).
_URL_CREDENTIALS = re.compile(r"(?<=://)([^\s:/@]{0,100}):[^\s/]+@(?=[^\s/@]+)")
# A label that names a secret, then ":" or "=" and the value (quoted or one
# word). Casefolded words, perhaps saying whose ("Password for the NAS:",
# "Senha do Wi-Fi:", "Пароль от Wi-Fi:"); CJK labels anywhere, also before
# 是/为/は ("路由器密码是 admin8899", "ルーターのパスワードは hunter2 です").
_SECRET_LABEL = re.compile(
    r"(?i)(?:(?<![A-Za-z0-9])(?:password|passwd|pwd|passphrase|secret|client[_ -]?secret"
    r"|api[_ -]?key|apikey|access[_ -]?key|secret[_ -]?key|private[_ -]?key|auth[_ -]?token"
    r"|access[_ -]?token|refresh[_ -]?token|bot[_ -]?token|token|senha|пароль"
    r"|authorization)(?![A-Za-z0-9])"
    r"(?:[ \t]+(?:for|of|to|do|da|de|от|для)[ \t]+[^:=\uff1a\n]{1,30}?)?"
    r"|(?:密码|密碼|パスワード|口令|密钥|秘钥)(?:[ \t]*(?:是|为|は))?)"
    r"[\"'`*]{0,2}[ \t]*(?:[:=\uff1a]|(?<=[是为は]))[ \t]*(?:\*\*[ \t]*)?"
    r"(?:(?i:bearer|basic|token)[ \t]+)?"
)
# The value, whole however long: a cut one would leave the rest of the secret.
# A comma inside it is part of it ("abc9f,def123xyz"); one before a space ends it.
_VALUE = re.compile(r"\"[^\"\n]+\"|'[^'\n]+'|`[^`\n]+`|(?:[^\s\"'`,;，；。]|,(?=\S))+")
# A passphrase is words: all of them, to the end of the clause.
_PHRASE = re.compile(r"[^\n,;，；。]+")
# A value (all of it) that names where the secret is rather than holding it:
# an environment variable (in capitals, as they are written), a placeholder,
# a mask, a word.
_NOT_A_VALUE = re.compile(
    r"\[redacted\]|\$\{?[A-Z_][A-Z0-9_]*\}?|<[^<>\s]{1,60}>|\*+|[xX]{4,}|\.{3}|…"
    r"|(?i:none|null|unset|empty|n/?a|required|set|ok|yes|no|see|in|from|env)[.:]?"
)
# A value that is a path to where the secret is kept ("token: ~/.config/x.env").
_PATH = re.compile(r"(?:~|\$HOME|\.{1,2})?/[^\s]*")


# A secret named in a sentence, with no colon: "the wifi password is hunter2",
# "AWS secret key wJalrXUtnFEMI/K7MDENG…", "a senha é abc12345". The value must
# look like one (see _looks_secret): "the password is required" is kept.
_SECRET_IN_SENTENCE = re.compile(
    r"(?i)(?<![A-Za-z0-9_])(?:password|passwd|passphrase|secret(?: access)?(?:[_ -]?key)?"
    r"|api[_ -]?key|access[_ -]?key|auth[_ -]?token|access[_ -]?token|bot[_ -]?token|token"
    r"|senha|пароль)(?![A-Za-z0-9_])[ \t]+"
    r"(?:((?:(?:is|was|has been)[ \t]+)?(?:re)?set[ \t]+to"
    r"|(?:is|was)[ \t]+(?:changed|updated)[ \t]+to|changed[ \t]+to"
    r"|(?:is|was)(?:[ \t]+(?:now|still))?|é|era|—|-|это)[ \t]+)?"
)
_SECRET_CLASSES = (str.islower, str.isupper, str.isdigit)


def _looks_secret(value: str, named: bool) -> bool:
    """Whether a word after a secret's name is the secret itself.

    After "is" (``named``): six characters or more, with a digit or a symbol
    (``hunter2``, ``p@ssw0rd``; not ``required``, ``expired``). Right after the
    name: a token's shape, sixteen characters or more mixing three of lower
    case, upper case, digits and symbols.
    """
    if len(value) < (6 if named else 16) or _NOT_A_VALUE.fullmatch(value) or _PATH.fullmatch(value):
        return False
    if named:
        return any(c.isdigit() or not c.isalnum() for c in value)
    kinds = sum(any(test(c) for c in value) for test in _SECRET_CLASSES)
    return kinds + any(not c.isalnum() for c in value) >= 3


def _sentence_value(text: str, name: re.Match[str]) -> tuple[int, int] | None:
    """Where the secret after a name in a sentence is, when the word looks like one."""
    value = _VALUE.match(text, name.end())
    if value is None:
        return None
    raw = value.group().rstrip(".!?)")
    inner = raw[1:-1] if raw[:1] in "\"'`" and len(raw) >= 2 else raw
    if not _looks_secret(inner, name.group(1) is not None):
        return None
    return value.start(), value.start() + len(raw)


# After 是/为/は the value is the printable ASCII run: the sentence goes on in CJK.
_ASCII_RUN = re.compile(r"[\x21-\x7e]+")


def _labelled_value(text: str, label: re.Match[str]) -> tuple[int, int] | None:
    """Where the value after a secret-naming label is, unless it says where the secret is."""
    if label.group().rstrip()[-1:] in ("是", "为", "は"):
        value = _ASCII_RUN.match(text, label.end())  # "密码是什么": no value, a question
    elif label.group().casefold().startswith("passphrase"):
        value = _PHRASE.match(text, label.end())
    else:
        value = _VALUE.match(text, label.end())
    if value is None:
        return None
    raw = value.group()
    inner = raw[1:-1] if raw[:1] in "\"'`" and len(raw) >= 2 else raw
    if _NOT_A_VALUE.fullmatch(inner) or _PATH.fullmatch(inner):
        return None  # "token: see ~/.config/x.env", "password: ${DB_PASS}"
    return value.span()


def _replace_values(
    text: str,
    names: re.Pattern[str],
    value_at: Callable[[str, re.Match[str]], tuple[int, int] | None],
    counter: list[int],
) -> str:
    """``text`` with the value ``value_at`` finds after each match of ``names`` redacted."""
    out: list[str] = []
    pos = 0
    for name in names.finditer(text):
        if name.start() < pos:
            continue
        span = value_at(text, name)
        if span is None:
            continue
        out.append(text[pos : span[0]])
        out.append(REDACTED)
        counter[0] += 1
        pos = span[1]
    out.append(text[pos:])
    return "".join(out)


# A table column that holds secrets, by its header cell.
_SECRET_COLUMN = re.compile(
    r"(?i)[*_`\s]*(?:password|passwd|pwd|passphrase|secret|client[_ -]?secret|api[_ -]?key"
    r"|apikey|access[_ -]?key|secret[_ -]?key|private[_ -]?key|token|auth[_ -]?token"
    r"|access[_ -]?token|bot[_ -]?token|senha|пароль|密码|密碼|パスワード|口令|密钥|秘钥)[*_`\s]*"
)


def redact_table_row(row: str, columns: tuple[str, ...]) -> tuple[str, int]:
    """``row`` with its cells under a secret-naming header (``| Password |``) redacted."""
    secret_at = {i for i, name in enumerate(columns) if _SECRET_COLUMN.fullmatch(name)}
    if not secret_at:
        return row, 0
    cells = row.split("|")
    first = 1 if cells and not cells[0].strip() else 0
    count = 0
    for i in secret_at:
        at = first + i
        if at >= len(cells) or (at == len(cells) - 1 and first and not cells[at].strip()):
            continue
        value = cells[at].strip()
        inner = value.strip("`\"'")
        if not value or _NOT_A_VALUE.fullmatch(inner) or _PATH.fullmatch(inner):
            continue
        cells[at] = f" {REDACTED} "
        count += 1
    return "|".join(cells), count


def redact(text: str) -> tuple[str, int]:
    """``text`` with every recognised secret replaced by ``[redacted]``, and how many."""
    if _PEM_BODY.fullmatch(text.strip()):
        return REDACTED, 1
    counter = [0]

    def shape(match: re.Match[str]) -> str:
        counter[0] += 1
        return REDACTED

    def url(match: re.Match[str]) -> str:
        counter[0] += 1
        return f"{match.group(1)}:{REDACTED}@"

    if "://" in text and "@" in text:
        text = _URL_CREDENTIALS.sub(url, text)
    text = _SHAPE.sub(shape, text)
    text = _replace_values(text, _SECRET_LABEL, _labelled_value, counter)
    text = _replace_values(text, _SECRET_IN_SENTENCE, _sentence_value, counter)
    return text, counter[0]
