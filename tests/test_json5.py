"""The JSON5 reader: everything json.dumps writes, JSON5's extras, and nothing but JSON5Error."""

from __future__ import annotations

import contextlib
import json
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from taskrunner.errors import JSON5Error
from taskrunner.openclaw.json5 import DEFAULT_MAX_DEPTH, loads

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text()
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=8), children, max_size=5)
    ),
    max_leaves=30,
)


def same(a: Any, b: Any) -> bool:
    """Structural equality where NaN equals NaN and int/float are kept apart."""
    if isinstance(a, float) and isinstance(b, float):
        return (math.isnan(a) and math.isnan(b)) or (
            a == b and math.copysign(1, a) == math.copysign(1, b)
        )
    if type(a) is not type(b):
        return False
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    return bool(a == b)


@settings(max_examples=300)
@given(json_values, st.booleans(), st.sampled_from([None, 0, 2, "\t"]))
def test_anything_json_dumps_writes_parses_to_the_same_value(
    value: Any, ensure_ascii: bool, indent: int | str | None
) -> None:
    text = json.dumps(value, ensure_ascii=ensure_ascii, indent=indent)
    assert same(loads(text), value)
    assert same(loads(text), json.loads(text))


@settings(max_examples=300)
@given(st.text())
def test_arbitrary_text_raises_only_json5_error(text: str) -> None:
    try:
        loads(text)
    except JSON5Error as exc:
        assert " at line " in str(exc)


_JSON5_ALPHABET = st.sampled_from(
    [
        *"{}[],:'\"\\/*\n\r\t +-.0123456789eExXabfnrtuv_$",
        "Infinity",
        "NaN",
        "null",
        "true",
        "//",
        "/*",
        "*/",
        "\\u",
        "\\x",
        "\u2028",
        "\u00e9",
        "\ud800",
    ]
)


@settings(max_examples=500)
@given(st.lists(_JSON5_ALPHABET, max_size=40).map("".join))
def test_json5_shaped_garbage_raises_only_json5_error(text: str) -> None:
    with contextlib.suppress(JSON5Error):
        loads(text)


@settings(max_examples=300)
@given(json_values, st.data())
def test_a_damaged_document_raises_only_json5_error(value: Any, data: st.DataObject) -> None:
    text = json.dumps(value, indent=1)
    cut = data.draw(st.integers(0, len(text)))
    insert = data.draw(st.sampled_from(["", "}", "]", ",", ":", "'", '"', "\\", "/*", "x"]))
    damaged = text[:cut] + insert + text[cut + data.draw(st.integers(0, 3)) :]
    with contextlib.suppress(JSON5Error):
        loads(damaged)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("// comment\n1", 1),
        ("/* block\n comment */ [1, /* inside */ 2]", [1, 2]),
        ("[1, 2, ]", [1, 2]),
        ("{a: 1, b: 2,}", {"a": 1, "b": 2}),
        (
            "{$dollar_1: 1, _under: 2, café: 3, null: 4, true: 5}",
            {"$dollar_1": 1, "_under": 2, "café": 3, "null": 4, "true": 5},
        ),
        ("{\\u0061b: 1}", {"ab": 1}),
        ("'single \"quoted\"'", 'single "quoted"'),
        ("\"double 'quoted'\"", "double 'quoted'"),
        ("'it\\'s'", "it's"),
        ("0x1F", 31),
        ("-0XaB", -171),
        ("+1", 1),
        (".5", 0.5),
        ("5.", 5.0),
        ("-.5e1", -5.0),
        ("1.e2", 100.0),
        ("Infinity", math.inf),
        ("+Infinity", math.inf),
        ("-Infinity", -math.inf),
        ("'line one \\\nline two'", "line one line two"),
        ("'crlf \\\r\nok'", "crlf ok"),
        ("'\\x41\\u0042\\0\\v\\a'", "AB\0\va"),
        ('"\\ud83d\\ude00"', "\U0001f600"),
        ("'\u2028 is allowed raw'", "\u2028 is allowed raw"),
        ("\ufeff\u00a0{\u2003a\u3000:\u20281}", {"a": 1}),
        ("{a: 1, a: 2}", {"a": 2}),
        ("[[[]], {}]", [[[]], {}]),
        ("-0", 0),
        ("'tab\there'", "tab\there"),
    ],
)
def test_json5_extras(text: str, expected: Any) -> None:
    assert same(loads(text), expected)


def test_nan_with_either_sign() -> None:
    assert math.isnan(loads("NaN"))
    assert math.isnan(loads("-NaN"))
    assert math.isnan(loads("+NaN"))


def test_an_openclaw_config_as_people_write_it() -> None:
    text = """
    // ~/.openclaw/openclaw.json
    {
      agents: {
        defaults: {
          workspace: '~/agent-workspace',   // where the agent keeps its files
        },
      },
      gateway: {
        port: 18790,
        bind: "loopback",
        /* auth: { mode: 'token' }, */
      },
    }
    """
    assert loads(text) == {
        "agents": {"defaults": {"workspace": "~/agent-workspace"}},
        "gateway": {"port": 18790, "bind": "loopback"},
    }


@pytest.mark.parametrize(
    ("text", "line", "col", "fragment"),
    [
        ("", 1, 1, "expected a value"),
        ("{\n  a: 1\n  b: 2\n}", 3, 3, "expected ',' or '}'"),
        ("[1,,2]", 1, 4, "expected a value"),
        ("01", 1, 2, "after the value"),
        ("'abc", 1, 1, "unterminated string"),
        ("'a\nb'", 1, 3, "line break inside a string"),
        ("/* never closed", 1, 1, "unterminated /* comment"),
        ("{a b}", 1, 4, "expected ':'"),
        ("{1: 2}", 1, 2, "expected a key"),
        ("'\\1'", 1, 2, "invalid escape"),
        ("'\\u12'", 1, 2, "four hex digits"),
        ("'\\xZ1'", 1, 2, "two hex digits"),
        ("{\\u0031: 1}", 1, 2, "cannot appear in a key"),
        ("undefined", 1, 1, "expected a value"),
        ("0x", 1, 2, "after the value"),
        ("[1] [2]", 1, 5, "after the value"),
        ("{a: 1,, }", 1, 7, "expected a key"),
        ("[1 // comment\n 2]", 2, 2, "expected ','"),
    ],
)
def test_errors_name_line_and_column(text: str, line: int, col: int, fragment: str) -> None:
    with pytest.raises(JSON5Error) as info:
        loads(text)
    assert fragment in str(info.value)
    assert (info.value.lineno, info.value.colno) == (line, col)
    assert str(info.value).endswith(f"at line {line} col {col}")


def test_json5_error_is_a_value_error() -> None:
    assert issubclass(JSON5Error, ValueError)


@pytest.mark.parametrize("opener", ["[", "{a:", "[{a:"])
def test_hostile_nesting_is_a_json5_error_not_a_recursion_error(opener: str) -> None:
    with pytest.raises(JSON5Error, match="nesting deeper than"):
        loads(opener * 100_000)


def test_nesting_up_to_the_limit_is_accepted() -> None:
    deep = "[" * DEFAULT_MAX_DEPTH + "]" * DEFAULT_MAX_DEPTH
    value = loads(deep)
    for _ in range(DEFAULT_MAX_DEPTH - 1):
        value = value[0]
    assert value == []
    with pytest.raises(JSON5Error):
        loads("[" + deep + "]")
    assert loads("[[1]]", max_depth=2) == [[1]]


def test_an_integer_too_long_for_int_is_a_json5_error() -> None:
    with pytest.raises(JSON5Error, match="too many digits"):
        loads("1" * 100_000)


def test_non_str_input_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        loads(b"{}")  # type: ignore[arg-type]
