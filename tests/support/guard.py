"""Helpers for the memory_guard tests: a guard run in-process at an injected time, and
the runner as cron starts it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from support.clock import Clock
from support.runner import run_runner
from taskrunner.guard.guard_run import Guard, Settings
from taskrunner.guard.layout import GuardPaths
from taskrunner.guard.retention import Policy
from taskrunner.guard.tracked import Scope


def make_guard(
    workspace: Path,
    state_dir: Path,
    clock: Clock,
    *,
    dry_run: bool = False,
    policy: Policy | None = None,
    extra: tuple[str, ...] = (),
    logs: list[str] | None = None,
) -> Guard:
    settings = Settings(
        workspace=workspace,
        state_dir=state_dir,
        run_id="test-run",
        now=clock,
        restore_cmd=lambda *words: " ".join(["runner.py", "memory_guard", *words]),
        scope=Scope(extra),
        policy=policy or Policy(),
        dry_run=dry_run,
        sleep=lambda seconds: None,  # the settle pause is tested with real writers elsewhere
    )
    sink = logs if logs is not None else []
    return Guard(settings, sink.append)


def write(workspace: Path, rel: str, text: str | bytes) -> Path:
    path = workspace / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8")
    else:
        path.write_bytes(text)
    return path


def note_text(n: int, lines: int = 40) -> str:
    body = "\n".join(
        f"- item {i} of note {n}: decided to keep the cache warm" for i in range(lines)
    )
    return f"# Note {n}\n\n{body}\n"


def write_notes(workspace: Path, *rels: str) -> None:
    """Note 1, note 2, … (``note_text``) at ``rels``, in that order."""
    for n, rel in enumerate(rels, 1):
        write(workspace, rel, note_text(n))


def guard_dir(state_dir: Path, workspace: Path) -> GuardPaths:
    return GuardPaths.for_workspace(state_dir, workspace)


def objects_on_disk(paths: GuardPaths) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    for shard in sorted(paths.objects.iterdir()):
        for obj in sorted(shard.iterdir()):
            if not obj.name.startswith("."):
                out[shard.name + obj.name] = obj.read_bytes()
    return out


def guard_cli(workspace: Path, *args: str, timeout: float = 120) -> Any:
    """``runner.py memory_guard … --json`` in a fresh interpreter: (process, record)."""
    proc = run_runner(
        "memory_guard", "--workspace", str(workspace), "--json", *args, timeout=timeout
    )
    record = json.loads(proc.stdout) if proc.stdout.strip() else None
    return proc, record


def pending_alerts(state_dir: Path) -> list[dict[str, Any]]:
    path = state_dir / "alerts" / "pending.json"
    if not path.exists():
        return []
    data: list[dict[str, Any]] = json.loads(path.read_text())
    return data
