"""The archive of removed memories: one JSON line each, crash-tolerant reading, selection."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from taskrunner.atomic import write_atomic
from taskrunner.memory.archive import (
    append_records,
    archive_records,
    backup_store,
    plan_restore,
    read_archive,
    select_records,
)
from taskrunner.memory.consolidate import plan_consolidation

TEXT = "we decided to keep the memory store in one json file because it is simple to back up"


def mem(mid: str, text: str = TEXT, **fields: Any) -> dict[str, Any]:
    memory: dict[str, Any] = {
        "id": mid,
        "text": text,
        "importance": 0.5,
        "created_at": "2026-11-20T10:00:00+00:00",
        "last_seen_at": "2026-11-25T10:00:00+00:00",
        "sources": [{"file": f"memory/{mid}.md", "line": 1}],
        "seen_count": 1,
    }
    memory.update(fields)
    return memory


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
        mem("dup", TEXT.upper()),
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


def test_restore_skips_ids_already_in_the_store() -> None:
    store = [mem("a")]
    plan = plan_restore(store, [record("a"), record("b")], run_id="r1")
    assert [m["id"] for m in plan.memories] == ["a", "b"]
    assert plan.already_present == ["a"]
    assert [r["memory"]["id"] for r in plan.restored] == ["b"]
    assert store == [mem("a")]  # input untouched


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


def test_backup_of_a_symlinked_or_changed_store_is_a_copy(tmp_path: Path) -> None:
    real = tmp_path / "elsewhere.json"
    real.write_bytes(b"real store")
    store = tmp_path / "store.json"
    store.symlink_to(real)
    backup = tmp_path / "store.json.bak"
    backup_store(store, backup)
    assert not backup.is_symlink() and backup.read_bytes() == b"real store"
    real.write_bytes(b"edited")
    assert backup.read_bytes() == b"real store"
    plain = tmp_path / "plain.json"
    plain.write_bytes(b"12345")
    backup_store(plain, backup, expected_size=3)  # not the size loaded: copy what is there
    plain.write_bytes(b"changed in place")
    assert backup.read_bytes() == b"12345"
