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


class StateDirError(TaskrunnerError):
    """Raised when the state directory is a file, is not there to read, or cannot be written.

    Before any run: nothing could be recorded or queued there, and the fix is
    in what was typed or configured (``--state-dir``, ``TASKRUNNER_STATE_DIR``).
    """


class ConfigError(PermanentError):
    """Raised when a configuration file or option value is invalid."""


class InvalidRequest(ConfigError):
    """Raised when the user asked for something that cannot be done as asked.

    An unknown run id, an option value out of range: the run fails (exit 1)
    and is recorded, but it is not retried and no alert is queued. The
    heartbeat is for problems of the machine, not for a user's typo, which
    the user already sees on their terminal.
    """


class NotRegularFile(PermanentError):
    """Raised when a FIFO, device, socket or directory sits where a regular file is expected.

    Never opened for a blocking read (a FIFO would hang the run while it
    holds its lock); the message names the file and the fix.
    """

    #: what the file is instead: "a FIFO (named pipe)", "a socket", ...
    kind: str = "not a regular file"


class WorkspaceMissing(PermanentError):
    """Raised when a task needs the OpenClaw workspace and it does not exist."""


class WorkspaceTypo(WorkspaceMissing, InvalidRequest):
    """Raised when the workspace named on the command line of a run by hand does not exist.

    The user's typo (``--workspace``, ``--agent``): recorded, never retried,
    never alerted. Under ``--scheduled`` nobody typed the name, so a workspace
    that has gone away stays a plain ``WorkspaceMissing``, and is alerted.
    """


class CorruptInput(PermanentError):
    """Raised when an input file is malformed; the file is left untouched."""


class InstallError(TaskrunnerError):
    """Raised when ``runner.py install``/``uninstall`` cannot do what was asked."""


class OpenClawError(InstallError):
    """Raised when an ``openclaw`` command fails or prints something unusable."""


class ScratchConflict(OpenClawError):
    """Raised when the heartbeat scratch changed between reading and writing it."""


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


class StoreLocationError(PermanentError):
    """Raised when a store file is a symbolic link, or ``memory/`` links out of the workspace.

    The rule: the store, its backup, its archive and its lock are regular
    files in the workspace's own ``memory/`` folder. A write replaces a file
    by renaming a new one over it, which would silently cut a symlinked
    ``store.json`` off its target (the target then stops being updated); and
    a ``memory/`` linked elsewhere would have the store written outside the
    workspace. Both are refused, the files untouched, with the fix.
    """


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
