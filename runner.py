#!/usr/bin/env python3
"""taskrunner entry point: ``python3 runner.py <task> [--dry-run]``.

Cron runs this from any directory with a minimal PATH, so the folder that
holds this file is put first on ``sys.path``: no install step, no venv.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from taskrunner.cli import exit_now, main

if __name__ == "__main__":
    exit_now(main())
