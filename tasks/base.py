"""The task plugin contract: ``from .base import Task``.

The class lives in the engine package so that every plugin folder (built in
or on ``TASKRUNNER_TASKS_PATH``) shares one ``Task`` type.
"""

from taskrunner.errors import (
    BadRequest,
    ConfigError,
    CorruptInput,
    PermanentError,
    WorkspaceMissing,
)
from taskrunner.task import ALERT_LEVELS, Task, TaskContext

__all__ = [
    "ALERT_LEVELS",
    "BadRequest",
    "ConfigError",
    "CorruptInput",
    "PermanentError",
    "Task",
    "TaskContext",
    "WorkspaceMissing",
]
