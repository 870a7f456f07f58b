"""The smallest useful task: proves the runner works (and measures its overhead)."""

from __future__ import annotations

from .base import Task


class NoopTask(Task):
    """Does nothing, successfully."""

    name = "noop"
    description = "Do nothing and succeed: checks that the runner, its log and its locks work"

    def run(self) -> dict[str, object]:
        self.log("nothing to do")
        return {"success": True, "message": "Nothing to do"}
