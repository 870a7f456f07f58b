"""SIGINT/SIGTERM during a run: stop the attempt, but never half-write the record.

While an attempt runs (or the runner sleeps before a retry) a signal raises
``Interrupted`` at once: the worker is killed and the run recorded as
``interrupted``. Anywhere else (taking the lock, building the record,
releasing the lock, writing the log and the alert queue) the signal is only
noted and the runner finishes that work first, then exits 128 + the signal
number; a signal there must not lose the record or leave the lock marked
unfinished (which the next run would report as a crash).
"""

from __future__ import annotations

import signal
from contextlib import contextmanager

from .errors import Interrupted

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator
    from types import FrameType, TracebackType

_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class SignalGuard:
    """Installed for a whole run; ``interruptible()`` marks where a signal stops it at once."""

    def __init__(self) -> None:
        #: the first SIGINT/SIGTERM received, if any
        self.pending: int | None = None
        self._interruptible = False
        self._previous: dict[int, object] = {}

    def _handle(self, signum: int, _frame: FrameType | None) -> None:
        if self.pending is None:
            self.pending = signum
        if self._interruptible:
            self._interruptible = False  # one Interrupted; the cleanup it starts runs to the end
            raise Interrupted(signum)

    def __enter__(self) -> SignalGuard:
        for sig in _SIGNALS:
            self._previous[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        for sig, old in self._previous.items():
            signal.signal(sig, old)  # type: ignore[arg-type]

    @contextmanager
    def interruptible(self) -> Iterator[None]:
        """A section a signal stops at once (raising ``Interrupted``)."""
        if self.pending is not None:
            raise Interrupted(self.pending)  # it came before the section began
        self._interruptible = True
        try:
            yield
        finally:
            self._interruptible = False

    def exit_code(self, code: int) -> int:
        """``code``, or 128 + the signal when one arrived and the code does not say so yet."""
        if self.pending is not None and code < 128:
            return 128 + self.pending
        return code
