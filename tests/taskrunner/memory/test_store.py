"""The memory store file: load, save, lock (real processes), timestamps."""

from __future__ import annotations

import json
import multiprocessing
import os
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from support.runner import run_runner
from taskrunner.errors import CorruptInput, LockTimeout, StoreCorrupt, TaskrunnerError
from taskrunner.memory.normalize import memory_id
from taskrunner.memory.store import (
    Store,
    archive_path,
    backup_path,
    dumps_store,
    load_store,
    lock_path,
    save_store,
    store_lock,
    store_path,
)

MEMORY = {
    "id": "m_0000000000000001",
    "text": "Use SQLite for the cache",
    "kind": "decision",
    "importance": 0.9,
    "created_at": "2026-02-13T10:00:00+01:00",
    "last_seen_at": "2026-02-13T10:00:00+01:00",
    "date": "2026-02-13",
    "sources": [{"file": "memory/2026-02-13.md", "line": 4}],
    "seen_count": 1,
}


def test_paths_live_in_the_memory_folder(workspace: Path) -> None:
    assert store_path(workspace) == workspace / "memory" / "store.json"
    assert backup_path(store_path(workspace)) == workspace / "memory" / "store.json.bak"
    assert archive_path(workspace) == workspace / "memory" / "store.archive.jsonl"
    assert lock_path(workspace) == workspace / "memory" / "store.json.lock"


def test_a_missing_store_is_empty(workspace: Path) -> None:
    store = load_store(store_path(workspace))
    assert store.memories == [] and store.extra == {} and store.version == 1
    assert store.raw_bytes is None


def test_round_trip_keeps_unknown_fields_and_top_level_keys(workspace: Path) -> None:
    path = store_path(workspace)
    memory = {**MEMORY, "pinned": True, "x-custom": {"nested": [1, 2.5, None]}, "emoji": "🦞"}
    save_store(path, Store(memories=[memory], extra={"owner": "agent", "meta": {"a": 1}}))
    loaded = load_store(path)
    assert loaded.memories == [memory]
    assert loaded.extra == {"owner": "agent", "meta": {"a": 1}}
    assert loaded.raw_bytes == path.read_bytes()
    doc = json.loads(path.read_bytes())
    assert doc["version"] == 1 and doc["owner"] == "agent"


def test_one_memory_per_line_in_readable_utf8(workspace: Path) -> None:
    path = store_path(workspace)
    memories = [{**MEMORY, "id": f"m_{i}", "text": f"记忆 {i}"} for i in range(3)]
    save_store(path, Store(memories=memories))
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 5  # header, three memories, closing bracket
    assert "记忆 0" in lines[1]  # not \\u-escaped
    assert [json.loads(line.rstrip(",")) for line in lines[1:4]] == memories


def test_save_leaves_no_temporary_files(workspace: Path) -> None:
    path = store_path(workspace)
    save_store(path, Store(memories=[MEMORY]))
    save_store(path, Store(memories=[MEMORY, {**MEMORY, "id": "m_2"}]))
    assert sorted(p.name for p in path.parent.iterdir()) == ["store.json"]


def test_a_lone_surrogate_is_still_written_as_valid_json(workspace: Path) -> None:
    path = store_path(workspace)
    path.write_bytes(b'{"version": 1, "memories": [{"text": "bad \\ud800 half"}]}')
    store = load_store(path)
    save_store(path, store)
    path.read_bytes().decode("utf-8")  # strictly valid UTF-8
    assert load_store(path).memories == store.memories


def test_legacy_bare_array_is_upgraded(workspace: Path) -> None:
    path = store_path(workspace)
    path.write_text(json.dumps(["plain string memory", {"text": "dict memory", "tag": "x"}]))
    store = load_store(path)
    assert [m["text"] for m in store.memories] == ["plain string memory", "dict memory"]
    first, second = store.memories
    assert first["id"] == memory_id("plain string memory")
    assert second["tag"] == "x" and second["sources"] == [] and second["seen_count"] == 1
    save_store(path, store)
    assert json.loads(path.read_text())["version"] == 1


def test_a_store_with_a_bom_loads(workspace: Path) -> None:
    path = store_path(workspace)
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps({"version": 1, "memories": [MEMORY]}).encode())
    assert load_store(path).memories == [MEMORY]


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (
            b'{"version": 1, "memories": [\n  {"text": "a"},\n  oops\n]}',
            "is not valid JSON (expecting value at line 3 column 3)",
        ),
        (b"", "(expecting value at line 1 column 1)"),
        (b'{"version": 1, "memories": [}', "not valid JSON"),
        (b"\xff\xfe\x00garbage", "not valid"),
        (b'"just a string"', "holds text, not an object"),
        (b"null", "holds null, not an object"),
        (b'{"text": "a", "kind": "fact', "(unterminated string at line 1 column 23)"),
        (b'{"version": 1}', 'no "memories" list'),
        (b'{"version": 1, "memories": {}}', 'has "memories" that is an object, not a list'),
        (b'{"version": 1, "memories": [42]}', "memories[0] is a number, not an object"),
        (b'{"version": 1, "memories": [{"id": "x"}]}', "memories[0] has no text string"),
        (
            b'{"version": 1, "memories": [{"text": "a", "kind": []}]}',
            "memories[0] has a kind that is a list, not text",
        ),
        (b'[{"text": "a", "kind": 7}]', "item 0 of the array has a kind that is a number"),
        (b'{"version": "1", "memories": []}', "version '1'"),
        (b"[1, 2]", "item 0 of the array is a number, not an object"),
        (b"[null]", "item 0 of the array is null, not an object"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    ],
)
def test_a_corrupt_store_is_reported_and_left_untouched(
    workspace: Path, content: bytes, problem: str
) -> None:
    path = store_path(workspace)
    path.write_bytes(content)
    with pytest.raises(StoreCorrupt) as caught:
        load_store(path)
    message = str(caught.value)
    assert problem in message
    assert "\n" not in message and "NoneType" not in message
    assert str(path) in message and "left untouched" in message
    # No backup next to it: the message must not send the user to a missing file.
    assert "fix it by hand" in message and "no backup" in message and "cp " not in message
    assert isinstance(caught.value, CorruptInput)  # permanent: retrying cannot heal it
    assert path.read_bytes() == content


def test_a_corrupt_store_with_a_backup_says_how_to_restore_it(workspace: Path) -> None:
    path = store_path(workspace)
    path.write_bytes(b'{"version": 1, "memories": [')
    backup_path(path).write_text('{"version": 1, "memories": []}')
    with pytest.raises(StoreCorrupt) as caught:
        load_store(path)
    message = str(caught.value)
    assert f"cp {backup_path(path)} {path}" in message
    assert "left untouched" in message and "fix it by hand" in message
    assert path.read_bytes() == b'{"version": 1, "memories": ['


def test_a_backup_that_is_not_a_file_is_not_offered(workspace: Path) -> None:
    path = store_path(workspace)
    path.write_bytes(b"{")
    backup_path(path).mkdir()
    with pytest.raises(StoreCorrupt) as caught:
        load_store(path)
    message = str(caught.value)
    assert "cp " not in message and "no backup" in message and "fix it by hand" in message


def test_a_newer_store_version_is_refused_with_the_fix(workspace: Path) -> None:
    path = store_path(workspace)
    path.write_text('{"version": 2, "memories": []}')
    with pytest.raises(StoreCorrupt, match=r"newer than this taskrunner reads.*upgrade"):
        load_store(path)


def test_an_unreadable_store_path_is_reported(workspace: Path) -> None:
    store_path(workspace).mkdir()
    with pytest.raises(StoreCorrupt, match="cannot be read"):
        load_store(store_path(workspace))


@pytest.mark.parametrize("make", [os.mkdir, os.mkfifo], ids=["directory", "fifo"])
@pytest.mark.parametrize("with_backup", [True, False])
def test_a_store_that_is_not_a_file_is_moved_aside_before_anything_replaces_it(
    workspace: Path, make: Any, with_backup: bool
) -> None:
    # `cp store.json.bak store.json` onto a directory copies the backup into it
    # (onto a FIFO, it blocks): the fix moves the thing aside first.
    path = store_path(workspace)
    make(path)
    if with_backup:
        backup_path(path).write_text('{"version": 1, "memories": []}')
    with pytest.raises(StoreCorrupt) as caught:
        load_store(path)
    message = str(caught.value)
    assert "\n" not in message and "cannot be read" in message
    move = f"mv {path} {path}.aside"
    assert move in message
    if with_backup:
        assert message.index(move) < message.index(f"cp {backup_path(path)} {path}")
    else:
        assert "cp " not in message and "no backup" in message


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=8,
)
memories_strategy = st.lists(
    st.fixed_dictionaries({"text": st.text()}, optional={"extra": json_values}), max_size=8
)


# The file is overwritten by every example, so sharing tmp_path is fine.
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(memories=memories_strategy, extra=st.dictionaries(st.text(max_size=6), json_values))
def test_any_store_survives_a_round_trip(
    tmp_path: Path, memories: list[dict[str, Any]], extra: dict[str, Any]
) -> None:
    extra = {k: v for k, v in extra.items() if k not in ("version", "memories")}
    path = tmp_path / "store.json"
    save_store(path, Store(memories=memories, extra=extra))
    loaded = load_store(path)
    assert loaded.memories == memories and loaded.extra == extra
    assert dumps_store(loaded) == path.read_bytes()


# -- the lock, across real processes -------------------------------------------


def _hold_lock(workspace: str, ready: Any, release: Any) -> None:
    with store_lock(Path(workspace)):
        ready.set()
        release.wait(30)


@pytest.fixture
def mp() -> Any:
    return multiprocessing.get_context("fork")


def test_a_held_lock_makes_another_process_wait_then_time_out(workspace: Path, mp: Any) -> None:
    ready, release = mp.Event(), mp.Event()
    holder = mp.Process(target=_hold_lock, args=(str(workspace), ready, release))
    holder.start()
    try:
        assert ready.wait(10)
        with (
            pytest.raises(LockTimeout, match=r"store\.json\.lock.*still held"),
            store_lock(workspace, timeout_s=0.2),
        ):
            pass
    finally:
        release.set()
        holder.join(10)
    # Released by the other process: free again, and the lock file is kept.
    with store_lock(workspace, timeout_s=5):
        pass
    assert lock_path(workspace).is_file()


def _increment(workspace: str, rounds: int) -> None:
    counter = Path(workspace) / "counter"
    for _ in range(rounds):
        with store_lock(Path(workspace)):
            value = int(counter.read_text())
            time.sleep(0.0005)  # widen the race window a lock must close
            counter.write_text(str(value + 1))


def test_the_lock_serializes_read_modify_write_across_processes(workspace: Path, mp: Any) -> None:
    (workspace / "counter").write_text("0")
    workers = [mp.Process(target=_increment, args=(str(workspace), 40)) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    assert (workspace / "counter").read_text() == "160"


def test_the_lock_is_released_when_the_body_raises(workspace: Path) -> None:
    with pytest.raises(RuntimeError), store_lock(workspace):
        raise RuntimeError("boom")
    with store_lock(workspace, timeout_s=0.5):
        pass


def test_a_symlinked_lock_file_is_refused_and_its_target_untouched(workspace: Path) -> None:
    victim = workspace / "victim.txt"
    victim.write_text("precious")
    lock_path(workspace).symlink_to(victim)
    with pytest.raises(TaskrunnerError, match="is a symbolic link"), store_lock(workspace):
        pass
    assert victim.read_text() == "precious"


def test_no_memory_folder_is_a_clear_error(tmp_path: Path) -> None:
    with (
        pytest.raises(TaskrunnerError, match="does not exist"),
        store_lock(tmp_path / "nowhere"),
    ):
        pass


def test_lock_is_created_with_safe_flags(workspace: Path) -> None:
    with store_lock(workspace):
        mode = os.stat(lock_path(workspace)).st_mode & 0o777
    assert mode & 0o022 == 0


# -- where the store may live: regular files in the workspace's own memory/ ---------


def _capture_run(workspace: Path, *args: str) -> subprocess.CompletedProcess[str]:
    (workspace / "memory" / "2026-11-28.md").write_text("- TODO: renew the certificate\n")
    return run_runner(
        "memory_capture",
        "--workspace",
        str(workspace),
        "--date",
        "2026-11-28",
        "--no-retry",
        *args,
    )


@pytest.mark.parametrize("name", ["store.json", "store.json.bak", "store.archive.jsonl"])
def test_a_symlinked_store_file_is_refused_and_its_target_untouched(
    workspace: Path, tmp_path: Path, name: str
) -> None:
    target = tmp_path / "elsewhere.json"
    target.write_bytes(b'{"version": 1, "memories": []}\n')
    (workspace / "memory" / name).symlink_to(target)
    proc = _capture_run(workspace)
    assert proc.returncode == 1
    assert f"{workspace / 'memory' / name} is a symbolic link (to {target})" in proc.stderr
    assert "Replace the link with the file itself" in proc.stderr
    assert (workspace / "memory" / name).is_symlink()
    assert target.read_bytes() == b'{"version": 1, "memories": []}\n'


def test_a_symlinked_store_is_refused_everywhere(workspace: Path, tmp_path: Path) -> None:
    target = tmp_path / "elsewhere.json"
    save_store(target, Store(memories=[{"id": "m_1", "text": "kept"}]))
    store_path(workspace).symlink_to(target)
    for args in (
        ["memory_consolidate", "--date", "2026-11-28"],
        ["memory_restore", "--run", "r"],
        ["memory_consolidate", "--date", "2026-11-28", "--dry-run"],
    ):
        archive_path(workspace).write_text("")
        proc = run_runner(*args, "--workspace", str(workspace), "--no-retry")
        assert proc.returncode == 1, args
        assert "is a symbolic link" in proc.stderr, args
    assert store_path(workspace).is_symlink()


def test_a_memory_folder_linked_out_of_the_workspace_is_refused(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    workspace.mkdir()
    outside = tmp_path / "synced-notes"
    outside.mkdir()
    (workspace / "memory").symlink_to(outside)
    proc = _capture_run(workspace)
    assert proc.returncode == 1
    assert f"{workspace / 'memory'} is a symbolic link to {outside}, outside the workspace" in (
        proc.stderr
    )
    assert sorted(p.name for p in outside.iterdir()) == ["2026-11-28.md"]  # nothing written there


def test_a_memory_folder_linked_inside_the_workspace_is_followed(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    (workspace / "notes").mkdir(parents=True)
    (workspace / "memory").symlink_to(workspace / "notes")
    proc = _capture_run(workspace)
    assert proc.returncode == 0, proc.stderr
    assert "renew the certificate" in (workspace / "notes" / "store.json").read_text()
