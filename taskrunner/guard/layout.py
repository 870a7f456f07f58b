"""Where one workspace's snapshots live, and the lock that serializes everything done to them.

Snapshots are kept under the runner's state directory, never in the workspace:
OpenClaw indexes every ``memory/**/*.md`` and would search (and promote) the
copies. Each workspace gets its own folder, named by a hash of its resolved
path, so two agents on one machine never mix their notes.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..system import lockfile

GUARD_DIRNAME = "guard"
#: seconds a guard run or a restore waits for another one on the same snapshots
LOCK_TIMEOUT_S = 120.0


def workspace_key(workspace: Path) -> str:
    """A short stable name for a workspace (its resolved path hashed)."""
    resolved = os.path.realpath(workspace)
    return hashlib.sha256(resolved.encode("utf-8", "surrogateescape")).hexdigest()[:16]


@dataclass(frozen=True)
class GuardPaths:
    """The files of one workspace's snapshot folder."""

    root: Path

    @classmethod
    def for_workspace(cls, state_dir: Path, workspace: Path) -> GuardPaths:
        return cls(Path(state_dir) / GUARD_DIRNAME / workspace_key(workspace))

    @property
    def objects(self) -> Path:
        return self.root / "objects"

    @property
    def journal(self) -> Path:
        return self.root / "journal.jsonl"

    @property
    def checkpoint(self) -> Path:
        return self.root / "checkpoint.json"

    @property
    def problems(self) -> Path:
        return self.root / "problems.json"

    @property
    def lock(self) -> Path:
        return self.root / "guard.lock"

    @property
    def workspace_note(self) -> Path:
        return self.root / "WORKSPACE"

    def exists(self) -> bool:
        return self.journal.exists() or self.checkpoint.exists()

    def create(self, workspace: Path) -> None:
        """Make the folder (private: the copies hold whatever the notes hold)."""
        self.objects.mkdir(parents=True, exist_ok=True, mode=0o700)
        with contextlib.suppress(OSError):
            os.chmod(self.root, 0o700)
        if not self.workspace_note.exists():
            # For a person looking at state/guard/: which workspace is this?
            from ..system.atomic import write_atomic

            write_atomic(self.workspace_note, os.path.realpath(workspace) + "\n", mode=0o600)


@contextlib.contextmanager
def guard_lock(paths: GuardPaths, *, timeout_s: float = LOCK_TIMEOUT_S) -> Iterator[None]:
    """Exclusive ``flock`` on ``guard.lock``: guard runs, restores and prunes never interleave."""
    paths.root.mkdir(parents=True, exist_ok=True, mode=0o700)
    with lockfile.held(paths.lock, what="the memory_guard lock", timeout_s=timeout_s):
        yield
