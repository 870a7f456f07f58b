"""Consolidation planning as properties: order independence, equal to a brute-force walk."""

from __future__ import annotations

import copy
import json
import random
from datetime import date
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from support.memory_factory import mem
from taskrunner.memory.consolidate import (
    Plan,
    _walk_key,
    plan_consolidation,
)
from taskrunner.memory.encoding import canonical_json as _canonical
from taskrunner.memory.normalize import normalize_text
from taskrunner.memory.similarity import is_near_duplicate, words

TODAY = date(2026, 11, 29)


def plan(memories: list[dict[str, Any]], **kwargs: Any) -> Plan:
    kwargs.setdefault("today", TODAY)
    return plan_consolidation(memories, **kwargs)


VOCAB = ["alpha", "beta", "gamma", "delta", "eps", "zeta", "eta", "theta", "iota", "kappa"]
VOCAB += ["lambda", "mu", "nu", "xi", "omicron", "pi", "rho", "sigma", "tau", "not", "8080"]


@st.composite
def stores(draw: st.DrawFn) -> list[dict[str, Any]]:
    bases = draw(st.lists(st.lists(st.sampled_from(VOCAB), min_size=0, max_size=22), min_size=1))
    memories = []
    for n in range(draw(st.integers(0, 12))):
        words_ = list(draw(st.sampled_from(bases)))
        for _ in range(draw(st.integers(0, 2))):
            if words_ and draw(st.booleans()):
                words_.pop(draw(st.integers(0, len(words_) - 1)))
            else:
                words_.append(draw(st.sampled_from(VOCAB)))
        text = " ".join(words_)
        text = draw(st.sampled_from([text, text.upper(), f"**{text}**", text + " 🎉"]))
        memories.append(
            mem(
                draw(st.sampled_from([f"m{n}", "same-id"])),
                text,
                importance=draw(st.sampled_from([0.1, 0.5, 0.5, 0.9])),
                created_at=draw(
                    st.sampled_from(
                        ["2026-11-01T00:00:00+00:00", "2026-11-02T00:00:00+00:00", "garbage"]
                    )
                ),
                last_seen_at=draw(
                    st.sampled_from(["2026-10-01T00:00:00+00:00", "2026-11-28T00:00:00+00:00"])
                ),
                pinned=draw(st.sampled_from([False, False, False, True])),
                seen_count=draw(st.integers(1, 3)),
            )
        )
    return memories


def _canonical_set(memories: list[dict[str, Any]]) -> list[str]:
    return sorted(json.dumps(m, sort_keys=True) for m in memories)


@settings(max_examples=200, deadline=None)
@given(stores(), st.randoms(use_true_random=False))
def test_shuffling_the_store_does_not_change_the_result(
    memories: list[dict[str, Any]], rnd: random.Random
) -> None:
    shuffled = copy.deepcopy(memories)
    rnd.shuffle(shuffled)
    a, b = plan(memories), plan(shuffled)
    assert _canonical_set(a.memories) == _canonical_set(b.memories)
    assert sorted(
        (r.memory_id, r.reason, r.duplicate_of, r.similarity) for r in a.removed
    ) == sorted((r.memory_id, r.reason, r.duplicate_of, r.similarity) for r in b.removed)


def _oracle(memories: list[dict[str, Any]]) -> set[tuple[int, int]]:
    """The merge rule by brute force: (merged index, keeper index) pairs."""
    p = plan(memories)
    stale = {r.index for r in p.removed if r.reason == "stale"}
    survivors = [i for i in range(len(memories)) if i not in stale]
    order = sorted(
        survivors,
        key=lambda i: (_walk_key(memories[i]), _canonical(memories[i])),
    )
    kept: list[int] = []
    merges: set[tuple[int, int]] = set()
    for i in order:
        keeper = None
        if not memories[i].get("pinned"):
            for k in kept:
                ti, tk = memories[i]["text"], memories[k]["text"]
                if normalize_text(ti) == normalize_text(tk) or is_near_duplicate(
                    words(ti), words(tk)
                ):
                    keeper = k
                    break
        if keeper is None:
            kept.append(i)
        else:
            merges.add((i, keeper))
    return merges


@settings(max_examples=300, deadline=None)
@given(stores())
def test_plan_equals_brute_force_walk(memories: list[dict[str, Any]]) -> None:
    p = plan(memories)
    got = {(i, keeper) for keeper, dups in p.merged.items() for i in dups}
    assert got == _oracle(memories)
    assert p.after + len(p.removed) == p.before
