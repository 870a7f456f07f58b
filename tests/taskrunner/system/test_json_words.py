"""JSON problems in the file's words: kinds, values, decoder failures."""

from __future__ import annotations

import json

import pytest

from taskrunner.system.json_words import decode_problem, json_kind, json_text


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (None, "null"),
        (True, "true"),
        (False, "false"),
        (0, "a number"),
        (1.5, "a number"),
        ("x", "text"),
        ([], "a list"),
        ({}, "an object"),
    ],
)
def test_each_json_value_has_its_name(value: object, words: str) -> None:
    assert json_kind(value) == words


def test_a_value_is_shown_as_written_and_cut_short() -> None:
    assert json_text(None) == "null"
    assert json_text(["a", 2]) == '["a", 2]'
    assert json_text("x" * 100) == '"' + "x" * 58 + "…"


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('{\n  "a": 1,\n  "b": "cut', "unterminated string at line 3 column 8"),
        ("", "expecting value at line 1 column 1"),
        ("[1] 2", "more text after the end of the JSON value at line 1 column 5"),
        ("{'a': 1}", "expecting property name enclosed in double quotes at line 1 column 2"),
    ],
)
def test_a_decoder_failure_is_one_line_with_line_and_column(text: str, words: str) -> None:
    with pytest.raises(json.JSONDecodeError) as caught:
        json.loads(text)
    assert decode_problem(caught.value) == words


def test_bytes_that_are_not_utf8_say_where() -> None:
    with pytest.raises(UnicodeDecodeError) as caught:
        json.loads(b'["\xff"]')
    assert decode_problem(caught.value) == "not UTF-8 text at byte 2"
