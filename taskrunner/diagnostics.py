"""Progress lines and warnings on stderr: the one path for ``Task.log`` and library warnings.

Every human line the runner writes outside the final summary looks the same,
``2026-11-28 03:00:02 [memory_capture] message``, whoever writes it: a task
through ``Task.log``, a library module through ``warn``. stdout stays for
``--json`` and the commands' own output.

``logging`` is not imported for this (it costs milliseconds on every cron
start); a warning is also handed to ``logging`` when someone has configured
it (a program embedding the runner, pytest's ``caplog``), so they see it too.
"""

from __future__ import annotations

import contextlib
import sys
from datetime import datetime

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable


def format_line(source: str, message: str, now: datetime | None = None) -> str:
    """``YYYY-MM-DD HH:MM:SS [source] message``, local time."""
    moment = now if now is not None else datetime.now().astimezone()
    return f"{moment.strftime('%Y-%m-%d %H:%M:%S')} [{source}] {message}"


def emit(line: str, sink: Callable[[str], None] | None = None) -> None:
    """Write one formatted line to ``sink``, else to stderr (never raising on a closed stderr)."""
    if sink is not None:
        sink(line)
        return
    stream = sys.stderr
    if stream is None:  # started with stderr closed (`2>&-`)
        return
    # Nowhere to say it then: the run record still holds what matters.
    with contextlib.suppress(OSError, ValueError):
        print(line, file=stream, flush=True)


def warn(logger: str, message: str, *args: object) -> None:
    """A library warning (``logger`` is the module's ``__name__``), printf-style like logging."""
    text = message % args if args else message
    emit(format_line(logger.rpartition(".")[2], f"warning: {text}"))
    logging = sys.modules.get("logging")
    if logging is not None and logging.getLogger(logger).hasHandlers():
        logging.getLogger(logger).warning(text)
