"""Kinds and their importance (taskrunner.memory.kinds)."""

from __future__ import annotations

from taskrunner.memory.kinds import KEYWORD_KINDS, KIND_IMPORTANCE, importance_of


def test_the_keyword_list_maps_to_known_kinds() -> None:
    assert {"decided", "completed", "learned", "agreed", "fixed", "resolved"} <= set(KEYWORD_KINDS)
    assert set(KEYWORD_KINDS.values()) <= set(KIND_IMPORTANCE)


def test_importance_order() -> None:
    imp = importance_of
    assert imp("rule") == imp("preference") == max(KIND_IMPORTANCE.values())
    assert imp("rule") > imp("decision") == imp("blocker")
    assert imp("decision") > imp("reminder") == imp("todo")
    assert min(imp("todo"), imp("action"), imp("learned")) > imp("fact")
    assert imp("fact") >= imp("completed") > imp("header")
    assert imp("header") < 0.3
    assert imp("something-hand-written") == 0.5
