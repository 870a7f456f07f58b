"""run_command: a command with a timeout that leaves nothing behind, its output bounded."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from support.processes import wait_until_dead
from taskrunner.system.process import run_command


def test_run_command_keeps_the_first_and_last_bytes_of_a_long_output(tmp_path: Path) -> None:
    code = (
        "import sys; "
        "sys.stdout.write('HEAD' + 'x' * 3_000_000 + 'TAIL'); "
        "sys.stderr.write('e' * 5000)"
    )
    result = run_command([sys.executable, "-c", code], timeout_s=60, max_output_bytes=1000)
    assert result.returncode == 0
    assert result.stdout.startswith("HEAD" + "x" * 496 + "\n… ")
    assert result.stdout.endswith("\n" + "x" * 496 + "TAIL")
    assert result.stdout_left_out_bytes == 3_000_008 - 1000
    assert f"… {3_000_008 - 1000} bytes of output left out …" in result.stdout
    assert result.stderr_left_out_bytes == 4000
    short = run_command([sys.executable, "-c", "print('hi')"], timeout_s=60)
    assert (short.stdout, short.stdout_left_out_bytes) == ("hi\n", 0)


def test_run_command_kills_leftovers_of_a_command_that_exited(tmp_path: Path) -> None:
    pidfile = tmp_path / "pid"
    code = (
        "import subprocess, sys; "
        "p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(3600)']); "
        f"open({str(pidfile)!r}, 'w').write(str(p.pid))"
    )
    result = run_command([sys.executable, "-c", code], timeout_s=30)
    assert (result.returncode, result.timed_out) == (0, False)
    assert wait_until_dead([int(pidfile.read_text())]) == []


def test_a_timeout_stops_the_whole_group_even_what_ignores_sigterm(tmp_path: Path) -> None:
    pidfile = tmp_path / "pids"
    code = (
        "import os, signal, subprocess, sys, time; "
        "signal.signal(signal.SIGTERM, signal.SIG_IGN); "
        "child = subprocess.Popen([sys.executable, '-c', "
        "'import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(3600)']); "
        f"open({str(pidfile)!r}, 'w').write(f'{{os.getpid()}} {{child.pid}}'); "
        "print('started', flush=True); time.sleep(3600)"
    )
    result = run_command([sys.executable, "-c", code], timeout_s=1.0, kill_grace_s=0.2)
    assert result.timed_out is True and result.returncode is None
    assert result.stdout == "started\n"  # what it printed before the timeout is kept
    pids = [int(p) for p in pidfile.read_text().split()]
    assert len(pids) == 2
    assert wait_until_dead(pids) == []


def test_the_exit_code_env_and_an_empty_stdin_reach_the_command() -> None:
    code = "import os, sys; print(os.environ['GREETING'], repr(sys.stdin.read())); sys.exit(3)"
    result = run_command([sys.executable, "-c", code], timeout_s=30, env={"GREETING": "hello"})
    assert (result.returncode, result.timed_out) == (3, False)
    assert result.stdout == "hello ''\n"  # stdin is /dev/null: a command never waits on it
    assert result.argv == (sys.executable, "-c", code)


def test_a_command_that_cannot_start_raises_oserror(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        run_command([str(tmp_path / "no-such-program")], timeout_s=5)
    not_executable = tmp_path / "script"
    not_executable.write_text("#!/bin/sh\necho hi\n")
    with pytest.raises(PermissionError):
        run_command([str(not_executable)], timeout_s=5)


def test_output_that_is_not_utf8_is_replaced_not_an_error() -> None:
    code = "import sys; sys.stdout.buffer.write(b'ok \\xff\\xfe end')"
    result = run_command([sys.executable, "-c", code], timeout_s=30)
    assert result.stdout == "ok \ufffd\ufffd end"
