"""memory_consolidate killed at random moments, and racing writers: nothing is ever lost."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

from support.memory_factory import write_store
from support.paths import ROOT
from taskrunner.memory.archive import read_archive
from taskrunner.memory.store import archive_path, backup_path, load_store, store_path

#: imports once, then forks one memory_consolidate run per request line, so
#: each run starts in milliseconds and many kills fit in a few seconds. The
#: kill comes from the parent: until it reaps the child, the pid cannot be
#: reused, so SIGKILL never reaches anything else.
ZYGOTE = """
import json, os, signal, sys, time, traceback
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
sys.path[:0] = [sys.argv[1], sys.argv[1] + "/tests"]
from support.harness import run_task
from tasks.memory_consolidate import MemoryConsolidateTask
extra_options = json.loads(sys.argv[2])
for line in sys.stdin:
    workspace_arg, run_id, delay_arg = line.split()
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:
        try:
            workspace = Path(workspace_arg)
            run_task(
                MemoryConsolidateTask(), workspace.parent / "state", workspace=workspace,
                options={"date": date(2026, 11, 29), **extra_options}, run_id=run_id,
                now=datetime(2026, 11, 29, 3, 0, tzinfo=timezone(timedelta(hours=1))),
            )
            os._exit(0)
        except BaseException:
            traceback.print_exc()
            os._exit(1)
    delay_s = float(delay_arg)
    if delay_s >= 0:
        time.sleep(delay_s)
        os.kill(pid, signal.SIGKILL)  # a finished child is a zombie until reaped: harmless
    _, status = os.waitpid(pid, 0)
    print(f"exit {status} {time.monotonic() - started:.6f}", flush=True)
"""


class Zygote:
    """A pre-imported parent that forks consolidation runs on request."""

    def __init__(self, **options: object) -> None:
        """``options``: consolidation options besides ``date`` (``min_importance=0.55``)."""
        self.proc = subprocess.Popen(
            [sys.executable, "-c", ZYGOTE, str(ROOT), json.dumps(options)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def run(self, workspace: Path, run_id: str, kill_after_s: float = -1) -> tuple[int, float]:
        """Run once (killed after ``kill_after_s`` if >= 0): (wait status, seconds)."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(f"{workspace} {run_id} {kill_after_s}\n")
        self.proc.stdin.flush()
        word, status, seconds = self.proc.stdout.readline().split()
        assert word == "exit"
        return int(status), float(seconds)

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


#: appends memories under the store lock, the way memory_capture writes
WRITER = """
import sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from taskrunner.memory.store import load_store, save_store, store_lock, store_path
workspace, name, count = Path(sys.argv[2]), sys.argv[3], int(sys.argv[4])
for i in range(count):
    with store_lock(workspace):
        store = load_store(store_path(workspace))
        text = f"writer {name} says the gateway restarts cleanly after the upgrade {'x' * (i % 3)}"
        store.memories.append({
            "id": f"{name}-{i}", "text": text.upper() if i % 2 else text, "kind": "fact",
            "importance": 0.1 if i % 4 == 0 else 0.6,
            "created_at": "2026-10-01T00:00:00+00:00" if i % 4 == 0 else "2026-11-28T00:00:00Z",
            "last_seen_at": "2026-10-01T00:00:00+00:00" if i % 4 == 0 else "2026-11-28T00:00:00Z",
            "sources": [{"file": "memory/2026-11-28.md", "line": i + 1}], "seen_count": 1,
        })
        save_store(store_path(workspace), store)
"""

WORDS = [f"{a}{b}" for a in "bcdfgklmnprstvz" for b in ("ar", "el", "io", "un", "ost", "ine")]


def big_store(n: int, seed: int = 3) -> list[dict[str, Any]]:
    """A store where about a third of the memories are stale or duplicates."""
    rng = random.Random(seed)
    memories: list[dict[str, Any]] = []
    for i in range(n):
        if memories and i % 5 == 0:
            text = rng.choice(memories)["text"].upper()
        else:
            text = " ".join(rng.choices(WORDS, k=rng.randint(6, 30)))
        stale = i % 7 == 0
        memories.append(
            {
                "id": f"m{i}",
                "text": text,
                "kind": "fact",
                "importance": 0.1 if stale else 0.6,
                "created_at": "2026-10-01T00:00:00+00:00",
                "last_seen_at": "2026-10-01T00:00:00+00:00"
                if stale
                else "2026-11-28T00:00:00+00:00",
                "sources": [{"file": f"memory/2026-10-{1 + i % 28:02d}.md", "line": i}],
                "seen_count": 1,
            }
        )
    return memories


def fresh_workspace(root: Path, name: str, template: bytes) -> Path:
    workspace = root / name / "workspace"
    (workspace / "memory").mkdir(parents=True)
    (workspace.parent / "state").mkdir()
    store_path(workspace).write_bytes(template)
    return workspace


def test_sigkill_at_random_moments_loses_nothing(tmp_path: Path) -> None:
    original = big_store(4000)
    template_ws = tmp_path / "template"
    (template_ws / "memory").mkdir(parents=True)
    write_store(template_ws, original)
    template = store_path(template_ws).read_bytes()

    zygote = Zygote()
    try:
        _kill_many_times(tmp_path, zygote, template, {m["id"] for m in original})
    finally:
        zygote.close()


def _kill_many_times(tmp_path: Path, zygote: Zygote, template: bytes, all_ids: set[str]) -> None:
    # One uninterrupted run: how long it takes, and the store it writes.
    workspace = fresh_workspace(tmp_path, "full", template)
    status, run_s = zygote.run(workspace, "full")
    assert status == 0
    new_store = store_path(workspace).read_bytes()
    assert new_store != template
    removed = len(all_ids) - len(load_store(store_path(workspace)).memories)
    assert removed > 800

    rng = random.Random(11)
    kills = 30
    outcomes: dict[str, int] = {"old": 0, "new": 0, "archived-but-old": 0}
    for attempt in range(kills):
        workspace = fresh_workspace(tmp_path, f"kill{attempt}", template)
        # Half spread over the whole run and a little past it, half over its
        # last part, where the archive, the backup and the store are written.
        if attempt >= kills - 2:
            # Surely after the end, however loaded the machine is: the outcome
            # check below must not depend on the timing of the measured run.
            delay_s = run_s * 5 + 0.5
        elif attempt % 2 == 0:
            delay_s = run_s * 1.2 * (attempt + rng.random()) / kills
        else:
            delay_s = run_s * (0.6 + 0.5 * (attempt + rng.random()) / kills)
        zygote.run(workspace, f"kill{attempt}", kill_after_s=delay_s)

        data = store_path(workspace).read_bytes()
        json.loads(data)  # valid JSON, whatever the moment
        assert data in (template, new_store), f"torn store after {delay_s:.3f} s"
        in_store = {m["id"] for m in load_store(store_path(workspace)).memories}
        archive = read_archive(archive_path(workspace))
        archived = {r["memory"]["id"] for r in archive.records}
        assert all_ids <= in_store | archived, f"lost memories after {delay_s:.3f} s"
        backup = backup_path(store_path(workspace))
        if backup.exists():
            assert backup.read_bytes() == template
        if data == new_store:
            outcomes["new"] += 1
            assert archived >= all_ids - in_store
        elif archived:
            outcomes["archived-but-old"] += 1
        else:
            outcomes["old"] += 1

        if attempt % 6 == 5:
            # a later run finishes the job and the result is the same store
            assert zygote.run(workspace, f"again{attempt}")[0] == 0
            assert store_path(workspace).read_bytes() == new_store
            archived = {r["memory"]["id"] for r in read_archive(archive_path(workspace)).records}
            assert (
                all_ids <= {m["id"] for m in load_store(store_path(workspace)).memories} | archived
            )
    # the kills really did land both before and after the store was replaced
    assert outcomes["old"] + outcomes["archived-but-old"] > 0 and outcomes["new"] > 0, outcomes


#: runs the real memory_capture task for several days in one process
CAPTURER = """
import sys
from datetime import date
from pathlib import Path
sys.path[:0] = [sys.argv[1], sys.argv[1] + "/tests"]
from support.harness import run_task
from tasks.memory_capture import MemoryCaptureTask
workspace = Path(sys.argv[2])
for day in sys.argv[3:]:
    result = run_task(
        MemoryCaptureTask(), workspace.parent / "state", workspace=workspace,
        options={"date": date.fromisoformat(day)}, run_id=f"capture-{day}",
    ).result
    assert result["success"], result
"""


def write_notes(workspace: Path, days: list[str], seed: int = 5) -> None:
    rng = random.Random(seed)
    for day in days:
        lines = [f"# {day}", "", "## " + " ".join(rng.sample(WORDS, 4))]
        for label in ("Decision", "Blocker", "Lesson learned", "Todo"):
            lines.append(f"- **{label}:** " + " ".join(rng.sample(WORDS, 9)))
        lines.append("- [ ] " + " ".join(rng.sample(WORDS, 7)))
        lines.append("- [x] " + " ".join(rng.sample(WORDS, 8)))  # completed: importance 0.5
        (workspace / "memory" / f"{day}.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_capture_racing_consolidation_loses_nothing(tmp_path: Path) -> None:
    days = [f"2026-{m}-{d:02d}" for m in (10, 11) for d in range(1, 21)]
    # What capture alone stores from these notes.
    control = tmp_path / "control" / "workspace"
    (control / "memory").mkdir(parents=True)
    (control.parent / "state").mkdir()
    write_notes(control, days)
    done = subprocess.run(
        [sys.executable, "-c", CAPTURER, str(ROOT), str(control), *days],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    control_memories = load_store(store_path(control)).memories
    captured = {m["id"] for m in control_memories}
    assert len(captured) >= 200
    # Ages come from the notes: with a minimum importance of 0.55, the
    # completed items of notes more than 14 days before the consolidations'
    # today (2026-11-29) are stale, the rest must stay.
    fresh = {
        m["id"]
        for m in control_memories
        if m["importance"] >= 0.55 or m["note_date"] >= "2026-11-15"
    }
    assert len(fresh) < len(captured)

    workspace = tmp_path / "workspace"
    (workspace / "memory").mkdir(parents=True)
    write_notes(workspace, days)
    original = big_store(200)
    write_store(workspace, original)
    zygote = Zygote(min_importance=0.55)
    try:
        assert zygote.run(workspace, "warm-up")[0] == 0  # imported and ready before the race
        workers = [
            subprocess.Popen(
                [sys.executable, "-c", CAPTURER, str(ROOT), str(workspace), *days[0::2]],
                stderr=subprocess.PIPE,
                text=True,
            ),
            subprocess.Popen(
                [sys.executable, "-c", CAPTURER, str(ROOT), str(workspace), *days[1::2]],
                stderr=subprocess.PIPE,
                text=True,
            ),
            subprocess.Popen(
                [sys.executable, "-c", WRITER, str(ROOT), str(workspace), "w", "60"],
                stderr=subprocess.PIPE,
                text=True,
            ),
        ]
        overlapping = 0
        while any(w.poll() is None for w in workers):
            assert zygote.run(workspace, f"c{overlapping}")[0] == 0
            overlapping += 1
        assert zygote.run(workspace, "last")[0] == 0
    finally:
        zygote.close()
    for w in workers:
        assert w.wait(timeout=60) == 0, w.stderr.read() if w.stderr else ""
    assert overlapping >= 2, overlapping  # consolidation really ran while the others wrote
    expected = captured | {m["id"] for m in original} | {f"w-{i}" for i in range(60)}
    in_store = {m["id"] for m in load_store(store_path(workspace)).memories}
    archived = {r["memory"]["id"] for r in read_archive(archive_path(workspace)).records}
    assert expected <= in_store | archived
    assert fresh <= in_store  # fresh, distinct items: neither stale nor duplicates
    # the writer's stale entries were pruned and its case twins merged along the way
    archive = read_archive(archive_path(workspace))
    assert {r["reason"] for r in archive.records} == {"stale", "duplicate"}
    assert archive.bad_lines == [] and not archive.torn_tail
