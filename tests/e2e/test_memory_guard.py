"""memory_guard end to end: runner.py in fresh processes on real files, as cron runs it."""

from __future__ import annotations

import json
import shutil
import sys
import time
from pathlib import Path

import pytest

from support.files import run_records
from support.guard import (
    guard_cli,
    guard_dir,
    note_text,
    objects_on_disk,
    pending_alerts,
    write,
)
from support.runner import in_plain_shell, run_runner

NOTES = [f"memory/2026-11-{d:02d}.md" for d in range(1, 8)]


def _workspace(workspace: Path) -> dict[str, bytes]:
    for i, rel in enumerate(NOTES):
        write(workspace, rel, note_text(i))
    write(workspace, "memory/projects/taskrunner.md", "# Project\n\n- ship the guard\n")
    write(workspace, "MEMORY.md", "# Memory\n\n" + "".join(f"- fact {i}\n" for i in range(200)))
    write(workspace, "USER.md", "# User\n\n- likes short answers\n")
    return {p.relative_to(workspace).as_posix(): p.read_bytes() for p in workspace.rglob("*.md")}


def test_deleted_notes_are_alerted_once_and_come_back_byte_for_byte(
    workspace: Path, state_dir: Path
) -> None:
    before = _workspace(workspace)
    proc, record = guard_cli(workspace)
    assert proc.returncode == 0, proc.stderr
    assert record["files"] == len(before) and len(record["changed"]) == len(before)
    for rel in NOTES[:4]:
        (workspace / rel).unlink()
    proc, record = guard_cli(workspace)
    assert proc.returncode == 0, proc.stderr
    assert record["disappeared"] == NOTES[:4]
    missing = [a for a in pending_alerts(state_dir) if "missing" in (a["key"] or "")]
    assert len(missing) == 1, "several files at once are one alert, not four"
    alert = missing[0]
    assert alert["level"] == "critical"
    assert alert["key"] == "memory_guard:missing:memory/"
    assert NOTES[0] in alert["message"] and "--restore memory/" in alert["message"]
    # A second run with the files still gone does not alert again.
    guard_cli(workspace)
    again = [a for a in pending_alerts(state_dir) if a["key"] == "memory_guard:missing:memory/"]
    assert again[0]["count"] == 1

    proc, record = guard_cli(workspace, "--restore", "memory/")
    assert proc.returncode == 0, proc.stderr
    assert record["restored"] == NOTES[:4]
    now = {p.relative_to(workspace).as_posix(): p.read_bytes() for p in workspace.rglob("*.md")}
    assert now == before
    keys = [a["key"] for a in pending_alerts(state_dir)]
    assert keys.count("memory_guard:missing:memory/:recovered") == 1


def test_a_truncated_memory_md_is_reported_and_the_old_version_restored(
    workspace: Path, state_dir: Path
) -> None:
    original = _workspace(workspace)["MEMORY.md"]
    guard_cli(workspace)
    (workspace / "MEMORY.md").write_text("# Memory\n\n- fact 0\n", encoding="utf-8")
    proc, _ = guard_cli(workspace)
    assert proc.returncode == 0, proc.stderr
    shrunk = [a for a in pending_alerts(state_dir) if a["key"] == "memory_guard:shrunk:MEMORY.md"]
    assert len(shrunk) == 1 and shrunk[0]["level"] == "error"
    assert (
        "lost" in shrunk[0]["message"] and "--restore MEMORY.md --version" in shrunk[0]["message"]
    )
    _, listing = guard_cli(workspace, "--list", "MEMORY.md")
    versions = listing["versions"]
    assert [v["current"] for v in versions] == [True, False]
    old_hash = versions[1]["hash"]
    truncated = (workspace / "MEMORY.md").read_bytes()
    proc, _record = guard_cli(workspace, "--restore", "MEMORY.md", "--version", old_hash[:10])
    assert proc.returncode == 0, proc.stderr
    assert (workspace / "MEMORY.md").read_bytes() == original
    # The content the restore replaced is a version too: nothing was destroyed.
    _, listing = guard_cli(workspace, "--list", "MEMORY.md")
    hashes = [v["hash"] for v in listing["versions"]]
    import hashlib

    assert hashlib.sha256(truncated).hexdigest() in hashes
    assert any(
        a["key"] == "memory_guard:shrunk:MEMORY.md:recovered" for a in pending_alerts(state_dir)
    )


@pytest.mark.file_times
def test_a_deleted_folder_comes_back_as_it_was_at_a_time(workspace: Path, state_dir: Path) -> None:
    before = _workspace(workspace)
    guard_cli(workspace)
    time.sleep(1.1)  # --at has second resolution: the moment between the two runs
    moment = time.strftime("%Y-%m-%dT%H:%M:%S")
    time.sleep(1.1)
    shutil.rmtree(workspace / "memory")
    write(workspace, "MEMORY.md", "changed after the moment\n" * 300)
    guard_cli(workspace)
    proc, record = guard_cli(workspace, "--restore", "memory/", "--at", moment)
    assert proc.returncode == 0, proc.stderr
    assert len(record["restored"]) == len(NOTES) + 1
    for rel, data in before.items():
        if rel.startswith("memory/"):
            assert (workspace / rel).read_bytes() == data
    # Only the folder asked for: MEMORY.md keeps its newer content.
    assert (workspace / "MEMORY.md").read_text().startswith("changed after")


def test_an_unchanged_run_writes_nothing(workspace: Path, state_dir: Path) -> None:
    _workspace(workspace)
    # Files changed within RACY_NS (2 s) of a read are read again on the next run (the
    # same-tick rewrite trap): let them settle first, as notes between two 15-minute runs do.
    time.sleep(2.1)
    guard_cli(workspace)
    gd = guard_dir(state_dir, workspace)
    snapshot = {p: (p.stat().st_size, p.stat().st_mtime_ns) for p in gd.root.rglob("*")}
    proc, record = guard_cli(workspace)
    assert proc.returncode == 0
    assert record["files_read"] == 0 and record["journal_written"] is False
    assert {p: (p.stat().st_size, p.stat().st_mtime_ns) for p in gd.root.rglob("*")} == snapshot


def test_bad_requests_are_one_line_not_retried_and_not_alerted(
    workspace: Path, state_dir: Path
) -> None:
    _workspace(workspace)
    guard_cli(workspace)
    queued = pending_alerts(state_dir)
    cases = [
        ("--restore", "memory/nope.md"),
        ("--restore", "memory/", "--at", "2001-01-01"),
        ("--restore", "MEMORY.md", "--at", "yesterday-ish"),
        ("--restore", "MEMORY.md", "--version", "abcdef"),
        ("--restore", "MEMORY.md", "--version", "not-hex"),
        ("--restore", "../outside.md"),
        ("--list", "nothing/here.md"),
        ("--prune-deleted", "memory/"),
    ]
    for args in cases:
        proc, record = guard_cli(workspace, *args)
        assert proc.returncode == 1, args
        assert record["attempts"] == 1 and record["error"]["type"] == "InvalidRequest", args
        assert "Traceback" not in proc.stderr
        assert "\n" not in record["message"], args
    assert pending_alerts(state_dir) == queued, "a typo is not news for the heartbeat"
    # Options that contradict each other are refused before any run or record.
    records = len(run_records(state_dir))
    done = run_runner("memory_guard", "--workspace", str(workspace), "--at", "2026-01-01")
    assert done.returncode == 1 and "--at and --version go with --restore PATH" in done.stderr
    assert len(run_records(state_dir)) == records
    assert pending_alerts(state_dir) == queued


def test_a_dry_run_restore_writes_nothing(workspace: Path, state_dir: Path) -> None:
    before = _workspace(workspace)
    guard_cli(workspace)
    (workspace / NOTES[0]).unlink()
    gd = guard_dir(state_dir, workspace)
    snapshot = {p: p.read_bytes() for p in gd.root.rglob("*") if p.is_file()}
    proc, record = guard_cli(workspace, "--restore", "memory/", "--dry-run")
    assert proc.returncode == 0, proc.stderr
    assert record["planned"] == [NOTES[0]] and record["restored"] == []
    assert not (workspace / NOTES[0]).exists()
    assert {p: p.read_bytes() for p in gd.root.rglob("*") if p.is_file()} == snapshot
    proc, record = guard_cli(workspace, "--restore", "memory/")
    assert (workspace / NOTES[0]).read_bytes() == before[NOTES[0]]


def test_paths_adds_files_and_folders(workspace: Path, state_dir: Path) -> None:
    write(workspace, "TOOLS.md", "# Tools\n")
    write(workspace, "notes/ideas.txt", "an idea\n")
    proc, record = guard_cli(workspace, "--paths", "TOOLS.md,notes")
    assert proc.returncode == 0, proc.stderr
    assert record["changed"] == ["TOOLS.md", "notes/ideas.txt"]
    (workspace / "notes" / "ideas.txt").unlink()
    # Run without --paths: an untracked path is not "gone".
    _, record = guard_cli(workspace)
    assert record["disappeared"] == []
    _, record = guard_cli(workspace, "--paths", "TOOLS.md,notes")
    assert record["disappeared"] == ["notes/ideas.txt"]
    proc, _ = guard_cli(workspace, "--restore", "notes/ideas.txt")
    assert (workspace / "notes" / "ideas.txt").read_text() == "an idea\n"


def test_a_dry_run_writes_nothing_anywhere(workspace: Path, state_dir: Path) -> None:
    _workspace(workspace)
    proc, record = guard_cli(workspace, "--dry-run")
    assert proc.returncode == 0, proc.stderr
    assert record["files"] > 0
    assert not (state_dir / "guard").exists()
    assert not (state_dir / "alerts").exists()


def test_objects_are_each_content_once(workspace: Path, state_dir: Path) -> None:
    for i in range(5):
        write(workspace, f"memory/2026-10-0{i + 1}.md", "# same text in five notes\n")
    guard_cli(workspace)
    objects = objects_on_disk(guard_dir(state_dir, workspace))
    assert list(objects.values()) == [b"# same text in five notes\n"]


def test_the_snapshots_never_snapshot_themselves(workspace: Path) -> None:
    # The runner often lives in the workspace (scripts/taskrunner), its state beside it.
    state = workspace / "scripts" / "taskrunner"
    write(workspace, "scripts/run.sh", "echo hi\n")
    write(workspace, "MEMORY.md", "# m\n")
    for _ in range(2):
        proc = run_runner(
            "memory_guard",
            "--workspace",
            str(workspace),
            "--state-dir",
            str(state),
            "--paths",
            "scripts",
            "--json",
        )
        assert proc.returncode == 0, proc.stderr
    record = json.loads(proc.stdout)
    assert record["files"] == 2
    assert all(not p.startswith("scripts/taskrunner") for p in record["changed"])


def test_a_workspace_inside_the_state_dir_is_guarded(tmp_path: Path) -> None:
    # The shipped example: examples/workspace in the runner's folder, the default state dir.
    state = tmp_path / "runner"
    workspace = state / "examples" / "workspace"
    write(workspace, "memory/2026-11-27.md", note_text(1))
    write(workspace, "MEMORY.md", "# m\n")
    proc = run_runner(
        "memory_guard", "--workspace", str(workspace), "--state-dir", str(state), "--json"
    )
    assert proc.returncode == 0, proc.stderr
    record = json.loads(proc.stdout)
    assert record["files"] == 2
    assert record["changed"] == ["MEMORY.md", "memory/2026-11-27.md"]


def test_a_workspace_that_is_the_state_dir_does_not_snapshot_its_snapshots(
    tmp_path: Path,
) -> None:
    workspace = tmp_path / "both"
    write(workspace, "MEMORY.md", "# m\n")
    changed: list[str] = []
    for _ in range(2):
        proc = run_runner(
            "memory_guard",
            "--workspace",
            str(workspace),
            "--state-dir",
            str(workspace),
            "--paths",
            ".",
            "--json",
        )
        assert proc.returncode == 0, proc.stderr
        changed += json.loads(proc.stdout)["changed"]
    assert "MEMORY.md" in changed
    assert (workspace / "guard").is_dir()
    assert not any(p.startswith("guard/") for p in changed)


def test_list_prints_the_versions_on_stdout_one_of_them_current(
    workspace: Path, state_dir: Path
) -> None:
    write(workspace, "MEMORY.md", "# Memory\n\n- first\n")
    guard_cli(workspace)
    first = (workspace / "MEMORY.md").read_bytes()
    write(workspace, "MEMORY.md", "# Memory\n\n- first\n- second\n")
    guard_cli(workspace)
    _, listing = guard_cli(workspace, "--list", "MEMORY.md")
    old = listing["versions"][1]["hash"]
    guard_cli(workspace, "--restore", "MEMORY.md", "--version", old[:12])
    assert (workspace / "MEMORY.md").read_bytes() == first
    proc = run_runner("memory_guard", "--workspace", str(workspace), "--list", "MEMORY.md")
    assert proc.returncode == 0, proc.stderr
    # The listing is what was asked for: on stdout, for `| grep` and `| less`.
    lines = proc.stdout.splitlines()
    assert [line.split()[1] for line in lines] == [old[:12], lines[1].split()[1], old[:12]]
    assert lines[0].endswith("(restored, current)")
    assert "current" not in lines[1] + lines[2]
    assert "version(s), newest first" in proc.stderr and old[:12] not in proc.stderr
    _, listing = guard_cli(workspace, "--list", "MEMORY.md")
    assert [v["current"] for v in listing["versions"]] == [True, False, False]
    folder = run_runner("memory_guard", "--workspace", str(workspace), "--list", ".")
    assert folder.stdout.startswith("MEMORY.md  3 version(s), newest ")


def test_the_restore_command_of_an_alert_works_pasted_into_a_plain_shell(
    workspace: Path, state_dir: Path
) -> None:
    # The state dir comes from TASKRUNNER_STATE_DIR here, which a new terminal does not have.
    _workspace(workspace)
    guard_cli(workspace)
    gone = workspace / NOTES[0]
    before = gone.read_bytes()
    gone.unlink()
    guard_cli(workspace)
    [alert] = [
        a for a in pending_alerts(state_dir) if a["key"] == f"memory_guard:missing:{NOTES[0]}"
    ]
    command = alert["message"].split("restore it: ", 1)[1]
    assert command.startswith(f"{sys.executable} ")
    assert f"--state-dir {state_dir}" in command
    proc = in_plain_shell(command)
    assert proc.returncode == 0, proc.stderr
    assert gone.read_bytes() == before
