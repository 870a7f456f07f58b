"""The shapes of what the runner writes, for the type checker (README "Files" is the contract).

Imported only under ``TYPE_CHECKING``: at run time these are plain dicts, and
every record may carry more keys than listed (a task's own result fields in
a run record, unknown fields kept on a memory), which is why they are not
``total``.
"""

from __future__ import annotations

from typing import Any, TypedDict


class ErrorInfo(TypedDict):
    """``error`` of a failed run: the exception type (or ``TaskFailed``, ``Timeout``) and text."""

    type: str | None
    message: str | None


class RunRecord(TypedDict, total=False):
    """One line of ``logs/tasks.jsonl``."""

    task: str
    timestamp: str
    success: bool
    #: success | failed | locked | timeout | interrupted | crashed
    status: str
    message: str
    duration_seconds: float
    run_id: str
    attempts: int
    dry_run: bool
    workspace: str | None
    pid: int
    error: ErrorInfo
    alerts_not_queued: list[dict[str, Any]]


class AlertClaim(TypedDict):
    """Set on an entry while a drain is delivering it."""

    token: str
    pid: int
    host: str
    claimed_at: str


class QueuedAlert(TypedDict, total=False):
    """One entry of ``alerts/pending.json``."""

    id: str
    task: str
    #: info | warning | error | critical
    level: str
    message: str
    timestamp: str
    run_id: str | None
    key: str | None
    count: int
    last_timestamp: str
    claim: AlertClaim


class Source(TypedDict, total=False):
    """Where a memory was seen: a note and a line in it."""

    file: str
    line: int


class NoteLine(TypedDict, total=False):
    """A line of a dated note: where a wording was read, or what closed a loop."""

    file: str
    line: int
    noted_on: str


class Wording(NoteLine, total=False):
    """An earlier wording of a memory (``history``)."""

    text: str


class Memory(TypedDict, total=False):
    """One memory of ``memory/store.json``."""

    id: str
    text: str
    kind: str
    importance: float
    created_at: str
    last_seen_at: str
    date: str
    sources: list[Source]
    seen_count: int
    pinned: bool
    merged_from: list[str]
    #: the latest note date the memory was seen in (ages are counted from it)
    note_date: str
    #: where the current text was read, and the earlier wordings
    text_source: NoteLine
    history: list[Wording]
    #: open loops (todo, action, reminder, blocker): "open" or "done"
    status: str
    closed_by: NoteLine
    closed_at: str
    reminded_on: str
