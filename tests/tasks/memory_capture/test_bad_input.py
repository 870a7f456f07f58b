"""memory_capture on bad input: broken encodings, huge notes, odd files, permissions."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from support.capture import (
    by_text,
    capture,
    memories,
    write_note,
)
from support.paths import ROOT
from taskrunner.memory.extract import MAX_ITEMS_PER_NOTE
from taskrunner.memory.notes import MAX_NOTE_BYTES
from taskrunner.memory.store import store_path

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
    assert {(m["text"], m["sources"][0]["line"]) for m in memories(workspace)} == {("fix it", 3)}
    assert memories(workspace)[0]["section"] == ["Plan"]
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
        f"sys.path[:0] = [{str(ROOT)!r}, {str(ROOT / 'tests')!r}]\n"
        "from support.harness import run_task\n"
        "from tasks.memory_capture import MemoryCaptureTask\n"
        # the task loads its merge code on first use: load it while it can be read
        "import taskrunner.memory.extract, taskrunner.memory.merge, taskrunner.memory.store_lines\n"
        "os.setgroups([]); os.setgid(65534); os.setuid(65534)\n"
        f"run = run_task(MemoryCaptureTask(), Path({str(shared_tmp)!r}),"
        f" workspace=Path({str(workspace)!r}), options={{'date': date(2026, 2, 13)}}, run_id='r')\n"
        "print(json.dumps(run.result))\n"
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


def test_a_note_name_that_is_not_utf8_is_reported_and_skipped(
    workspace: Path, state_dir: Path
) -> None:
    write_note(workspace, "2026-02-13.md", "- TODO: readable\n")
    bad = os.path.join(os.fsencode(workspace / "memory"), b"2026-02-13-\xff.md")
    with open(bad, "wb") as handle:
        handle.write(b"- TODO: behind a bad name\n")
    run = capture(workspace, state_dir)
    assert run.result["warnings"] == [
        "memory/2026-02-13-\\xff.md: the file name is not valid UTF-8; skipped — rename the file"
    ]
    assert [m["text"] for m in memories(workspace)] == ["readable"]
    json.dumps(run.result).encode("utf-8")  # the result is plain UTF-8 text


def test_a_run_with_a_non_utf8_note_name_succeeds_end_to_end(workspace: Path) -> None:
    from support.runner import run_runner

    bad = os.path.join(os.fsencode(workspace / "memory"), b"2026-11-28-\xff.md")
    with open(bad, "wb") as handle:
        handle.write(b"- TODO: behind a bad name\n")
    proc = run_runner(
        "memory_capture", "--workspace", str(workspace), "--date", "2026-11-28", "--json"
    )
    assert proc.returncode == 0, proc.stderr
    record = json.loads(proc.stdout)
    assert record["status"] == "success"
    assert "not valid UTF-8" in record["warnings"][0]


def test_a_task_result_holding_a_lone_surrogate_is_still_recorded(tmp_path: Path) -> None:
    from taskrunner.worker import run_attempt

    outcome = run_attempt(
        lambda sink: {"success": True, "message": "ok", "name": "a\udcffb"}, timeout_s=30
    )
    assert outcome.kind == "result"
    assert outcome.result is not None and outcome.result["name"] == "a\udcffb"


def test_hand_edited_dates_and_counts_of_a_memory_are_read_as_meant(
    workspace: Path, state_dir: Path
) -> None:
    # A person fixing the store by hand writes what reads right to them: a
    # word for a day, a count in quotes. Neither may win over the notes.
    write_note(workspace, "2026-02-13.md", "- Decision: use SQLite for the cache\n")
    capture(workspace, state_dir)
    path = store_path(workspace)
    store = json.loads(path.read_text(encoding="utf-8"))
    [memory] = store["memories"]
    memory.update({"date": "yesterday", "note_date": "soon", "seen_count": "3"})
    path.write_text(json.dumps(store), encoding="utf-8")
    write_note(workspace, "2026-02-14.md", "- Decision: use SQLite for the cache\n")
    capture(workspace, state_dir, day="2026-02-14")
    [after] = by_text(workspace).values()
    assert after["note_date"] == "2026-02-14"  # the latest note it was seen in, as a day
    assert after["seen_count"] == 4
    assert after["date"] == "yesterday"  # the hand's own field is left as it was
