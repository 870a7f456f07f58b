"""The memory_capture task: direct runs (bind + run) and end-to-end through runner.py."""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, run_runner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from taskrunner.argparsing import iso_date
from taskrunner.errors import PermanentError, WorkspaceMissing
from taskrunner.memory.capture import Sighting, merge_sightings
from taskrunner.memory.extract import MAX_ITEMS_PER_NOTE
from taskrunner.memory.kinds import importance_of
from taskrunner.memory.normalize import memory_id
from taskrunner.memory.notes import MAX_NOTE_BYTES
from taskrunner.memory.probe import candidate_indexes, probe_words
from taskrunner.memory.similarity import is_near_duplicate, words
from taskrunner.memory.store import StoreCorrupt, load_store, lock_path, store_path
from taskrunner.task import TaskContext
from tasks.memory_capture import MemoryCaptureTask

NOW = datetime(2026, 2, 13, 21, 30, tzinfo=timezone(timedelta(hours=1)))
NOW_ISO = "2026-02-13T21:30:00+01:00"

TODAY_NOTE = """\
# 2026-02-13

## Cache layer
- **Decision:** use SQLite for the cache
- [ ] Rotate the JWT token
- [x] Completed the security audit
- We learned that cron runs in UTC
- plain bullet, nothing to keep

```
- TODO: inside a code block
```
"""

YESTERDAY_NOTE = "## Gateway\n- BLOCKER: the VPN drops every hour\n"


class Run:
    """One task run's result, alerts and log lines."""

    def __init__(self, result: dict[str, Any], alerts: list[dict[str, Any]], logs: list[str]):
        self.result = result
        self.alerts = alerts
        self.logs = logs


def capture(
    workspace: Path | None,
    state_dir: Path,
    *,
    day: str | date | None = "2026-02-13",
    dry_run: bool = False,
    now: datetime = NOW,
) -> Run:
    alerts: list[dict[str, Any]] = []
    logs: list[str] = []
    task = MemoryCaptureTask()
    task.bind(
        TaskContext(
            task_name="memory_capture",
            run_id="run-1",
            state_dir=state_dir,
            dry_run=dry_run,
            workspace=workspace,
            options={} if day is None else {"date": day},
            clock=lambda: now,
            alert_sink=alerts.append,
            log_sink=logs.append,
        )
    )
    return Run(task.run(), alerts, logs)


def memories(workspace: Path) -> list[dict[str, Any]]:
    return load_store(store_path(workspace)).memories


def by_text(workspace: Path) -> dict[str, dict[str, Any]]:
    return {m["text"]: m for m in memories(workspace)}


def write_note(workspace: Path, name: str, text: str | bytes) -> Path:
    path = workspace / "memory" / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def notes(workspace: Path) -> Path:
    write_note(workspace, "2026-02-13.md", TODAY_NOTE)
    write_note(workspace, "2026-02-12.md", YESTERDAY_NOTE)
    return workspace


def snapshot(root: Path) -> dict[str, bytes | None]:
    return {
        str(p.relative_to(root)): (p.read_bytes() if p.is_file() else None)
        for p in sorted(root.rglob("*"))
    }


# -- what is captured --------------------------------------------------------------


def test_first_run_captures_items_with_provenance(notes: Path, state_dir: Path) -> None:
    run = capture(notes, state_dir)
    assert run.result["success"] is True
    assert run.result["files_read"] == ["memory/2026-02-12.md", "memory/2026-02-13.md"]
    assert run.result["items_extracted"] == 7
    assert run.result["items_added"] == 7 and run.result["items_skipped"] == 0
    stored = by_text(notes)
    assert set(stored) == {
        "Gateway",
        "the VPN drops every hour",
        "Cache layer",
        "use SQLite for the cache",
        "Rotate the JWT token",
        "Completed the security audit",
        "We learned that cron runs in UTC",
    }
    decision = stored["use SQLite for the cache"]
    assert decision == {
        "id": memory_id("use SQLite for the cache"),
        "text": "use SQLite for the cache",
        "kind": "decision",
        "importance": importance_of("decision"),
        "created_at": NOW_ISO,
        "last_seen_at": NOW_ISO,
        "date": "2026-02-13",
        "sources": [{"file": "memory/2026-02-13.md", "line": 4}],
        "seen_count": 1,
    }
    assert stored["the VPN drops every hour"]["date"] == "2026-02-12"
    assert stored["the VPN drops every hour"]["kind"] == "blocker"
    assert stored["Rotate the JWT token"]["kind"] == "todo"
    assert stored["Completed the security audit"]["kind"] == "completed"
    assert stored["Cache layer"]["importance"] < 0.3


def test_second_run_adds_nothing_and_does_not_rewrite_the_store(
    notes: Path, state_dir: Path
) -> None:
    capture(notes, state_dir)
    path = store_path(notes)
    before = path.stat()
    content = path.read_bytes()
    again = capture(notes, state_dir, now=NOW + timedelta(hours=1))
    assert again.result["items_added"] == 0
    assert again.result["items_skipped"] == again.result["items_extracted"] == 7
    assert "nothing new" in again.result["message"]
    after = path.stat()
    assert path.read_bytes() == content
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_a_sighting_from_a_new_source_updates_the_memory(notes: Path, state_dir: Path) -> None:
    capture(notes, state_dir)
    later = NOW + timedelta(days=1)
    write_note(notes, "2026-02-14.md", "- **Decision:** use SQLite for the cache\n")
    run = capture(notes, state_dir, day="2026-02-14", now=later)
    assert run.result["items_added"] == 0 and run.result["items_skipped"] > 0
    memory = by_text(notes)["use SQLite for the cache"]
    assert memory["seen_count"] == 2
    assert memory["last_seen_at"] == later.isoformat(timespec="seconds")
    assert memory["created_at"] == NOW_ISO and memory["date"] == "2026-02-13"
    assert memory["sources"] == [
        {"file": "memory/2026-02-13.md", "line": 4},
        {"file": "memory/2026-02-14.md", "line": 1},
    ]


def test_exact_duplicates_through_markup_case_and_width(notes: Path, state_dir: Path) -> None:
    capture(notes, state_dir)
    write_note(notes, "2026-02-13-1430.md", "- DECISION: Use `SQLITE` for the **cache**\n")
    run = capture(notes, state_dir)
    assert run.result["items_added"] == 0
    assert by_text(notes)["use SQLite for the cache"]["seen_count"] == 2


def test_near_duplicates_of_stored_memories_are_not_added(notes: Path, state_dir: Path) -> None:
    write_note(
        notes,
        "2026-02-13_standup.md",
        "- We decided to move billing to the new cluster after the review on Friday\n",
    )
    capture(notes, state_dir)
    write_note(
        notes,
        "2026-02-13-retro.md",
        "- We decided to move billing to the new cluster after the long review on Friday\n",
    )
    run = capture(notes, state_dir)
    assert run.result["items_added"] == 0
    texts = [m["text"] for m in memories(notes) if "billing" in m["text"]]
    assert texts == ["We decided to move billing to the new cluster after the review on Friday"]
    assert by_text(notes)[texts[0]]["seen_count"] == 2


def test_numbers_and_negations_keep_near_duplicates_apart(workspace: Path, state_dir: Path) -> None:
    write_note(
        workspace,
        "2026-02-13.md",
        "- We decided the gateway listens on port 8080 for the main agent service today\n"
        "- We decided the gateway listens on port 8081 for the main agent service today\n"
        "- We decided we will deploy the billing service to the new cluster this week\n"
        "- We decided we will not deploy the billing service to the new cluster this week\n",
    )
    run = capture(workspace, state_dir)
    assert run.result["items_added"] == 4


def test_repeats_within_one_run_become_one_memory(workspace: Path, state_dir: Path) -> None:
    write_note(
        workspace, "2026-02-13.md", "- TODO: back up the store\n\n- TODO: back up the store\n"
    )
    run = capture(workspace, state_dir)
    assert run.result["items_added"] == 1 and run.result["items_skipped"] == 1
    (memory,) = memories(workspace)
    assert memory["seen_count"] == 2
    assert [s["line"] for s in memory["sources"]] == [1, 3]


def test_a_stronger_kind_raises_the_importance(workspace: Path, state_dir: Path) -> None:
    write_note(workspace, "2026-02-13.md", "## Rotate keys\n- TODO: rotate keys\n")
    capture(workspace, state_dir)
    (memory,) = memories(workspace)
    assert memory["kind"] == "todo" and memory["importance"] == importance_of("todo")


def test_unknown_fields_and_keys_survive_a_capture(workspace: Path, state_dir: Path) -> None:
    path = store_path(workspace)
    kept = {"id": "m_hand", "text": "hand written", "pinned": True, "x": {"deep": [1]}}
    path.write_text(json.dumps({"version": 1, "owner": "me", "memories": [kept]}))
    write_note(workspace, "2026-02-13.md", "- TODO: new item\n")
    capture(workspace, state_dir)
    doc = json.loads(path.read_text())
    assert doc["owner"] == "me"
    assert doc["memories"][0] == kept
    assert [m["text"] for m in doc["memories"]] == ["hand written", "new item"]


def test_a_legacy_array_store_is_upgraded_on_write(workspace: Path, state_dir: Path) -> None:
    path = store_path(workspace)
    path.write_text(json.dumps(["old fact", {"text": "use sqlite for the cache"}]))
    write_note(workspace, "2026-02-13.md", "- **Decision:** Use SQLite for the cache\n")
    run = capture(workspace, state_dir)
    assert run.result["items_added"] == 0
    doc = json.loads(path.read_text())
    assert doc["version"] == 1 and len(doc["memories"]) == 2


def test_a_corrupt_store_is_a_permanent_error_left_untouched(notes: Path, state_dir: Path) -> None:
    path = store_path(notes)
    broken = b'{"version": 1, "memories": [\n{"text": "a"},,\n]}'
    path.write_bytes(broken)
    alerts: list[dict[str, Any]] = []
    task = MemoryCaptureTask()
    task.bind(
        TaskContext(
            task_name="memory_capture",
            run_id="r",
            state_dir=state_dir,
            workspace=notes,
            options={"date": date(2026, 2, 13)},
            clock=lambda: NOW,
            alert_sink=alerts.append,
            log_sink=lambda line: None,
        )
    )
    with pytest.raises(StoreCorrupt) as caught:
        task.run()
    assert isinstance(caught.value, PermanentError)
    assert "line 2 col 15" in str(caught.value) and "fix it by hand" in str(caught.value)
    # capture never writes a backup: none is offered
    assert "cp " not in str(caught.value) and "no backup" in str(caught.value)
    (alert,) = [a for a in alerts if a["level"] == "error"]
    assert alert["key"] == f"memory-store-corrupt:{path}"
    assert alert["message"] == str(caught.value) and "not valid JSON" in alert["message"]
    assert path.read_bytes() == broken
    assert sorted(p.name for p in path.parent.iterdir()) == [
        "2026-02-12.md",
        "2026-02-13.md",
        "store.json",
        "store.json.lock",
    ]


def test_dry_run_writes_nothing_and_takes_no_lock(notes: Path, state_dir: Path) -> None:
    before = snapshot(notes.parent)
    run = capture(notes, state_dir, dry_run=True)
    assert run.result["items_added"] == 7
    assert run.result["message"].startswith("dry run: would have added 7")
    assert any("would add 7" in line for line in run.logs)
    assert snapshot(notes.parent) == before
    assert not lock_path(notes).exists()


def test_dry_run_on_an_existing_store_leaves_it_alone(notes: Path, state_dir: Path) -> None:
    capture(notes, state_dir)
    write_note(notes, "2026-02-13-1900.md", "- TODO: something new\n")
    before = snapshot(notes.parent)
    run = capture(notes, state_dir, dry_run=True)
    assert run.result["items_added"] == 1
    assert snapshot(notes.parent) == before


# -- which notes are read ------------------------------------------------------------


def test_note_name_variants_and_what_is_never_read(workspace: Path, state_dir: Path) -> None:
    memory = workspace / "memory"
    for name in (
        "2026-02-13.md",
        "2026-02-13-1430.md",
        "2026-02-13-vendor-pitch.md",
        "2026-02-13_standup.md",
        "2026-02-12-RECAP.md",
    ):
        write_note(workspace, name, f"- TODO: from {name}\n")
    for skipped in (
        "2026-02-11.md",  # the day before yesterday
        "2026-02-13.txt",
        "2026-02-13.md.bak",
        "notes-2026-02-13.md",
        "MEMORY.md",
        "2026-02-30.md",
    ):
        write_note(workspace, skipped, f"- TODO: must not read {skipped}\n")
    for generated in (".dreams", "dreaming/light", "imports"):
        (memory / generated).mkdir(parents=True)
        (memory / generated / "2026-02-13.md").write_text("- TODO: generated\n")
    run = capture(workspace, state_dir)
    assert run.result["files_read"] == [
        "memory/2026-02-12-RECAP.md",
        "memory/2026-02-13-1430.md",
        "memory/2026-02-13-vendor-pitch.md",
        "memory/2026-02-13.md",
        "memory/2026-02-13_standup.md",
    ]
    assert all(text.startswith("from ") for text in by_text(workspace))


def test_date_option_and_default_today(workspace: Path, state_dir: Path) -> None:
    write_note(workspace, "2026-02-13.md", "- TODO: thirteenth\n")
    assert capture(workspace, state_dir, day=None).result["files_read"] == ["memory/2026-02-13.md"]
    assert capture(workspace, state_dir, day="2026-02-14").result["files_read"] == [
        "memory/2026-02-13.md"
    ]
    assert capture(workspace, state_dir, day="2026-02-15").result["files_read"] == []
    with pytest.raises(PermanentError, match="not a date"):
        capture(workspace, state_dir, day="13/02/2026")
    with pytest.raises(argparse.ArgumentTypeError, match="YYYY-MM-DD"):
        iso_date("tomorrow")


def test_no_memory_folder_is_not_an_error_and_creates_nothing(
    tmp_path: Path, state_dir: Path
) -> None:
    workspace = tmp_path / "bare"
    workspace.mkdir()
    run = capture(workspace, state_dir)
    assert run.result["success"] is True
    assert run.result["message"] == "no daily notes for 2026-02-12 or 2026-02-13"
    assert list(workspace.iterdir()) == []


def test_a_missing_workspace_is_reported(tmp_path: Path, state_dir: Path) -> None:
    with pytest.raises(WorkspaceMissing):
        capture(tmp_path / "absent", state_dir)


# -- bad input -----------------------------------------------------------------------


def test_invalid_utf8_is_read_with_replacement_and_warned_once(
    workspace: Path, state_dir: Path
) -> None:
    write_note(workspace, "2026-02-13.md", b"- TODO: caf\xe9 menu\n- TODO: \xff\xfe second\n")
    run = capture(workspace, state_dir)
    warnings = run.result["warnings"]
    assert len(warnings) == 1
    assert "memory/2026-02-13.md is not valid UTF-8" in warnings[0]
    assert "offset 11" in warnings[0]
    assert set(by_text(workspace)) == {"caf\ufffd menu", "\ufffd\ufffd second"}
    assert run.alerts and run.alerts[0]["level"] == "warning"


def test_bom_crlf_and_nul_bytes(workspace: Path, state_dir: Path) -> None:
    write_note(workspace, "2026-02-13.md", b"\xef\xbb\xbf## Plan\r\n\r\n- TODO: fix\x00 it\r\n")
    run = capture(workspace, state_dir)
    assert {(m["text"], m["sources"][0]["line"]) for m in memories(workspace)} == {
        ("Plan", 1),
        ("fix it", 3),
    }
    assert any("NUL" in w for w in run.result["warnings"])


def test_utf16_with_a_bom_is_decoded(workspace: Path, state_dir: Path) -> None:
    write_note(workspace, "2026-02-13.md", "- TODO: 書く\n".encode("utf-16"))
    capture(workspace, state_dir)
    assert set(by_text(workspace)) == {"書く"}


def test_a_50_mb_note_is_read_in_part_with_a_clear_message(
    workspace: Path, state_dir: Path
) -> None:
    log_line = b"2026-02-13 12:00:00 INFO request served in 12 ms\n"
    head = b"- TODO: the real note comes first\n"
    write_note(workspace, "2026-02-13.md", head + log_line * (50 * 1024 * 1024 // len(log_line)))
    run = capture(workspace, state_dir)
    assert run.result["success"] is True
    (warning,) = run.result["warnings"]
    assert "memory/2026-02-13.md is larger than" in warning and "50.0 MiB" in warning
    assert set(by_text(workspace)) == {"the real note comes first"}
    assert MAX_NOTE_BYTES < 50 * 1024 * 1024


def test_a_note_with_too_many_items_is_capped(workspace: Path, state_dir: Path) -> None:
    lines = "".join(f"- TODO: task number {i}\n" for i in range(MAX_ITEMS_PER_NOTE + 50))
    write_note(workspace, "2026-02-13.md", lines)
    run = capture(workspace, state_dir)
    assert run.result["items_added"] == MAX_ITEMS_PER_NOTE
    assert any("more than" in w for w in run.result["warnings"])


def test_a_one_megabyte_line(workspace: Path, state_dir: Path) -> None:
    write_note(workspace, "2026-02-13.md", "- TODO: " + "x" * 1_000_000 + "\n- TODO: after\n")
    run = capture(workspace, state_dir)
    assert run.result["items_added"] == 2
    assert all(len(m["text"]) <= 2002 for m in memories(workspace))


def test_a_directory_named_like_a_note_is_skipped(workspace: Path, state_dir: Path) -> None:
    (workspace / "memory" / "2026-02-13.md").mkdir()
    write_note(workspace, "2026-02-12.md", "- TODO: still read\n")
    run = capture(workspace, state_dir)
    assert run.result["success"] is True
    assert run.result["warnings"] == ["memory/2026-02-13.md is a directory, not a note; skipped"]
    assert set(by_text(workspace)) == {"still read"}


def test_a_symlink_leading_outside_the_workspace_is_skipped(
    workspace: Path, tmp_path: Path, state_dir: Path
) -> None:
    secret = tmp_path / "elsewhere.md"
    secret.write_text("- TODO: private\n")
    (workspace / "memory" / "2026-02-13.md").symlink_to(secret)
    run = capture(workspace, state_dir)
    (warning,) = run.result["warnings"]
    assert "outside the workspace; skipped" in warning and str(secret) in warning
    assert not store_path(workspace).exists()
    assert run.result["message"].startswith("no readable daily notes")


def test_a_symlink_inside_the_workspace_is_read(workspace: Path, state_dir: Path) -> None:
    (workspace / "drafts").mkdir()
    (workspace / "drafts" / "today.md").write_text("- TODO: via a link\n")
    (workspace / "memory" / "2026-02-13.md").symlink_to(workspace / "drafts" / "today.md")
    capture(workspace, state_dir)
    assert by_text(workspace)["via a link"]["sources"] == [
        {"file": "memory/2026-02-13.md", "line": 1}
    ]


def test_a_broken_symlink_and_a_fifo_do_not_hang(workspace: Path, state_dir: Path) -> None:
    (workspace / "memory" / "2026-02-13.md").symlink_to(workspace / "missing.md")
    os.mkfifo(workspace / "memory" / "2026-02-12.md")
    run = capture(workspace, state_dir)
    assert sorted(run.result["warnings"]) == [
        "memory/2026-02-12.md is not a regular file; skipped",
        "memory/2026-02-13.md is a broken symlink; skipped",
    ]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_an_unreadable_note_is_skipped(workspace: Path, state_dir: Path) -> None:
    path = write_note(workspace, "2026-02-13.md", "- TODO: hidden\n")
    path.chmod(0)
    run = capture(workspace, state_dir)
    assert "cannot be read (Permission denied)" in run.result["warnings"][0]


@pytest.fixture
def shared_tmp() -> Iterator[Path]:
    """A directory another user can reach (pytest's tmp_path is private to root)."""
    with tempfile.TemporaryDirectory() as name:
        path = Path(name)
        path.chmod(0o755)
        yield path


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to run the capture as another user")
def test_an_unreadable_note_is_skipped_for_a_real_user(shared_tmp: Path) -> None:
    workspace = shared_tmp / "ws"
    (workspace / "memory").mkdir(parents=True)
    (workspace / "memory").chmod(0o777)
    secret = write_note(workspace, "2026-02-13.md", "- TODO: root only\n")
    secret.chmod(0o600)
    write_note(workspace, "2026-02-12.md", "- TODO: readable\n")
    # The interpreter lives under /root here, so start as root, import
    # everything, then drop to nobody for good before the capture runs.
    code = (
        "import json, os, sys; from datetime import date; from pathlib import Path\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "from taskrunner.task import TaskContext\n"
        "from tasks.memory_capture import MemoryCaptureTask\n"
        "os.setgroups([]); os.setgid(65534); os.setuid(65534)\n"
        "t = MemoryCaptureTask()\n"
        f"t.bind(TaskContext(task_name='memory_capture', run_id='r',"
        f" state_dir=Path({str(shared_tmp)!r}),"
        f" workspace=Path({str(workspace)!r}), options={{'date': date(2026, 2, 13)}},"
        " log_sink=lambda line: None, alert_sink=lambda a: None))\n"
        "print(json.dumps(t.run()))\n"
    )
    done = subprocess.run(
        [sys.executable, "-B", "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["files_read"] == ["memory/2026-02-12.md"]
    assert result["warnings"] == [
        "memory/2026-02-13.md cannot be read (Permission denied); skipped — fix its permissions"
    ]
    assert [m["text"] for m in memories(workspace)] == ["readable"]


# -- the store lock --------------------------------------------------------------------


def test_capture_waits_for_a_writer_holding_the_store_lock(notes: Path, state_dir: Path) -> None:
    marker = notes / "holder-finished"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path\n"
            f"sys.path.insert(0, {str(ROOT)!r})\n"
            "from taskrunner.memory.store import store_lock\n"
            f"with store_lock(Path({str(notes)!r})):\n"
            "    print('held', flush=True); time.sleep(1.0)\n"
            f"    Path({str(marker)!r}).write_text('done')\n",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        run = capture(notes, state_dir)
        # The marker is written just before the holder lets go: the capture
        # could only have run after it.
        assert marker.read_text() == "done"
        assert run.result["items_added"] == 7
    finally:
        holder.wait(10)


# -- end to end through runner.py -------------------------------------------------------


def test_runner_end_to_end(notes: Path, state_dir: Path) -> None:
    args = ("memory_capture", "--workspace", str(notes), "--date", "2026-02-13", "--json")
    first = run_runner(*args)
    assert first.returncode == 0, first.stderr
    record = json.loads(first.stdout)
    assert record["success"] is True and record["task"] == "memory_capture"
    assert record["items_added"] == 7 and record["files_read"] == [
        "memory/2026-02-12.md",
        "memory/2026-02-13.md",
    ]
    second = json.loads(run_runner(*args).stdout)
    assert second["items_added"] == 0 and second["items_skipped"] == 7
    log = (state_dir / "logs" / "tasks.jsonl").read_text().splitlines()
    assert [json.loads(line)["items_added"] for line in log] == [7, 0]


def test_runner_reports_a_corrupt_store_and_exits_1(notes: Path, state_dir: Path) -> None:
    path = store_path(notes)
    path.write_text("{not json")
    backup = notes / "memory" / "store.json.bak"
    backup.write_text('{"version": 1, "memories": []}')
    done = run_runner("memory_capture", "--workspace", str(notes), "--date", "2026-02-13")
    assert done.returncode == 1
    assert f"cp {backup} {path}" in done.stderr
    assert path.read_text() == "{not json"
    queued = "".join(p.read_text() for p in (state_dir / "alerts").glob("*") if p.is_file())
    assert f"cp {backup} {path}" in queued


def test_a_broken_store_queues_one_alert_per_task_counting_repeats(
    notes: Path, state_dir: Path
) -> None:
    path = store_path(notes)
    path.write_text("{not json")
    common = ("--workspace", str(notes), "--date", "2026-02-13", "--no-retry")
    for task in ("memory_capture", "memory_capture", "memory_consolidate"):
        assert run_runner(task, *common).returncode == 1
    pending = json.loads((state_dir / "alerts" / "pending.json").read_text())
    corrupt = [a for a in pending if a.get("key") == f"memory-store-corrupt:{path}"]
    # The queue scopes keys to their task: one alert per task, repeats counted.
    assert sorted((a["task"], a["count"]) for a in corrupt) == [
        ("memory_capture", 2),
        ("memory_consolidate", 1),
    ]


def test_runner_dry_run_writes_nothing(notes: Path, state_dir: Path) -> None:
    before = snapshot(notes.parent)
    done = run_runner(
        "memory_capture", "--workspace", str(notes), "--date", "2026-02-13", "--dry-run"
    )
    assert done.returncode == 0, done.stderr
    assert "would add 7" in done.stderr
    assert snapshot(notes.parent) == before


def test_runner_rejects_a_malformed_date(notes: Path) -> None:
    done = run_runner("memory_capture", "--workspace", str(notes), "--date", "13.02.2026")
    assert done.returncode == 1
    assert "YYYY-MM-DD" in done.stderr


# -- the merge, against a brute-force reference ---------------------------------------

MERGE_VOCAB = ["Deploy", "deploy", "the", "cache", "not", "no", "8080", "8081", "v2", "ß", "ss"]
MERGE_VOCAB += ["日本", "**", "`", "_x_", "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k"]
merge_text = st.lists(st.sampled_from(MERGE_VOCAB), min_size=0, max_size=14).map(" ".join)
any_text = merge_text | st.text(max_size=40)


#: words of many lengths, so that word sets of 10-30 words (where a probe
#: filter needs more than one probe word) are common
LONG_VOCAB = [f"w{'o' * n}rd" for n in range(30)]


@st.composite
def near_pairs(draw: st.DrawFn) -> tuple[str, str]:
    """Two texts that are often near-duplicates: one edit apart, case and markup varied."""
    vocab = draw(st.sampled_from([MERGE_VOCAB, LONG_VOCAB, MERGE_VOCAB + LONG_VOCAB]))
    base = draw(st.lists(st.sampled_from(vocab), min_size=1, max_size=30))
    other = list(base)
    edit = draw(st.sampled_from(["add", "add-longest", "drop", "swap", "case", "same", "free"]))
    if edit == "add-longest":
        # A word the other text lacks and that a filter would pick first.
        other.append("q" * (max(map(len, base)) + 1))
    elif edit == "add":
        other.insert(draw(st.integers(0, len(other))), draw(st.sampled_from(vocab)))
    elif edit == "drop":
        other.pop(draw(st.integers(0, len(other) - 1)))
    elif edit == "swap":
        other[draw(st.integers(0, len(other) - 1))] = draw(st.sampled_from(vocab))
    elif edit == "case":
        other = [word.upper() for word in other]
    elif edit == "free":
        return " ".join(base), draw(st.text(max_size=40))
    return " ".join(base), ", ".join(other)


def _reference_targets(stored: list[str], items: list[str]) -> list[int]:
    """Where each item goes, by the definition: id, else first near-duplicate, else new."""
    ids: dict[str, int] = {}
    for index, text in enumerate(stored):
        ids.setdefault(memory_id(text), index)
    created: list[tuple[int, str, frozenset[str]]] = []
    targets: list[int] = []
    for text in items:
        key, item_words = memory_id(text), words(text)
        if key in ids:
            targets.append(ids[key])
            continue
        near = [
            i
            for i, s in enumerate(stored)
            if item_words and is_near_duplicate(words(s), item_words)
        ]
        if near:
            targets.append(near[0])
            continue
        same = [i for i, k, _ in created if k == key]
        if not same and item_words:
            same = [i for i, _, w in created if is_near_duplicate(w, item_words)]
        if same:
            targets.append(same[0])
            continue
        created.append((len(stored) + len(created), key, item_words))
        targets.append(created[-1][0])
    return targets


@settings(max_examples=300, deadline=None)
@given(
    stored=st.lists(any_text, max_size=12),
    items=st.lists(any_text, max_size=10),
    pairs=st.lists(near_pairs(), max_size=6),
)
def test_merge_matches_the_brute_force_definition(
    stored: list[str], items: list[str], pairs: list[tuple[str, str]]
) -> None:
    # Near pairs split across the store and the notes, and inside the notes.
    stored = stored + [a for a, _ in pairs[::2]]
    items = items + [b for _, b in pairs] + [a for a, _ in pairs[1::2]]
    memories: list[dict[str, Any]] = [
        {"id": memory_id(text), "text": text, "sources": [], "seen_count": 0} for text in stored
    ]
    sightings = [
        Sighting(text=text, kind="fact", file="memory/2026-02-13.md", line=n + 1, day=date.today())
        for n, text in enumerate(items)
    ]
    result = merge_sightings(memories, sightings, now_iso=NOW_ISO)
    actual = [
        next(i for i, m in enumerate(memories) if {"file": s.file, "line": s.line} in m["sources"])
        for s in sightings
    ]
    assert actual == _reference_targets(stored, items)
    assert result.added == len(memories) - len(stored)
    assert result.added + result.skipped == len(items)


@settings(max_examples=500, deadline=None)
@given(
    pair=near_pairs(),
    noise=st.lists(any_text, max_size=5),
    freq=st.dictionaries(st.sampled_from(MERGE_VOCAB).map(str.casefold), st.integers(0, 9)),
)
def test_the_probe_filter_never_drops_a_near_duplicate(
    pair: tuple[str, str], noise: list[str], freq: dict[str, int]
) -> None:
    a, b = pair
    texts = [*noise, a]
    b_words = words(b)
    if is_near_duplicate(words(a), b_words):
        assert len(texts) - 1 in candidate_indexes(texts, probe_words(b_words, freq))


def test_the_near_pairs_strategy_yields_near_duplicates() -> None:
    # Guard against a vacuous property: the generator must produce real matches.
    found: list[bool] = []

    @settings(max_examples=200, deadline=None)
    @given(near_pairs())
    def collect(pair: tuple[str, str]) -> None:
        found.append(is_near_duplicate(words(pair[0]), words(pair[1])))

    collect()
    assert sum(found) > 20


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts=st.lists(st.text(max_size=30), max_size=8), probe=st.text(min_size=1, max_size=8))
def test_candidates_are_exactly_the_texts_holding_the_word(texts: list[str], probe: str) -> None:
    probe = probe.casefold()
    if not re.fullmatch(r"\w+", probe):
        return
    expected = [i for i, text in enumerate(texts) if probe in re.findall(r"\w+", text.casefold())]
    assert candidate_indexes(texts, [probe]) == expected


def test_a_note_without_items_leaves_the_store_alone(workspace: Path, state_dir: Path) -> None:
    write_note(workspace, "2026-02-13.md", "# 2026-02-13\nJust prose today.\n")
    store_path(workspace).write_text("{broken")  # not even read
    run = capture(workspace, state_dir)
    assert run.result["message"] == "nothing to capture in 1 note"
    assert store_path(workspace).read_text() == "{broken"
    assert not lock_path(workspace).exists()
