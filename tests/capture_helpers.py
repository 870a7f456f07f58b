"""Shared helpers for the memory_capture tests: run the task directly, read the store."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from taskrunner.memory.store import load_store, store_path
from taskrunner.task import TaskContext
from tasks.memory_capture import MemoryCaptureTask

NOW = datetime(2026, 2, 13, 21, 30, tzinfo=timezone(timedelta(hours=1)))
NOW_ISO = "2026-02-13T21:30:00+01:00"

TODAY_NOTE = """\
# 2026-02-13

## Cache layer
- **Decision:** use SQLite for the cache
- [ ] Rotate the JWT token
- [x] Completed the security audit
- We learned that cron runs in UTC
- Always reply in English
- User prefers short answers
- Checked email: nothing new

```
- TODO: inside a code block
```
"""

YESTERDAY_NOTE = "## Gateway\n- BLOCKER: the VPN drops every hour\n"


class Run:
    """One task run's result, alerts and log lines."""

    def __init__(self, result: dict[str, Any], alerts: list[dict[str, Any]], logs: list[str]):
        self.result = result
        self.alerts = alerts
        self.logs = logs


def capture(
    workspace: Path | None,
    state_dir: Path,
    *,
    day: str | date | None = "2026-02-13",
    dry_run: bool = False,
    now: datetime = NOW,
) -> Run:
    alerts: list[dict[str, Any]] = []
    logs: list[str] = []
    task = MemoryCaptureTask()
    task.bind(
        TaskContext(
            task_name="memory_capture",
            run_id="run-1",
            state_dir=state_dir,
            dry_run=dry_run,
            workspace=workspace,
            options={} if day is None else {"date": day},
            clock=lambda: now,
            alert_sink=alerts.append,
            log_sink=logs.append,
        )
    )
    return Run(task.run(), alerts, logs)


def memories(workspace: Path) -> list[dict[str, Any]]:
    return load_store(store_path(workspace)).memories


def by_text(workspace: Path) -> dict[str, dict[str, Any]]:
    return {m["text"]: m for m in memories(workspace)}


def write_note(workspace: Path, name: str, text: str | bytes) -> Path:
    path = workspace / "memory" / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def snapshot(root: Path) -> dict[str, bytes | None]:
    return {
        str(p.relative_to(root)): (p.read_bytes() if p.is_file() else None)
        for p in sorted(root.rglob("*"))
    }
