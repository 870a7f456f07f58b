"""Run ``runner.py`` as cron does: a fresh interpreter, arguments only."""

from __future__ import annotations

import os
import subprocess
import sys
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
