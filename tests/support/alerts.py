"""Alerts for the queue tests: an alert as a task raises it, the queue as the heartbeat reads it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from taskrunner.alerts import AlertQueue


def alert(
    message: str, *, task: str = "disk_check", level: str = "warning", **extra: Any
) -> dict[str, Any]:
    """An alert of ``task`` from run ``run-1``; ``extra`` adds or overrides fields."""
    return {"task": task, "level": level, "message": message, "run_id": "run-1", **extra}


def read_queue(state_dir: Path) -> list[dict[str, Any]]:
    """``alerts/pending.json`` as written, which must exist and be a JSON list."""
    data = json.loads((state_dir / "alerts" / "pending.json").read_text(encoding="utf-8"))
    assert isinstance(data, list)
    return data


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
