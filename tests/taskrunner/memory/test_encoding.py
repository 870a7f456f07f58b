"""The memory encoders write exactly what ``json.dumps`` writes with the same settings."""

from __future__ import annotations

import json
import json.encoder
from datetime import date

import pytest

from support.memory_factory import mem
from taskrunner.memory import encoding

MEMORY = mem("m1", "Use SQLite for the cache", kind="decision", importance=0.9)


def test_canonical_json_is_json_dumps_with_sorted_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    value = {"b": [1.5, -0.0, 10**20, None], "a": {"z": "é\n", "y": date(2026, 2, 13)}}
    expected = json.dumps(value, sort_keys=True, ensure_ascii=False, default=repr)
    assert encoding.canonical_json(value) == expected
    assert encoding.canonical_json({"y": 1, "x": 2}) == encoding.canonical_json({"x": 2, "y": 1})
    monkeypatch.setattr(json.encoder, "c_make_encoder", None)
    slow = encoding._memory_encoder(ensure_ascii=False, sort_keys=True, default=repr)
    assert slow(value) == expected


def test_the_fast_encoder_writes_what_json_dumps_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    memory = {**MEMORY, "f": [1.5, float("inf"), -0.0, 10**20, True, None], "u": 'é\n\t"\\'}
    fast = encoding._memory_encoder(ensure_ascii=False)
    assert fast(memory) == json.dumps(memory, ensure_ascii=False)
    assert encoding._memory_encoder(ensure_ascii=True)(memory) == json.dumps(memory)
    monkeypatch.setattr(json.encoder, "c_make_encoder", None)
    assert encoding._memory_encoder(ensure_ascii=False)(memory) == fast(memory)
    with pytest.raises(TypeError, match="not JSON serializable"):
        fast({"when": date(2026, 2, 13)})
