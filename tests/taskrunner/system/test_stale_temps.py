"""Temp files of a writer killed mid-write are removed by the next run of that writer."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from support.paths import ROOT
from support.runner import run_runner
from taskrunner.alerts import AlertQueue
from taskrunner.memory.store import Store, backup_path, load_store, save_store, store_path
from taskrunner.system.atomic import remove_stale_temps, temp_path

#: holds the store lock and starts a real save, stuck in fsync (a slow disk)
#: until SIGKILLed: its temp file is written and never renamed.
STUCK_WRITER = """
import os, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from taskrunner.memory.archive import backup_store
from taskrunner.memory.store import Store, save_store, store_lock, store_path, backup_path
workspace = Path(sys.argv[2])
def stuck(fd):
    print("writing", flush=True)
    time.sleep(300)
os.fsync = stuck
with store_lock(workspace):
    path = store_path(workspace)
    if sys.argv[3] == "backup":
        def no_links(*args, **kwargs):
            raise OSError(1, "no hard links here")  # the backup is a copy, through a temp
        os.link = no_links
        backup_store(path, backup_path(path))
    save_store(path, Store(memories=[{"id": "m_new", "text": "never saved"}]))
"""


def kill_mid_write(workspace: Path, what: str) -> None:
    writer = subprocess.Popen(
        [sys.executable, "-c", STUCK_WRITER, str(ROOT), str(workspace), what],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert writer.stdout is not None
    assert writer.stdout.readline() == "writing\n"
    writer.send_signal(signal.SIGKILL)
    writer.wait()


def temps(workspace: Path) -> list[str]:
    return sorted(p.name for p in (workspace / "memory").iterdir() if ".tmp-" in p.name)


def test_a_killed_store_writer_leaves_temps_the_next_run_removes(workspace: Path) -> None:
    save_store(store_path(workspace), Store(memories=[{"id": "m_1", "text": "kept"}]))
    kill_mid_write(workspace, "store")
    assert [name.split(".tmp-")[0] for name in temps(workspace)] == [".store.json"]
    time.sleep(0.01)
    kill_mid_write(workspace, "backup")  # the next writer: it removed the first one's temp
    assert [name.split(".tmp-")[0] for name in temps(workspace)] == [".store.json.bak"]
    # Not ours: a look-alike name and another tool's temp file stay.
    (workspace / "memory" / ".store.json.tmp-mine").write_text("someone else's")
    (workspace / "memory" / "2026-11-28.md").write_text("- TODO: water the plants\n")
    time.sleep(0.01)  # the killed writer's temps are strictly older than the next lock

    proc = run_runner("memory_capture", "--workspace", str(workspace), "--date", "2026-11-28")
    assert proc.returncode == 0, proc.stderr
    assert temps(workspace) == [".store.json.tmp-mine"]
    texts = [m["text"] for m in load_store(store_path(workspace)).memories]
    assert texts == ["kept", "water the plants"]


def test_only_temps_older_than_the_lock_and_of_our_pattern_go(tmp_path: Path) -> None:
    tmp_path = tmp_path / "queue"
    tmp_path.mkdir()
    target = tmp_path / "pending.json"
    old, new = temp_path(target), temp_path(target)
    for p in (old, new):
        p.write_text("x")
    lookalike = tmp_path / ".pending.json.tmp-1-nothex!!"
    lookalike.write_text("x")
    other = temp_path(tmp_path / "pending.json.bak")
    other.write_text("x")
    link = tmp_path / f".pending.json.tmp-{os.getpid()}-deadbeef"
    link.symlink_to(other)
    now = time.time()
    os.utime(old, (now - 60, now - 60))
    os.utime(new, (now + 60, now + 60))  # written after the lock was taken: a live writer's
    assert remove_stale_temps(target, before=now) == [old]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        p.name for p in (new, lookalike, other, link)
    )


def test_the_alert_queue_removes_a_killed_writers_temp(state_dir: Path) -> None:
    queue = AlertQueue(state_dir)
    queue.add([{"task": "t", "level": "warning", "message": "first"}])
    stale = temp_path(queue.path)
    stale.write_text("[half a queue")
    os.utime(stale, (time.time() - 10, time.time() - 10))
    queue.add([{"task": "t", "level": "warning", "message": "second"}])
    assert not stale.exists()
    assert [a["message"] for a in json.loads(queue.path.read_text())] == ["first", "second"]


def test_backup_temp_names_share_the_pattern(workspace: Path) -> None:
    assert temp_path(backup_path(store_path(workspace))).name.startswith(".store.json.bak.tmp-")
