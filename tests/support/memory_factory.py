"""Build stored memories for tests: every field a memory has, overridable."""

from __future__ import annotations

from typing import Any


def mem(mid: str, text: str, **fields: Any) -> dict[str, Any]:
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
