"""Nothing a task starts outlives its attempt, and the worker never outlives the runner.

OpenClaw fails a cron job whose processes outlive it, and a task can start
processes that leave the worker's process group (``setsid``,
``start_new_session=True``, a double-forked daemon). On Linux:

- the worker is a *child subreaper* (``PR_SET_CHILD_SUBREAPER``): an orphan
  anywhere below it is re-parented to it, not to init, so every descendant
  stays in its tree;
- at the end of an attempt that tree is frozen (``SIGSTOP`` until a scan of
  ``/proc`` finds no new process: a stopped process cannot fork) and killed,
  then the worker reaps what was re-parented to it, until nothing is left;
- the worker dies with the runner (``PR_SET_PDEATHSIG``).

Where ``prctl`` or ``/proc`` is missing (macOS), what holds is the process
group: the worker's group is killed at the end of the attempt, and a
watcher thread (``kqueue`` on the parent, else polling ``getppid()``) ends
the worker when the runner dies. The switches below let the tests run
those portable paths on Linux too.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import time

TYPE_CHECKING = False
if TYPE_CHECKING:
    import threading
    from collections.abc import Callable
    from typing import Any

_PR_SET_PDEATHSIG = 1
_PR_SET_CHILD_SUBREAPER = 36

#: use Linux's prctl (parent-death signal, subreaper); off: the portable paths
USE_PRCTL = sys.platform.startswith("linux")
#: find descendants through /proc (Linux); off: the process group only
USE_PROC = os.path.isdir("/proc/self/task")
#: seconds between two looks at the parent, where kqueue is not available
PARENT_POLL_S = 0.2
#: seconds the end-of-attempt sweep may take before it gives up on a process
SWEEP_TIMEOUT_S = 5.0

_PRCTL: Callable[..., int] | None = None
_PRCTL_LOADED = False


def load_prctl() -> Callable[..., int] | None:
    """``prctl`` from libc (None where there is none), looked up once.

    Through ``_ctypes`` directly: the ``ctypes`` package builds dozens of
    classes on import, about 1.5 ms on every run, for one C call. Call this
    before forking when the child will use it between fork and exec, where
    nothing may be imported or dlopen-ed.
    """
    global _PRCTL, _PRCTL_LOADED
    if _PRCTL_LOADED:
        return _PRCTL
    _PRCTL_LOADED = True
    if not sys.platform.startswith("linux"):
        return None
    import _ctypes

    class _CInt(_ctypes._SimpleCData):  # type: ignore[type-arg]
        _type_ = "i"

    class _PrctlPtr(_ctypes.CFuncPtr):
        _flags_ = _ctypes.FUNCFLAG_CDECL
        _restype_ = _CInt

    with contextlib.suppress(OSError, AttributeError):
        libc = _ctypes.dlopen(None, os.RTLD_NOW)  # type: ignore[arg-type]
        _PRCTL = _PrctlPtr(_ctypes.dlsym(libc, "prctl"))
    return _PRCTL


def prctl(option: int, arg: int) -> bool:
    """Call ``prctl(option, arg, 0, 0, 0)``; False where it is switched off or unavailable."""
    if not USE_PRCTL:
        return False
    call = load_prctl()
    if call is None:
        return False
    return int(call(option, arg, 0, 0, 0)) == 0


def set_parent_death_signal(sig: int = signal.SIGKILL) -> bool:
    """Have the kernel send ``sig`` to this process when its parent dies (Linux)."""
    return prctl(_PR_SET_PDEATHSIG, int(sig))


def become_subreaper() -> bool:
    """Adopt every orphan below this process (Linux); False where that is not possible."""
    return USE_PROC and prctl(_PR_SET_CHILD_SUBREAPER, 1)


# -- the worker dies with the runner, where prctl is not there -----------------


def watch_parent(parent_pid: int, on_death: Callable[[], None]) -> threading.Thread:
    """Call ``on_death`` when ``parent_pid`` is no longer this process's parent.

    ``kqueue`` (macOS, BSD) wakes on the parent's exit; the parent is
    re-checked after registering, since it may have died just before.
    Elsewhere ``getppid()`` is polled. (A worker stuck in C code that holds
    the GIL notices only when it returns to Python.)
    """

    import threading  # only on this path: threads cost startup time

    def run() -> None:
        if _wait_kqueue(parent_pid):
            on_death()
            return
        while os.getppid() == parent_pid:
            time.sleep(PARENT_POLL_S)
        on_death()

    thread = threading.Thread(target=run, name="parent-watch", daemon=True)
    thread.start()
    return thread


def _wait_kqueue(parent_pid: int) -> bool:  # pragma: no cover - macOS and BSD only
    """Block until the parent exits; False where kqueue cannot watch it (use polling)."""
    import select

    # Typed as Any: on Linux (where the type checker runs) select has no kqueue.
    sel: Any = select
    if not hasattr(sel, "kqueue"):
        return False
    try:
        queue = sel.kqueue()
        event = sel.kevent(
            parent_pid,
            filter=sel.KQ_FILTER_PROC,
            flags=sel.KQ_EV_ADD | sel.KQ_EV_ONESHOT,
            fflags=sel.KQ_NOTE_EXIT,
        )
        queue.control([event], 0, 0)
    except OSError:
        return os.getppid() != parent_pid  # ESRCH: it is already gone
    if os.getppid() == parent_pid:
        queue.control(None, 1, None)
    return True


def kill_own_group() -> None:
    """SIGKILL this process's group, this process included (the runner is gone)."""
    os.killpg(os.getpgrp(), signal.SIGKILL)


# -- ending every descendant ------------------------------------------------------


def _children_by_parent() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue  # gone meanwhile
        # "pid (comm) state ppid ...": comm may hold spaces and parentheses.
        fields = stat[stat.rfind(b")") + 2 :].split()
        if len(fields) > 1:
            children.setdefault(int(fields[1]), []).append(int(name))
    return children


def _children_of(pid: int) -> list[int] | None:
    """``pid``'s children from ``/proc/<pid>/task/*/children``; None where that file is absent."""
    found: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return []  # gone
    for tid in tasks:
        try:
            with open(f"/proc/{pid}/task/{tid}/children", "rb") as handle:
                found.extend(int(c) for c in handle.read().split())
        except FileNotFoundError:
            if not os.path.exists(f"/proc/{pid}/task/{tid}"):
                continue  # the thread ended
            return None  # a kernel without CONFIG_PROC_CHILDREN
        except OSError:
            continue
    return found


def descendants(root: int) -> list[int]:
    """Every process below ``root`` now (Linux, from /proc); [] where /proc is off.

    Walks the ``children`` files of the tree itself (cheap); a kernel without
    them gets one scan of every process's parent.
    """
    if not USE_PROC:
        return []
    found: list[int] = []
    todo = [root]
    tree: dict[int, list[int]] | None = None
    while todo:
        pid = todo.pop()
        kids = _children_of(pid) if tree is None else tree.get(pid, [])
        if kids is None:
            tree = _children_by_parent()
            kids = tree.get(pid, [])
        if pid != root:
            found.append(pid)
        todo.extend(kids)
    return found


def _signal(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(pid, sig)


def kill_tree(root: int, *, include_root: bool) -> int:
    """Freeze, then SIGKILL every descendant of ``root`` (and ``root`` when asked).

    Stopped processes cannot fork, so scanning and stopping until a scan
    finds nothing new catches a process that forks while we look. Returns
    how many processes were killed.
    """
    frozen: list[int] = []
    seen: set[int] = set()
    if include_root:
        _signal(root, signal.SIGSTOP)
    while True:
        new = [pid for pid in descendants(root) if pid not in seen]
        if not new:
            break
        for pid in new:
            _signal(pid, signal.SIGSTOP)
        seen.update(new)
        frozen.extend(new)
    for pid in frozen:
        _signal(pid, signal.SIGKILL)
    if include_root:
        _signal(root, signal.SIGKILL)
    return len(frozen)


def end_descendants(*, timeout_s: float = SWEEP_TIMEOUT_S) -> None:
    """In the worker, at the end of the attempt: kill and reap everything below it.

    Killed processes' own children are re-parented to this subreaper, so the
    loop kills and reaps until this process has no child left. Without
    /proc there is nothing to walk: the runner kills the worker's process
    group once the worker has exited (the portable guarantee).
    """
    if not USE_PROC:
        return
    try:
        os.waitpid(-1, os.WNOHANG)  # reaps one child that has already exited, if any
    except ChildProcessError:
        return  # the usual case, for free: the task left no process behind
    me = os.getpid()
    deadline = time.monotonic() + timeout_s
    pause_s = 0.001
    while True:
        kill_tree(me, include_root=False)
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return  # no child left
        if pid:
            continue  # reaped one; look again
        if time.monotonic() > deadline:
            return  # a process stuck in the kernel; the runner kills our group
        time.sleep(pause_s)
        pause_s = min(pause_s * 2, 0.05)
