"""The task plugin contract: ``from .base import Task`` (and everything else a task uses).

The class lives in the engine package so that every plugin folder (built in
or on ``TASKRUNNER_TASKS_PATH``) shares one ``Task`` type. This module is the
one import a plugin needs: what tasks use is re-exported here, so a user's
plugin keeps working when the runner's modules move.

The heavier helpers (``run_command`` pulls in subprocess, the option types
argparse) are imported on first use (PEP 562), so a task that does not use
them does not pay for them at every cron start.
"""

from taskrunner.errors import (
    ConfigError,
    CorruptInput,
    PermanentError,
    TaskrunnerError,
    WorkspaceMissing,
)
from taskrunner.task import ALERT_LEVELS, Task, TaskContext

TYPE_CHECKING = False
if TYPE_CHECKING:
    from taskrunner.cli.argparsing import iso_date, non_negative_int, positive_float
    from taskrunner.system.atomic import write_atomic, write_json_atomic
    from taskrunner.system.process import ProcResult, run_command

#: re-exported name -> the module that holds it, imported when first asked for
_LAZY = {
    "iso_date": "taskrunner.cli.argparsing",
    "non_negative_int": "taskrunner.cli.argparsing",
    "positive_float": "taskrunner.cli.argparsing",
    "write_atomic": "taskrunner.system.atomic",
    "write_json_atomic": "taskrunner.system.atomic",
    "ProcResult": "taskrunner.system.process",
    "run_command": "taskrunner.system.process",
}


def __getattr__(name: str) -> object:
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module_name), name)
    globals()[name] = value
    return value


__all__ = [
    "ALERT_LEVELS",
    "ConfigError",
    "CorruptInput",
    "PermanentError",
    "ProcResult",
    "Task",
    "TaskContext",
    "TaskrunnerError",
    "WorkspaceMissing",
    "iso_date",
    "non_negative_int",
    "positive_float",
    "run_command",
    "write_atomic",
    "write_json_atomic",
]
