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
