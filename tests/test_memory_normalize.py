"""Readable text and the exact-duplicate key (taskrunner.memory.normalize)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from taskrunner.memory.exact_duplicates import squash
from taskrunner.memory.normalize import memory_id, normalize_text, readable_text, strip_markup


@pytest.mark.parametrize(
    ("raw", "readable"),
    [
        ("**Decision:** use SQLite", "Decision: use SQLite"),
        ("__bold__ and ***bold italic***", "bold and bold italic"),
        ("run `npx prisma migrate dev` now", "run npx prisma migrate dev now"),
        ("see [the docs](https://example.com/a_b) first", "see the docs first"),
        ("![diagram](img/x.png) shows it", "diagram shows it"),
        ("[![badge](b.svg)](https://ci)", "badge"),
        ("  many   spaces\tand\ttabs  ", "many spaces and tabs"),
        # Inside a code span nothing but the backticks is touched.
        ("edit `__init__.py` and `**kwargs`", "edit __init__.py and **kwargs"),
        # Underscores inside a word are not emphasis.
        ("snake__case stays", "snake__case stays"),
        ("an unpaired ` backtick", "an unpaired backtick"),
        ("中文**粗体**文本", "中文粗体文本"),
        ("*[](empty-link)*", ""),
        # Emphasis is a pair around text; names and arithmetic are text.
        ("*em* and _em_ and __Strong__", "em and em and Strong"),
        ("Fixed __init__.py and __main__.py", "Fixed __init__.py and __main__.py"),
        ("if __name__ == '__main__':", "if __name__ == '__main__':"),
        ("load __Config__.yaml and foo.__bar__", "load __Config__.yaml and foo.__bar__"),
        ("2*3*4 and a * b", "2*3*4 and a * b"),
        ("snake_case_name and _private_var", "snake_case_name and _private_var"),
        ("* not em *, _ nor this _", "* not em *, _ nor this _"),
        ("中文*不是强调*文本", "中文*不是强调*文本"),
    ],
)
def test_strip_markup_gives_readable_text(raw: str, readable: str) -> None:
    assert strip_markup(raw) == readable


@pytest.mark.parametrize(
    ("raw", "readable"),
    [
        ("~~Tuesday~~ Wednesday", "Tuesday Wednesday"),
        ("<kbd>Ctrl</kbd>+<KBD>C</KBD>", "Ctrl+C"),
        ("H<sub>2</sub>O", "H2O"),
        ("first<br>second<br/>third<br />", "first second third"),
        ("a < b > c", "a < b > c"),
        (
            "ssh <host> and Vec<String> and <a href='x'>",
            "ssh <host> and Vec<String> and <a href='x'>",
        ),
        ("`<br>` and `~~x~~` in code", "<br> and ~~x~~ in code"),
        ("~~ not strike ~~ and ~100 ms", "~~ not strike ~~ and ~100 ms"),
    ],
)
def test_readable_text_also_drops_strike_through_and_simple_tags(raw: str, readable: str) -> None:
    assert readable_text(raw) == readable


def test_strike_through_and_tags_stay_in_the_duplicate_key() -> None:
    # Only item texts lose them; the key of a stored text never depended on them.
    assert strip_markup("~~old~~ <kbd>x</kbd>") == "~~old~~ <kbd>x</kbd>"


def test_ids_of_texts_without_markup_are_unchanged() -> None:
    # Values computed by earlier versions: stores written then keep their ids.
    assert (
        memory_id("Deploy notes")
        == "m_" + __import__("hashlib").sha256(b"deploy notes").hexdigest()[:16]
    )
    assert memory_id("Fixed **the** build") == memory_id("fixed the build")


def test_normalize_text_folds_width_case_and_markup() -> None:
    variants = [
        "Use **SQLite**  now",
        "use sqlite now",
        "\uff35\uff33\uff25 \uff33\uff31\uff2c\uff49\uff54\uff45 now",  # full-width letters
        "`use` SQLITE now",
    ]
    assert {normalize_text(v) for v in variants} == {"use sqlite now"}
    assert normalize_text("Straße") == normalize_text("STRASSE")


def test_memory_id_is_stable_and_follows_the_normalized_text() -> None:
    assert memory_id("Use **SQLite** now") == memory_id("use sqlite now")
    assert memory_id("use sqlite now") != memory_id("use postgres now")
    # The id is part of the store format: it must never change between versions.
    assert (
        memory_id("use sqlite now")
        == "m_" + __import__("hashlib").sha256(b"use sqlite now").hexdigest()[:16]
    )


@given(st.text())
def test_strip_markup_leaves_no_backticks_bold_runs_or_loose_whitespace(text: str) -> None:
    out = strip_markup(text)
    assert "`" not in out
    assert "**" not in out
    assert out == " ".join(out.split())


@given(st.text())
def test_memory_id_is_deterministic_and_well_formed(text: str) -> None:
    key = memory_id(text)
    assert re.fullmatch(r"m_[0-9a-f]{16}", key)
    assert memory_id(text) == key
    assert normalize_text(text) == " ".join(normalize_text(text).split())


@given(st.text())
def test_the_key_deletes_only_markup_characters(text: str) -> None:
    # exact.quick_key relies on it: without link syntax, strip_markup may
    # delete "*", "_", backticks and whitespace, nothing else.
    if "]" not in text:
        assert squash(strip_markup(text)) == squash(text)


def _is_subsequence(needle: str, haystack: str) -> bool:
    it = iter(haystack)
    return all(ch in it for ch in needle)


@given(st.text(alphabet=st.sampled_from("ab _*~`<>/kbdr\n1.")) | st.text())
def test_readable_text_only_deletes(text: str) -> None:
    out = readable_text(text)
    assert out == " ".join(out.split())
    assert "`" not in out
    assert _is_subsequence("".join(out.split()), "".join(text.split()))
