"""Find and import task plugins: ``tasks/<name>.py`` holding ``<PascalName>Task``.

Only the one file a validated name points at is imported, never an
arbitrary module: ``../x``, ``os`` and ``base`` are refused before any import.
Extra plugin folders come from ``TASKRUNNER_TASKS_PATH``; a plugin there is
written exactly like a built-in one, ``from .base import Task`` included.
"""

from __future__ import annotations

import importlib.util
import re
import sys
import types
from pathlib import Path

from . import paths
from .errors import PluginError, UnknownTask, UsageError
from .runlock import path_digest
from .task import Task

# typing is only needed by the type checker: keep it off the startup path.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

#: what a task name may look like (also what makes a file a task file)
TASK_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")

#: names that are commands of the runner itself, or not tasks at all
RESERVED_NAMES = frozenset(
    {"base", "list", "history", "alerts", "help", "version", "install", "uninstall", "status"}
)

BUILTIN_TASKS_DIR = paths.RUNNER_HOME / "tasks"


class TaskSpec:
    """A task file found on disk (not yet imported); ``problem`` says why it cannot run."""

    __slots__ = ("name", "path", "problem")

    def __init__(self, name: str, path: Path, problem: str | None = None) -> None:
        self.name = name
        self.path = path
        self.problem = problem

    @property
    def class_name(self) -> str:
        return "".join(part.capitalize() for part in self.name.split("_")) + "Task"


def task_dirs(env: Mapping[str, str] | None = None) -> list[Path]:
    """The built-in folder first, then ``TASKRUNNER_TASKS_PATH`` folders."""
    dirs = [BUILTIN_TASKS_DIR]
    for extra in paths.extra_task_dirs(env):
        if extra not in dirs:
            dirs.append(extra)
    return dirs


def discover(env: Mapping[str, str] | None = None) -> dict[str, TaskSpec]:
    """Every task file by name.

    Two files with one name, or a file named like a runner command, make that
    name unusable (its spec carries the problem), not the whole runner: one
    stray file must not stop every other cron job.
    """
    found: dict[str, TaskSpec] = {}
    for directory in task_dirs(env):
        try:
            entries = sorted(directory.glob("*.py"))
        except OSError:
            continue
        for path in entries:
            name = path.stem
            if name == "base" or name.startswith("_") or not TASK_NAME_RE.fullmatch(name):
                continue
            if name in RESERVED_NAMES:
                problem = f"{path}: '{name}' is a command of the runner; rename the task file"
                found.setdefault(name, TaskSpec(name, path, problem))
            elif name in found:
                first = found[name]
                found[name] = TaskSpec(
                    name,
                    first.path,
                    f"two tasks are named '{name}': {first.path} and {path}; rename one of them",
                )
            else:
                found[name] = TaskSpec(name, path)
    return found


def shown(name: str) -> str:
    """A name as echoed in an error message: never a whole 5,000-character argument."""
    return repr(name if len(name) <= 60 else name[:57] + "...")


def validate_name(name: str) -> str:
    """Refuse names that are not task names before they get near the import system."""
    if name == "base":
        raise UsageError(
            "'base' is not a task: tasks/base.py holds the Task class every task imports "
            "(`from .base import Task`); give your task another name"
        )
    if name in RESERVED_NAMES:
        raise UsageError(f"'{name}' is a command of the runner, not a task name")
    if not TASK_NAME_RE.fullmatch(name):
        raise UsageError(
            f"invalid task name {shown(name)}: task names are lowercase letters, digits and "
            "underscores, starting with a letter (and not 'base')"
        )
    return name


def find(
    name: str, env: Mapping[str, str] | None = None, *, commands: Sequence[str] = ()
) -> TaskSpec:
    """The task file for ``name``; ``UnknownTask`` with the list and a suggestion otherwise.

    ``commands`` are the runner's own commands: a typo of one (``memroy_search``)
    is suggested and listed too, as the user cannot tell them from tasks.
    """
    try:
        validate_name(name)
    except UsageError as exc:
        raise _with_guess(exc, name, discover(env), commands) from None
    tasks = discover(env)
    spec = tasks.get(name)
    if spec is not None:
        if spec.problem:
            raise PluginError(spec.problem)
        return spec
    raise unknown_task(name, tasks, commands)


def _with_guess(
    error: UsageError, name: str, tasks: Iterable[str], commands: Sequence[str]
) -> UsageError:
    """``error`` for a name that cannot be a task, with the task it was likely
    meant to be: ``system-health`` and ``System_Health`` are ``system_health``."""
    import difflib  # only for the error message

    guess = name.strip().casefold().replace("-", "_").replace(" ", "_")
    close = difflib.get_close_matches(guess, [*tasks, *commands], n=1)
    if not close or close[0] == name:
        return error
    return UsageError(f"{error}. Did you mean '{close[0]}'?")


def unknown_task(name: str, tasks: Iterable[str], commands: Sequence[str] = ()) -> UnknownTask:
    """The error for a name that is no task: one line, the closest name, what there is."""
    import difflib  # only for the error message

    names = sorted(tasks)
    others = sorted(c for c in commands if c not in names)
    hint = ""
    close = difflib.get_close_matches(name, names + others, n=1)
    if close:
        hint = f" Did you mean '{close[0]}'?"
    available = ", ".join(names) or "(none)"
    also = f"; runner commands: {', '.join(others)}" if others else ""
    return UnknownTask(f"unknown task {shown(name)}.{hint} Available tasks: {available}{also}")


def _package_for(directory: Path) -> str:
    """The import package for a plugin folder; ``<package>.base`` is the shared contract."""
    import tasks as builtin_pkg  # the folder next to runner.py, on sys.path via runner.py

    if directory == BUILTIN_TASKS_DIR:
        return builtin_pkg.__name__
    pkg_name = f"taskrunner_plugins_{path_digest(str(directory))}"
    if pkg_name not in sys.modules:
        pkg = types.ModuleType(pkg_name)
        pkg.__path__ = [str(directory)]
        pkg.__package__ = pkg_name
        sys.modules[pkg_name] = pkg
        # A user's task says `from .base import Task`: give its folder the same base.
        import tasks.base as base

        sys.modules[f"{pkg_name}.base"] = base
    return pkg_name


def load(spec: TaskSpec) -> type[Task]:
    """Import ``spec.path`` and return its task class; ``PluginError`` naming the file otherwise."""
    if spec.problem:
        raise PluginError(spec.problem)
    package = _package_for(spec.path.parent)
    module_name = f"{package}.{spec.name}"
    module = sys.modules.get(module_name)
    if module is None:
        import_spec = importlib.util.spec_from_file_location(module_name, spec.path)
        if import_spec is None or import_spec.loader is None:
            raise PluginError(f"{spec.path}: cannot be loaded as a Python module")
        module = importlib.util.module_from_spec(import_spec)
        sys.modules[module_name] = module
        try:
            import_spec.loader.exec_module(module)
        except BaseException as exc:
            del sys.modules[module_name]
            if isinstance(exc, KeyboardInterrupt | SystemExit):
                raise
            raise PluginError(f"{spec.path} failed to import: {type(exc).__name__}: {exc}") from exc
    cls = getattr(module, spec.class_name, None)
    if not isinstance(cls, type) or not issubclass(cls, Task):
        raise PluginError(
            f"{spec.path} must define class {spec.class_name}(Task) (from .base import Task)"
        )
    if getattr(cls, "__abstractmethods__", None):
        missing = ", ".join(sorted(cls.__abstractmethods__))
        raise PluginError(f"{spec.path}: {spec.class_name} does not define {missing}")
    return cls
