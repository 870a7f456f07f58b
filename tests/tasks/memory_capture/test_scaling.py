"""Re-capture is linear in the notes: work counted, not timed, on runs of two sizes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from taskrunner.memory.merge import Sighting, merge_sightings
from taskrunner.memory.normalize import memory_id

TEXT = "keep the heartbeat at 30 minutes"
NOW_ISO = "2026-11-28T21:00:00+01:00"


class CountingSources(list[Any]):
    """A memory's sources that count every entry handed out."""

    reads = 0

    def __iter__(self) -> Iterator[Any]:
        for item in super().__iter__():
            CountingSources.reads += 1
            yield item

    def __getitem__(self, index: Any) -> Any:  # type: ignore[override]
        CountingSources.reads += 1
        return super().__getitem__(index)


def _recapture_reads(notes: int) -> int:
    """Source entries read when ``notes`` unchanged notes holding the item are captured again."""
    files = [f"memory/2026-11-28-{n:05d}.md" for n in range(notes)]
    sightings = [Sighting(TEXT, "decision", file, 2, date(2026, 11, 28)) for file in files]
    memory = {
        "id": memory_id(TEXT),
        "text": TEXT,
        "kind": "decision",
        "importance": 0.9,
        "sources": [{"file": file, "line": 2} for file in files],
        "seen_count": notes,
    }
    memory["sources"] = CountingSources(memory["sources"])
    CountingSources.reads = 0
    result = merge_sightings([memory], sightings, now_iso=NOW_ISO)
    assert not result.changed and result.skipped == notes
    return CountingSources.reads


def test_recapture_reads_each_source_a_bounded_number_of_times() -> None:
    small, large = _recapture_reads(200), _recapture_reads(800)
    # Linear: 4x the notes, about 4x the reads (the quadratic scan read 16x).
    assert large <= 4.5 * small, (small, large)
    assert large <= 5 * 800, large


def test_first_capture_over_many_notes_is_linear_too() -> None:
    def first_run_reads(notes: int) -> int:
        memory = {"id": memory_id(TEXT), "text": TEXT, "sources": CountingSources()}
        sightings = [
            Sighting(TEXT, "decision", f"memory/2026-11-28-{n:05d}.md", 2, date(2026, 11, 28))
            for n in range(notes)
        ]
        CountingSources.reads = 0
        merge_sightings([memory], sightings, now_iso=NOW_ISO)
        return CountingSources.reads

    assert first_run_reads(800) <= 4.5 * max(1, first_run_reads(200))
