"""Look at what a run left on disk."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def snapshot(root: Path) -> dict[str, bytes | None]:
    """Every path below ``root`` with its bytes (None for a folder): equal means nothing written."""
    return {
        str(p.relative_to(root)): (p.read_bytes() if p.is_file() else None)
        for p in sorted(root.rglob("*"))
    }


def run_records(state_dir: Path) -> list[dict[str, Any]]:
    """The run records in ``logs/tasks.jsonl``, oldest first ([] before the first run)."""
    path = state_dir / "logs" / "tasks.jsonl"
    return [json.loads(x) for x in path.read_text().splitlines()] if path.exists() else []
