"""SignalGuard: a signal interrupts only inside the guarded section."""

from __future__ import annotations

import os
import signal
import time

import pytest

from taskrunner.errors import Interrupted
from taskrunner.signals import SignalGuard


def test_signal_guard_interrupts_only_inside_its_section() -> None:
    with SignalGuard() as guard:
        os.kill(os.getpid(), signal.SIGTERM)  # outside: noted, nothing raised
        assert guard.pending == signal.SIGTERM
        with pytest.raises(Interrupted), guard.interruptible():
            pass  # a signal that came earlier stops the next section at once
        assert guard.exit_code(0) == 143 and guard.exit_code(2) == 143
    with SignalGuard() as guard:
        with pytest.raises(Interrupted) as info, guard.interruptible():
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(5)
        assert info.value.exit_code == 130
        assert guard.exit_code(130) == 130
