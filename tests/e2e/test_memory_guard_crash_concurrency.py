"""memory_guard under SIGKILL and concurrent writers, with real processes."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from support.guard import guard_cli, guard_dir, note_text, objects_on_disk, write
from support.paths import ROOT, RUNNER
from taskrunner.guard.layout import GuardPaths


def _all_objects_sound(objects: dict[str, bytes]) -> None:
    for name, data in objects.items():
        assert hashlib.sha256(data).hexdigest() == name, f"object {name[:12]} is damaged"


def test_sigkill_mid_run_leaves_older_snapshots_intact_and_the_next_run_works(
    workspace: Path, state_dir: Path
) -> None:
    for i in range(100):
        write(workspace, f"memory/2026-01-{i % 28 + 1:02d}-n{i}.md", note_text(i))
    proc, _ = guard_cli(workspace)
    assert proc.returncode == 0, proc.stderr
    gd = guard_dir(state_dir, workspace)
    old_objects = objects_on_disk(gd)
    old_journal = gd.journal.read_bytes()
    old_checkpoint = gd.checkpoint.read_bytes()
    # Enough new content that the run is surely still copying when it is killed.
    for i in range(100):
        write(workspace, f"memory/2026-01-{i % 28 + 1:02d}-n{i}.md", note_text(i) + "edited\n")
    for i in range(4000):
        write(workspace, f"memory/bulk/2026-02-{i}.md", note_text(1000 + i, lines=60))
    runner = subprocess.Popen(
        [sys.executable, str(RUNNER), "memory_guard", "--workspace", str(workspace)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    killed_mid_run = False
    while time.monotonic() < deadline and runner.poll() is None:
        shards = list(gd.objects.iterdir())
        if sum(len(os.listdir(s)) for s in shards) > len(old_objects) + 300:
            os.killpg(runner.pid, signal.SIGKILL)
            killed_mid_run = True
            break
        time.sleep(0.005)
    runner.wait(timeout=30)
    assert killed_mid_run, "the run ended before it could be killed mid-copy"
    assert gd.journal.read_bytes() == old_journal, "the killed run recorded nothing"
    assert gd.checkpoint.read_bytes() == old_checkpoint
    now = objects_on_disk(gd)
    assert {k: now[k] for k in old_objects} == old_objects
    _all_objects_sound(now)

    proc, record = guard_cli(workspace)
    assert proc.returncode == 0, proc.stderr
    assert record["files"] == 4100
    assert len(record["changed"]) == 4100
    assert not record.get("warnings")
    # The old versions are still restorable after all this.
    rel = "memory/2026-01-01-n0.md"
    proc, record = guard_cli(workspace, "--restore", rel)
    assert proc.returncode == 0, proc.stderr
    assert (workspace / rel).read_text(encoding="utf-8") == note_text(0)


_WRITER = textwrap.dedent(
    """
    import os, sys, time
    path, stop = sys.argv[1], float(sys.argv[2])
    versions = [(chr(ord("a") + i) * 4000 + "\\n").encode() for i in range(8)]
    n = 0
    while time.time() < stop:
        # In place, same size every time, in two write() calls like an editor saving
        # a buffer: only the bytes tell the versions apart, and between the two calls
        # the file is half one version, half the other.
        with open(path, "r+b") as fh:
            fh.write(versions[n % 8][:2000])
            fh.flush()
            fh.write(versions[n % 8][2000:])
        n += 1
        time.sleep(0.002 + 0.003 * (n % 3))
    print(n)
    """
)


@pytest.mark.file_times
def test_a_note_rewritten_during_runs_is_only_ever_copied_whole(
    workspace: Path, state_dir: Path
) -> None:
    live = write(workspace, "memory/2026-03-01.md", "a" * 4000 + "\n")
    write(workspace, "memory/2026-03-02.md", note_text(2))
    stop = time.time() + 4
    writer = subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(live), str(stop)], stdout=subprocess.PIPE, text=True
    )
    try:
        outcomes = [guard_cli(workspace)[0] for _ in range(4)]
    finally:
        out, _ = writer.communicate(timeout=30)
    assert int(out) > 100, "the writer must really have been rewriting during the runs"
    assert all(p.returncode == 0 for p in outcomes), [p.stderr for p in outcomes]
    versions = {(chr(ord("a") + i) * 4000 + "\n").encode() for i in range(8)}
    objects = objects_on_disk(guard_dir(state_dir, workspace))
    _all_objects_sound(objects)
    for data in objects.values():
        if len(data) == 4001:
            assert data in versions, "a torn copy (two versions mixed) was stored"


_HOLDER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    sys.path.insert(0, sys.argv[1])
    from taskrunner.guard.layout import GuardPaths, guard_lock
    paths = GuardPaths(Path(sys.argv[2]))
    with guard_lock(paths):
        Path(sys.argv[3]).write_text("held")
        time.sleep(float(sys.argv[4]))
    """
)


def hold_guard_lock(gd: GuardPaths, ready: Path, *, seconds: float) -> subprocess.Popen[bytes]:
    """Another process holding the guard's lock for ``seconds``, from when it has it."""
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(ROOT), str(gd.root), str(ready), str(seconds)]
    )
    while not ready.exists():
        assert holder.poll() is None
        time.sleep(0.01)
    return holder


def test_the_guard_lock_serializes_runs_that_do_not_share_a_runner_lock(
    workspace: Path, state_dir: Path, tmp_path: Path
) -> None:
    write(workspace, "MEMORY.md", "# Memory\n")
    gd = guard_dir(state_dir, workspace)
    ready = tmp_path / "ready"
    holder = hold_guard_lock(gd, ready, seconds=2.0)
    # Another lock directory: the runner's own per-task lock does not see the holder.
    env = {**os.environ, "TASKRUNNER_LOCK_DIR": str(tmp_path / "other-locks")}
    started = time.monotonic()
    run = subprocess.Popen(
        [sys.executable, str(RUNNER), "memory_guard", "--workspace", str(workspace), "--json"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(1.0)
    assert run.poll() is None, "the run must wait for the lock"
    assert not gd.journal.exists(), "nothing is recorded while another holds the lock"
    out, err = run.communicate(timeout=60)
    holder.wait(timeout=10)
    assert run.returncode == 0, err
    assert time.monotonic() - started >= 1.5
    assert json.loads(out)["files"] == 1


@pytest.mark.parametrize("command", [["--restore", "MEMORY.md"]])
def test_a_restore_waits_for_a_guard_run_in_progress(
    workspace: Path, state_dir: Path, tmp_path: Path, command: list[str]
) -> None:
    write(workspace, "MEMORY.md", "# Memory\n\n- one\n")
    guard_cli(workspace)
    write(workspace, "MEMORY.md", "# Memory\n\n- one\n- two\n")
    gd = guard_dir(state_dir, workspace)
    ready = tmp_path / "ready"
    holder = hold_guard_lock(gd, ready, seconds=1.5)
    proc, record = guard_cli(workspace, *command)
    holder.wait(timeout=10)
    assert proc.returncode == 0, proc.stderr
    assert record["duration_seconds"] >= 1.0
    assert (workspace / "MEMORY.md").read_text() == "# Memory\n\n- one\n"
