"""Special files where a regular file is expected: refused at once, never waited on."""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from support.runner import run_runner
from taskrunner.errors import NotRegularFile
from taskrunner.memory.store import archive_path, store_path
from taskrunner.system.regular_file import open_regular, read_at_most, read_regular

#: seconds a run may take before it counts as hung (a FIFO read blocks forever)
HUNG_S = 30


@pytest.fixture(params=["fifo", "socket", "device"])
def special(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "special"
    if request.param == "fifo":
        os.mkfifo(path)
        yield path
    elif request.param == "socket":
        with socket.socket(socket.AF_UNIX) as sock:
            sock.bind(str(path))
            yield path
    else:
        path.symlink_to("/dev/zero")  # a device read would never end
        yield path


@pytest.mark.parametrize("flags", [os.O_RDONLY, os.O_WRONLY | os.O_APPEND | os.O_CREAT, os.O_RDWR])
def test_a_special_file_is_refused_for_every_kind_of_open(special: Path, flags: int) -> None:
    with pytest.raises(NotRegularFile, match="not a regular file; refused"):
        open_regular(special, flags, what="the thing", follow_symlinks=True)


def test_a_fifo_is_refused_even_when_a_writer_holds_it_open(tmp_path: Path) -> None:
    fifo = tmp_path / "store.json"
    os.mkfifo(fifo)
    writer = os.open(fifo, os.O_RDWR | os.O_NONBLOCK)  # a reader and writer: opens would succeed
    try:
        with pytest.raises(NotRegularFile, match="a FIFO"):
            read_regular(fifo, what="the memory store")
    finally:
        os.close(writer)


def test_a_regular_file_is_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"x" * 200_000)
    assert read_regular(path) == b"x" * 200_000


def _fifo_run(*args: str) -> tuple[int, str]:
    proc = run_runner(*args, "--no-retry", "--json", timeout=HUNG_S)
    return proc.returncode, proc.stdout + proc.stderr


@pytest.mark.parametrize("task", ["memory_capture", "memory_consolidate", "memory_restore"])
def test_a_fifo_store_fails_every_memory_task_at_once(task: str, workspace: Path) -> None:
    (workspace / "memory" / "2026-11-28.md").write_text("- TODO: check the fifo\n")
    archive_path(workspace).write_text("")
    os.mkfifo(store_path(workspace))
    extra = {"memory_restore": ["--run", "r1"], "memory_capture": ["--date", "2026-11-28"]}
    code, out = _fifo_run(task, "--workspace", str(workspace), *extra.get(task, []))
    assert code == 1
    assert "is a FIFO (named pipe), not a regular file" in out


@pytest.mark.parametrize("task", ["memory_consolidate", "memory_restore"])
def test_a_fifo_archive_fails_at_once(task: str, workspace: Path) -> None:
    from support.memory_factory import mem
    from taskrunner.memory.store import Store, save_store

    old = "2026-01-01T00:00:00+00:00"
    save_store(
        store_path(workspace),
        Store(memories=[mem("a", "stale header", importance=0.1, last_seen_at=old)]),
    )
    os.mkfifo(archive_path(workspace))
    extra = ["--run", "r1"] if task == "memory_restore" else ["--date", "2026-11-28"]
    code, out = _fifo_run(task, "--workspace", str(workspace), *extra)
    assert code == 1
    assert "a FIFO (named pipe), not a regular file" in out
    assert "stale header" in store_path(workspace).read_text()  # nothing removed


def test_a_fifo_run_log_and_queue_do_not_hang_the_run(state_dir: Path) -> None:
    (state_dir / "logs").mkdir()
    os.mkfifo(state_dir / "logs" / "tasks.jsonl")
    (state_dir / "alerts").mkdir()
    os.mkfifo(state_dir / "alerts" / "pending.json")
    proc = run_runner("noop", "--json", timeout=HUNG_S)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["status"] == "success"
    assert "could not write the run log" in proc.stderr
    assert "a FIFO (named pipe), not a regular file" in proc.stderr


def test_a_fifo_lock_file_is_a_clear_lock_error(state_dir: Path, workspace: Path) -> None:
    from taskrunner.runlock import lock_file_name

    locks = state_dir / "locks"
    locks.mkdir(mode=0o700)
    os.mkfifo(locks / lock_file_name("noop", workspace))
    proc = run_runner("noop", "--workspace", str(workspace), "--json", timeout=HUNG_S)
    assert proc.returncode == 1
    assert "a FIFO (named pipe), not a regular file" in proc.stderr


@pytest.mark.parametrize("limit", [0, 1, 5, (1 << 20) + 3, 3 << 20])
def test_read_at_most_stops_at_the_limit_across_chunks(tmp_path: Path, limit: int) -> None:
    data = os.urandom(2 << 20)  # larger than one 1 MiB read
    (tmp_path / "f").write_bytes(data)
    fd = os.open(tmp_path / "f", os.O_RDONLY)
    try:
        assert read_at_most(fd, limit) == data[:limit]
    finally:
        os.close(fd)
