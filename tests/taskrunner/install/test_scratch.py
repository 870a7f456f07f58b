"""Our heartbeat paragraph: merged in place, removed exactly, the user's text kept exactly."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from taskrunner.install import scratch

BLOCK = scratch.render("/usr/bin/python3.12", "/x/runner.py", "/x")
OTHER = scratch.render("/opt/py/bin/python3", "/y/runner.py", "/y")

user_text = st.text(st.characters(blacklist_categories=["Cs"]), max_size=200).filter(
    lambda t: scratch.BEGIN not in t and scratch.END not in t
)


def test_paragraph_drains_reports_summarises_and_mentions_open_loops() -> None:
    assert BLOCK.startswith(scratch.BEGIN) and BLOCK.endswith(scratch.END + "\n")
    assert "/usr/bin/python3.12 /x/runner.py alerts --drain --state-dir /x" in BLOCK
    for word in ("error", "critical", "summarise", "open loops"):
        assert word in BLOCK


@given(user_text)
def test_remove_gives_back_the_users_text_exactly(text: str) -> None:
    merged = scratch.merge(text, BLOCK)
    assert merged.startswith(text)
    assert scratch.has_block(merged)
    assert scratch.remove(merged) == text


@given(user_text)
def test_merge_is_idempotent(text: str) -> None:
    once = scratch.merge(text, BLOCK)
    assert scratch.merge(once, BLOCK) == once


@given(user_text, user_text)
def test_reinstall_replaces_in_place_keeping_text_on_both_sides(before: str, after: str) -> None:
    # the user (or the agent) wrote more after our paragraph
    current = scratch.merge(before, BLOCK) + after
    updated = scratch.merge(current, OTHER)
    assert updated.count(scratch.BEGIN) == 1
    assert "/y/runner.py" in updated and "/x/runner.py" not in updated
    assert updated.endswith(after)
    assert updated.startswith(before)
    assert after in scratch.remove(updated) and before in scratch.remove(updated)


def test_text_without_our_markers_is_untouched_by_remove() -> None:
    assert scratch.remove("my notes\n<!-- other -->\n") == "my notes\n<!-- other -->\n"
    # an unterminated begin marker (hand-edited) is not ours to cut
    broken = f"a\n{scratch.BEGIN}\nb\n"
    assert scratch.remove(broken) == broken


def test_the_heartbeats_commands_survive_spaces_in_their_paths() -> None:
    import re
    import shlex

    text = scratch.render("/opt/py 3/bin/python3", "/home/a b/runner.py", "/home/a b/state")
    commands = [shlex.split(command) for command in re.findall(r"`([^`]+)`", text)]
    drain = next(argv for argv in commands if "--drain" in argv)
    assert drain == [
        "/opt/py 3/bin/python3",
        "/home/a b/runner.py",
        "alerts",
        "--drain",
        "--state-dir",
        "/home/a b/state",
    ]
