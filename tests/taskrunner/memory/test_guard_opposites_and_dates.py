"""The duplicate guard: opposites, weekdays and months never merge, in capture and consolidate."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from support.capture import capture, memories, write_note
from support.memory_factory import mem
from support.word_sets import small_edits
from taskrunner.memory.consolidate import plan_consolidation
from taskrunner.memory.similarity import (
    CALENDAR_WORDS,
    GUARD_TOKENS,
    OPPOSITE_WORDS,
    brute_force_pairs,
    is_guard_token,
    is_near_duplicate,
    words,
)
from taskrunner.memory.similarity_join import similar_pairs

#: ordinary words: alphabetic, no guard token among them
ORDINARY = [f"x{chr(97 + i)}{chr(97 + j)}" for i in range(6) for j in range(6)]
GUARDS = [*sorted(OPPOSITE_WORDS | CALENDAR_WORDS), "星期二", "周五开会", "火曜日", "十二月"]

BACKUP = (
    "We decided that the nightly backup job on the NAS stays {} for now, because the "
    "restore test last week went well and the disks have room for another month of copies"
)


def test_listed_opposites_weekdays_and_months_are_guard_tokens() -> None:
    listed = "enable disable enabled disabled on off increase decrease add remove allow deny"
    listed += " start stop before after true false yes no open closed"
    for word in listed.split():
        assert is_guard_token(word), word
    for word in ("tuesday", "wednesday", "fri", "january", "sept", "terça", "пятницу", "мая"):
        assert is_guard_token(word), word
    for token in ("星期二", "下周五开会", "火曜日", "十二月の予定", "礼拜天"):
        assert is_guard_token(token), token
    for word in ("deploy", "backup", "среди", "부서", "数据库", "monitor", "addition"):
        assert not is_guard_token(word), word


@settings(max_examples=300, deadline=None)
@given(
    base=st.sets(st.sampled_from(ORDINARY), min_size=12, max_size=30),
    guard=st.sampled_from(GUARDS),
    other=st.sampled_from(GUARDS),
)
def test_a_guard_token_that_differs_never_makes_a_duplicate(
    base: set[str], guard: str, other: str
) -> None:
    with_guard = frozenset(base | {guard})
    assert not is_near_duplicate(with_guard, frozenset(base))
    if other != guard:  # Tuesday -> Wednesday, enabled -> disabled
        assert not is_near_duplicate(with_guard, frozenset(base | {other}))
    # shared by both, it blocks nothing
    assert is_near_duplicate(with_guard, frozenset(base | {guard, "zz"}))


@st.composite
def guarded_sets(draw: st.DrawFn) -> list[frozenset[str]]:
    """Small edits of a base, the edits mostly guard tokens: the join's hard case."""
    vocab = ORDINARY[:14] + draw(st.lists(st.sampled_from(GUARDS), min_size=1, max_size=6))
    base = draw(st.sets(st.sampled_from(vocab), min_size=8, max_size=16))
    return [small_edits(draw, base, vocab, 2) for _ in range(draw(st.integers(2, 12)))]


@settings(max_examples=300, deadline=None)
@given(guarded_sets())
def test_the_join_equals_brute_force_with_the_new_guards(sets: list[frozenset[str]]) -> None:
    assert similar_pairs(sets) == brute_force_pairs(sets)


def test_every_guard_word_is_a_whole_word_token() -> None:
    for word in GUARD_TOKENS:
        assert words(word) == frozenset({word}), word


def test_consolidate_never_merges_opposite_texts() -> None:
    pairs = [
        (BACKUP.format("enabled"), BACKUP.format("disabled")),
        (BACKUP.format("on Tuesday"), BACKUP.format("on Wednesday")),
        (BACKUP.format("small, increase it later"), BACKUP.format("small, decrease it later")),
        (BACKUP.format("in March"), BACKUP.format("in April")),
    ]
    for a, b in pairs:
        wa, wb = words(a), words(b)
        assert 10 * len(wa & wb) > 9 * len(wa | wb)  # only the guard keeps them apart
        plan = plan_consolidation(
            [mem("a", a, importance=0.9), mem("b", b, importance=0.9)], today=date(2026, 11, 29)
        )
        assert plan.merged_duplicates == 0, (a, b)
    same = plan_consolidation(
        [mem("a", BACKUP.format("enabled")), mem("b", BACKUP.format("enabled") + " again")],
        today=date(2026, 11, 29),
    )
    assert same.merged_duplicates == 1  # the rest of the rule is unchanged


def test_capture_keeps_an_opposite_on_another_line_apart(workspace: Path, state_dir: Path) -> None:
    note = write_note(workspace, "2026-02-13.md", f"- {BACKUP.format('enabled')}\n")
    capture(workspace, state_dir)
    both = f"- {BACKUP.format('enabled')}\n- {BACKUP.format('disabled')}\n"
    note.write_text(both, encoding="utf-8")
    run = capture(workspace, state_dir)
    assert run.result["items_added"] == 1
    texts = sorted(m["text"] for m in memories(workspace))
    assert texts == [BACKUP.format("disabled"), BACKUP.format("enabled")]


def test_an_opposite_edited_in_place_is_the_memorys_new_wording(
    workspace: Path, state_dir: Path
) -> None:
    # The guard keeps two lines apart; the one line edited says the memory
    # no longer holds: the store must not go on citing it for "enabled".
    note = write_note(workspace, "2026-02-13.md", f"- {BACKUP.format('enabled')}\n")
    capture(workspace, state_dir)
    note.write_text(f"- {BACKUP.format('disabled')}\n", encoding="utf-8")
    run = capture(workspace, state_dir)
    assert (run.result["items_added"], run.result["memories_reworded"]) == (0, 1)
    [memory] = memories(workspace)
    assert memory["text"] == BACKUP.format("disabled")
    assert [entry["text"] for entry in memory["history"]] == [BACKUP.format("enabled")]
