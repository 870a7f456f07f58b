"""Look at what a run left on disk, and seed what a command reads."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from taskrunner.alerts import AlertQueue


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


def pending_alerts(state_dir: Path) -> list[dict[str, Any]]:
    """The alert queue as the heartbeat would read it ([] before the first alert)."""
    path = state_dir / "alerts" / "pending.json"
    return json.loads(path.read_text()) if path.exists() else []


def queue_some_alerts(state_dir: Path) -> list[dict[str, Any]]:
    """Queue three alerts (one of them twice, so counted 2) and return the pending queue."""
    queue = AlertQueue(state_dir)
    queue.add([{"task": "disk_check", "level": "error", "message": "disk 95% full", "run_id": "1"}])
    queue.add([{"task": "disk_check", "level": "error", "message": "disk 95% full", "run_id": "2"}])
    queue.add([{"task": "backup", "level": "info", "message": "backup done", "run_id": "3"}])
    return queue.pending()
