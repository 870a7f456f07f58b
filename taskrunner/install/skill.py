"""The agent skill ``<workspace>/skills/taskrunner/SKILL.md``: which commands exist, and when.

OpenClaw lists a skill as ready when the binaries its front matter requires
are on PATH; the body gives the agent the absolute command lines, so it
never depends on which ``python3`` a shell finds.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Collection
from pathlib import Path

#: the folder name under ``<workspace>/skills/``
SKILL_NAME = "taskrunner"
#: the line that marks a SKILL.md as written by install (uninstall removes only such a file)
MARKER = "<!-- written by runner.py install; runner.py uninstall removes it -->"
DESCRIPTION = (
    "Workspace maintenance: memory capture, search, consolidation and restore, health "
    "checks, maintenance alerts and run history (taskrunner)."
)


def skill_path(workspace: Path) -> Path:
    return workspace / "skills" / SKILL_NAME / "SKILL.md"


def render(python: str, runner: str, state_dir: str, tasks: Collection[str]) -> str:
    """SKILL.md: front matter OpenClaw reads, then the agent's instructions."""
    assert len(DESCRIPTION) < 160
    # Quoted for the shell the agent runs them in (a space in a path).
    run = f"{shlex.quote(python)} {shlex.quote(runner)}"
    state = f"--state-dir {shlex.quote(state_dir)}"
    metadata = json.dumps({"openclaw": {"requires": {"bins": ["python3"]}}})
    lines = [
        "---",
        f"name: {SKILL_NAME}",
        f"description: {DESCRIPTION}",
        f"metadata: {metadata}",
        "---",
        MARKER,
        "",
        "# taskrunner",
        "",
        "taskrunner keeps this workspace's memory tidy and watches the machine. Cron jobs run it;",
        "you use it to answer questions about maintenance and to undo what it did. Always run the",
        "exact command lines below (absolute interpreter and paths, no `cd` needed).",
        "",
        "## When to use what",
        "",
        f"- Heartbeat, or the user asks about problems: `{run} alerts --drain {state}` prints",
        "  the pending alerts as JSON and removes them. Report `error` and `critical` ones with",
        "  their fix; summarise the rest. `alerts --json` only looks, without removing.",
        f"- Is maintenance running? `{run} status {state}` shows each task's schedule, last run,",
        "  last success, whether it is overdue, and the OpenClaw jobs' state (`--json` for data).",
        f"- What happened recently? `{run} history [TASK] --last 20 {state}`.",
        f"- A memory went missing after consolidation: `{run} memory_restore --run RUN_ID {state}`",
        "  (everything one consolidation removed) or `--id MEMORY_ID` (one memory). Add",
        "  `--dry-run` first to see what would come back.",
    ]
    # memory_search is a command of the runner, not a task: always there.
    lines += [
        "- Before answering from memory, or when asked what was decided, what is pending or what",
        f'  the user prefers: `{run} memory_search "a few keywords" --json` ranks the stored',
        "  memories (text, kind, status, date, section, file:line); cite the file:line. `--open`",
        "  lists the open todos, reminders and blockers; `--kind decision,rule` and",
        "  `--since YYYY-MM-DD` narrow it. It only reads: use it as often as you like.",
    ]
    if "memory_forget" in tasks:
        lines += [
            "- The user says a memory is wrong, or asks you to forget something: find its id with",
            f"  `memory_search --json`, then `{run} memory_forget --id MEMORY_ID {state}`. It goes",
            "  to the archive and is not captured again from its note; its `memory_restore --run",
            "  RUN_ID` (in the message) undoes it. To change what a memory says, edit the note.",
        ]
    if "memory_guard" in tasks:
        lines.append(
            f"- MEMORY.md was damaged or emptied: `{run} memory_guard --restore MEMORY.md "
            f"{state}` puts back its previous version (`--list MEMORY.md` shows them all)."
        )
    lines += [
        f"- The machine seems unwell: `{run} system_health {state}` checks the gateway, disk and",
        "  cron jobs now.",
        "",
        "Never edit `memory/store.json` by hand; use the commands above. Every run takes a lock,",
        "so running a task that is already running just says so and exits.",
        "",
    ]
    return "\n".join(lines)
