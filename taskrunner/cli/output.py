"""When the reader of stdout goes away: ``runner.py list --json | head -1``.

A reader that stops early (``head``, ``grep -q``) is normal use, not an
error: the runner stops writing, says nothing, and exits with the code it
would have had (0 for ``list``, ``history`` and ``alerts``; a task's own code
after a task run, whose record is in the run log anyway). Only
``alerts --drain`` treats it as a failure, since its alerts were then not
delivered (they stay queued, exit 1).
"""

from __future__ import annotations

import contextlib
import os
import sys


def discard_stdout() -> None:
    """Point stdout at /dev/null, so that later writes and the final flush cannot fail."""
    stream = sys.stdout
    if stream is None:
        return
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, stream.fileno())
        finally:
            os.close(devnull)
