"""``python3 -m taskrunner ...``: the same CLI as runner.py.

Kept compilable by every Python from 2.7 on, like runner.py: the version
check (``pyguard``) runs before the CLI is imported, so an old interpreter
gets its one-line message instead of a traceback or a run that fails later.
"""

import os
import sys

# The tasks/ folder sits beside this package; make it importable from anywhere.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from taskrunner.pyguard import require_supported_python

require_supported_python("-m taskrunner")

from taskrunner.cli import exit_now, main  # noqa: E402

exit_now(main())
