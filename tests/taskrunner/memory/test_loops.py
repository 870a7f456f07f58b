"""Open loops: completed items close them; open ones come back as one alert each."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from support.alerts import pending_alerts
from support.capture import by_text, capture, memories, write_note
from support.harness import TaskRun
from support.memory_factory import mem
from support.paths import RUNNER
from taskrunner.alerts import AlertQueue
from taskrunner.memory.consolidate import plan_consolidation
from taskrunner.memory.loops import due_reminders, pick_reminders, status_of
from taskrunner.memory.store import store_path


def test_a_ticked_checkbox_closes_its_todo(workspace: Path, state_dir: Path) -> None:
    note = write_note(workspace, "2026-02-13.md", "- [ ] Rotate the JWT token\n")
    capture(workspace, state_dir)
    assert by_text(workspace)["Rotate the JWT token"]["status"] == "open"
    note.write_text("- [x] Rotate the JWT token\n", encoding="utf-8")
    run = capture(workspace, state_dir)
    assert run.result["loops_closed"] == 1
    [todo] = memories(workspace)  # never deleted, and no second memory
    assert todo["kind"] == "todo" and todo["status"] == "done"
    assert todo["closed_by"] == {
        "file": "memory/2026-02-13.md",
        "line": 1,
        "noted_on": "2026-02-13",
    }
    assert todo["text"] == "Rotate the JWT token"


def test_a_completed_item_in_a_later_note_closes_the_loop(workspace: Path, state_dir: Path) -> None:
    write_note(
        workspace,
        "2026-02-12.md",
        "- BLOCKER: the VPN drops every hour\n- TODO: renew the TLS certificate\n",
    )
    write_note(
        workspace,
        "2026-02-13.md",
        "- Fixed: the VPN drops every hour\n- Completed renew the TLS certificate\n",
    )
    run = capture(workspace, state_dir)
    assert run.result["loops_closed"] == 2
    stored = by_text(workspace)
    assert stored["the VPN drops every hour"]["status"] == "done"
    assert stored["renew the TLS certificate"]["closed_by"] == {
        "file": "memory/2026-02-13.md",
        "line": 2,
        "noted_on": "2026-02-13",
    }


@pytest.mark.parametrize(
    "finished",
    [
        "- Done: renew the TLS certificate",
        "- DONE renew the TLS certificate",
        "- ~~TODO: renew the TLS certificate~~",
        "- Renew the TLS certificate \u2705",
        "## Done today\n- Renew the TLS certificate",
        "## Completed\n- Renew the TLS certificate",
        "## 已完成\n- Renew the TLS certificate",
        "## TODO\n- Renew the TLS certificate \u2705",
    ],
)
def test_a_done_marker_closes_the_loop(workspace: Path, state_dir: Path, finished: str) -> None:
    write_note(workspace, "2026-02-12.md", "- TODO: renew the TLS certificate\n")
    write_note(workspace, "2026-02-13.md", finished + "\n")
    run = capture(workspace, state_dir)
    assert run.result["loops_closed"] == 1
    assert by_text(workspace)["renew the TLS certificate"]["status"] == "done"


@pytest.mark.parametrize(
    "still_open",
    [
        "## Tasks not done yet\n- Renew the TLS certificate",
        "## Tasks to be completed this week\n- Renew the TLS certificate",
        "## Done?\n- Renew the TLS certificate",
        "## Done today\n- Fixed the router\n\n**Still open:**\n- Renew the TLS certificate",
        "## Done today\n- Fixed the router\n### Left for tomorrow\n- Renew the TLS certificate",
        "- \u2705 Renew the TLS certificate, \u274c the upload failed",
        "- Renew the TLS certificate ~~by Friday~~ next week",
        "## Done today\n- Fixed the router\n\nStill open:\n- Renew the TLS certificate",
        "## Done today\n- Fixed the router\nTomorrow:\n- Renew the TLS certificate",
        "## Done today\n- Renew the TLS certificate \u274c",
        "## Done today\n- Waiting for the CA to renew the TLS certificate",
        "- NOT DONE: renew the TLS certificate",
        "- DONE? Not yet, renew the TLS certificate",
    ],
)
def test_a_line_that_only_looks_done_leaves_the_loop_open(
    workspace: Path, state_dir: Path, still_open: str
) -> None:
    write_note(workspace, "2026-02-12.md", "- TODO: renew the TLS certificate\n")
    write_note(workspace, "2026-02-13.md", still_open + "\n")
    run = capture(workspace, state_dir)
    assert run.result["loops_closed"] == 0
    loops = [
        m
        for m in memories(workspace)
        if "renew the tls certificate" in m["text"].lower() and status_of(m) is not None
    ]
    assert loops and all(status_of(loop) == "open" for loop in loops)


def test_a_different_item_does_not_close(workspace: Path, state_dir: Path) -> None:
    write_note(
        workspace,
        "2026-02-13.md",
        "- TODO: renew the TLS certificate for host 1\n"
        "- Completed renew the TLS certificate for host 2\n",
    )
    capture(workspace, state_dir)
    assert by_text(workspace)["renew the TLS certificate for host 1"]["status"] == "open"


def test_a_completed_item_in_an_older_note_does_not_close(workspace: Path, state_dir: Path) -> None:
    write_note(workspace, "2026-02-13.md", "- TODO: renew the TLS certificate\n")
    capture(workspace, state_dir)
    write_note(workspace, "2026-02-01.md", "- Completed renew the TLS certificate\n")
    capture(workspace, state_dir, day="2026-02-01")
    assert by_text(workspace)["renew the TLS certificate"]["status"] == "open"


def test_open_blockers_and_overdue_loops_raise_one_keyed_warning_each(
    workspace: Path, state_dir: Path
) -> None:
    write_note(workspace, "2026-02-01.md", "- TODO: renew the TLS certificate\n- [ ] fresh todo\n")
    capture(workspace, state_dir, day="2026-02-01")
    write_note(workspace, "2026-02-13.md", "- BLOCKER: waiting on the bank\n- [ ] a new todo\n")
    run = capture(workspace, state_dir)  # today 2026-02-13: the todos of the 1st are 12 days old
    stored = by_text(workspace)
    keys = sorted(alert["key"] for alert in run.alerts)
    expected = sorted(
        f"memory-open-loop:{stored[text]['id']}"
        for text in ("renew the TLS certificate", "fresh todo", "waiting on the bank")
    )
    assert keys == expected
    assert {alert["level"] for alert in run.alerts} == {"warning"}
    assert run.result["loops_reminded"] == 3
    # once a day: a second run today raises nothing
    assert capture(workspace, state_dir).alerts == []
    # the next day again, except what was closed meanwhile
    write_note(workspace, "2026-02-14.md", "- [x] fresh todo\n")
    run = capture(workspace, state_dir, day="2026-02-14")
    assert run.result["loops_closed"] == 1
    # its reminder, should the heartbeat not have heard it yet, is taken back
    assert run.withdrawn == [f"memory-open-loop:{stored['fresh todo']['id']}"]
    assert sorted(alert["key"] for alert in run.alerts) == sorted(
        f"memory-open-loop:{stored[text]['id']}"
        for text in ("renew the TLS certificate", "waiting on the bank")
    )


def test_a_loop_closed_before_any_reminder_takes_nothing_back(
    workspace: Path, state_dir: Path
) -> None:
    note = write_note(workspace, "2026-02-13.md", "- [ ] Rotate the JWT token\n")
    assert capture(workspace, state_dir).alerts == []  # new today: not due
    note.write_text("- [x] Rotate the JWT token\n", encoding="utf-8")
    run = capture(workspace, state_dir)
    assert run.result["loops_closed"] == 1 and run.withdrawn == []


def _runner(workspace: Path, day: str, *more: str) -> subprocess.CompletedProcess[str]:
    args = ["memory_capture", "--workspace", str(workspace), "--date", day, *more]
    done = subprocess.run(
        [sys.executable, str(RUNNER), *args],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done


def test_the_heartbeat_never_hears_of_a_loop_closed_before_it_read_the_queue(
    workspace: Path, state_dir: Path
) -> None:
    write_note(workspace, "2026-02-01.md", "- TODO: renew the TLS certificate\n- TODO: pay rent\n")
    _runner(workspace, "2026-02-01")
    write_note(workspace, "2026-02-13.md", "- BLOCKER: waiting on the bank\n")
    _runner(workspace, "2026-02-13")
    assert len(pending_alerts(state_dir)) == 3  # two overdue todos and the blocker
    write_note(workspace, "2026-02-14.md", "- [x] renew the TLS certificate\n")
    dry = _runner(workspace, "2026-02-14", "--dry-run")
    key = f"memory-open-loop:{by_text(workspace)['renew the TLS certificate']['id']}"
    assert f"dry run: would withdraw alert {key}" in dry.stderr
    assert len(pending_alerts(state_dir)) == 3  # a dry run takes nothing back
    _runner(workspace, "2026-02-14")
    left = pending_alerts(state_dir)
    assert [a["message"].rsplit(": ", 1)[1] for a in left] == ["pay rent", "waiting on the bank"]
    # Once delivered, an alert is the heartbeat's: closing its loop later changes nothing there.
    drained = subprocess.run(
        [sys.executable, str(RUNNER), "alerts", "--drain"], capture_output=True, text=True
    )
    assert [a["key"] for a in json.loads(drained.stdout)] == [a["key"] for a in left]
    write_note(workspace, "2026-02-15.md", "- [x] pay rent\n")
    _runner(workspace, "2026-02-15")
    # only the blocker's reminder of the new day
    [again] = pending_alerts(state_dir)
    assert again["message"].endswith(": waiting on the bank") and again["count"] == 1


def test_a_blocker_reworded_the_day_it_was_reminded_is_reminded_in_its_new_words(
    workspace: Path, state_dir: Path
) -> None:
    note = write_note(workspace, "2026-02-13.md", "- BLOCKER: waiting on the bank\n")
    [first] = capture(workspace, state_dir).alerts
    note.write_text("- BLOCKER: waiting on the bank and the notary\n", encoding="utf-8")
    run = capture(workspace, state_dir)  # the same day: reminded once already
    [blocker] = memories(workspace)
    assert blocker["text"] == "waiting on the bank and the notary"
    [again] = run.alerts
    assert again["key"] == first["key"] == f"memory-open-loop:{blocker['id']}"
    assert again["message"].endswith(": waiting on the bank and the notary")
    # queued as the engine queues a run's alerts: the heartbeat hears one
    # alert, in the words the note says now
    queue = AlertQueue(state_dir)
    for run_alerts in ([first], [again]):
        queue.add([{**alert, "task": "memory_capture", "run_id": "r"} for alert in run_alerts])
    [queued] = pending_alerts(state_dir)
    assert queued["message"] == again["message"] and queued["count"] == 2
    # and only once: the next run that day raises nothing more
    assert capture(workspace, state_dir).alerts == []


def test_the_open_loop_age_is_an_option(workspace: Path, state_dir: Path) -> None:
    write_note(workspace, "2026-02-10.md", "- TODO: renew the TLS certificate\n")
    capture(workspace, state_dir, day="2026-02-10")
    write_note(workspace, "2026-02-13.md", "- plain\n- [ ] another\n")
    assert capture(workspace, state_dir).alerts == []  # 3 days old, the default is 7
    run = capture(workspace, state_dir, day="2026-02-14", open_loop_days=2)
    assert [a["message"] for a in run.alerts] == [
        f"open todo ({by_text(workspace)['renew the TLS certificate']['id']}, 4 days old): "
        "renew the TLS certificate"
    ]


def test_reminders_are_capped_per_run(workspace: Path, state_dir: Path) -> None:
    loops = [mem(f"b{i}", f"blocker number {i}", kind="blocker") for i in range(14)]
    due = due_reminders(loops, date(2026, 11, 29), max_age_days=7)
    assert len(due) == 14 and {r.key for r in due} == {f"memory-open-loop:b{i}" for i in range(14)}
    done = mem("d", "closed one", kind="todo", status="done", date="2026-01-01")
    fact = mem("f", "a fact", date="2026-01-01")
    assert due_reminders([done, fact], date(2026, 11, 29), max_age_days=7) == []
    assert status_of(done) == "done" and status_of(mem("t", "x", kind="todo")) == "open"
    assert status_of(fact) is None


def test_ages_come_from_the_notes_not_the_wall_clock() -> None:
    today = date(2026, 11, 29)
    backfilled = mem(
        "b",
        "a header from february",
        importance=0.2,
        note_date="2026-02-10",
        last_seen_at="2026-11-29T10:00:00+00:00",
    )
    old_store = mem(
        "o", "a header of an old store", importance=0.2, last_seen_at="2026-11-29T10:00:00+00:00"
    )
    recent = mem("r", "a header seen lately", importance=0.2, note_date="2026-11-20")
    plan = plan_consolidation([backfilled, old_store, recent], today=today)
    assert [r.memory_id for r in plan.removed] == ["b"]
    assert plan.removed[0].age_days == (today - date(2026, 2, 10)).days


def test_a_loop_closed_by_a_later_run_is_closed_in_the_file(
    workspace: Path, state_dir: Path
) -> None:
    # The second run, whose notes no longer include the loop's, copies the
    # lines of the memories it did not change from the file the first wrote;
    # the loop it closes (by a completed item too far in words to be a
    # sighting of it) must not be one of them.
    loop = "renew the TLS certificate for the mail server"
    write_note(workspace, "2026-02-10.md", f"- TODO: {loop}\n- TODO: pay the rent\n")
    capture(workspace, state_dir, day="2026-02-10")
    write_note(workspace, "2026-02-13.md", f"- Completed, done, closed: {loop}\n")
    run = capture(workspace, state_dir, day="2026-02-13")
    assert (run.result["loops_closed"], run.result["memories_updated"]) == (1, 0)
    stored = by_text(workspace)
    assert stored[loop]["status"] == "done"
    assert stored["pay the rent"]["status"] == "open"


def test_reminders_are_capped_per_day_and_go_through_the_backlog(
    workspace: Path, state_dir: Path
) -> None:
    def per_memory(run: TaskRun) -> set[str]:
        return {a["key"] for a in run.alerts if a["key"].startswith("memory-open-loop:")}

    def waiting(run: TaskRun) -> list[str]:
        return [a["message"] for a in run.alerts if a["key"] == "memory-open-loops"]

    # The command works pasted into a plain shell: the interpreter, runner.py and the workspace.
    search = f"{sys.executable} {RUNNER} memory_search --open --workspace {workspace}"
    wait = "{} more open loops wait; list them with `" + search + "`"
    blockers = "".join(f"- BLOCKER: supplier number {i} has not answered\n" for i in range(14))
    write_note(workspace, "2026-02-01.md", blockers)
    day_one = capture(workspace, state_dir, day="2026-02-01")
    assert len(per_memory(day_one)) == 10 and waiting(day_one) == [wait.format(4)]
    every = {f"memory-open-loop:{m['id']}" for m in memories(workspace)}
    write_note(workspace, "2026-02-13.md", "- TODO: call the bank\n")
    later = capture(workspace, state_dir)
    # The four left out last time come first.
    assert every - per_memory(day_one) <= per_memory(later)
    assert len(per_memory(later)) == 10 and waiting(later) == [wait.format(4)]
    # Later runs of the same day raise no more of them, and leave the store alone.
    path = store_path(workspace)
    before = path.stat().st_mtime_ns, path.read_bytes()
    again = capture(workspace, state_dir)
    assert per_memory(again) == set() and again.result["loops_reminded"] == 0
    assert waiting(again) == [wait.format(4)]
    assert (path.stat().st_mtime_ns, path.read_bytes()) == before


_loop = st.fixed_dictionaries(
    {
        "id": st.sampled_from(["a", "b", "c", "d", "e"]),
        "text": st.sampled_from(["pay the rent", "call the bank"]),
        "kind": st.sampled_from(["todo", "blocker", "reminder", "fact"]),
    },
    optional={
        "status": st.sampled_from(["open", "done"]),
        "note_date": st.sampled_from(["2026-02-01", "2026-02-10", "2026-02-13", "garbage"]),
        "date": st.sampled_from(["2026-01-20", "2026-02-12"]),
        "reminded_on": st.sampled_from(["2026-02-12", "2026-02-13"]),
    },
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_loop, max_size=12), st.integers(0, 12), st.integers(0, 15))
def test_the_days_picks_are_the_head_of_the_due_list(
    loops: list[dict[str, object]], per_day: int, max_age_days: int
) -> None:
    today = date(2026, 2, 13)
    due = due_reminders(loops, today, max_age_days=max_age_days)
    picked = pick_reminders(loops, today, max_age_days=max_age_days, per_day=per_day)
    # Only loops are reminded of: a memory of another kind does not count.
    reminded_today = sum(
        1 for m in loops if m.get("reminded_on") == "2026-02-13" and m["kind"] != "fact"
    )
    budget = max(0, per_day - reminded_today)
    assert picked.now == due[:budget]
    assert picked.waiting == len(due) - len(picked.now)


def test_ticking_a_todo_of_a_store_without_importance_closes_it(
    workspace: Path, state_dir: Path
) -> None:
    # A hand-written or legacy memory has no importance: the tick (in a later
    # note) closes the todo; it does not make it a completed item.
    todo = {
        "id": "m_1",
        "text": "rotate the backup keys",
        "kind": "todo",
        "status": "open",
        "date": "2026-02-01",
        "sources": [{"file": "memory/2026-02-01.md", "line": 1}],
        "seen_count": 1,
    }
    store_path(workspace).write_text(json.dumps({"version": 1, "memories": [todo]}))
    write_note(workspace, "2026-02-13.md", "- [x] rotate the backup keys\n")
    run = capture(workspace, state_dir)
    assert run.result["loops_closed"] == 1
    [memory] = memories(workspace)
    assert (memory["kind"], memory["status"]) == ("todo", "done")
