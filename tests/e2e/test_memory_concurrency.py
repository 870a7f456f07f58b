"""Two processes capturing while a third consolidates, repeated: no memory lost, store valid.

Every process is a real ``runner.py`` run, the way cron starts them; the only
thing that keeps them from losing each other's writes is the store lock.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from support.runner import start_runner
from taskrunner.memory.extract import extract_items
from taskrunner.memory.normalize import memory_id
from taskrunner.memory.store import Store, archive_path, load_store, save_store, store_path

ROUNDS = 4
#: memories in the store before the first round: enough that a load and a
#: save take a while, so the three processes really overlap
SEED_MEMORIES = 4000
FIRST_DAY = date(2026, 3, 1)

VOCAB = [f"{a}{b}" for a in ("ka", "ro", "mi", "tu", "se", "no", "ha", "vi") for b in range(60)]


def _seed(rng: random.Random, today: date) -> list[dict[str, Any]]:
    """Old and new memories; some near-duplicate pairs and stale headers for consolidation."""
    memories: list[dict[str, Any]] = []
    for i in range(SEED_MEMORIES):
        words = rng.sample(VOCAB, rng.randint(12, 20))
        if i % 10 == 1:  # a near-duplicate of the memory before: one word more
            words = [*memories[-1]["text"].split(), rng.choice(VOCAB)]
        text = " ".join(words)
        stale = i % 7 == 0
        seen = today - timedelta(days=40 if stale else 1)
        stamp = datetime(seen.year, seen.month, seen.day, 12).astimezone().isoformat()
        memories.append(
            {
                "id": memory_id(text),
                "text": text,
                "kind": "header" if stale else "fact",
                "importance": 0.2 if stale else 0.5,
                "created_at": stamp,
                "last_seen_at": stamp,
                "date": seen.isoformat(),
                "sources": [{"file": f"memory/seed-{i}.md", "line": 1}],
                "seen_count": 1,
            }
        )
    return memories


def _note(rng: random.Random, tag: str) -> str:
    lines = [f"## Session {tag} planning"]
    for i in range(40):
        words = " ".join(rng.sample(VOCAB, 10))
        lines.append(f"- TODO: {tag} item {i} {words}")
        if i % 8 == 0:
            lines.append(f"- **Decision:** {tag} choice {i} {words}")
    return "\n".join(lines) + "\n"


def _read_while_running(path: Path, procs: list[subprocess.Popen[str]]) -> int:
    """Parse the store again and again until every process ends; returns the read count."""
    reads = 0
    while any(proc.poll() is None for proc in procs):
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            continue
        doc = json.loads(raw)  # a reader must never see half a store
        assert isinstance(doc["memories"], list)
        reads += 1
    return reads


def _archived(workspace: Path) -> list[dict[str, Any]]:
    path = archive_path(workspace)
    if not path.exists():
        return []
    return [json.loads(line)["memory"] for line in path.read_text().splitlines() if line]


def test_captures_and_consolidation_running_together_lose_nothing(
    workspace: Path, state_dir: Path
) -> None:
    rng = random.Random(20260301)
    seed = _seed(rng, FIRST_DAY)
    save_store(store_path(workspace), Store(memories=seed))
    env = {**os.environ, "TASKRUNNER_STATE_DIR": str(state_dir)}
    expected_sources: set[tuple[str, int]] = set()
    reads = 0
    for round_number in range(ROUNDS):
        # Capture A reads days 1-2 of this round, capture B days 3-4: disjoint notes.
        day = FIRST_DAY + timedelta(days=4 * round_number)
        for offset in range(4):
            name = f"{(day + timedelta(days=offset)).isoformat()}.md"
            text = _note(rng, f"r{round_number}d{offset}")
            (workspace / "memory" / name).write_text(text)
            expected_sources.update((f"memory/{name}", item.line) for item in extract_items(text))
        common = ["--workspace", str(workspace), "--json", "--no-retry"]
        # The per-task lock would turn the second capture away (exit 2); with its
        # own state directory (a second runner install) only the store lock stands
        # between the two captures, which is what this test is about.
        other_env = {**env, "TASKRUNNER_STATE_DIR": str(state_dir / "second-runner")}
        procs = [
            start_runner(
                "memory_capture", *common, "--date", str(day + timedelta(days=1)), env=env
            ),
            start_runner("memory_consolidate", *common, "--date", str(day), env=env),
            start_runner(
                "memory_capture", *common, "--date", str(day + timedelta(days=3)), env=other_env
            ),
        ]
        reads += _read_while_running(store_path(workspace), procs)
        for proc in procs:
            out, err = proc.communicate(timeout=120)
            assert proc.returncode == 0, err
            assert json.loads(out)["success"] is True

    assert reads > 0
    store = load_store(store_path(workspace)).memories
    archived = _archived(workspace)
    everything = store + archived
    # Every seed memory is still in the store or, removed by consolidation, in the archive.
    kept_ids = {m["id"] for m in everything}
    assert {m["id"] for m in seed} <= kept_ids
    # Every captured item's source line is recorded by some memory, stored or archived.
    recorded = {(s["file"], s["line"]) for m in everything for s in m.get("sources", [])}
    assert expected_sources <= recorded
    # Consolidation really ran against the captures: it pruned and merged.
    assert any(m["kind"] == "header" for m in archived)
    # And no memory is in the store twice.
    assert len({m["id"] for m in store}) == len(store)
