"""Every error the runner raises, in one hierarchy.

Library code raises these; only ``cli.main`` turns them into an exit code
(each class carries its own), so tests can call ``main(argv)`` and read it.
"""

from __future__ import annotations

# typing is only needed by the type checker: keep it off the startup path.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import ClassVar


class TaskrunnerError(Exception):
    """Raised for any failure the runner reports to the user as a clear message."""

    #: process exit code when this error ends a CLI invocation
    exit_code: ClassVar[int] = 1
    #: ``status`` written to the run log when this error ends a run
    status: ClassVar[str] = "failed"
    #: whether a run this error ends tells the heartbeat (an alert) besides the command line
    alerts: ClassVar[bool] = True


class UsageError(TaskrunnerError):
    """Raised when the command line is malformed (exit 1, never argparse's 2)."""


class UnknownTask(UsageError):
    """Raised when no ``tasks/<name>.py`` exists for the requested name."""


class PluginError(TaskrunnerError):
    """Raised when a task file cannot be imported, lacks its class, or misbehaves."""


class LockBusy(TaskrunnerError):
    """Raised when the same task is already running for the same workspace."""

    exit_code = 2
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


class BadRequest(ConfigError):
    """Raised when a task cannot do what was typed on its command line (an unknown path,
    no version at that time): one line on the command line, not retried, and no alert,
    since the heartbeat need not hear about a typo."""

    alerts = False


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
        return 128 + self.signum
