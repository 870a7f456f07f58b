"""``python3 -m taskrunner ...``: the same CLI as runner.py."""

import os
import sys

# The tasks/ folder sits beside this package; make it importable from anywhere.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from taskrunner.cli import exit_now, main

exit_now(main())
