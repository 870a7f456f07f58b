"""Run an external command with a timeout and leave nothing behind.

For tasks: ``from taskrunner.proc import run_command``. OpenClaw marks a cron job failed
when a process it started outlives it; a command started this way dies with
the task's worker, and the worker dies with the runner, even on SIGKILL.

The command runs in its own process group, so on timeout the whole group
(the command and anything it started) is stopped: SIGTERM, a short grace,
then SIGKILL. It also gets ``PR_SET_PDEATHSIG`` on Linux, so if the task
itself is killed (the runner's own timeout) the command dies with it.

Output is bounded: of each stream only the first and the last
``max_output_bytes / 2`` are kept (the rest is read and counted, so the
command never blocks on a full pipe), and the result says how much was left out.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import selectors
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

#: seconds between SIGTERM and SIGKILL when a command overruns
DEFAULT_KILL_GRACE_S = 1.0
#: seconds of output still read after the command exited (its leftovers may hold the pipes)
_PIPE_GRACE_S = 0.5
#: seconds between checks whether the command has exited
_POLL_S = 0.1
#: bytes of each stream kept by default: the first half and the last half of this
DEFAULT_MAX_OUTPUT_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class ProcResult:
    """What a command did: its exit code (None when stopped at the timeout) and output.

    When a stream was longer than the limit, its text is the head, a line
    saying how many bytes were left out, and the tail.
    """

    argv: tuple[str, ...]
    returncode: int | None
    stdout: str
    stderr: str
    timed_out: bool = False
    #: bytes of stdout / stderr read but not kept (the middle of a long stream)
    stdout_left_out_bytes: int = 0
    stderr_left_out_bytes: int = 0


class _Capture:
    """The first and last bytes of a stream, and a count of those in between."""

    def __init__(self, max_bytes: int) -> None:
        self.head_limit = max(0, max_bytes) // 2
        self.tail_limit = max(0, max_bytes) - self.head_limit
        self.head = bytearray()
        self.tail = bytearray()
        self.left_out = 0

    def add(self, chunk: bytes) -> None:
        room = self.head_limit - len(self.head)
        if room > 0:
            self.head += chunk[:room]
            chunk = chunk[room:]
        if not chunk:
            return
        self.tail += chunk
        # Trimmed only once it is twice the limit: one copy per tail_limit bytes read.
        if len(self.tail) > 2 * self.tail_limit:
            self._trim()

    def _trim(self) -> None:
        excess = len(self.tail) - self.tail_limit
        if excess > 0:
            del self.tail[:excess]
            self.left_out += excess

    def text(self) -> str:
        self._trim()
        head = self.head.decode("utf-8", "replace")
        tail = self.tail.decode("utf-8", "replace")
        if not self.left_out:
            return head + tail
        return f"{head}\n… {self.left_out} bytes of output left out …\n{tail}"


def _signal_group(pgid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


_PR_SET_PDEATHSIG = 1


def _load_prctl() -> Callable[..., int] | None:
    # Looked up once, in the parent: between fork and exec the child must not
    # import or dlopen anything (another thread may hold the lock it needs).
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl: Callable[..., int] = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    return prctl


_PRCTL = _load_prctl()


def _child_setup() -> None:  # pragma: no cover - runs between fork and exec
    if _PRCTL is not None:
        _PRCTL(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)


def run_command(
    argv: Sequence[str],
    *,
    timeout_s: float,
    env: Mapping[str, str] | None = None,
    kill_grace_s: float = DEFAULT_KILL_GRACE_S,
    max_output_bytes: int = DEFAULT_MAX_OUTPUT_BYTES,
) -> ProcResult:
    """Run ``argv``; raises ``OSError`` only when it cannot be started at all."""
    proc = subprocess.Popen(
        list(argv),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=None if env is None else dict(env),
        process_group=0,
        preexec_fn=_child_setup,
    )
    pgid = proc.pid
    out, err = _Capture(max_output_bytes), _Capture(max_output_bytes)
    timed_out = False
    try:
        timed_out = not _collect(proc, out, err, timeout_s)
        if timed_out:
            _signal_group(pgid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=kill_grace_s)
    finally:
        # Whatever the command started must not outlive it, success or not.
        _signal_group(pgid, signal.SIGKILL)
        if proc.returncode is None:
            proc.kill()
            proc.wait()
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
    return ProcResult(
        argv=tuple(argv),
        returncode=None if timed_out else proc.returncode,
        stdout=out.text(),
        stderr=err.text(),
        timed_out=timed_out,
        stdout_left_out_bytes=out.left_out,
        stderr_left_out_bytes=err.left_out,
    )


def _collect(proc: subprocess.Popen[bytes], out: _Capture, err: _Capture, timeout_s: float) -> bool:
    """Read both pipes until they close; False if the deadline came first.

    A command that exits while something it started still holds its stdout
    would keep ``communicate()`` waiting for EOF until the timeout; once the
    command is gone, a short grace is all its output gets.
    """
    deadline = time.monotonic() + timeout_s
    exited_at: float | None = None
    with selectors.DefaultSelector() as selector:
        for stream, buffer in ((proc.stdout, out), (proc.stderr, err)):
            if stream is not None:
                selector.register(stream, selectors.EVENT_READ, buffer)
        while selector.get_map():
            now = time.monotonic()
            if exited_at is None and proc.poll() is not None:
                exited_at = now
            if exited_at is not None and now - exited_at >= _PIPE_GRACE_S:
                return True
            if now >= deadline:
                return False
            for key, _ in selector.select(timeout=min(_POLL_S, deadline - now)):
                chunk = os.read(key.fd, 65536)
                if chunk:
                    key.data.add(chunk)
                else:
                    selector.unregister(key.fileobj)
    if exited_at is None:
        try:
            proc.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            return False
    return True
