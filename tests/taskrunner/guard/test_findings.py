"""Findings: what is alerted, with which key and level, once, and one recovery notice."""

from __future__ import annotations

from pathlib import Path

from support.clock import Clock
from support.guard import make_guard, write, write_notes


def _run(workspace: Path, state_dir: Path, clock: Clock) -> dict:  # type: ignore[type-arg]
    clock.advance(minutes=15)
    return make_guard(workspace, state_dir, clock).run()


def _keys(result: dict) -> dict[str, str]:  # type: ignore[type-arg]
    return {a["key"]: a["level"] for a in result["alerts"]}


def test_bootstrap_sizes_are_counted_in_characters(workspace: Path, state_dir: Path) -> None:
    clock = Clock()
    # 17,000 characters but 34,000 bytes: OpenClaw counts characters.
    write(workspace, "MEMORY.md", "é" * 17_000)
    write(workspace, "USER.md", "u" * 4_500)
    result = _run(workspace, state_dir, clock)
    keys = _keys(result)
    assert keys["memory_guard:bootstrap:MEMORY.md"] == "warning"
    assert keys["memory_guard:bootstrap:USER.md"] == "error"
    user = next(a for a in result["alerts"] if a["key"] == "memory_guard:bootstrap:USER.md")
    assert (
        "4,500 characters" in user["message"] and "no longer sees its last 500" in user["message"]
    )
    assert "memory_guard:bootstrap:total" not in keys


def test_under_eighty_percent_is_fine(workspace: Path, state_dir: Path) -> None:
    write(workspace, "MEMORY.md", "m" * 16_000)
    assert not _run(workspace, state_dir, Clock())["alerts"]


def test_the_total_that_openclaw_injects(workspace: Path, state_dir: Path) -> None:
    for name in ("AGENTS.md", "SOUL.md", "IDENTITY.md"):
        write(workspace, name, "x" * 15_000)
    write(workspace, "MEMORY.md", "x" * 25_000)  # only 20,000 of it count towards the total
    result = _run(workspace, state_dir, Clock())
    total = next(a for a in result["alerts"] if a["key"] == "memory_guard:bootstrap:total")
    assert total["level"] == "error"
    assert "65,000 characters" in total["message"] and "no longer sees 5,000" in total["message"]


def test_a_problem_is_alerted_once_then_recovers_once(workspace: Path, state_dir: Path) -> None:
    clock = Clock()
    write(workspace, "MEMORY.md", "m" * 21_000)
    assert _keys(_run(workspace, state_dir, clock)) == {"memory_guard:bootstrap:MEMORY.md": "error"}
    write(workspace, "MEMORY.md", "m" * 21_500)  # still over: same problem, no new alert
    assert _run(workspace, state_dir, clock)["alerts"] == []
    write(workspace, "MEMORY.md", "m" * 17_000)  # better but near: a change of level
    assert _keys(_run(workspace, state_dir, clock)) == {
        "memory_guard:bootstrap:MEMORY.md": "warning"
    }
    write(workspace, "MEMORY.md", "m" * 14_000)  # under 80 %, and no shrink past 25 %
    result = _run(workspace, state_dir, clock)
    assert _keys(result) == {"memory_guard:bootstrap:MEMORY.md:recovered": "info"}
    assert "recovered: MEMORY.md is fine again" in result["alerts"][0]["message"]
    assert _run(workspace, state_dir, clock)["alerts"] == []


def test_one_vanished_file_is_an_error_naming_its_restore(workspace: Path, state_dir: Path) -> None:
    clock = Clock()
    write_notes(workspace, "memory/2026-11-01.md", "memory/2026-11-02.md")
    _run(workspace, state_dir, clock)
    (workspace / "memory" / "2026-11-01.md").unlink()
    result = _run(workspace, state_dir, clock)
    [alert] = result["alerts"]
    assert alert["key"] == "memory_guard:missing:memory/2026-11-01.md"
    assert alert["level"] == "error"
    assert "memory_guard --restore memory/2026-11-01.md" in alert["message"]


def test_a_shrink_past_the_share_is_reported(workspace: Path, state_dir: Path) -> None:
    clock = Clock()
    lines = "".join(f"- fact {i}\n" for i in range(100))
    write(workspace, "memory/2026-11-01.md", lines)
    _run(workspace, state_dir, clock)
    write(workspace, "memory/2026-11-01.md", "".join(f"- fact {i}\n" for i in range(80)))
    assert _run(workspace, state_dir, clock)["alerts"] == []  # 20 %: within the share
    write(workspace, "memory/2026-11-01.md", "".join(f"- fact {i}\n" for i in range(50)))
    [alert] = _run(workspace, state_dir, clock)["alerts"]
    assert alert["key"] == "memory_guard:shrunk:memory/2026-11-01.md"
    assert alert["level"] == "warning"
    assert "lost 38% of its lines (80 → 50)" in alert["message"]
    assert "--version" in alert["message"]


def test_a_deliberate_deletion_is_forgotten_with_prune_deleted(
    workspace: Path, state_dir: Path
) -> None:
    from taskrunner.guard import commands

    clock = Clock()
    write_notes(workspace, "memory/old.md", "memory/keep.md")
    _run(workspace, state_dir, clock)
    (workspace / "memory" / "old.md").unlink()
    assert _keys(_run(workspace, state_dir, clock)) == {
        "memory_guard:missing:memory/old.md": "error"
    }
    dry = commands.prune_deleted(make_guard(workspace, state_dir, clock, dry_run=True), "memory")
    assert dry["message"].startswith("dry run: would forget 1")
    result = commands.prune_deleted(make_guard(workspace, state_dir, clock), "memory")
    assert result["forgotten"] == ["memory/old.md"]
    after = _run(workspace, state_dir, clock)
    assert after["alerts"] == [] and after["problems"] == {}


def test_a_corrupt_problem_list_is_set_aside_and_a_fresh_one_started(
    workspace: Path, state_dir: Path
) -> None:
    clock = Clock()
    write(workspace, "MEMORY.md", "m" * 21_000)
    _run(workspace, state_dir, clock)
    problems = make_guard(workspace, state_dir, clock).paths.problems
    problems.write_text("{broken", encoding="utf-8")
    result = _run(workspace, state_dir, clock)
    # Known problems were lost with the file, so the open one is alerted again: better
    # twice than never.
    assert _keys(result) == {"memory_guard:bootstrap:MEMORY.md": "error"}
    aside = list(problems.parent.glob("problems.json.corrupt-*"))
    assert len(aside) == 1 and aside[0].read_text() == "{broken"
