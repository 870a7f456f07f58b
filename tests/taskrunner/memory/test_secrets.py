# ruff: noqa: RUF001 -- full-width colons are how Chinese notes write labels
"""Secrets in notes (taskrunner.memory.secrets): replaced in stored text, counted, never printed."""

from __future__ import annotations

import json
import re
import string
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from support.capture import capture, memories, write_note
from taskrunner.memory.extract import extract_items
from taskrunner.memory.secrets import REDACTED, redact

ALNUM = string.ascii_letters + string.digits


def _chars(alphabet: str, size: int) -> st.SearchStrategy[str]:
    return st.text(alphabet, min_size=size, max_size=size)


#: generated secrets of every recognised shape
secrets = st.one_of(
    _chars(ALNUM, 40).map(lambda s: "sk-" + s),
    _chars(ALNUM, 40).map(lambda s: "sk-proj-" + s),
    _chars(ALNUM, 40).map(lambda s: "sk-ant-" + s),
    _chars(ALNUM, 36).map(lambda s: "ghp_" + s),
    _chars(ALNUM, 40).map(lambda s: "github_pat_" + s),
    _chars(ALNUM + "-", 30).map(lambda s: "xoxb-" + s),
    _chars(ALNUM + "_-", 35).map(lambda s: "AIza" + s),
    _chars(string.ascii_uppercase + string.digits, 16).map(lambda s: "AKIA" + s),
    _chars(ALNUM, 24).map(lambda s: "sk_live_" + s),
    _chars(ALNUM, 36).map(lambda s: "npm_" + s),
    _chars(ALNUM + "-", 30).map(lambda s: "xapp-1-" + s),
    st.tuples(st.integers(100000, 9999999999), _chars(ALNUM + "_-", 33)).map(
        lambda t: f"{t[0]}:AA{t[1]}"
    ),
    st.tuples(_chars(ALNUM, 20), _chars(ALNUM, 30), _chars(ALNUM + "_-", 43)).map(
        lambda t: f"eyJ{t[0]}.eyJ{t[1]}.{t[2]}"
    ),
)
#: a label naming a secret, and a value after it
labelled = st.tuples(
    st.sampled_from(["password", "Password", "PASSWORD", "api_key", "API key", "token", "密码"]),
    st.sampled_from([": ", "=", "：", ": **"]),
    _chars(ALNUM + "!#%&+", 12),
)
#: ordinary words: no ":" or "=", so no label; no "-", "_" or capitals, so no key shape;
#: no word naming a secret, so no secret named in a sentence
ordinary = st.text(string.ascii_lowercase + string.digits + " .,!?", max_size=80).filter(
    lambda text: re.search(r"password|passwd|passphrase|secret|key|token|senha", text) is None
)


@given(before=ordinary, secret=secrets, after=ordinary)
def test_a_key_never_survives(before: str, secret: str, after: str) -> None:
    text, count = redact(f"{before} {secret} {after}")
    assert secret not in text and REDACTED in text and count >= 1


@given(before=ordinary, label=labelled, after=ordinary)
def test_a_labelled_password_never_survives(
    before: str, label: tuple[str, str, str], after: str
) -> None:
    name, separator, value = label
    text, count = redact(f"{before} {name}{separator}{value} {after}")
    assert (text, count) == (f"{before} {name}{separator}{REDACTED} {after}", 1)


@given(ordinary)
def test_ordinary_text_is_unchanged(text: str) -> None:
    assert redact(text) == (text, 0)


@pytest.mark.parametrize(
    "text",
    [
        "password: ${DB_PASSWORD}",  # where the secret is, not the secret
        "token: see ~/.config/app.env",
        "password: [redacted]",
        "the token budget is 50 dollars",
        "tokens used: 182k",
        "GEMINI_API_KEY set in the env",
        "Token 使用：约 60 刀",
        "sk-short is not a key",
        # where a secret is kept, or a placeholder for it
        "password: ${DB_PASS}",
        "api_key=$API_KEY",
        "token: see ~/.config/x.env",
        "password: ~/.secrets/db",
        "password: xxxx",
        "password: ***",
        "token: <your-token>",
    ],
)
def test_references_placeholders_and_counts_are_not_secrets(text: str) -> None:
    assert redact(text) == (text, 0)


def test_url_credentials_lose_their_password() -> None:
    assert redact("clone https://bob:s3cr3t@git.example.com/repo.git") == (
        f"clone https://bob:{REDACTED}@git.example.com/repo.git",
        1,
    )


def test_extraction_redacts_before_the_text_is_cut() -> None:
    key = "sk-" + "a" * 60
    (item,) = extract_items(f"- **API key:** {key} for the bot\n")
    assert item.text == f"API key: {REDACTED} for the bot" and item.secrets == 1


def test_capture_stores_no_secret_counts_them_and_prints_none(
    workspace: Path, state_dir: Path
) -> None:
    bot = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
    key = "ghp_" + "x1Y2z3" * 6
    write_note(
        workspace,
        "2026-02-13.md",
        f"## Telegram\n- Bot token: {bot}\n- TODO: rotate {key}\n- password: hunter2hunter2\n",
    )
    for dry_run in (True, False):
        run = capture(workspace, state_dir, dry_run=dry_run)
        assert run.result["secrets_redacted"] == 3
        printed = json.dumps([run.result, run.alerts, run.logs], ensure_ascii=False)
        assert bot not in printed and key not in printed and "hunter2" not in printed
    stored = (workspace / "memory" / "store.json").read_text()
    assert bot not in stored and key not in stored and "hunter2" not in stored
    assert {m["text"] for m in memories(workspace)} == {
        f"Bot token: {REDACTED}",
        f"rotate {REDACTED}",
        f"password: {REDACTED}",
    }


@pytest.mark.parametrize(
    ("line", "secret"),
    [
        ("DB password: $uperS3cret!", "$uperS3cret!"),  # "$" then a letter: no variable
        ("wifi password: xxxxK9m2q", "K9m2q"),  # a mask only when it is all mask
        ("set password: p4ss/w0rd.77", "w0rd.77"),  # slashes and dots: no path
        ("token: " + "a" * 260, "a" * 40),  # however long
        ('password: "' + "b" * 210 + '"', "b" * 40),
        ("https://admin:p@ssw0rd@db.example.com/x", "ssw0rd"),  # "@" in the password
    ],
)
def test_secrets_that_look_like_references_are_still_secrets(line: str, secret: str) -> None:
    text, count = redact(line)
    assert secret not in text and count == 1, text


@pytest.mark.parametrize(
    ("line", "secret"),
    [
        # where the Bot API puts a bot token: straight after "bot"
        (
            "- Telegram webhook: https://api.telegram.org/bot123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5"
            "PALDsaw/sendMessage",
            "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw",
        ),
        # a label saying whose password it is, in the languages of the notes
        ("Password for the NAS: Tr0ub4dor&3", "Tr0ub4dor&3"),
        ("WiFi密码：88886666", "88886666"),
        ("Gmail密码：Hunter2024!", "Hunter2024!"),
        ("路由器密码是 admin8899", "admin8899"),
        ("密码是admin8899，别忘了", "admin8899"),
        ("ルーターのパスワードは hunter2jp です", "hunter2jp"),
        ("Senha do Wi-Fi: casa2024segura", "casa2024segura"),
        ("Пароль от Wi-Fi: qwerty12345", "qwerty12345"),
        # the whole value: a passphrase is words, a token may hold a comma
        ("passphrase: correct horse battery staple", "horse battery staple"),
        ("token: abc9f,def123xyz", "def123xyz"),
        # a URL's password with no user name
        ("redis://:S3cretRedisPw@10.0.0.5:6379/0", "S3cretRedisPw"),
        # what an Authorization header carries
        ("Authorization: Bearer 9f8e7d6c5b4a39281706f5e4d3c2b1a0", "9f8e7d6c5b4a3928"),
        ("Authorization: Basic dXNlcjpwYXNzd29yZA==", "dXNlcjpwYXNzd29yZA"),
        ('curl -H "Authorization: Bearer abcdefghijklmnop1234" https://x', "abcdefghijklmnop"),
        # a PEM private key: its markers and its body lines
        ("-----END RSA PRIVATE KEY-----", "PRIVATE KEY"),
        ("MIIEowIBAAKCAQEA0Z3VS5JJcds3xfn/ygWyF8PbnGy0AHB7MhgHcTz6sE2I2yPB", "MIIEowIBAAKC"),
    ],
)
def test_secrets_in_the_shapes_people_write_them(line: str, secret: str) -> None:
    text, count = redact(line)
    assert secret not in text and count == 1, text


@pytest.mark.parametrize(
    "text",
    [
        "密码是什么我忘了",  # a question about the password, not one
        "The password policy is strict",
        "Basic information about the API",
        "Bearer tokens expire after one hour",
        "Password for the NAS is in the safe",  # no ":": where it is, not what
    ],
)
def test_sentences_about_secrets_are_not_secrets(text: str) -> None:
    assert redact(text) == (text, 0)


def test_a_table_column_of_passwords_is_redacted_and_a_private_key_leaves_no_item() -> None:
    note = (
        "## Accounts\n"
        "| Service | Login | Password |\n"
        "|---|---|---|\n"
        "| NAS | admin | Tr0ub4dor&3 |\n"
        "| Router | root | ${ROUTER_PW} |\n"
        "\n"
        "| Name | Port |\n"
        "|---|---|\n"
        "| NAS | 8080 |\n"
        "\n"
        "-----BEGIN RSA PRIVATE KEY-----\n"
        "MIIEowIBAAKCAQEA0Z3VS5JJcds3xfn/ygWyF8PbnGy0AHB7MhgHcTz6sE2I2yPB\n"
        "aFDrBz9vFqU4yHcTz6sE2I2yPBaFDrBz9vFqU4yHcTz6sE2I2yPBaFDrBz9vFqU4=\n"
        "-----END RSA PRIVATE KEY-----\n"
        "- The deploy key is above\n"
    )
    items = [(item.text, item.secrets) for item in extract_items(note)]
    assert items == [
        (f"| NAS | admin | {REDACTED} |", 1),
        ("| Router | root | ${ROUTER_PW} |", 0),  # where it is kept, not the password
        ("| NAS | 8080 |", 0),  # a column of ports is no secret
        ("The deploy key is above", 0),
    ]


@pytest.mark.parametrize(
    ("line", "kept"),
    [
        ("AWS secret key wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "AWS secret key [redacted]"),
        ("the wifi password is hunter2 btw", "the wifi password is [redacted] btw"),
        ("Password was reset to Winter2026!", "Password was reset to [redacted]!"),
        ("password changed to Tr0ub4dor", "password changed to [redacted]"),
        ("a senha é abc12345.", "a senha é [redacted]."),
        ("пароль это qwerty123", "пароль это [redacted]"),
    ],
)
def test_a_secret_named_in_a_sentence_is_redacted(line: str, kept: str) -> None:
    assert redact(line) == (kept, 1)


@pytest.mark.parametrize(
    "line",
    [
        "The password is required for login",
        "token is expired, renew it",
        "Rotate the bot token tomorrow",
        "The API key for staging lives in 1Password",
        "secret key rotation scheduled for 2026-03-01",
        "token budget 200k per day",
        "password is in ~/.config/nas.env",
    ],
)
def test_a_sentence_about_a_secret_without_one_is_untouched(line: str) -> None:
    assert redact(line) == (line, 0)
