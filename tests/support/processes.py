"""Watch real processes and the files they leave: no sleeps of a guessed length."""

from __future__ import annotations

import os
import time
from pathlib import Path


def alive(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def wait_until_dead(pids: list[int], within_s: float = 10.0) -> list[int]:
    """The pids still alive after waiting up to ``within_s`` for them to go."""
    deadline = time.monotonic() + within_s
    while True:
        left = [p for p in pids if alive(p)]
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.05)


def wait_for_file(path: Path, within_s: float = 10) -> None:
    """Wait until ``path`` exists and is not empty (a child wrote its marker)."""
    deadline = time.monotonic() + within_s
    while not path.exists() or not path.read_text():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.01)
