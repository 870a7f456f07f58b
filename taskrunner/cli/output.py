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

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import TextIO


def discard(stream: TextIO | None) -> None:
    """Point ``stream`` at /dev/null, so that later writes and the final flush cannot fail."""
    if stream is None:
        return
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, stream.fileno())
        finally:
            os.close(devnull)


def discard_stdout() -> None:
    """Point stdout at /dev/null (see ``discard``)."""
    discard(sys.stdout)


def say(text: str, *, err: bool = False) -> None:
    """Print one line to stdout (``err``: stderr); a reader that has gone is not an error.

    A task run writes its summary, its dry-run report and its warnings this
    way: a closed pipe must neither end the run before its record is written
    nor turn its exit code into 0.
    """
    stream = sys.stderr if err else sys.stdout
    if stream is None:  # started with the stream closed (`2>&-`)
        return
    try:
        print(text, file=stream, flush=True)
    except BrokenPipeError:
        discard(stream)
