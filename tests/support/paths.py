"""Where the project and the shared corpus are, seen from the tests."""

from __future__ import annotations

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RUNNER = ROOT / "runner.py"
SHARED_CORPUS = ROOT.parent / "shared" / "corpus" / "workspaces"


def copy_example_workspace(dest: Path) -> Path:
    """The shipped example workspace, notes only: a store made by trying the README's
    first command there must not leak into the tests."""
    shutil.copytree(
        ROOT / "examples" / "workspace",
        dest,
        ignore=shutil.ignore_patterns("store.json*", "store.archive.jsonl", ".*"),
    )
    return dest
