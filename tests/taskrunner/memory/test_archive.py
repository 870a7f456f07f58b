"""The archive of removed memories: one JSON line each, crash-tolerant reading, selection."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from support.memory_factory import LONG, mem
from taskrunner.memory.archive import (
    _record_bytes,
    append_records,
    archive_records,
    backup_store,
    read_archive,
)
from taskrunner.memory.consolidate import plan_consolidation
from taskrunner.memory.encoding import canonical_json as _canonical
from taskrunner.memory.encoding import encode_json
from taskrunner.memory.normalize import memory_id
from taskrunner.memory.restore_plan import plan_restore, select_records
from taskrunner.system.atomic import write_atomic


def record(mid: str, run_id: str = "r1", reason: str = "stale", **memory: Any) -> dict[str, Any]:
    return {
        "removed_at": "2026-11-29T03:00:00+01:00",
        "run_id": run_id,
        "reason": reason,
        "duplicate_of": None,
        "similarity": None,
        "memory": mem(mid, **memory),
    }


def test_records_hold_the_documented_fields() -> None:
    memories = [
        mem("keep", importance=0.9),
        mem("dup", LONG.upper()),
        mem("old", "an old header", importance=0.1, last_seen_at="2026-10-01T00:00:00+00:00"),
    ]
    plan = plan_consolidation(memories, today=date(2026, 11, 29))
    records = archive_records(
        plan, memories, run_id="run-7", removed_at="2026-11-29T03:00:00+01:00"
    )
    assert records == [
        {
            "removed_at": "2026-11-29T03:00:00+01:00",
            "run_id": "run-7",
            "reason": "duplicate",
            "duplicate_of": "keep",
            "similarity": 1.0,
            "memory": memories[1],
            # the merge put the duplicate's words into the keeper's history
            "keeper_wording": {"id": "keep", "text": LONG, "text_source": None, "history": None},
        },
        {
            "removed_at": "2026-11-29T03:00:00+01:00",
            "run_id": "run-7",
            "reason": "stale",
            "duplicate_of": None,
            "similarity": None,
            "memory": memories[2],
        },
    ]


def test_append_writes_one_line_per_record(tmp_path: Path) -> None:
    path = tmp_path / "store.archive.jsonl"
    assert append_records(path, []) == 0
    assert not path.exists()
    assert append_records(path, [record("a"), record("b")]) == 2
    assert append_records(path, [record("c")]) == 1
    lines = path.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["memory"]["id"] for line in lines] == ["a", "b", "c"]
    assert path.read_bytes().endswith(b"\n")
    contents = read_archive(path)
    assert [r["memory"]["id"] for r in contents.records] == ["a", "b", "c"]
    assert contents.bad_lines == [] and not contents.torn_tail


def test_missing_archive_reads_empty(tmp_path: Path) -> None:
    contents = read_archive(tmp_path / "nope.jsonl")
    assert contents.records == [] and contents.bad_lines == []


def test_torn_last_line_is_tolerated_and_closed_before_the_next_append(tmp_path: Path) -> None:
    path = tmp_path / "store.archive.jsonl"
    append_records(path, [record("a")])
    full = json.dumps(record("b"))
    with path.open("ab") as fh:  # a crash in the middle of a line
        fh.write(full[: len(full) // 2].encode())
    contents = read_archive(path)
    assert [r["memory"]["id"] for r in contents.records] == ["a"]
    assert contents.torn_tail and contents.bad_lines == []
    append_records(path, [record("c")])
    contents = read_archive(path)
    # the torn fragment is now a bad line of its own; the new record is intact
    assert [r["memory"]["id"] for r in contents.records] == ["a", "c"]
    assert contents.bad_lines == [2] and not contents.torn_tail


def test_bad_lines_are_skipped_and_reported(tmp_path: Path) -> None:
    path = tmp_path / "store.archive.jsonl"
    path.write_bytes(
        b"\n".join(
            [
                json.dumps(record("a")).encode(),
                b"not json",
                b"[1, 2]",
                json.dumps({"reason": "stale", "memory": "not a dict"}).encode(),
                b"\xff\xfe",
                b"",
                json.dumps(record("b")).encode(),
            ]
        )
        + b"\n"
    )
    contents = read_archive(path)
    assert [r["memory"]["id"] for r in contents.records] == ["a", "b"]
    assert contents.bad_lines == [2, 3, 4, 5]


def test_lone_surrogate_still_makes_a_valid_line(tmp_path: Path) -> None:
    path = tmp_path / "store.archive.jsonl"
    append_records(path, [record("a", text="broken \ud800 text")])
    contents = read_archive(path)
    assert contents.records[0]["memory"]["text"] == "broken \ud800 text"


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(max_size=40), min_size=1, max_size=5))
def test_any_text_round_trips(tmp_path_factory: Any, texts: list[str]) -> None:
    path = tmp_path_factory.mktemp("archive") / "a.jsonl"
    append_records(path, [record(f"m{i}", text=t) for i, t in enumerate(texts)])
    got = [r["memory"]["text"] for r in read_archive(path).records]
    assert got == texts


def test_select_by_run_and_latest_by_id() -> None:
    records = [
        record("a", run_id="r1"),
        record("b", run_id="r1"),
        record("a", run_id="r2", text="a again"),
        record("c", run_id="r2"),
    ]
    chosen, missing = select_records(records, run_id="r1")
    assert [(r["memory"]["id"], r["run_id"]) for r in chosen] == [("a", "r1"), ("b", "r1")]
    assert missing == []
    chosen, missing = select_records(records, memory_ids=["a", "zzz"])
    assert [(r["memory"]["id"], r["run_id"]) for r in chosen] == [("a", "r2")]
    assert missing == ["zzz"]
    chosen, _ = select_records(records, run_id="nope")
    assert chosen == []


def test_restore_skips_memories_already_in_the_store() -> None:
    store = [mem("a")]
    plan = plan_restore(store, [record("a"), record("b")], run_id="r1")
    assert [m["id"] for m in plan.memories] == ["a", "b"]
    assert plan.already_present == ["a"]
    assert [(s.memory_id, s.run_id, s.why) for s in plan.skipped] == [
        ("a", "r1", "an identical memory is already in the store")
    ]
    assert [r["memory"]["id"] for r in plan.restored] == ["b"]
    assert store == [mem("a")]  # input untouched


def test_a_different_memory_with_the_same_id_is_not_already_present() -> None:
    store = [mem("m_dup", "the first memory that happens to carry this id")]
    archived = record("m_dup", text="a second, different memory given the same id by hand")
    plan = plan_restore(store, [archived], run_id="r1")
    assert plan.memories == [store[0], archived["memory"]]
    assert plan.skipped == []


def test_run_restores_every_record_even_when_ids_repeat() -> None:
    records = [
        record("m_dup", text="one memory"),
        record("m_dup", text="another memory with the same id"),
        record("m_dup", text="one memory"),  # an identical twin: a second copy
    ]
    plan = plan_restore([], records, run_id="r1")
    assert [r["memory"] for r in plan.restored] == [r["memory"] for r in records]
    assert plan.memories == [r["memory"] for r in records]
    # the same run again: every copy is there, nothing is added
    again = plan_restore(plan.memories, records, run_id="r1")
    assert not again.changed and len(again.already_present) == 3


def test_a_memory_without_an_id_is_restored_as_it_was() -> None:
    memory = {"text": "a note without an id", "importance": 0.1}
    archived = {**record("x"), "memory": memory}
    plan = plan_restore([], [archived, archived], run_id="r1")
    assert plan.memories == [memory, memory]
    # --id finds it under the id derived from its text, as consolidation reported it
    by_id = plan_restore([], [archived], memory_ids=[memory_id(memory["text"])])
    assert by_id.memories == [memory]


def test_a_memory_without_text_is_skipped_and_reported() -> None:
    broken = {**record("b"), "memory": {"id": "b", "text": None}}
    plan = plan_restore([], [record("a"), broken], run_id="r1")
    assert [m["id"] for m in plan.memories] == ["a"]
    assert [(s.memory_id, s.why) for s in plan.skipped] == [
        ("b", "the archived memory has no text string (restoring it would break the store)")
    ]


def test_id_restores_the_latest_version_only() -> None:
    records = [record("m_dup", text="older"), record("m_dup", run_id="r2", text="newer")]
    plan = plan_restore([], records, memory_ids=["m_dup"])
    assert [m["text"] for m in plan.memories] == ["newer"]


def test_restoring_a_duplicate_gives_back_the_keepers_count_and_lineage() -> None:
    keeper = mem("k", seen_count=5, merged_from=["earlier", "d"])
    dup = record("d", reason="duplicate", seen_count=3)
    dup["duplicate_of"] = "k"
    plan = plan_restore([keeper], [dup], memory_ids=["d"])
    assert plan.unmerged == 1
    assert plan.memories[0]["seen_count"] == 2
    assert plan.memories[0]["merged_from"] == ["earlier"]
    # restoring again changes nothing
    again = plan_restore(plan.memories, [dup], memory_ids=["d"])
    assert not again.changed and again.memories == plan.memories


def test_backup_is_the_old_file_and_survives_the_replace(tmp_path: Path) -> None:
    store = tmp_path / "store.json"
    store.write_bytes(b"old store")
    backup = tmp_path / "store.json.bak"
    backup.write_bytes(b"older backup")
    backup_store(store, backup, expected_size=9)
    write_atomic(store, b"new store")
    assert backup.read_bytes() == b"old store"
    assert store.read_bytes() == b"new store"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_backup_of_a_changed_store_is_a_copy(tmp_path: Path) -> None:
    # (A symlinked store never gets here: the store lock refuses it first,
    # see test_memory_store.py::test_a_symlinked_store_is_refused_everywhere.)
    backup = tmp_path / "store.json.bak"
    plain = tmp_path / "plain.json"
    plain.write_bytes(b"12345")
    backup_store(plain, backup, expected_size=3)  # not the size loaded: copy what is there
    plain.write_bytes(b"changed in place")
    assert backup.read_bytes() == b"12345"


# The consolidate-then-restore round trip, over stores with every awkward case:
# shared ids, missing ids, identical memories, pinned ones, unreadable dates.
TEXTS = [
    LONG,
    LONG.upper(),  # the same normalized text
    LONG + " today",  # a near duplicate (18/19 words)
    LONG + " tonight",
    "an old header",
    "the gateway listens on port 18789",
    "the gateway listens on port 18790",
    "",
    "\U0001f389",
]
STAMPS = [
    "2026-10-01T00:00:00+00:00",
    "2026-11-25T10:00:00+00:00",
    "2026-11-01",
    "not a date",
    1764000000,
]
SOURCES = [{"file": "memory/a.md", "line": 1}, {"file": "memory/b.md", "line": 2}]
#: the fields a keeper legitimately keeps widened after its duplicates go back (documented)
WIDENED = (
    "sources",
    "importance",
    "created_at",
    "last_seen_at",
    "sources_truncated",
    "note_date",
)

memory_strategy = st.fixed_dictionaries(
    {
        "text": st.sampled_from(TEXTS),
        "seen_count": st.integers(1, 3),
        "sources": st.lists(st.sampled_from(SOURCES), max_size=2),
    },
    optional={
        "id": st.sampled_from(["a", "b", "m_dup"]),
        "pinned": st.booleans(),
        "importance": st.sampled_from([0.1, 0.5, 0.9, "high"]),
        "created_at": st.sampled_from(STAMPS),
        "last_seen_at": st.sampled_from(STAMPS),
        "merged_from": st.just(["earlier"]),
    },
)


@st.composite
def stores(draw: st.DrawFn) -> list[dict[str, Any]]:
    memories = draw(st.lists(memory_strategy, max_size=10))
    if memories:  # identical copies, as a legacy array of equal strings gives
        twins = draw(st.lists(st.sampled_from(memories), max_size=3))
        memories += [json.loads(json.dumps(m)) for m in twins]
    return draw(st.permutations(memories))


def multiset(memories: list[dict[str, Any]], *, drop: tuple[str, ...] = ()) -> Counter[str]:
    return Counter(_canonical({k: v for k, v in m.items() if k not in drop}) for m in memories)


@settings(max_examples=300, deadline=None)
@given(stores())
def test_consolidate_then_restore_the_run_gives_back_every_memory(
    memories: list[dict[str, Any]],
) -> None:
    plan = plan_consolidation(memories, today=date(2026, 11, 29))
    records = json.loads(
        json.dumps(archive_records(plan, memories, run_id="c1", removed_at="2026-11-29T03:00"))
    )
    back = plan_restore(plan.memories, records, run_id="c1")
    assert len(back.restored) == len(plan.removed) and back.skipped == []
    # The same multiset of memories; only keepers may keep widened sources/dates/importance,
    # and every memory that was not a keeper is back byte for byte.
    assert multiset(back.memories, drop=WIDENED) == multiset(memories, drop=WIDENED)
    keepers = set(plan.merged)
    untouched = [m for i, m in enumerate(memories) if i not in keepers]
    assert multiset(untouched) <= multiset(back.memories)
    # Restoring the run again adds nothing.
    again = plan_restore(back.memories, records, run_id="c1")
    assert not again.changed and again.memories == back.memories
    assert len(again.already_present) == len(records)


def test_restore_finds_the_right_keeper_when_two_keepers_share_an_id() -> None:
    # Both keepers are "a" and both list "a" in merged_from; the one holding
    # LONG took the newer wording of its group, so the similarity the archive
    # recorded no longer tells them apart: the duplicate's own words do.
    memories = [
        mem("a", LONG + " today", seen_count=1),
        {"text": LONG, "seen_count": 1, "sources": []},
        mem("a", "an old header", seen_count=1),
        mem("a", LONG, seen_count=1, merged_from=["earlier"]),
        mem("a", "an old header", seen_count=1),
    ]
    plan = plan_consolidation(memories, today=date(2026, 11, 29))
    records = json.loads(
        json.dumps(archive_records(plan, memories, run_id="c1", removed_at="2026-11-29T03:00"))
    )
    back = plan_restore(plan.memories, records, run_id="c1")
    assert Counter(m["text"] for m in back.memories) == Counter(m["text"] for m in memories)
    assert multiset(back.memories, drop=WIDENED) == multiset(memories, drop=WIDENED)


def test_a_record_with_a_lone_surrogate_is_appended_escaped(tmp_path: Path) -> None:
    path = tmp_path / "store.archive.jsonl"
    records = [
        {"reason": "stale", "memory": {"id": "a", "text": "caf\u00e9"}},
        {"reason": "stale", "memory": {"id": "b", "text": "\ud800"}},
    ]
    assert append_records(path, records) == 2
    data = path.read_bytes()
    assert data.isascii() and data.endswith(b"}\n") and data.count(b"\n") == 2
    assert read_archive(path).records == records


@settings(max_examples=200, deadline=None)
@given(
    before=st.dictionaries(st.sampled_from(["removed_at", "run_id", "é"]), st.text(), max_size=3),
    after=st.dictionaries(st.sampled_from(["keeper_wording", "z"]), st.text(), max_size=2),
    memory=st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=3),
)
def test_a_record_with_its_memory_line_encodes_as_the_record_does(
    before: dict[str, str], after: dict[str, str], memory: dict[str, str]
) -> None:
    record = {**before, "memory": memory, **{k: v for k, v in after.items() if k not in before}}
    try:
        expected = encode_json(record).encode("utf-8")
    except UnicodeEncodeError:
        return  # a lone surrogate: append_records encodes every record escaped instead
    assert _record_bytes(record, encode_json(memory).encode("utf-8")) == expected
