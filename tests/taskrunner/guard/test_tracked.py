"""Which files memory_guard reads, and how: links, FIFOs, huge and binary files, the stat cache."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from support.clock import Clock
from support.guard import make_guard, write
from taskrunner.guard.manifest import Entry, Event
from taskrunner.guard.objects import ObjectStore, digest
from taskrunner.guard.reading import RACY_NS, count_chars, read_copy
from taskrunner.guard.snapshot import scan
from taskrunner.guard.tracked import Scope, list_tracked


def _event() -> Event:
    return Event(seq=1, ts=0.0, at="t", run="r")


def test_the_tracked_set(workspace: Path) -> None:
    for rel in [
        "MEMORY.md",
        "USER.md",
        "AGENTS.md",
        "SOUL.md",
        "IDENTITY.md",
        "memory/2026-11-01.md",
        "memory/2026-11-01-standup.md",
        "memory/people/alice.md",
        "memory/.dreams/recall.md",
        "memory/store.json",
        "TOOLS.md",
        "notes/extra.txt",
    ]:
        write(workspace, rel, "x\n")
    found = [f.rel for f in list_tracked(workspace, Scope()).files]
    assert found == [
        "AGENTS.md",
        "IDENTITY.md",
        "MEMORY.md",
        "SOUL.md",
        "USER.md",
        "memory/2026-11-01-standup.md",
        "memory/2026-11-01.md",
        "memory/people/alice.md",
    ]
    more = [f.rel for f in list_tracked(workspace, Scope(("TOOLS.md", "notes"))).files]
    assert "TOOLS.md" in more and "notes/extra.txt" in more


def test_links_out_of_the_workspace_are_not_followed(workspace: Path, tmp_path: Path) -> None:
    secret = tmp_path / "outside" / "secret.md"
    write(secret.parent, "secret.md", "not the agent's\n")
    os.symlink(secret, workspace / "memory" / "2026-11-02.md")
    os.symlink(secret.parent, workspace / "memory" / "linked-dir")
    write(workspace, "memory/real/inside.md", "inside\n")
    os.symlink(workspace / "memory" / "real", workspace / "memory" / "alias")
    listing = list_tracked(workspace, Scope())
    rels = [f.rel for f in listing.files]
    assert "memory/2026-11-02.md" not in rels
    assert "outside the workspace" in listing.skipped["memory/2026-11-02.md"]
    assert "outside the workspace" in listing.skipped["memory/linked-dir"]
    assert "memory/real/inside.md" in rels
    assert "memory/alias/inside.md" not in rels
    assert "guarded under that name" in listing.skipped["memory/alias"]


def test_a_fifo_is_never_opened(workspace: Path, state_dir: Path) -> None:
    os.mkfifo(workspace / "memory" / "2026-11-03.md")
    write(workspace, "MEMORY.md", "# m\n")
    started = time.monotonic()
    result = make_guard(workspace, state_dir, Clock()).run()
    assert time.monotonic() - started < 10, "a FIFO must not block the run"
    assert "not a regular file" in result["skipped"]["memory/2026-11-03.md"]
    assert result["problems"]["memory_guard:skipped:memory/2026-11-03.md"] == "warning"


def test_huge_and_binary_files_are_recorded_and_skipped(workspace: Path, state_dir: Path) -> None:
    write(workspace, "memory/2026-11-04.md", b"%PDF-1.4\x00\x01binary")
    big = workspace / "memory" / "2026-11-05.md"
    with open(big, "wb") as fh:
        fh.truncate(11 * 1024 * 1024)
    result = make_guard(workspace, state_dir, Clock()).run()
    assert "binary" in result["skipped"]["memory/2026-11-04.md"]
    assert "larger than 10 MiB" in result["skipped"]["memory/2026-11-05.md"]
    assert result["new_objects"] == 0
    # Recorded: they are in the manifest with their note, not as content.
    guard = make_guard(workspace, state_dir, Clock())
    state = guard.journal.load_current().state
    assert state["memory/2026-11-05.md"].hash is None
    assert state["memory/2026-11-05.md"].note is not None


def test_characters_are_counted_not_bytes() -> None:
    assert count_chars("é".encode() * 10) == 10
    assert count_chars(b"\xef\xbb\xbfabc") == 3


def _settled(path: Path, seconds: float = 5.0) -> Entry:
    """The entry a scan made ``seconds`` after the file's last change (not racy)."""
    info = os.stat(path)
    data = path.read_bytes()
    return Entry(
        digest(data),
        info.st_size,
        info.st_mtime_ns,
        info.st_ctime_ns,
        info.st_ino,
        seen_ns=max(info.st_mtime_ns, info.st_ctime_ns) + int(seconds * 1e9),
    )


def test_an_unchanged_file_is_not_read_but_a_racy_one_is(workspace: Path, tmp_path: Path) -> None:
    note = write(workspace, "memory/2026-11-06.md", "one\n")
    store = ObjectStore(tmp_path / "objects")
    # Recorded well after its last change: the stat fields are trusted, the file not read.
    entry = _settled(note)
    previous = {"memory/2026-11-06.md": entry}
    result = scan(workspace, Scope(), previous, _event(), objects=store, now_ns=time.time_ns)
    assert result.read == 0 and result.event.is_empty()
    # The classic trap: the bytes changed but size, mtime, ctime and inode are as recorded
    # (a rewrite in the same timestamp tick as the last read). Recorded within RACY_NS of
    # the change, so it is read again and the new content found.
    stale = Entry(
        digest(b"two\n"),
        entry.size,
        entry.mtime_ns,
        entry.ctime_ns,
        entry.ino,
        seen_ns=max(entry.mtime_ns, entry.ctime_ns) + RACY_NS // 2,
    )
    result = scan(
        workspace,
        Scope(),
        {"memory/2026-11-06.md": stale},
        _event(),
        objects=store,
        now_ns=time.time_ns,
        sleep=lambda s: None,
    )
    assert result.read >= 1  # twice when it was written just now: the copy is confirmed
    assert result.event.put["memory/2026-11-06.md"].hash == digest(b"one\n")


def test_an_edit_that_puts_the_old_mtime_back_is_still_seen(
    workspace: Path, tmp_path: Path
) -> None:
    note = write(workspace, "memory/2026-11-07.md", "aaaa\n")
    entry = _settled(note)
    time.sleep(0.02)
    note.write_text("bbbb\n")  # same size
    os.utime(note, ns=(entry.mtime_ns, entry.mtime_ns))  # and the old mtime
    result = scan(
        workspace,
        Scope(),
        {"memory/2026-11-07.md": entry},
        _event(),
        objects=ObjectStore(tmp_path / "o"),
        now_ns=time.time_ns,
        sleep=lambda s: None,
    )
    assert result.event.put["memory/2026-11-07.md"].hash == digest(b"bbbb\n")


def test_read_copy_refuses_a_name_swapped_for_a_link(tmp_path: Path) -> None:
    target = write(tmp_path, "t.md", "x\n")
    link = tmp_path / "l.md"
    os.symlink(target, link)
    copy = read_copy(link, now_ns=time.time_ns)
    assert copy.data is None and copy.note is not None


def test_files_in_a_folder_that_cannot_be_listed_are_not_gone(
    workspace: Path, state_dir: Path
) -> None:
    write(workspace, "memory/sub/a.md", "# a\n" * 40)
    guard = make_guard(workspace, state_dir, Clock())
    guard.run()
    os.chmod(workspace / "memory" / "sub", 0)
    try:
        if os.access(workspace / "memory" / "sub", os.R_OK):
            pytest.skip("running as a user who can read any folder (root)")
        result = make_guard(workspace, state_dir, Clock()).run()
        assert result["disappeared"] == []
    finally:
        os.chmod(workspace / "memory" / "sub", 0o755)
