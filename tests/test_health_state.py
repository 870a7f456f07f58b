"""Last known problems and the alerts they imply; the state file and its lock."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from taskrunner.errors import LockFileError, LockTimeout
from taskrunner.health import cron
from taskrunner.health.report import Check, Problem, build_report, format_table, overall
from taskrunner.health.state import (
    covers,
    load_state,
    plan_alerts,
    save_state,
    state_lock,
    state_path,
)

T1 = "2026-11-29T03:00:00+01:00"
T2 = "2026-11-29T03:05:00+01:00"


def gateway_down() -> Check:
    p = Problem("health:gateway", "critical", "gateway not reachable", "gateway at http://x")
    return Check("gateway", "critical", "down", problems=[p])


def cron_failing(job_id: str = "j1") -> Check:
    p = Problem(f"health:cron:{job_id}", "warning", "job failing", f"cron job 'n' ({job_id})")
    return Check("cron", "warning", "1 failing", problems=[p])


def test_a_new_problem_is_alerted_and_remembered() -> None:
    alerts, state = plan_alerts({}, [gateway_down()], T1)
    assert alerts == [
        {"level": "critical", "message": "gateway not reachable", "key": "health:gateway"}
    ]
    assert state["health:gateway"]["since"] == T1


def test_a_persisting_problem_is_alerted_again_under_the_same_key_and_keeps_its_start() -> None:
    _, state = plan_alerts({}, [gateway_down()], T1)
    alerts, state = plan_alerts(state, [gateway_down()], T2)
    assert [a["key"] for a in alerts] == ["health:gateway"]
    assert state["health:gateway"]["since"] == T1


def test_a_cleared_problem_gets_one_recovered_info_alert() -> None:
    _, state = plan_alerts({}, [gateway_down()], T1)
    alerts, state = plan_alerts(state, [Check("gateway", "ok", "fine")], T2)
    assert alerts == [
        {
            "level": "info",
            "message": f"recovered: gateway at http://x is fine again (was critical since {T1})",
            "key": "health:gateway:recovered",
        }
    ]
    assert state == {}
    alerts, _ = plan_alerts(state, [Check("gateway", "ok", "fine")], T2)
    assert alerts == []


def test_what_could_not_be_looked_at_is_neither_realerted_nor_recovered() -> None:
    _, state = plan_alerts({}, [Check("gateway", "ok", "up"), cron_failing("j1")], T1)
    cron_unknown = Check("cron", "unknown", "gateway down", unknown_scopes=["health:cron:"])
    alerts, state2 = plan_alerts(state, [gateway_down(), cron_unknown], T2)
    assert [a["key"] for a in alerts] == ["health:gateway"]
    assert state2["health:cron:j1"] == state["health:cron:j1"]
    # Back up and the job is fine now: now it recovers.
    alerts, _ = plan_alerts(state2, [Check("gateway", "ok", "up"), Check("cron", "ok", "")], T2)
    assert sorted(a["key"] for a in alerts) == [
        "health:cron:j1:recovered",
        "health:gateway:recovered",
    ]


def test_cron_skipped_for_the_gateway_keeps_the_listing_problem_too() -> None:
    # Run 1: the jobs could not be listed at all -> health:cron.
    listing_failed = cron.check_cron(cron.Located(None, "openclaw not found"), env={})
    alerts, state = plan_alerts({}, [Check("gateway", "ok", "up"), listing_failed], T1)
    assert [a["key"] for a in alerts] == ["health:cron"]
    # Run 2: the gateway is down, cron is not even tried: nothing about cron "recovered".
    alerts, state2 = plan_alerts(state, [gateway_down(), cron.skipped_for_gateway()], T2)
    assert [a["key"] for a in alerts] == ["health:gateway"]
    assert state2["health:cron"] == state["health:cron"]


@pytest.mark.parametrize(
    ("scope", "key", "covered"),
    [
        ("health:cron", "health:cron", True),
        ("health:cron", "health:cron:j1", True),
        ("health:cron", "health:cronjobs", False),
        ("health:disk:", "health:disk:/home", True),
        ("health:disk:/", "health:disk:/", True),
        ("health:disk:/", "health:disk:/home", False),
        ("health:gateway", "health:disk:/", False),
    ],
)
def test_what_an_unknown_scope_covers(scope: str, key: str, covered: bool) -> None:
    assert covers(scope, key) is covered


def test_an_unreadable_root_disk_does_not_hide_the_recovery_of_another() -> None:
    def disk_problem(mount: str) -> Problem:
        return Problem(f"health:disk:{mount}", "warning", "full", f"disk {mount}")

    full = [
        Check(f"disk:{m}", "warning", "full", problems=[disk_problem(m)]) for m in ("/", "/home")
    ]
    _, state = plan_alerts({}, full, T1)
    root_unknown = Check("disk:/", "unknown", "cannot read", unknown_scopes=["health:disk:/"])
    alerts, state2 = plan_alerts(state, [root_unknown, Check("disk:/home", "ok", "")], T2)
    assert [a["key"] for a in alerts] == ["health:disk:/home:recovered"]
    assert set(state2) == {"health:disk:/"}


def test_state_file_round_trip(tmp_path: Path) -> None:
    path = state_path(tmp_path / "sd")
    assert path == tmp_path / "sd" / "state" / "health.json"
    assert load_state(path).problems == {}
    _, problems = plan_alerts({}, [gateway_down(), cron_failing()], T1)
    assert save_state(path, problems, T1, unreadable=False) is None
    loaded = load_state(path)
    assert (loaded.problems, loaded.unreadable) == (problems, None)
    assert json.loads(path.read_text())["updated_at"] == T1


@pytest.mark.parametrize("content", [b"{not json", b"[]", b'{"problems": [1]}', b"\xff\xfe"])
def test_an_unreadable_state_file_is_set_aside_byte_for_byte(
    tmp_path: Path, content: bytes
) -> None:
    path = state_path(tmp_path / "sd")
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    state = load_state(path)
    assert state.problems == {} and state.unreadable
    assert str(path) in state.unreadable
    assert path.read_bytes() == content  # loading never touches it
    moved = save_state(path, {}, T1, unreadable=True)
    assert moved is not None and moved.read_bytes() == content
    assert load_state(path).unreadable is None


def test_the_state_lock_excludes_another_process(tmp_path: Path) -> None:
    path = state_path(tmp_path / "sd")
    holder = (
        "import fcntl, os, sys, time\n"
        f"fd = os.open({str(path) + '.lock'!r}, os.O_RDWR | os.O_CREAT)\n"
        "fcntl.flock(fd, fcntl.LOCK_EX)\n"
        "print('held', flush=True)\n"
        "sys.stdin.read()\n"
    )
    path.parent.mkdir(parents=True)
    proc = subprocess.Popen(
        [sys.executable, "-c", holder], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline() == "held\n"
        with (
            pytest.raises(LockTimeout, match=r"health\.json\.lock"),
            state_lock(path, timeout_s=0.3),
        ):
            pass
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        proc.wait()
    with state_lock(path, timeout_s=5):
        assert (path.parent / "health.json.lock").exists()


def test_a_symlink_at_the_lock_path_is_not_followed(tmp_path: Path) -> None:
    path = state_path(tmp_path / "sd")
    path.parent.mkdir(parents=True)
    victim = tmp_path / "victim"
    victim.write_text("precious")
    (path.parent / "health.json.lock").symlink_to(victim)
    with pytest.raises(LockFileError, match="symbolic link"), state_lock(path):
        pass
    assert victim.read_text() == "precious"


def test_report_overall_and_table() -> None:
    checks = [
        Check("gateway", "ok", "live and ready"),
        Check("disk:/", "warning", "85 % full"),
        Check("cron", "unknown", "not checked"),
    ]
    assert overall(checks) == "warning"
    assert overall([Check("a", "ok", ""), Check("b", "unknown", "")]) == "unknown"
    assert overall([*checks, gateway_down()]) == "critical"
    assert overall([]) == "ok"
    report = build_report(checks)
    assert report["overall"] == "warning"
    assert report["checks"][1] == {"name": "disk:/", "status": "warning", "detail": "85 % full"}
    table = format_table(checks)
    assert table[0].split() == ["CHECK", "STATUS", "DETAIL"]
    assert table[2].split()[:2] == ["disk:/", "warning"]
    assert table[-1].split() == ["overall", "warning"]


def test_a_check_status_outside_the_vocabulary_is_refused() -> None:
    with pytest.raises(ValueError, match="invalid check status"):
        Check("x", "error", "")


def test_two_unreadable_state_files_in_one_second_are_both_kept(tmp_path: Path) -> None:
    from taskrunner.health.state import save_state

    path = tmp_path / "health.json"
    for content in ("{broken one", "{broken two"):
        path.write_text(content)
        save_state(path, {}, "2026-11-29T21:10:00+00:00", unreadable=True)
    kept = sorted(p.read_text() for p in tmp_path.glob("health.json.corrupt-20261129T211000*"))
    assert kept == ["{broken one", "{broken two"]


def test_move_aside_never_replaces(tmp_path: Path) -> None:
    from taskrunner.system.atomic import move_aside

    target = tmp_path / "q.json"
    names = []
    for i in range(3):
        target.write_text(str(i))
        names.append(move_aside(target, "corrupt-x").name)
    assert names == ["q.json.corrupt-x", "q.json.corrupt-x-1", "q.json.corrupt-x-2"]
    assert [(tmp_path / n).read_text() for n in names] == ["0", "1", "2"]
    assert not target.exists()


def test_loading_never_changes_a_corrupt_state_file(tmp_path: Path) -> None:
    from taskrunner.health.state import load_state

    folder = tmp_path / "health-state"
    folder.mkdir()
    path = folder / "health.json"
    path.write_bytes(b'{"problems": [1]}')
    state = load_state(path)
    assert state.problems == {} and state.unreadable is not None
    assert "is not a health state object" in state.unreadable and not state.keep
    assert path.read_bytes() == b'{"problems": [1]}'
    assert sorted(p.name for p in folder.iterdir()) == ["health.json"]


def test_a_state_path_that_is_not_a_file_is_kept_and_never_moved(tmp_path: Path) -> None:
    from taskrunner.health.state import load_state

    path = tmp_path / "health.json"
    path.mkdir()
    state = load_state(path)
    assert state.keep and "not a regular file" in str(state.unreadable)
