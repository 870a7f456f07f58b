"""Our paragraph in the heartbeat's standing instructions, between clear markers.

The heartbeat job's scratch is one text that the user, ``openclaw doctor`` and
the agent itself may all edit. Install owns only what lies between
``BEGIN`` and ``END``: merging replaces that block in place (or appends it),
removing takes it out, and every other character stays as it was.
"""

from __future__ import annotations

import shlex

BEGIN = "<!-- taskrunner:begin (written by runner.py install; edit outside these markers) -->"
END = "<!-- taskrunner:end -->"
#: what merge puts between the user's text and our block
_SEPARATOR = "\n\n"


def render(python: str, runner: str, state_dir: str) -> str:
    """The paragraph itself: drain the alerts, report, summarise, open loops."""
    # Quoted for the shell the agent runs them in: a space in a path must not
    # split the heartbeat's one command.
    base = f"{shlex.quote(python)} {shlex.quote(runner)}"
    state = f" --state-dir {shlex.quote(state_dir)}"
    return (
        f"{BEGIN}\n"
        "## Maintenance (taskrunner)\n"
        f"On every heartbeat run `{base} alerts --drain{state}`. It prints the pending "
        "maintenance alerts as a JSON array and removes them. Tell the user about every "
        "`error` and `critical` alert (what is wrong and the fix it names); summarise "
        "`warning` and `info` alerts in one or two lines, or say nothing when there are none. "
        "Mention open loops: unfinished TODOs, blockers and decisions still waiting that you "
        "know of. If maintenance itself looks stuck, "
        f"`{base} status{state}` shows what ran, what failed and what is overdue.\n"
        f"{END}\n"
    )


def _find(text: str) -> tuple[int, int] | None:
    """Start and end offsets of our block (end after END and its newline), or None."""
    start = text.find(BEGIN)
    if start < 0:
        return None
    end = text.find(END, start)
    if end < 0:
        return None
    end += len(END)
    if text.startswith("\n", end):
        end += 1
    return start, end


def has_block(text: str) -> bool:
    return _find(text) is not None


def merge(text: str, block: str) -> str:
    """``text`` with our block replaced in place, or appended after a blank line."""
    found = _find(text)
    if found is not None:
        start, end = found
        return text[:start] + block + text[end:]
    if not text:
        return block
    # Always exactly two newlines, whatever the text ends with: remove() can then
    # take them out again and give back the text to the character.
    return text + _SEPARATOR + block


def remove(text: str) -> str:
    """``text`` without our block (and without the blank line ``merge`` put before it)."""
    found = _find(text)
    if found is None:
        return text
    start, end = found
    before, after = text[:start], text[end:]
    if not after and before.endswith(_SEPARATOR):
        before = before[: -len(_SEPARATOR)]
    return before + after
