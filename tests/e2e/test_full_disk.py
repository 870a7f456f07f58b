"""A full disk: a clear error, the old files untouched, no temp files left behind.

Uses a real, tiny tmpfs (needs root and mount, as in CI); skipped elsewhere.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from support.runner import run_runner
from taskrunner.memory.store import Store, save_store, store_path


@pytest.fixture
def tiny_fs(tmp_path: Path) -> Iterator[Path]:
    mount_point = tmp_path / "tiny"
    mount_point.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount_point)],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def fill(directory: Path) -> None:
    """Use up every free block of the filesystem holding ``directory``."""
    fd = os.open(directory / "filler", os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError:
        pass
    finally:
        os.close(fd)


def test_capture_on_a_full_disk_fails_clearly_and_keeps_the_store(
    tiny_fs: Path, state_dir: Path
) -> None:
    ws = tiny_fs / "ws"
    (ws / "memory").mkdir(parents=True)
    memories = [
        {
            "id": f"m_{i:016x}",
            "text": f"fact number {i} about the home server",
            "kind": "fact",
            "importance": 0.5,
            "created_at": "2026-11-20T10:00:00+00:00",
            "last_seen_at": "2026-11-20T10:00:00+00:00",
            "date": "2026-11-20",
            "sources": [{"file": "memory/2026-11-20.md", "line": 1}],
            "seen_count": 1,
        }
        for i in range(300)
    ]
    save_store(store_path(ws), Store(memories=memories))
    (ws / "memory" / "2026-11-28.md").write_text(
        "## Plans\n- **Decision:** keep the NAS on RAID1\n- TODO: order a spare disk\n"
    )
    before = store_path(ws).read_bytes()
    fill(tiny_fs)

    proc = run_runner(
        "memory_capture", "--workspace", str(ws), "--date", "2026-11-28", "--no-retry", "--json"
    )

    assert proc.returncode == 1, proc.stderr
    record = json.loads(proc.stdout)
    assert "disk full" in record["message"], record["message"]
    assert store_path(ws).read_bytes() == before
    leftovers = [p.name for p in (ws / "memory").iterdir() if ".tmp-" in p.name]
    assert leftovers == []
    # The run itself is still on record: the state directory is on another disk.
    log = (state_dir / "logs" / "tasks.jsonl").read_text().splitlines()
    assert json.loads(log[-1])["status"] == "failed"


def test_runner_state_on_a_full_disk_does_not_hide_the_result(tiny_fs: Path) -> None:
    state = tiny_fs / "state"
    state.mkdir()
    # Logs and locks need a few blocks; leave none.
    fill(tiny_fs)
    proc = run_runner("noop", "--state-dir", str(state))
    # The task still runs and its exit code is its own; the log failure is said.
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "could not write the run log" in proc.stderr
    assert "No space left on device" in proc.stderr


def _stale_store(ws: Path, count: int) -> None:
    old = "2026-01-01T00:00:00+00:00"
    memories = [
        {
            "id": f"m_{i:016x}",
            "text": f"an old header number {i} " + "padding " * 20,
            "kind": "header",
            "importance": 0.1,
            "created_at": old,
            "last_seen_at": old,
            "sources": [{"file": "memory/2026-01-01.md", "line": i}],
            "seen_count": 1,
        }
        for i in range(count)
    ]
    save_store(store_path(ws), Store(memories=memories))


def test_a_full_disk_during_the_archive_append_leaves_no_trace(tiny_fs: Path) -> None:
    ws = tiny_fs / "ws"
    (ws / "memory").mkdir(parents=True)
    _stale_store(ws, 200)
    archive = ws / "memory" / "store.archive.jsonl"
    earlier = json.dumps(
        {
            "removed_at": "2026-11-01T03:00:00+01:00",
            "run_id": "r-earlier",
            "reason": "stale",
            "duplicate_of": None,
            "similarity": None,
            "memory": {"id": "m_old", "text": "restorable from before"},
        }
    )
    archive.write_text(earlier + "\n")
    before_store, before_archive = store_path(ws).read_bytes(), archive.read_bytes()
    fill(tiny_fs)
    # Free two pages: the append starts, then runs out of space half-way.
    filler = tiny_fs / "filler"
    os.truncate(filler, filler.stat().st_size - 8192)

    proc = run_runner(
        "memory_consolidate", "--workspace", str(ws), "--date", "2026-11-28", "--no-retry"
    )
    assert proc.returncode == 1
    assert f"disk full: free space on {tiny_fs}" in proc.stderr, proc.stderr
    assert "the partial append was cut off" in proc.stderr
    assert archive.read_bytes() == before_archive  # no torn line, no record of the failed run
    assert store_path(ws).read_bytes() == before_store

    os.unlink(filler)
    listed = run_runner("memory_restore", "--workspace", str(ws), "--json")
    assert [r["run_id"] for r in json.loads(listed.stdout)["runs"]] == ["r-earlier"]


def test_system_health_on_a_full_state_disk_reports_its_findings(
    tiny_fs: Path, workspace: Path
) -> None:
    state = tiny_fs / "state"
    (state / "state").mkdir(parents=True)
    fill(tiny_fs)
    proc = run_runner(
        "system_health",
        "--workspace",
        str(workspace),
        "--state-dir",
        str(state),
        "--gateway-url",
        "http://127.0.0.1:1",
        "--gateway-timeout",
        "0.5",
        "--json",
    )
    record = json.loads(proc.stdout)
    assert record.get("error", {}).get("type") != "WriteFailed", record
    disk = {c["name"]: c for c in record["checks"]}[f"disk:{tiny_fs}"]
    assert disk["status"] == "critical"  # the full disk is the finding
    assert "the health state was not saved" in record["state_warning"]
    assert "disk full: free space on" in record["state_warning"]
