"""Run ``runner.py`` as cron does: a fresh interpreter, arguments only."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from support.paths import RUNNER


def run_runner(
    *args: str,
    env: dict[str, str] | None = None,
    timeout: float = 60,
    cwd: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``runner.py`` the way cron does: a fresh interpreter, arguments only."""
    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    return subprocess.run(
        [sys.executable, str(RUNNER), *args],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=timeout,
        cwd=cwd,
        check=False,
    )


def start_runner(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """``runner.py args`` in the background, stdout and stderr piped as text; ``env`` on top
    of this process's environment."""
    return subprocess.Popen(
        [sys.executable, str(RUNNER), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )


@contextmanager
def runner_holding(
    *args: str, env: dict[str, str], ready: Path, within_s: float = 30
) -> Iterator[subprocess.Popen[bytes]]:
    """``runner.py args`` in the background, from when its task has written ``ready``
    (so it holds its lock) until the block ends; then SIGTERM to its whole group."""
    holder = subprocess.Popen(
        [sys.executable, str(RUNNER), *args],
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + within_s
        while not ready.exists():
            assert holder.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        yield holder
    finally:
        os.killpg(holder.pid, signal.SIGTERM)
        holder.wait(timeout=30)


def in_plain_shell(command: str, *, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """``command`` as a person pastes it into a new terminal: ``sh -c``, none of the
    runner's variables (TASKRUNNER_STATE_DIR, …), a PATH of the system's folders only."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TASKRUNNER_")}
    env["PATH"] = "/usr/bin:/bin"
    return subprocess.run(
        ["/bin/sh", "-c", command],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        check=False,
        cwd="/",
    )
