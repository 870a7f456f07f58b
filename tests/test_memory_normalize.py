"""Readable text and the exact-duplicate key (taskrunner.memory.normalize)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from taskrunner.memory.normalize import memory_id, normalize_text, strip_markup


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
    ],
)
def test_strip_markup_gives_readable_text(raw: str, readable: str) -> None:
    assert strip_markup(raw) == readable


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
