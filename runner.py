#!/usr/bin/env python3
"""taskrunner entry point: ``python3 runner.py <task> [--dry-run]``.

Cron runs this from any directory with a minimal PATH, so the folder that
holds this file is put first on ``sys.path``: no install step, no venv.
Kept compilable by every Python from 2.7 on, so that an old interpreter
reaches the version check and its one-line message (``taskrunner/pyguard.py``).
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from taskrunner.pyguard import require_supported_python  # noqa: E402

require_supported_python(os.path.join(HERE, "runner.py"))

from taskrunner.cli import exit_now, main  # noqa: E402

if __name__ == "__main__":
    exit_now(main())
