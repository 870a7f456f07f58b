"""Build stored memories for tests: every field a memory has, overridable."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from taskrunner.memory.store import Store, load_store, save_store, store_path

#: a memory text long enough for the similarity rules to apply
LONG = "we decided to keep the memory store in one json file because it is simple to back up"


def mem(mid: str, text: str = LONG, **fields: Any) -> dict[str, Any]:
    """A memory with id ``mid`` and ``text``; ``fields`` override the defaults."""
    memory: dict[str, Any] = {
        "id": mid,
        "text": text,
        "kind": "fact",
        "importance": 0.5,
        "created_at": "2026-11-20T10:00:00+00:00",
        "last_seen_at": "2026-11-25T10:00:00+00:00",
        "date": "2026-11-20",
        "sources": [{"file": f"memory/{mid}.md", "line": 1}],
        "seen_count": 1,
    }
    memory.update(fields)
    return memory


def consolidation_sample() -> list[dict[str, Any]]:
    """Five memories that consolidation on 2026-11-29 turns into two: 'keep' absorbs 'dup' and
    'near', 'old' is stale, 'fact' stays."""
    return [
        mem("keep", LONG, importance=0.9, seen_count=2),
        mem("dup", LONG.upper(), seen_count=3),
        mem("near", LONG + " today"),
        mem("old", "an old header", importance=0.1, last_seen_at="2026-10-01T00:00:00+00:00"),
        mem("fact", "the gateway listens on port 18789", importance=0.7),
    ]


def restore_sample() -> list[dict[str, Any]]:
    """Six memories of which consolidation on 2026-11-29 keeps 'near' (absorbing 'keep' and
    'dup') and 'fact', and archives the stale 'old' and 'old2': what memory_restore brings back."""
    old = "2026-10-01T00:00:00+00:00"
    return [
        mem("keep", LONG, importance=0.9, seen_count=2),
        mem("dup", LONG.upper(), seen_count=3, created_at="2026-11-01T00:00:00+00:00"),
        mem("near", LONG + " today", importance=0.95, pinned=False),
        mem("old", "an old header", importance=0.1, last_seen_at=old),
        mem("old2", "another old header", importance=0.2, last_seen_at=old),
        mem("fact", "the gateway listens on port 18789", importance=0.7),
    ]


def stored_by_id(workspace: Path) -> dict[str, dict[str, Any]]:
    """The workspace's stored memories by id."""
    return {m["id"]: m for m in load_store(store_path(workspace)).memories}


def write_store(workspace: Path, memories: list[dict[str, Any]], **extra: Any) -> bytes:
    """Save ``memories`` (and top-level ``extra`` keys) as the workspace's store; its bytes."""
    save_store(store_path(workspace), Store(memories=memories, extra=extra))
    return store_path(workspace).read_bytes()
