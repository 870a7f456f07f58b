"""Refuse a Python that is too old, in one line, before anything else is imported.

Written so that every Python from 2.7 on can compile and run this module: the
entry points import it first, so Apple's ``/usr/bin/python3`` (3.9.6), a
Debian 11 box (3.9) or a leftover 2.7 gets a sentence naming the fix instead
of a ``TypeError`` or ``SyntaxError`` traceback from code written for 3.11.
No f-strings, no annotations, no ``from __future__ import annotations`` here.
"""

import os
import sys

#: the oldest Python the runner supports
MINIMUM = (3, 11)

#: where a newer python3 usually lives when the first one on PATH is too old
#: (Homebrew on Apple silicon and on Intel, python.org's installer, distributions)
_USUAL_DIRS = (
    "/opt/homebrew/bin",
    "/usr/local/bin",
    "/Library/Frameworks/Python.framework/Versions/Current/bin",
    "/usr/bin",
)


def _newer_candidates():  # type: () -> list[str]
    """Interpreters named ``python3.N`` (N >= 11) on PATH or in the usual folders."""
    found = []  # type: list[str]
    dirs = os.environ.get("PATH", "").split(os.pathsep) + list(_USUAL_DIRS)
    for minor in range(20, MINIMUM[1] - 1, -1):
        name = "python%d.%d" % (MINIMUM[0], minor)
        for directory in dirs:
            path = os.path.join(directory, name)
            # pyenv's shims are scripts that may point at another version: not a fix.
            usable = directory and os.path.basename(directory) != "shims"
            if usable and path not in found and os.path.isfile(path) and os.access(path, os.X_OK):
                found.append(path)
    return found


def message(version_info, executable, entry):  # type: (tuple[int, ...], str, str) -> str
    """The one line that says what is wrong and how to fix it."""
    got = ".".join(str(part) for part in version_info[:3])
    candidates = _newer_candidates()
    if candidates:
        fix = "run it as %s %s (use that absolute path in the cron job too)" % (
            candidates[0],
            entry,
        )
    else:
        fix = (
            "install Python %d.%d or newer (on a Mac: brew install python) and run %s "
            "with that interpreter's absolute path, in the cron job too" % (MINIMUM + (entry,))
        )
    return "error: taskrunner needs Python %d.%d or newer; %s is Python %s. Fix: %s" % (
        MINIMUM[0],
        MINIMUM[1],
        executable or "this interpreter",
        got,
        fix,
    )


def require_supported_python(entry):  # type: (str) -> None
    """Exit 1 with the one-line message when this Python is older than ``MINIMUM``."""
    if tuple(sys.version_info[:2]) >= MINIMUM:
        return
    version = tuple(int(part) for part in sys.version_info[:3])
    sys.stderr.write(message(version, sys.executable, entry) + "\n")
    sys.stderr.flush()
    sys.exit(1)
