"""Atomic writes: a reader sees the old file or the new one, and no temp file is left behind."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from support.paths import ROOT
from taskrunner.errors import WriteFailed
from taskrunner.system.atomic import (
    append_line,
    move_aside,
    write_all,
    write_all_parts,
    write_atomic,
)


def leftovers(directory: Path) -> list[str]:
    """Temp files of an atomic write (``.<name>.tmp-*``) still in ``directory``."""
    return sorted(p.name for p in directory.iterdir() if ".tmp-" in p.name)


def test_a_write_replaces_the_file_and_keeps_its_mode(tmp_path: Path) -> None:
    path = tmp_path / "store.json"
    path.write_text("old")
    path.chmod(0o600)
    write_atomic(path, "new ✓")
    assert path.read_text(encoding="utf-8") == "new ✓"
    assert path.stat().st_mode & 0o777 == 0o600  # a private file stays private
    assert leftovers(tmp_path) == []


def test_a_failed_write_leaves_the_old_file_and_no_temp_file(tmp_path: Path) -> None:
    path = tmp_path / "store.json"
    path.write_text("old contents")
    # A real short write: the child may not grow any file past 1 KB (RLIMIT_FSIZE).
    code = (
        "import resource, signal, sys; from pathlib import Path\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "from taskrunner.system.atomic import write_atomic\n"
        "from taskrunner.errors import WriteFailed\n"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (1024, 1024))\n"
        "try:\n"
        f"    write_atomic(Path({str(path)!r}), b'x' * 100_000)\n"
        "except WriteFailed as exc:\n"
        "    print(exc)\n"
        "    sys.exit(3)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 3, done.stderr
    assert "the previous version is untouched" in done.stdout
    assert path.read_text() == "old contents"
    assert leftovers(tmp_path) == []


def test_a_write_onto_a_folder_fails_cleanly_and_leaves_no_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "store.json"
    target.mkdir()  # os.replace cannot put a file there
    (target / "inside").write_text("kept")
    with pytest.raises(WriteFailed, match=r"store\.json"):
        write_atomic(target, "data")
    assert (target / "inside").read_text() == "kept"
    assert leftovers(tmp_path) == []


def test_a_symlink_at_the_path_is_replaced_never_written_through(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    link = tmp_path / "store.json"
    link.symlink_to(victim)
    write_atomic(link, "new")
    assert victim.read_text() == "precious"
    assert not link.is_symlink() and link.read_text() == "new"


def test_append_line_ends_each_record_with_one_newline_and_refuses_a_symlink(
    tmp_path: Path,
) -> None:
    log = tmp_path / "tasks.jsonl"
    append_line(log, '{"a": 1}')
    append_line(log, '{"b": 2}\n')
    assert log.read_text() == '{"a": 1}\n{"b": 2}\n'
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    (tmp_path / "link.jsonl").symlink_to(victim)
    with pytest.raises(WriteFailed, match="symbolic links"):  # O_NOFOLLOW
        append_line(tmp_path / "link.jsonl", "{}")
    assert victim.read_text() == "precious"


def test_move_aside_never_replaces_an_earlier_copy(tmp_path: Path) -> None:
    path = tmp_path / "pending.json"
    path.write_text("second corrupt copy")
    (tmp_path / "pending.json.corrupt").write_text("first corrupt copy")
    moved = move_aside(path, "corrupt")
    assert moved == tmp_path / "pending.json.corrupt-1"
    assert moved.read_text() == "second corrupt copy"
    assert (tmp_path / "pending.json.corrupt").read_text() == "first corrupt copy"
    assert not path.exists()


def test_write_all_delivers_every_byte_through_a_pipe_that_takes_them_piecemeal() -> None:
    payload = os.urandom(1 << 20)  # 16 times a pipe's buffer: many short writes
    read_fd, write_fd = os.pipe()
    received = bytearray()

    def reader() -> None:
        while chunk := os.read(read_fd, 4096):
            received.extend(chunk)

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        write_all(write_fd, payload)
    finally:
        os.close(write_fd)
        thread.join(30)
        os.close(read_fd)
    assert bytes(received) == payload


def test_a_write_of_parts_writes_them_one_after_another(tmp_path: Path) -> None:
    path = tmp_path / "store.json"
    parts = [f"{i},".encode() for i in range(2500)]  # more parts than one writev takes
    write_atomic(path, parts)
    assert path.read_bytes() == b"".join(parts)
    assert leftovers(tmp_path) == []


def test_short_writevs_are_finished(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_writev = os.writev

    def short_writev(fd: int, buffers: list[bytes]) -> int:
        # a signal or a nearly full disk: only part of the first buffers goes
        data = b"".join(buffers)
        return real_writev(fd, [data[: max(1, len(data) // 3)]])

    monkeypatch.setattr(os, "writev", short_writev)
    parts = [b"alpha", b"", b"beta-gamma", b"d" * 5000, b"epsilon"] * 300
    path = tmp_path / "out"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT)
    try:
        write_all_parts(fd, parts)
    finally:
        os.close(fd)
    assert path.read_bytes() == b"".join(parts)


def test_append_line_of_bytes_ends_with_one_newline_as_a_str_line_does(tmp_path: Path) -> None:
    path = tmp_path / "archive.jsonl"
    for line in ("a", b"b", b"c\n", b"d\n\n", "e\n"):
        append_line(path, line)
    assert path.read_bytes() == b"a\nb\nc\nd\ne\n"


@pytest.mark.parametrize(
    "tail", [b'{"task": "cut sho', b"\x00\xffrandom bytes"], ids=["cut short", "random bytes"]
)
def test_append_line_after_a_torn_last_line_starts_a_fresh_line(
    tmp_path: Path, tail: bytes
) -> None:
    path = tmp_path / "tasks.jsonl"
    path.write_bytes(b'{"a": 1}\n' + tail)
    append_line(path, '{"b": 2}')
    append_line(path, b'{"c": 3}\n')
    assert path.read_bytes() == b'{"a": 1}\n' + tail + b'\n{"b": 2}\n{"c": 3}\n'


def test_an_exclusive_append_that_fails_after_a_torn_line_leaves_the_torn_line(
    tmp_path: Path,
) -> None:
    path = tmp_path / "archive.jsonl"
    path.write_bytes(b'{"a": 1}\n{"torn')
    # A real short write: the child may not grow any file past 1 KB (RLIMIT_FSIZE).
    code = (
        "import resource, signal, sys; from pathlib import Path\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "from taskrunner.system.atomic import append_line\n"
        "from taskrunner.errors import WriteFailed\n"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (1024, 1024))\n"
        "try:\n"
        f"    append_line(Path({str(path)!r}), 'x' * 10_000, exclusive=True)\n"
        "except WriteFailed as exc:\n"
        "    print(exc)\n"
        "    sys.exit(3)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 3, done.stderr
    assert "left as it was" in done.stdout
    assert path.read_bytes() == b'{"a": 1}\n{"torn'  # the newline it added is cut off too
