"""crontab, systemd and launchd targets: generated files in a throwaway HOME, never the real ones.

Each test runs ``runner.py install`` as a real subprocess with ``HOME``,
``XDG_CONFIG_HOME`` and ``TASKRUNNER_CRONTAB_FILE`` pointing into ``tmp_path``
and ``--no-activate`` (no systemctl/launchctl/crontab call), then checks the
files, a second install (no change) and uninstall (only our part removed).
"""

from __future__ import annotations

import json
import plistlib
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from support.paths import ROOT
from support.runner import run_runner


@pytest.fixture
def fake_home(tmp_path: Path) -> dict[str, str]:
    home = tmp_path / "fakehome"
    home.mkdir()
    return {
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "TASKRUNNER_CRONTAB_FILE": str(tmp_path / "crontab.txt"),
        "PATH": "/usr/bin:/bin",  # no openclaw: the system targets must not need it
    }


def install(
    env: dict[str, str], workspace: Path, *args: str, verb: str = "install"
) -> dict[str, Any]:
    common = ("--workspace", str(workspace), "--no-activate", "--json")
    # the default agent's workspace, unless the test says otherwise
    env = {"OPENCLAW_WORKSPACE_DIR": str(workspace), **env}
    proc = run_runner(verb, *common, *args, env=env)
    assert proc.returncode == 0, proc.stderr
    return dict(json.loads(proc.stdout))


def changes(doc: dict[str, Any]) -> list[str]:
    return [a["change"] for a in doc["actions"] if a["what"] != "skill"]


def test_crontab_block_is_added_once_and_removed_exactly(
    fake_home: dict[str, str], workspace: Path, tmp_path: Path
) -> None:
    tab = Path(fake_home["TASKRUNNER_CRONTAB_FILE"])
    tab.write_text("MAILTO=me@example.org\n15 4 * * * /home/me/backup.sh\n")
    first = install(fake_home, workspace, "--target", "crontab", "--every", "system_health=10m")
    assert first["changed"] is True and changes(first) == ["created"]
    text = tab.read_text()
    assert text.startswith("MAILTO=me@example.org\n15 4 * * * /home/me/backup.sh\n")
    lines = [line for line in text.splitlines() if "runner.py" in line and line[0] != "#"]
    runner = str(ROOT / "runner.py")
    by_task = {(w := shlex.split(line))[w.index(runner) + 1]: line for line in lines}
    assert by_task["system_health"].startswith("*/10 * * * * ")
    assert by_task["memory_capture"].startswith("0 * * * * ")
    words = shlex.split(by_task["memory_capture"])
    assert words[5].startswith("TASKRUNNER_STATE_DIR=")
    argv = words[words.index(runner) - 1 :]
    assert argv[0] == sys.executable and argv[1] == runner
    assert argv[3:] == ["--scheduled", "--workspace", str(workspace), "--state-dir", argv[-1]]

    again = install(fake_home, workspace, "--target", "crontab", "--every", "system_health=10m")
    assert again["changed"] is False and tab.read_text() == text

    # a line the user adds after our block survives a re-install with another schedule
    tab.write_text(text + "0 12 * * * /home/me/lunch.sh\n")
    install(fake_home, workspace, "--target", "crontab")
    assert tab.read_text().count("taskrunner") == text.count("taskrunner")
    assert "*/5 * * * *" in tab.read_text() and tab.read_text().endswith("lunch.sh\n")

    gone = install(fake_home, workspace, "--target", "crontab", verb="uninstall")
    assert "removed" in changes(gone)
    assert tab.read_text() == (
        "MAILTO=me@example.org\n15 4 * * * /home/me/backup.sh\n0 12 * * * /home/me/lunch.sh\n"
    )


def test_systemd_units_are_valid_and_uninstall_leaves_other_units(
    fake_home: dict[str, str], workspace: Path
) -> None:
    units = Path(fake_home["XDG_CONFIG_HOME"]) / "systemd" / "user"
    units.mkdir(parents=True)
    (units / "mine.service").write_text("[Service]\nExecStart=/bin/true\n")
    first = install(fake_home, workspace, "--target", "systemd", "--every", "system_health=5m")
    assert set(changes(first)) == {"created"}
    service = (units / "taskrunner-memory-capture.service").read_text()
    assert "Type=oneshot" in service and f"WorkingDirectory={workspace}" in service
    assert f"ExecStart={sys.executable} {ROOT / 'runner.py'} memory_capture --scheduled" in service
    timeout = int(service.split("TimeoutStartSec=")[1].split()[0])
    assert timeout > 4 * 600
    assert "OnCalendar=*-*-* *:0:00" in (units / "taskrunner-memory-capture.timer").read_text()
    assert "OnUnitActiveSec=300s" in (units / "taskrunner-system-health.timer").read_text()

    analyze = shutil.which("systemd-analyze")
    if analyze:
        runtime = Path(fake_home["HOME"]) / "run"
        runtime.mkdir(mode=0o700)
        proc = subprocess.run(
            [analyze, "--user", "verify", *map(str, sorted(units.glob("taskrunner-*")))],
            capture_output=True,
            text=True,
            env={**fake_home, "XDG_RUNTIME_DIR": str(runtime)},
            check=False,
        )
        # verify reports a bad key or value on stderr and still exits 0
        assert proc.returncode == 0 and proc.stderr.strip() == "", proc.stderr
        calendar = subprocess.run(
            [analyze, "calendar", "Mon..Fri *-*-* 9:0:00"], capture_output=True, check=False
        )
        assert calendar.returncode == 0

    assert (
        install(fake_home, workspace, "--target", "systemd", "--every", "system_health=5m")[
            "changed"
        ]
        is False
    )
    install(fake_home, workspace, "--target", "systemd", verb="uninstall")
    assert sorted(p.name for p in units.iterdir()) == ["mine.service"]


def test_launchd_plists_run_the_absolute_interpreter(
    fake_home: dict[str, str], workspace: Path
) -> None:
    first = install(fake_home, workspace, "--target", "launchd", "--every", "memory_capture=1h")
    assert set(changes(first)) == {"created"}
    agents = Path(fake_home["HOME"]) / "Library" / "LaunchAgents"
    plists = {p.name: plistlib.loads(p.read_bytes()) for p in agents.glob("*.plist")}
    capture = plists["ai.openclaw.taskrunner.memory_capture.plist"]
    assert capture["ProgramArguments"][:3] == [
        sys.executable,
        str(ROOT / "runner.py"),
        "memory_capture",
    ]
    assert capture["StartInterval"] == 3600
    assert capture["WorkingDirectory"] == str(workspace)
    consolidate = plists["ai.openclaw.taskrunner.memory_consolidate.plist"]
    assert consolidate["StartCalendarInterval"] == {"Minute": 0, "Hour": 3}
    health = plists["ai.openclaw.taskrunner.system_health.plist"]
    assert len(health["StartCalendarInterval"]) == 12  # */5: one entry per minute mark
    (agents / "com.example.other.plist").write_bytes(plistlib.dumps({"Label": "x"}))

    again = install(fake_home, workspace, "--target", "launchd", "--every", "memory_capture=1h")
    assert again["changed"] is False
    install(fake_home, workspace, "--target", "launchd", verb="uninstall")
    assert [p.name for p in agents.iterdir()] == ["com.example.other.plist"]


def test_dry_run_writes_nothing_and_skill_is_written(
    fake_home: dict[str, str], workspace: Path
) -> None:
    dry = install(fake_home, workspace, "--target", "crontab", "--dry-run")
    assert dry["dry_run"] is True and dry["changed"] is True
    assert not Path(fake_home["TASKRUNNER_CRONTAB_FILE"]).exists()
    assert not (workspace / "skills").exists()
    install(fake_home, workspace, "--target", "crontab")
    skill = (workspace / "skills" / "taskrunner" / "SKILL.md").read_text()
    assert skill.startswith("---\nname: taskrunner\ndescription: ")
    assert f"{sys.executable} {ROOT / 'runner.py'} alerts --drain" in skill
    install(fake_home, workspace, "--target", "crontab", verb="uninstall")
    assert not (workspace / "skills" / "taskrunner").exists()


def test_a_second_workspace_gets_its_own_jobs_and_keeps_the_first(
    fake_home: dict[str, str], workspace: Path, tmp_path: Path
) -> None:
    other = tmp_path / "second-ws"
    other.mkdir()
    for_other = {**fake_home, "OPENCLAW_WORKSPACE_DIR": str(workspace)}
    install(fake_home, workspace, "--target", "systemd")
    install(for_other, other, "--target", "systemd")
    units = Path(fake_home["XDG_CONFIG_HOME"]) / "systemd" / "user"
    names = sorted(p.name for p in units.glob("taskrunner-memory-capture*.service"))
    assert len(names) == 2 and "taskrunner-memory-capture.service" in names
    second = next(n for n in names if n != "taskrunner-memory-capture.service")
    assert f"for {other}" in (units / second).read_text()
    install(fake_home, workspace, "--target", "crontab")
    install(for_other, other, "--target", "crontab")
    tab = Path(fake_home["TASKRUNNER_CRONTAB_FILE"]).read_text()
    assert f"# >>> taskrunner {workspace} " in tab and f"# >>> taskrunner {other} " in tab
    install(for_other, other, "--target", "systemd", verb="uninstall")
    install(for_other, other, "--target", "crontab", verb="uninstall")
    left = sorted(p.name for p in units.glob("taskrunner-memory-capture*.service"))
    assert left == ["taskrunner-memory-capture.service"]
    assert str(other) not in Path(fake_home["TASKRUNNER_CRONTAB_FILE"]).read_text()


def test_bad_options_are_one_line_errors(fake_home: dict[str, str], workspace: Path) -> None:
    proc = run_runner(
        "install", "--workspace", str(workspace), "--target", "crontab", "--every",
        "system_health=7m", "--no-activate", env=fake_home,
    )  # fmt: skip
    assert proc.returncode == 1
    assert "no crontab equivalent" in proc.stderr and "Traceback" not in proc.stderr
    proc = run_runner("install", "--workspace", str(workspace / "nope"), env=fake_home)
    assert proc.returncode == 1 and "does not exist" in proc.stderr


def test_a_missing_workspace_is_worded_after_what_named_it(
    fake_home: dict[str, str], tmp_path: Path
) -> None:
    typed = run_runner("install", "--workspace", str(tmp_path / "nope"), env=fake_home)
    assert typed.returncode == 1
    assert f"--workspace {tmp_path / 'nope'} does not exist; check the path" in typed.stderr
    assert "onboard" not in typed.stderr  # the fix is in what was typed
    config = {**fake_home, "OPENCLAW_WORKSPACE_DIR": str(tmp_path / "ws-never-made")}
    default = run_runner("install", "--dry-run", env=config)
    assert default.returncode == 1 and "Traceback" not in default.stderr
    assert "openclaw onboard" in default.stderr  # the default agent's, before OpenClaw ran


def test_a_scheduler_that_is_not_installed_is_named_with_the_way_out(
    fake_home: dict[str, str], workspace: Path, tmp_path: Path
) -> None:
    no_tools = tmp_path / "empty-bin"
    no_tools.mkdir()
    env = {**fake_home, "PATH": str(no_tools)}
    del env["TASKRUNNER_CRONTAB_FILE"]  # the real crontab program, which is not there
    proc = run_runner(
        "install", "--workspace", str(workspace), "--target", "crontab", "--dry-run", env=env
    )
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    [error] = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert error == (
        "error: cannot run crontab: no crontab on PATH (is it installed?); install it or "
        "pick another scheduler (--target, --health-outside)"
    )


def test_health_outside_with_a_system_target_says_it_is_left_out(
    fake_home: dict[str, str], workspace: Path
) -> None:
    proc = run_runner(
        "install", "--workspace", str(workspace), "--target", "crontab", "--health-outside",
        "systemd", "--no-activate", "--dry-run", env=fake_home,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert (
        "note: --health-outside systemd is left out: installing into crontab, system_health "
        "already runs outside the gateway"
    ) in proc.stderr
    assert "systemctl" not in proc.stderr and ".service" not in proc.stderr
