"""Every error the runner raises, in one hierarchy.

Library code raises these; only ``cli.main`` turns them into an exit code
(each class carries its own), so tests can call ``main(argv)`` and read it.
The exit codes themselves are the constants below: the CLI's contract.
"""

from __future__ import annotations

# typing is only needed by the type checker: keep it off the startup path.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import ClassVar

#: the task succeeded (or the command did its job)
EXIT_OK = 0
#: the task failed, timed out, is unknown, has bad arguments or a broken plugin
EXIT_ERROR = 1
#: the same task is already running for the same workspace (never a usage error)
EXIT_LOCKED = 2
#: interrupted by a signal: this plus the signal number (130 SIGINT, 143 SIGTERM)
EXIT_SIGNAL_BASE = 128


class TaskrunnerError(Exception):
    """Raised for any failure the runner reports to the user as a clear message."""

    #: process exit code when this error ends a CLI invocation
    exit_code: ClassVar[int] = EXIT_ERROR
    #: ``status`` written to the run log when this error ends a run
    status: ClassVar[str] = "failed"


class UsageError(TaskrunnerError):
    """Raised when the command line is malformed (exit 1, never argparse's 2)."""


class UnknownTask(UsageError):
    """Raised when no ``tasks/<name>.py`` exists for the requested name."""


class PluginError(TaskrunnerError):
    """Raised when a task file cannot be imported, lacks its class, or misbehaves."""


class LockBusy(TaskrunnerError):
    """Raised when the same task is already running for the same workspace."""

    exit_code = EXIT_LOCKED
    status = "locked"


class LockDirError(TaskrunnerError):
    """Raised when the lock directory is unsafe (wrong owner, group/world access)."""


class PermanentError(TaskrunnerError):
    """Raised by a task for a failure that retrying cannot heal.

    Corrupted input, bad configuration, a missing dependency: the runner
    records the failure and stops instead of retrying.
    """


class LockFileError(PermanentError):
    """Raised when a lock file cannot be opened safely (a planted symlink, a missing folder).

    Not retried: a symlink or a missing folder is still there two seconds later.
    """


class LockTimeout(TaskrunnerError):
    """Raised when a lock stays held by another process longer than the caller may wait."""


class ConfigError(PermanentError):
    """Raised when a configuration file or option value is invalid."""


class WorkspaceMissing(PermanentError):
    """Raised when a task needs the OpenClaw workspace and it does not exist."""


class CorruptInput(PermanentError):
    """Raised when an input file is malformed; the file is left untouched."""


class InvalidAlertLevel(TaskrunnerError, ValueError):
    """Raised when an alert level is not one of info, warning, error, critical."""


class Interrupted(TaskrunnerError):
    """Raised when SIGINT or SIGTERM stops a run; exits 128 + the signal number."""

    status = "interrupted"

    def __init__(self, signum: int) -> None:
        import signal

        super().__init__(f"interrupted by {signal.Signals(signum).name}")
        self.signum = signum

    @property
    def exit_code(self) -> int:  # type: ignore[override]
        return EXIT_SIGNAL_BASE + self.signum


class WriteFailed(TaskrunnerError):
    """Raised when a file could not be written; the previous version is untouched."""


class StoreCorrupt(CorruptInput):
    """Raised when the store is not valid JSON or has the wrong shape; it is left untouched."""


class StateCorrupt(CorruptInput):
    """Raised when a JSON state file of the runner (alert queue, health state) holds bad JSON.

    Readers leave it untouched; a writer sets it aside (``system/jsonstate.py``).
    """


class StateUnreadable(PermanentError):
    """Raised when a state file cannot be read at all (permissions, a folder or FIFO in its place).

    Left alone by readers and writers alike: moving it is the user's call.
    """


class NoteUnreadable(TaskrunnerError):
    """Raised by ``read_note`` when a note cannot be read at all; the message says why."""


class AlertQueueError(TaskrunnerError):
    """Raised when the queue file cannot be read, or a drain cannot be completed."""


class CronOutputError(TaskrunnerError, ValueError):
    """Raised when ``openclaw cron list`` printed something unusable."""


class JSON5Error(TaskrunnerError, ValueError):
    """Raised when text is not valid JSON5; the message ends with the line and column."""

    def __init__(self, msg: str, text: str, pos: int) -> None:
        lineno = text.count("\n", 0, pos) + 1
        colno = pos - text.rfind("\n", 0, pos)
        super().__init__(f"{msg} at line {lineno} col {colno}")
        self.msg = msg
        self.pos = pos
        self.lineno = lineno
        self.colno = colno
