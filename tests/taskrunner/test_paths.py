"""The runner's own places: its state directory, lock directory and task folders."""

from __future__ import annotations

from pathlib import Path

from taskrunner import paths


def test_state_and_lock_dirs(tmp_path: Path) -> None:
    assert paths.resolve_state_dir(None, {}) == paths.RUNNER_HOME
    assert paths.resolve_state_dir(None, {"TASKRUNNER_STATE_DIR": str(tmp_path)}) == tmp_path
    assert paths.resolve_state_dir(str(tmp_path / "x"), {}) == tmp_path / "x"
    assert paths.resolve_lock_dir(tmp_path, {}) == tmp_path / "locks"
    locks = tmp_path / "private"
    assert paths.resolve_lock_dir(tmp_path, {"TASKRUNNER_LOCK_DIR": str(locks)}) == locks


def test_extra_task_dirs_split_on_pathsep(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    assert paths.extra_task_dirs({"TASKRUNNER_TASKS_PATH": f"{a}:{b}::"}) == [a, b]
