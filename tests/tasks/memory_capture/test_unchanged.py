"""Capture's shortcut: unchanged notes and an unchanged store cost no store load, and any change
to a note, the window, the store or the code makes the next run do the full work."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import tasks.memory_capture as capture_task
from support.capture import TODAY_NOTE, capture, write_note
from support.runner import run_runner
from taskrunner.memory import fingerprint
from taskrunner.memory import store as store_module
from taskrunner.memory.fingerprint import Outcome, StoreIdentity, code_version, record_path
from taskrunner.memory.store import load_store, store_path


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Every store load the capture task makes, in order."""
    seen: list[Path] = []

    def spy(path: Path) -> Any:
        seen.append(path)
        return load_store(path)

    monkeypatch.setattr(store_module, "load_store", spy)
    return seen


@pytest.fixture(params=["racy", "settled"])
def clock_state(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Both kinds of record: a store written just now (checked by hash) and an old one (by stat)."""
    if request.param == "settled":
        monkeypatch.setattr(fingerprint, "RACY_WINDOW_NS", 0)
    return str(request.param)


def _settle(notes: Path, state_dir: Path) -> dict[str, Any]:
    """Capture until the store holds the notes and the shortcut is recorded; the last result."""
    capture(notes, state_dir)  # adds the items: writes the store, records nothing
    return capture(notes, state_dir).result  # finds nothing new: records the shortcut


def _same_stat_edit(path: Path, edit: Callable[[bytes], bytes]) -> None:
    """Rewrite ``path`` in place with an edit of the same size and put its mtime back."""
    before = path.stat()
    data = edit(path.read_bytes())
    assert len(data) == before.st_size
    with open(path, "r+b") as fh:
        fh.write(data)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = path.stat()
    assert (after.st_size, after.st_mtime_ns, after.st_ino) == (
        before.st_size,
        before.st_mtime_ns,
        before.st_ino,
    )


def test_an_unchanged_run_does_not_load_the_store_and_reports_the_same(
    notes: Path, state_dir: Path, loads: list[Path], clock_state: str
) -> None:
    full = _settle(notes, state_dir)
    assert len(loads) == 2
    content = store_path(notes).read_bytes()
    again = capture(notes, state_dir)
    assert len(loads) == 2, "the shortcut loaded the store"
    assert again.result == full
    assert store_path(notes).read_bytes() == content


@pytest.mark.file_times
def test_the_record_lives_in_the_state_dir_and_names_the_store(
    notes: Path, state_dir: Path, clock_state: str
) -> None:
    _settle(notes, state_dir)
    path = record_path(state_dir, notes)
    assert path.parent == state_dir / "state" / "memory_capture"
    record = json.loads(path.read_text())
    identity = StoreIdentity.of(store_path(notes))
    assert identity is not None and record["store"] == identity.as_json()
    assert ("store_sha256" in record) is (clock_state == "racy")
    assert not any(p.name.startswith(".") for p in path.parent.iterdir()), "temp file left"


def test_a_one_byte_note_edit_with_the_same_size_and_mtime_is_never_missed(
    notes: Path, state_dir: Path, loads: list[Path], clock_state: str
) -> None:
    _settle(notes, state_dir)
    note = notes / "memory" / "2026-02-13.md"
    _same_stat_edit(note, lambda data: data.replace(b"SQLite", b"SQLita"))
    run = capture(notes, state_dir)
    assert len(loads) == 3, "the edited note was not read again"
    # An edit in place: the memory's new wording, not a new memory.
    assert (run.result["items_added"], run.result["memories_reworded"]) == (0, 1)
    assert "use SQLita for the cache" in {m["text"] for m in load_store(store_path(notes)).memories}


def test_a_hand_edit_of_the_store_with_the_same_size_and_mtime_is_seen(
    notes: Path, state_dir: Path, loads: list[Path], clock_state: str
) -> None:
    _settle(notes, state_dir)
    path = store_path(notes)
    # Drop the captured decision by renaming its id: capture must notice and add it back.
    stored = load_store(path).memories
    decision = next(m for m in stored if m["text"] == "use SQLite for the cache")
    old_id = decision["id"].encode()
    _same_stat_edit(path, lambda data: data.replace(old_id, b"m_" + b"f" * (len(old_id) - 2)))
    run = capture(notes, state_dir)
    assert len(loads) == 3
    assert run.result["items_skipped"] == run.result["items_extracted"], "near-duplicate of itself"


def test_a_racy_record_trusts_only_the_bytes(notes: Path, state_dir: Path) -> None:
    """When the timestamps cannot tell (a coarse clock), a different content is still seen."""
    _settle(notes, state_dir)
    record = record_path(state_dir, notes)
    inputs = json.loads(record.read_text())["inputs"]
    store = store_path(notes)
    original = store.read_bytes()
    assert fingerprint.is_unchanged(state_dir, notes, store, inputs) is not None
    # The record as a coarse clock would have left it: the edited file's stat, the old bytes.
    edited = original.replace(b'"seen_count": 1', b'"seen_count": 7', 1)
    store.write_bytes(edited)
    outcome = Outcome(items=7, note_problems={})
    evidence = fingerprint.store_evidence(StoreIdentity.of(store), original, now_ns=0)
    fingerprint.record_unchanged(state_dir, notes, inputs, evidence, outcome)
    assert json.loads(record.read_text())["racy"] is True
    assert fingerprint.is_unchanged(state_dir, notes, store, inputs) is None


@pytest.mark.parametrize("change", ["added", "removed", "renamed"])
def test_a_note_added_removed_or_renamed_in_the_window_means_full_work(
    notes: Path, state_dir: Path, loads: list[Path], change: str
) -> None:
    _settle(notes, state_dir)
    memory = notes / "memory"
    if change == "added":
        write_note(notes, "2026-02-13-1430.md", "- plain text, nothing to keep\n")
    elif change == "removed":
        (memory / "2026-02-12.md").unlink()
    else:
        (memory / "2026-02-12.md").rename(memory / "2026-02-12-gateway.md")
    run = capture(notes, state_dir)
    assert len(loads) == 3
    assert run.result["files_read"] != ["memory/2026-02-12.md", "memory/2026-02-13.md"]


def test_another_date_window_means_full_work(
    notes: Path, state_dir: Path, loads: list[Path]
) -> None:
    _settle(notes, state_dir)
    write_note(notes, "2026-02-14.md", TODAY_NOTE)
    # 2026-02-14 reads 02-13 and 02-14; its items are all known, so no write,
    # yet it must have compared them with the store.
    run = capture(notes, state_dir, day="2026-02-14")
    assert len(loads) == 3
    assert run.result["memories_updated"] > 0


def test_a_note_outside_the_window_changes_nothing(
    notes: Path, state_dir: Path, loads: list[Path]
) -> None:
    _settle(notes, state_dir)
    write_note(notes, "2026-02-01.md", "- **Decision:** an old note, edited now\n")
    capture(notes, state_dir)
    assert len(loads) == 2


def test_new_code_means_full_work(
    notes: Path, state_dir: Path, loads: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    _settle(notes, state_dir)
    monkeypatch.setattr(capture_task, "code_version", lambda extra=(): "another version")
    capture(notes, state_dir)
    assert len(loads) == 3


def test_the_code_version_follows_every_source_and_the_runner_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    task_source = tmp_path / "memory_capture.py"
    task_source.write_text("x = 1\n")
    first = code_version([task_source])
    assert first is not None and code_version([task_source]) == first
    fingerprint._code_digests.clear()
    task_source.write_text("x = 2\n")
    assert code_version([task_source]) not in (None, first)
    fingerprint._code_digests.clear()
    monkeypatch.setattr(fingerprint, "__version__", "99.0")
    assert code_version([tmp_path / "memory_capture.py"]) not in (None, first)
    fingerprint._code_digests.clear()
    assert code_version([tmp_path / "missing.py"]) is None, "unreadable source: no shortcut"
    fingerprint._code_digests.clear()


def test_the_task_hashes_every_memory_module_a_capture_runs(notes: Path, state_dir: Path) -> None:
    import sys

    capture(notes, state_dir)
    capture(notes, state_dir)
    hashed = set(Path(fingerprint.__file__).parent.rglob("*.py"))
    used = {
        Path(module.__file__).resolve()
        for name, module in sys.modules.items()
        if name.startswith("taskrunner.memory") and getattr(module, "__file__", None)
    }
    assert {"extract.py", "merge.py", "normalize.py", "store.py"} <= {p.name for p in used}
    assert used <= {p.resolve() for p in hashed}


@pytest.mark.parametrize("damage", [b"", b"{not json", b'{"format": 1}', b"[]", b"\xff" * 10])
def test_a_lost_or_damaged_record_only_costs_a_full_run(
    notes: Path, state_dir: Path, loads: list[Path], damage: bytes
) -> None:
    full = _settle(notes, state_dir)
    record_path(state_dir, notes).write_bytes(damage)
    assert capture(notes, state_dir).result == full
    assert len(loads) == 3
    assert capture(notes, state_dir).result == full
    assert len(loads) == 3, "the full run wrote a fresh record"


def test_an_unwritable_state_dir_does_not_fail_the_run(
    notes: Path, state_dir: Path, loads: list[Path]
) -> None:
    (state_dir / "state").write_text("a file where the folder should be")
    full = capture(notes, state_dir).result
    assert full["success"] is True and full["items_added"] == 7
    assert capture(notes, state_dir).result["success"] is True
    assert capture(notes, state_dir).result["success"] is True
    assert len(loads) == 3


def test_a_run_that_writes_the_store_records_nothing(notes: Path, state_dir: Path) -> None:
    capture(notes, state_dir)
    assert not record_path(state_dir, notes).exists()


def test_a_dry_run_writes_no_record_and_does_the_full_work(
    notes: Path, state_dir: Path, loads: list[Path]
) -> None:
    capture(notes, state_dir)
    capture(notes, state_dir, dry_run=True)
    assert not record_path(state_dir, notes).exists()
    _settle(notes, state_dir)
    capture(notes, state_dir, dry_run=True)
    assert len(loads) == 4


def test_a_replaced_store_is_seen_even_with_the_same_bytes_and_mtime(
    notes: Path, state_dir: Path, loads: list[Path], clock_state: str
) -> None:
    _settle(notes, state_dir)
    path = store_path(notes)
    before = path.stat()
    copy = path.with_name("copy.json")
    copy.write_bytes(path.read_bytes())
    os.utime(copy, ns=(before.st_atime_ns, before.st_mtime_ns))
    os.replace(copy, path)
    capture(notes, state_dir)
    assert len(loads) == 3


def test_runner_end_to_end_second_run_is_the_shortcut(notes: Path, state_dir: Path) -> None:
    args = ["memory_capture", "--workspace", str(notes), "--date", "2026-02-13", "--json"]
    results = []
    for _ in range(3):
        proc = run_runner(*args)
        assert proc.returncode == 0, proc.stderr
        results.append(json.loads(proc.stdout))
    assert record_path(state_dir, notes).exists()
    fields = ("items_extracted", "items_added", "items_skipped", "files_read", "message")
    assert {k: results[1][k] for k in fields} == {k: results[2][k] for k in fields}
