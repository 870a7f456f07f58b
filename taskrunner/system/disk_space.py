"""Which filesystem a path is on, and the hint a full one deserves."""

from __future__ import annotations

import errno
import os
from pathlib import Path


def mount_point(path: Path) -> Path:
    """The mount point of the filesystem holding ``path``."""
    current = Path(path).resolve()
    while not os.path.ismount(current) and current.parent != current:
        current = current.parent
    return current


def no_space_hint(path: Path, error: OSError) -> str:
    """`` (disk full: free space on /home and run again)`` for ENOSPC/EDQUOT, else ``""``."""
    if error.errno not in (errno.ENOSPC, errno.EDQUOT):
        return ""
    try:
        where = f" on {mount_point(path)}"
    except OSError:
        where = ""
    what = "disk full" if error.errno == errno.ENOSPC else "disk quota exceeded"
    return f" ({what}: free space{where} and run again)"
