"""Containment with real processes: nothing a task starts outlives its attempt.

Linux: the worker is a child subreaper and kills its whole tree. The portable
paths (macOS: no prctl, no /proc) run here with the Linux features switched off.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from support.paths import ROOT, RUNNER
from support.plugin_factory import write_task
from taskrunner.system import containment

linux_only = pytest.mark.skipif(
    not (containment.USE_PRCTL and containment.USE_PROC), reason="needs Linux prctl and /proc"
)

# A task that leaves the worker's process group twice: a setsid grandchild
# (start_new_session=True) and a double-forked daemon (fork, setsid, fork).
ESCAPER = """
import subprocess
marks = os.environ["MARKS"]
child = os.fork()
if child == 0:
    os.setsid()
    if os.fork() == 0:
        open(marks + "/daemon.tmp", "w").write(str(os.getpid()))
        os.rename(marks + "/daemon.tmp", marks + "/daemon")
        time.sleep(300)
    os._exit(0)
os.waitpid(child, 0)
grandchild = subprocess.Popen(["sleep", "300"], start_new_session=True)
open(marks + "/setsid", "w").write(str(grandchild.pid))
same_group = subprocess.Popen(["sleep", "300"])
open(marks + "/group", "w").write(str(same_group.pid))
while not os.path.exists(marks + "/daemon"):
    time.sleep(0.01)
time.sleep(float(os.environ.get("THEN_SLEEP", "0")))
return {"success": True, "message": "started three"}
"""


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            state = handle.read().rsplit(b")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != b"Z"  # a zombie has ended; only its entry is left


def wait_dead(pids: list[int], timeout_s: float = 10.0) -> list[int]:
    """The pids still alive after ``timeout_s`` (polling: a kill takes effect async)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        left = [pid for pid in pids if alive(pid)]
        if not left:
            return []
        time.sleep(0.05)
    return [pid for pid in pids if alive(pid)]


def started_pids(marks: Path) -> list[int]:
    return [int((marks / name).read_text()) for name in ("daemon", "setsid", "group")]


@pytest.fixture
def escaper(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    plugins = tmp_path / "plugins"
    monkeypatch.setenv("TASKRUNNER_TASKS_PATH", str(plugins))
    write_task(plugins, "escaper", ESCAPER)
    marks = tmp_path / "marks"
    marks.mkdir()
    monkeypatch.setenv("MARKS", str(marks))
    return marks


def run(*args: str, prelude: str, output: Path) -> int:
    """The runner's CLI in a fresh interpreter, after ``prelude`` (to switch features off).

    Output goes to a file: an escaped process holding a pipe would keep a
    reader waiting.
    """
    code = (
        f"import sys; sys.path.insert(0, {str(ROOT)!r})\n"
        f"{prelude}\n"
        "from taskrunner.cli import main\n"
        f"sys.exit(main({list(args)!r}))\n"
    )
    with output.open("w") as sink:
        return subprocess.run(
            [sys.executable, "-c", code], stdout=sink, stderr=sink, timeout=60, check=False
        ).returncode


@linux_only
def test_setsid_and_double_forked_processes_end_with_the_attempt(escaper: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(RUNNER), "escaper"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    pids = started_pids(escaper)
    leftover = wait_dead(pids, timeout_s=0.5)  # already reaped when the runner exits
    for pid in leftover:
        os.kill(pid, signal.SIGKILL)
    assert leftover == []


@linux_only
def test_a_timed_out_attempt_takes_its_escaped_processes_with_it(escaper: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(RUNNER), "escaper", "--timeout", "3", "--no-retry"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "THEN_SLEEP": "300"},
    )
    assert done.returncode == 1
    assert "timed out" in done.stderr
    pids = started_pids(escaper)
    leftover = wait_dead(pids, timeout_s=2)
    for pid in leftover:
        os.kill(pid, signal.SIGKILL)
    assert leftover == []


def test_a_tree_that_keeps_forking_is_frozen_and_killed(tmp_path: Path) -> None:
    if not containment.USE_PROC:
        pytest.skip("needs /proc")
    # A parent that forks a new child every few milliseconds, each sleeping.
    code = (
        "import os, time\n"
        "while True:\n"
        "    if os.fork() == 0:\n"
        "        time.sleep(300); os._exit(0)\n"
        "    time.sleep(0.005)\n"
    )
    root = subprocess.Popen([sys.executable, "-c", code])
    time.sleep(0.5)
    below = containment.descendants(root.pid)
    assert len(below) > 5
    killed = containment.kill_tree(root.pid, include_root=True)
    root.wait(timeout=10)
    assert killed >= len(below)
    assert wait_dead(below + containment.descendants(root.pid)) == []


# -- the portable paths (macOS), exercised here with the Linux features off -------

PORTABLE = (
    "from taskrunner.system import containment\n"
    "containment.USE_PRCTL = False\n"
    "containment.USE_PROC = False"
)


def test_without_prctl_and_proc_the_process_group_still_ends_with_the_attempt(
    escaper: Path,
) -> None:
    output = escaper / "output"
    assert run("escaper", prelude=PORTABLE, output=output) == 0, output.read_text()
    daemon, setsid, group = started_pids(escaper)
    try:
        assert wait_dead([group]) == []  # the process group: what holds on macOS
    finally:
        for pid in (daemon, setsid):  # what README says escapes there
            if alive(pid):
                os.kill(pid, signal.SIGKILL)


def test_without_prctl_the_worker_dies_with_a_killed_runner(tmp_path: Path) -> None:
    plugins = tmp_path / "plugins"
    marker = tmp_path / "worker.pid"
    write_task(
        plugins,
        "slow",
        f"open({str(marker)!r}, 'w').write(str(os.getpid()))\ntime.sleep(300)\n"
        "return {'success': True, 'message': 'slept'}",
    )
    code = (
        f"import os, sys; sys.path.insert(0, {str(ROOT)!r})\n"
        f"{PORTABLE}\n"
        f"os.environ['TASKRUNNER_TASKS_PATH'] = {str(plugins)!r}\n"
        "from taskrunner.cli import main\n"
        "sys.exit(main(['slow']))\n"
    )
    runner = subprocess.Popen([sys.executable, "-c", code], stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while not marker.exists() or not marker.read_text():
        assert time.monotonic() < deadline, "the task never started"
        time.sleep(0.02)
    worker = int(marker.read_text())
    runner.kill()
    runner.wait()
    leftover = wait_dead([worker], timeout_s=10)
    for pid in leftover:
        os.kill(pid, signal.SIGKILL)
    assert leftover == []


def test_the_parent_watcher_fires_when_the_parent_is_gone() -> None:
    # The polling fallback (kqueue is not on Linux): a "parent" pid that is
    # not our parent counts as gone at once.
    import threading

    fired = threading.Event()
    containment.watch_parent(os.getppid() + 1_000_000, fired.set).join(timeout=5)
    assert fired.is_set()


def test_a_run_takes_no_linux_only_call_with_the_linux_features_off(tmp_path: Path) -> None:
    # What macOS lacks, taken away: os.pipe2, prctl, /proc. A whole run still works.
    output = tmp_path / "output"
    prelude = f"import os\ndel os.pipe2\n{PORTABLE}"
    assert run("noop", prelude=prelude, output=output) == 0, output.read_text()
    assert "noop: success" in output.read_text()
