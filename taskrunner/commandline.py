"""The runner command lines that alerts and messages tell someone to run, ready to paste.

An alert is read far from the run that raised it: in a plain shell, or by the agent,
without the scheduled job's environment. So such a line names the absolute interpreter
(a bare ``python3`` on a Mac is Apple's 3.9, which the runner refuses) and ``runner.py``
by its path, and carries ``--state-dir`` whenever the state directory is not the one a
plain shell gets (the folder holding ``runner.py``): one chosen with ``--state-dir`` or
``TASKRUNNER_STATE_DIR`` would otherwise be lost, and the command would look at an
empty state ("No scheduled tasks installed", "no snapshots for this workspace yet").
"""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path

from . import paths


def runner_command(*words: str, state_dir: Path | str | None = None) -> str:
    """``<python> <runner.py> [--state-dir DIR] WORDS...``, each word quoted for a POSIX shell.

    ``--state-dir`` comes right after ``runner.py`` (the runner takes it before the
    command too), so a caller may append more words to the line. ``memory_search``
    takes no state directory: give it none.
    """
    python = str(Path(sys.executable).absolute()) if sys.executable else "python3"
    argv = [python, str(paths.RUNNER_HOME / "runner.py")]
    if state_dir is not None and not _is_default_state_dir(Path(state_dir)):
        argv += ["--state-dir", str(state_dir)]
    return shlex.join([*argv, *words])


def _is_default_state_dir(state_dir: Path) -> bool:
    # Not paths.resolve_state_dir(None): that reads TASKRUNNER_STATE_DIR, which the
    # shell the line is pasted into may not have.
    return os.path.realpath(state_dir) == os.path.realpath(paths.RUNNER_HOME)
