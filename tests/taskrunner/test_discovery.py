"""Finding and importing task plugins: names checked before any import, one bad file one name."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from support.plugin_factory import write_task
from taskrunner import discovery
from taskrunner.errors import PluginError, UnknownTask, UsageError
from taskrunner.task import Task

OK_BODY = 'return {"success": True, "message": "ok"}'


def env_for(*folders: Path) -> dict[str, str]:
    return {"TASKRUNNER_TASKS_PATH": ":".join(str(f) for f in folders)}


@pytest.mark.parametrize(
    "name", ["../x", "../../etc/passwd", "/tmp/x", "x.py", "tasks.noop", "Noop", "no-op", ""]
)
def test_a_name_that_is_not_a_task_name_is_refused_before_any_lookup(name: str) -> None:
    with pytest.raises(UsageError, match="invalid task name"):
        discovery.find(name, env={})


@pytest.mark.parametrize("name", ["base", "list", "history", "alerts", "help", "version"])
def test_reserved_names_are_refused(name: str) -> None:
    refused = r"is a command of the runner|invalid task name|is not a task"
    with pytest.raises(UsageError, match=refused):
        discovery.validate_name(name)


def test_a_long_name_is_not_echoed_whole() -> None:
    with pytest.raises(UsageError) as info:
        discovery.validate_name("A" * 5000)
    assert len(str(info.value)) < 300


def test_finding_never_imports_and_loading_imports_only_that_file(tmp_path: Path) -> None:
    folder = tmp_path / "plugins"
    marker = tmp_path / "imported"
    extra = f"open({str(marker)!r}, 'a').write('x')"
    write_task(folder, "greeter", OK_BODY, extra=extra)
    write_task(folder, "bystander", OK_BODY, extra=extra.replace("'x'", "'y'"))
    spec = discovery.find("greeter", env=env_for(folder))
    assert spec.path == folder / "greeter.py" and spec.class_name == "GreeterTask"
    assert not marker.exists()  # listing and finding run no plugin code
    cls = discovery.load(spec)
    assert issubclass(cls, Task) and cls.__name__ == "GreeterTask"
    assert marker.read_text() == "x"  # the bystander was not imported


def test_two_files_with_one_name_disable_that_name_only(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    write_task(first, "dup", OK_BODY)
    write_task(second, "dup", OK_BODY)
    write_task(second, "fine", OK_BODY)
    env = env_for(first, second)
    found = discovery.discover(env)
    assert found["dup"].problem == (
        f"two tasks are named 'dup': {first / 'dup.py'} and {second / 'dup.py'}; rename one of them"
    )
    with pytest.raises(PluginError, match="two tasks are named 'dup'"):
        discovery.find("dup", env=env)
    assert discovery.find("fine", env=env).problem is None
    assert discovery.find("noop", env=env).path == discovery.BUILTIN_TASKS_DIR / "noop.py"


def test_a_user_file_shadowing_a_builtin_task_disables_only_that_name(tmp_path: Path) -> None:
    write_task(tmp_path / "p", "noop", OK_BODY)
    found = discovery.discover(env_for(tmp_path / "p"))
    assert (
        found["noop"].problem is not None and "two tasks are named 'noop'" in found["noop"].problem
    )
    assert found["memory_capture"].problem is None


def test_a_file_named_like_a_runner_command_is_reported_not_fatal(tmp_path: Path) -> None:
    write_task(tmp_path / "p", "history", OK_BODY)
    found = discovery.discover(env_for(tmp_path / "p"))
    assert "is a command of the runner; rename the task file" in str(found["history"].problem)
    assert found["noop"].problem is None


def test_files_that_are_not_tasks_are_passed_over(tmp_path: Path) -> None:
    folder = tmp_path / "p"
    for stem in ("_helper", "Capital", "with-dash", "base", "2fast"):
        write_task(folder, stem, OK_BODY)
    (folder / "notes.txt").write_text("not python")
    found = discovery.discover(env_for(folder))
    assert not {"_helper", "Capital", "with-dash", "2fast", "notes"} & set(found)
    assert found.get("base") is None or found["base"].path.parent != folder


def test_a_missing_folder_on_the_path_is_ignored(tmp_path: Path) -> None:
    found = discovery.discover(env_for(tmp_path / "does-not-exist"))
    assert "noop" in found


def test_an_unknown_name_lists_the_tasks_and_suggests_the_closest() -> None:
    with pytest.raises(UnknownTask) as info:
        discovery.find("memory_captur", env={})
    message = str(info.value)
    assert "Did you mean 'memory_capture'?" in message
    assert "Available tasks:" in message and "noop" in message


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("import does_not_exist_anywhere\n", "failed to import: ModuleNotFoundError"),
        ("raise RuntimeError('boom at import')\n", "failed to import: RuntimeError: boom"),
        ("from .base import Task\nclass Other(Task):\n    pass\n", "must define class BadTask"),
        ("BadTask = 42\n", "must define class BadTask(Task)"),
    ],
)
def test_a_broken_plugin_is_a_plugin_error_naming_the_file(
    tmp_path: Path, source: str, expected: str
) -> None:
    folder = tmp_path / "p"
    folder.mkdir()
    (folder / "bad.py").write_text(source)
    spec = discovery.find("bad", env=env_for(folder))
    with pytest.raises(PluginError, match=re.escape(expected)) as info:
        discovery.load(spec)
    assert str(folder / "bad.py") in str(info.value)


def test_a_plugin_fixed_after_a_failed_import_loads(tmp_path: Path) -> None:
    folder = tmp_path / "p"
    folder.mkdir()
    (folder / "later.py").write_text("import does_not_exist_anywhere\n")
    spec = discovery.find("later", env=env_for(folder))
    with pytest.raises(PluginError):
        discovery.load(spec)
    write_task(folder, "later", OK_BODY)  # the user fixes the file
    assert discovery.load(spec).__name__ == "LaterTask"


def test_a_user_folder_gets_the_same_base_as_the_builtin_tasks(tmp_path: Path) -> None:
    import tasks.base

    write_task(tmp_path / "p", "mine", OK_BODY)
    cls = discovery.load(discovery.find("mine", env=env_for(tmp_path / "p")))
    assert issubclass(cls, tasks.base.Task)
    assert cls().run() == {"success": True, "message": "ok"}
