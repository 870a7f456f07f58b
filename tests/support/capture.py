"""Shared helpers for the memory_capture tests: run the task directly, read the store."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from support.harness import TaskRun, run_task
from taskrunner.memory.store import load_store, store_path
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


def capture(
    workspace: Path | None,
    state_dir: Path,
    *,
    day: str | date | None = "2026-02-13",
    dry_run: bool = False,
    now: datetime = NOW,
    **options: Any,
) -> TaskRun:
    """Run memory_capture on ``workspace`` for ``day`` (None: no --date) at ``now``."""
    return run_task(
        MemoryCaptureTask(),
        state_dir,
        workspace=workspace,
        dry_run=dry_run,
        options=options if day is None else {"date": day, **options},
        now=now,
    )


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
