"""Write throwaway task plugins for tests, exactly as a user would write them."""

from __future__ import annotations

import textwrap
from pathlib import Path


def write_task(
    directory: Path,
    name: str,
    run_body: str,
    *,
    attrs: str = "",
    extra: str = "",
) -> Path:
    """Create ``directory/<name>.py`` holding ``<PascalName>Task`` whose run() is ``run_body``."""
    directory.mkdir(parents=True, exist_ok=True)
    class_name = "".join(p.capitalize() for p in name.split("_")) + "Task"
    source = (
        "from .base import Task\n"
        "import os, sys, time\n"
        f"{textwrap.dedent(extra)}\n"
        f"class {class_name}(Task):\n"
        f"{textwrap.indent(textwrap.dedent(attrs), '    ')}\n"
        "    @property\n"
        f"    def name(self):\n        return {name!r}\n"
        "    @property\n"
        f"    def description(self):\n        return 'test task {name}'\n"
        "    def run(self):\n"
        f"{textwrap.indent(textwrap.dedent(run_body), '        ')}\n"
    )
    path = directory / f"{name}.py"
    path.write_text(source)
    return path
