"""memory_capture against a real process holding the store lock, and through runner.py."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from support.capture import by_text, capture
from support.files import snapshot
from support.paths import ROOT, copy_example_workspace
from support.runner import run_runner
from taskrunner.memory.store import store_path

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


def test_a_store_that_is_a_directory_is_moved_aside_before_the_backup_is_copied(
    notes: Path, state_dir: Path
) -> None:
    path = store_path(notes)
    path.mkdir()
    backup = notes / "memory" / "store.json.bak"
    backup.write_text('{"version": 1, "memories": []}')
    done = run_runner(
        "memory_capture", "--workspace", str(notes), "--date", "2026-02-13", "--no-retry"
    )
    assert done.returncode == 1
    [summary] = done.stderr.splitlines()
    move = f"mv {path} {path}.aside"
    assert move in summary and f"cp {backup} {path}" in summary
    assert summary.index(move) < summary.index(f"cp {backup} {path}")
    assert path.is_dir() and not any(path.iterdir())


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
    assert "dry run: memory_capture: success — would add 7 new memories" in done.stderr
    assert "dry run: would have" not in done.stderr
    assert snapshot(notes.parent) == before


def test_runner_rejects_a_malformed_date(notes: Path) -> None:
    done = run_runner("memory_capture", "--workspace", str(notes), "--date", "13.02.2026")
    assert done.returncode == 1
    assert "YYYY-MM-DD" in done.stderr


def test_the_demonstration_through_runner_py(tmp_path: Path, state_dir: Path) -> None:
    example = copy_example_workspace(tmp_path / "ws")
    args = ("memory_capture", "--workspace", str(example), "--date", "2026-11-28", "--json")
    assert run_runner(*args).returncode == 0
    note = example / "memory" / "2026-11-28.md"
    # A line on top of the notes, right after their front matter (four lines).
    lines = note.read_text(encoding="utf-8").split("\n")
    note.write_text("\n".join([*lines[:4], "# x", *lines[4:]]), encoding="utf-8")
    done = run_runner(*args)
    assert done.returncode == 0, done.stderr
    stack = by_text(example)["Stack: SQLite for storage, no server"]
    assert (stack["seen_count"], stack["sources"]) == (
        1,
        [{"file": "memory/2026-11-28.md", "line": 10}],
    )
    lines = note.read_text().splitlines()
    assert "SQLite for storage" in lines[10 - 1]
