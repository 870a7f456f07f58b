"""Run one attempt in a forked worker process that can always be stopped.

Why fork and not a thread or ``SIGALRM``: a task stuck in a blocking call or
a C loop (``sum(range(10**12))``) never returns to the interpreter, so
neither an alarm nor a thread can stop it; killing a process can. Why fork
and not ``subprocess``: a second interpreter per run costs more than the
runner itself (see bench/bench_runner.py).

The worker runs in its own process group, so a timeout kills whatever it
started too, and asks the kernel to SIGKILL it when the runner dies
(``PR_SET_PDEATHSIG``), so even a SIGKILLed runner leaves no worker behind:
OpenClaw marks a cron job failed when processes it started outlive it.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import sys
import time

from .errors import InvalidRequest, PermanentError, TaskrunnerError
from .system import containment
from .system.atomic import write_all

# typing is only needed by the type checker: keep it off the startup path.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from typing import Any

#: seconds to wait for a killed worker to be reaped before giving up on it
_REAP_TIMEOUT_S = 5.0


class Outcome:
    """What one attempt produced."""

    __slots__ = ("alerts", "error", "kind", "result", "withdrawn")

    def __init__(self) -> None:
        #: "result", "error", "timeout" or "died"
        self.kind = "died"
        self.result: dict[str, Any] | None = None
        #: ``{"type", "message", "permanent"}`` when the attempt raised or died
        self.error: dict[str, Any] | None = None
        self.alerts: list[dict[str, Any]] = []
        #: keys of the alerts the task took back (``Task.withdraw_alert``), in order
        self.withdrawn: list[str] = []

    @property
    def user_error(self) -> bool:
        """The attempt failed on the user's own bad request (``InvalidRequest``).

        Recorded, never alerted: the user sees it on their terminal, and the
        heartbeat is for problems of the machine.
        """
        return self.kind == "error" and bool((self.error or {}).get("user_error"))


def flush_std_streams() -> None:
    """Flush stdout and stderr; a stream that is closed (None, or a broken pipe) is skipped."""
    for stream in (sys.stdout, sys.stderr):
        if stream is not None:
            with contextlib.suppress(OSError, ValueError):
                stream.flush()


def _send(fd: int, message: dict[str, Any]) -> None:
    text = json.dumps(message, default=str, ensure_ascii=False)
    try:
        data = (text + "\n").encode("utf-8")
    except UnicodeEncodeError:
        # A lone surrogate (a file name that is not UTF-8, say) has no UTF-8
        # form; \u escapes carry it, so the result is never unserializable.
        data = (json.dumps(message, default=str, ensure_ascii=True) + "\n").encode("ascii")
    write_all(fd, data)


def _child(
    target: Callable[[Callable[[dict[str, Any]], None]], dict[str, Any]],
    write_fd: int,
    parent_pid: int,
    stdout_to_stderr: bool,
    close_fds: Sequence[int],
) -> None:
    """Body of the worker process; never returns."""
    code = 0
    try:
        if not containment.set_parent_death_signal():
            # No prctl (macOS): a thread watches the runner instead.
            containment.watch_parent(parent_pid, containment.kill_own_group)
        if os.getppid() != parent_pid:  # the runner died before that took effect
            os._exit(1)
        # Orphans of the task (setsid, double forks) are re-parented to us, not
        # to init, so the sweep below finds every one of them.
        containment.become_subreaper()
        # The runner's task lock must not live on in the worker, nor in anything
        # the task forks: an orphan holding it would lock out every later run.
        for fd in close_fds:
            with contextlib.suppress(OSError):
                os.close(fd)
        # Plain default dispositions: the runner, not the task, decides about signals.
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, signal.SIG_DFL)
        if stdout_to_stderr:
            # --json promises one document on stdout: a task's print() goes to stderr.
            os.dup2(2, 1)

        def alert_sink(alert: dict[str, Any]) -> None:
            _send(write_fd, {"alert": alert})

        try:
            result = target(alert_sink)
            message: dict[str, Any] = {"result": result}
        except BaseException as exc:
            # sys.exit() or a KeyboardInterrupt raised by the task itself: asking
            # again will do the same, so they are not retried.
            permanent = isinstance(exc, PermanentError | SystemExit | KeyboardInterrupt)
            if not isinstance(exc, TaskrunnerError | SystemExit):
                import traceback  # a bug in the task: show where

                traceback.print_exc(file=sys.stderr)
            text = str(exc) or type(exc).__name__
            if isinstance(exc, SystemExit):
                text = f"the task called sys.exit({exc.code!r}); a task returns a dict instead"
            message = {
                "error": {
                    "type": type(exc).__name__,
                    "message": text,
                    "permanent": permanent or isinstance(exc, InvalidRequest),
                    # the user's own request was wrong: recorded, never alerted
                    "user_error": isinstance(exc, InvalidRequest),
                }
            }
        # The attempt is over: nothing the task started may outlive it.
        containment.end_descendants()
        try:
            _send(write_fd, message)
        except (TypeError, ValueError) as exc:
            _send(
                write_fd,
                {"error": {"type": "PluginError", "message": f"result not serializable: {exc}"}},
            )
        flush_std_streams()
    except BaseException:
        code = 70
    finally:
        os._exit(code)


def _kill_group(pid: int) -> None:
    # The tree first (descendants that left the group), while the worker is
    # alive and still their ancestor; then the group, which the tree misses
    # where there is no /proc.
    containment.kill_tree(pid, include_root=True)
    for kill in (os.killpg, os.kill):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            kill(pid, signal.SIGKILL)


def _reap(pid: int, *, timeout_s: float = _REAP_TIMEOUT_S) -> int | None:
    """The worker's wait status; after ``timeout_s`` it is killed and waited for."""
    deadline = time.monotonic() + timeout_s
    pause_s = 0.0005
    while True:
        try:
            done, status = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            return None
        if done:
            return status
        if time.monotonic() > deadline:
            _kill_group(pid)
            try:
                return os.waitpid(pid, 0)[1]
            except ChildProcessError:
                return None
        time.sleep(pause_s)
        pause_s = min(pause_s * 2, 0.05)


def run_attempt(
    target: Callable[[Callable[[dict[str, Any]], None]], dict[str, Any]],
    *,
    timeout_s: float | None,
    stdout_to_stderr: bool = False,
    close_fds: Sequence[int] = (),
) -> Outcome:
    """Run ``target(alert_sink)`` in a worker process; stop it at ``timeout_s``.

    The attempt is over when the worker has sent its result (or died), not
    when the pipe closes: a process the task forked may hold the pipe open,
    and it is killed with the worker's process group. ``close_fds`` are closed
    in the worker (the runner's lock). Exceptions raised in the runner while
    waiting (``Interrupted`` from a signal handler) kill and reap the worker
    before propagating.
    """
    outcome = Outcome()
    # os.pipe(): close-on-exec already (PEP 446), and on macOS too, which has no pipe2.
    read_fd, write_fd = os.pipe()
    flush_std_streams()  # or the worker would print the runner's buffered output again
    parent_pid = os.getpid()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the worker, reported through the pipe
        os.close(read_fd)
        os.setpgid(0, 0)
        _child(target, write_fd, parent_pid, stdout_to_stderr, close_fds)
    os.close(write_fd)
    with contextlib.suppress(OSError):  # the child may already have done it, or exited
        os.setpgid(pid, pid)
    deadline = None if not timeout_s or timeout_s <= 0 else time.monotonic() + timeout_s
    partial: list[bytes] = []  # the start of a line not yet complete
    reaped = False
    try:
        poller = select.poll()
        poller.register(read_fd, select.POLLIN | select.POLLHUP)
        while outcome.kind == "died":  # until a result or an error arrives
            wait_ms = -1
            if deadline is not None:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    outcome.kind = "timeout"
                    break
                wait_ms = max(1, int(remaining * 1000))
            if not poller.poll(wait_ms):
                continue
            chunk = os.read(read_fd, 1 << 20)
            if not chunk:
                break
            if b"\n" not in chunk:
                partial.append(chunk)  # joined once the line ends: linear in the size
                continue
            *lines, rest = (b"".join(partial) + chunk).split(b"\n")
            partial = [rest] if rest else []
            for line in lines:
                _absorb(outcome, line)
        if outcome.kind == "timeout":
            _kill_group(pid)
        status = _reap(pid)
        reaped = True
        # Whatever the worker started or forked is in its process group; none of
        # it may outlive the attempt. (Only the group: the worker's own pid is
        # reaped and may already belong to another process.)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)
        if outcome.kind == "died":
            outcome.error = {
                "type": "WorkerDied",
                "message": f"the attempt process {_describe_status(status)} without a result",
                "permanent": False,
            }
    finally:
        os.close(read_fd)
        if not reaped:
            _kill_group(pid)
            _reap(pid)
    return outcome


def _absorb(outcome: Outcome, line: bytes) -> None:
    if not line.strip():
        return
    message = json.loads(line)
    if "alert" in message:
        alert = message["alert"]
        if "withdraw" in alert:
            # Taking back an alert of this very attempt: it is never queued.
            key = str(alert["withdraw"])
            outcome.alerts = [a for a in outcome.alerts if a.get("key") != key]
            outcome.withdrawn.append(key)
        else:
            outcome.alerts.append(alert)
    elif "result" in message:
        outcome.kind = "result"
        outcome.result = message["result"]
    elif "error" in message:
        outcome.kind = "error"
        outcome.error = message["error"]


def _describe_status(status: int | None) -> str:
    if status is None:
        return "did not exit"
    if os.WIFSIGNALED(status):
        return f"was killed by {signal.Signals(os.WTERMSIG(status)).name}"
    return f"exited with code {os.waitstatus_to_exitcode(status)}"
