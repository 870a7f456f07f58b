#!/usr/bin/env python3
"""Dry-run every task the runner can find; one line per task (``taskrunner/cli/selftest.py``).

Exit 0 when every task ran (a task may report findings, such as no gateway on
this machine), 1 when one could not run. ``--workspace DIR`` and ``--date
YYYY-MM-DD`` go to the tasks that take them. Kept compilable by every Python
from 2.7 on, so an old interpreter gets the one-line version message.
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from taskrunner.pyguard import require_supported_python  # noqa: E402

require_supported_python(os.path.join(HERE, "test_all.py"))

from taskrunner.cli.selftest import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
