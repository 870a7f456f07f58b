"""A user's bad input: a usage error before any run, or a recorded failure that never alerts."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from support.paths import ROOT
from support.plugin_factory import write_task
from support.runner import run_runner
from taskrunner.health.http import check_http_url, redact_userinfo

# Out-of-range values that once passed parsing and failed (or were retried) in run().
BAD_OPTIONS = [
    (["memory_capture", "--date", "0001-01-01"], "0001-01-01 is out of range"),
    (["memory_consolidate", "--date", "0001-01-01"], "0001-01-01 is out of range"),
    (["system_health", "--gateway-url", "http://[::1"], "is not a valid URL"),
    (["system_health", "--gateway-url", "http://127.0.0.1:99999"], "is out of range (1-65535)"),
    (["system_health", "--gateway-url", "http://127.0.0.1:0"], "is out of range (1-65535)"),
    (["system_health", "--gateway-url", "http://127.0.0.1:x"], "is not a number"),
    (["system_health", "--gateway-timeout", "-1"], "must be a positive number of seconds"),
    (["system_health", "--cron-timeout", "0"], "must be a positive number of seconds"),
    (["system_health", "--disk-warn", "120"], "at most 100"),
    (["system_health", "--disk-warn", "95"], "0 < --disk-warn <= --disk-critical <= 100"),
    (
        ["memory_guard", "--shrink-pct", "150"],
        "--shrink-pct: must be more than 0 and less than 100",
    ),
    (["memory_guard", "--keep-all-days", "-1"], "--keep-all-days: must be 0 or more days, got -1"),
    (["memory_guard", "--keep-daily-days", "abc"], "expected a number of days, got 'abc'"),
    (["memory_guard", "--keep-all-days", "100"], "--keep-all-days (100) must be at most"),
    (["memory_guard", "--several", "0"], "--several: must be 2 or more, got 0"),
    (["memory_guard", "--several", "two"], "--several: expected a whole number of files"),
    (["memory_guard", "--max-file-mib", "0"], "--max-file-mib: must be more than 0 MiB, got 0"),
    (["memory_restore", "--wordings"], "--wordings takes one or more --id"),
]


@pytest.mark.parametrize(("args", "expected"), BAD_OPTIONS)
def test_an_out_of_range_option_is_a_usage_error_before_any_run(
    args: list[str], expected: str, workspace: Path, state_dir: Path
) -> None:
    proc = run_runner(*args, "--workspace", str(workspace))
    assert proc.returncode == 1
    assert expected in proc.stderr
    assert "Traceback" not in proc.stderr
    assert "not an http(s) URL" not in proc.stderr
    # before any run, lock, record or alert
    assert sorted(p.name for p in state_dir.iterdir()) == []


@pytest.mark.parametrize(
    ("option", "other"), [("--several", "--max-file-mib"), ("--max-file-mib", "--several")]
)
def test_each_memory_guard_option_has_its_own_message(
    option: str, other: str, workspace: Path
) -> None:
    proc = run_runner("memory_guard", option, "0", "--workspace", str(workspace))
    [line] = proc.stderr.splitlines()
    assert option in line and other not in line


def test_credentials_in_the_gateway_url_are_dropped_and_never_echoed() -> None:
    assert check_http_url("http://me:s3cret@127.0.0.1:18789/") == "http://127.0.0.1:18789"
    with pytest.raises(ValueError, match="port") as caught:
        check_http_url("http://me:s3cret@127.0.0.1:99999")
    assert "s3cret" not in str(caught.value)
    assert redact_userinfo("https://a:b@h/x@y") == "https://***@h/x@y"


def test_credentials_never_reach_the_record_or_the_alert(state_dir: Path, workspace: Path) -> None:
    proc = run_runner(
        "system_health",
        "--workspace",
        str(workspace),
        "--gateway-url",
        "http://me:s3cret@127.0.0.1:1",
        "--gateway-timeout",
        "0.5",
        "--json",
    )
    assert proc.returncode == 1  # the gateway is down: critical
    assert "s3cret" not in proc.stdout + proc.stderr
    for name in ("logs/tasks.jsonl", "alerts/pending.json", "state/health.json"):
        assert "s3cret" not in (state_dir / name).read_text(), name
    assert "http://127.0.0.1:1" in (state_dir / "alerts/pending.json").read_text()


def _archived_workspace(workspace: Path) -> None:
    (workspace / "memory" / "store.archive.jsonl").write_text(
        json.dumps(
            {
                "removed_at": "2026-11-28T03:00:00+01:00",
                "run_id": "r-real",
                "reason": "stale",
                "duplicate_of": None,
                "similarity": None,
                "memory": {"id": "m_1", "text": "an old header"},
            }
        )
        + "\n"
    )


def test_a_typo_in_a_restore_is_recorded_but_never_alerted(
    workspace: Path, state_dir: Path
) -> None:
    _archived_workspace(workspace)
    for run in ("deadbeef", "cafebabe"):
        proc = run_runner("memory_restore", "--workspace", str(workspace), "--run", run)
        assert proc.returncode == 1
        assert f"no archived run {run!r}" in proc.stderr
        assert "without --run or --id" in proc.stderr  # how to find the right one
        assert "retrying" not in proc.stderr
    records = [json.loads(x) for x in (state_dir / "logs" / "tasks.jsonl").read_text().splitlines()]
    assert [(r["status"], r["attempts"]) for r in records] == [("failed", 1), ("failed", 1)]
    assert [r["error"]["type"] for r in records] == ["InvalidRequest", "InvalidRequest"]
    assert not (state_dir / "alerts" / "pending.json").exists()


def test_an_unknown_memory_id_says_what_was_looked_for(workspace: Path) -> None:
    _archived_workspace(workspace)
    proc = run_runner("memory_restore", "--workspace", str(workspace), "--id", "m_nope")
    assert proc.returncode == 1
    assert "no archived memory id 'm_nope' in" in proc.stderr


def test_two_different_failures_are_two_alerts(
    tmp_path: Path, state_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plugins = tmp_path / "plugins"
    monkeypatch.setenv("TASKRUNNER_TASKS_PATH", str(plugins))
    write_task(plugins, "flaky", 'raise RuntimeError(os.environ["WHY"])')
    for why in ("first reason", "second reason", "second reason"):
        run_runner("flaky", "--no-retry", env={"WHY": why})
    pending = json.loads((state_dir / "alerts" / "pending.json").read_text())
    assert sorted((a["message"], a["count"]) for a in pending) == [
        ("flaky failed after 1 attempt: RuntimeError: first reason", 1),
        ("flaky failed after 1 attempt: RuntimeError: second reason", 2),
    ]


# -- smaller ones -----------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [["list", "--json"], ["list"], ["history", "--json"], ["alerts", "--json"]],
)
def test_a_reader_that_closes_early_is_not_an_error(command: list[str], state_dir: Path) -> None:
    import subprocess
    import sys

    from support.paths import RUNNER

    # Fill the run log and the queue so each command prints more than `head` reads.
    for _ in range(3):
        run_runner("noop")
    from taskrunner.alerts import AlertQueue

    AlertQueue(state_dir).add(
        [{"task": "t", "level": "info", "message": f"alert {i}"} for i in range(50)]
    )
    for _ in range(5):  # the close can land before, during or after the write
        shell = f"{sys.executable} {RUNNER} {' '.join(command)} | head -c 1 >/dev/null"
        done = subprocess.run(
            ["bash", "-o", "pipefail", "-c", shell], capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 0, done.stderr
        assert done.stderr == ""


def test_base_is_not_called_a_command_of_the_runner() -> None:
    proc = run_runner("base")
    assert proc.returncode == 1
    assert "command of the runner" not in proc.stderr
    assert "tasks/base.py holds the Task class" in proc.stderr


def test_an_include_loop_is_reported_as_a_loop_naming_the_files(tmp_path: Path) -> None:
    from taskrunner.errors import ConfigError
    from taskrunner.openclaw.include import expand

    a, b = tmp_path / "a.json5", tmp_path / "b.json5"
    a.write_text("{$include: './b.json5'}")
    b.write_text("{x: 1, nested: {$include: './a.json5'}}")
    config = tmp_path / "openclaw.json"
    config.write_text("{$include: './a.json5'}")
    with pytest.raises(ConfigError, match="loop") as caught:
        expand({"$include": "./a.json5"}, tmp_path, chain=(config,))
    assert f"{a} -> {b} -> {a}" in str(caught.value)
    assert "deeper than" not in str(caught.value)
    # A file included twice, side by side, is not a loop.
    c = tmp_path / "c.json5"
    c.write_text("{y: 2}")
    assert expand({"$include": ["./c.json5", "./c.json5"]}, tmp_path) == {"y": 2}


@pytest.mark.parametrize(
    "task", ["memory_capture", "memory_consolidate", "memory_guard", "memory_restore"]
)
def test_a_mistyped_workspace_is_one_line_never_retried_never_alerted(
    task: str, tmp_path: Path, state_dir: Path
) -> None:
    typo = tmp_path / "worksapce"
    proc = run_runner(task, "--workspace", str(typo))
    assert proc.returncode == 1
    [line] = proc.stderr.splitlines()
    assert (
        f"OpenClaw workspace not found: --workspace {typo} does not exist; check the path" in line
    )
    assert "Traceback" not in proc.stderr and "retrying" not in proc.stderr
    [record] = [
        json.loads(x) for x in (state_dir / "logs" / "tasks.jsonl").read_text().splitlines()
    ]
    assert (record["status"], record["attempts"]) == ("failed", 1)
    assert not (state_dir / "alerts" / "pending.json").exists()


def test_a_workspace_gone_under_a_scheduled_run_is_still_alerted(
    tmp_path: Path, state_dir: Path
) -> None:
    # The scheduler typed nothing: a workspace that vanished is the machine's problem.
    gone = tmp_path / "workspace-moved-away"
    proc = run_runner("memory_capture", "--scheduled", "--workspace", str(gone))
    assert proc.returncode == 0  # recorded and alerted: the scheduler exit policy
    [alert] = json.loads((state_dir / "alerts" / "pending.json").read_text())
    assert alert["level"] == "error" and str(gone) in alert["message"]


def test_a_mistyped_agent_is_not_alerted_either(state_dir: Path) -> None:
    proc = run_runner("memory_capture", "--agent", "nobody-by-that-name")
    assert proc.returncode == 1
    assert len(proc.stderr.splitlines()) == 1
    assert not (state_dir / "alerts" / "pending.json").exists()


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--versoin"], "unknown option '--versoin' (did you mean --version?)"),
        (["system-health"], "Did you mean 'system_health'?"),
        (["System_Health", "--dry-run"], "Did you mean 'system_health'?"),
        (["memory-search", "x"], "Did you mean 'memory_search'?"),
    ],
)
def test_a_typo_of_a_name_or_an_option_says_what_was_meant(args: list[str], says: str) -> None:
    done = run_runner(*args)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert says in done.stderr.strip().splitlines()[0]


def test_no_task_and_only_known_options_still_says_no_task_was_given() -> None:
    done = run_runner("--dry-run")
    assert done.returncode == 1 and done.stderr.startswith("error: no task given.")


@pytest.mark.parametrize("name", ["noop", "history"])
def test_help_of_a_name_prints_that_names_help(name: str) -> None:
    done = run_runner("help", name)
    assert done.returncode == 0 and done.stdout.startswith(f"usage: runner.py {name} "), done.stdout
    general = run_runner("help")
    assert general.returncode == 0 and general.stdout.startswith("usage: runner.py <task>")


# -- the state directory ------------------------------------------------------------------

EVERY_STATE_COMMAND = [
    ["alerts"],
    ["alerts", "--json"],
    ["alerts", "--drain"],
    ["history"],
    ["status", "--offline"],
    ["install", "--dry-run"],
    ["uninstall", "--dry-run"],
    ["noop"],
    ["noop", "--dry-run"],
]
READ_COMMANDS = [["alerts"], ["alerts", "--json"], ["alerts", "--drain"], ["history"]]
READ_COMMANDS += [["status", "--offline"], ["status", "--json", "--offline"]]


@pytest.mark.parametrize("via", ["--state-dir", "TASKRUNNER_STATE_DIR"])
@pytest.mark.parametrize("command", EVERY_STATE_COMMAND, ids=" ".join)
def test_a_state_dir_that_is_a_file_is_one_line_for_every_command(
    tmp_path: Path, command: list[str], via: str
) -> None:
    statefile = tmp_path / "statefile"
    statefile.write_text("not a folder")
    if via == "--state-dir":
        result = run_runner(*command, "--state-dir", str(statefile))
    else:
        result = run_runner(*command, env={"TASKRUNNER_STATE_DIR": str(statefile)})
    assert result.returncode == 1
    assert result.stdout == ""  # not even the `[]` of a drain
    assert result.stderr.splitlines() == [
        f"error: the state dir {statefile} (from {via}) is a file, not a folder: point "
        "--state-dir or TASKRUNNER_STATE_DIR at a folder"
    ]
    assert statefile.read_text() == "not a folder"


def test_a_state_dir_under_a_file_says_which_file(tmp_path: Path) -> None:
    statefile = tmp_path / "statefile"
    statefile.write_text("")
    result = run_runner("history", "--state-dir", str(statefile / "sub"))
    assert result.returncode == 1
    assert f"is under {statefile}, which is a file, not a folder" in result.stderr
    assert len(result.stderr.splitlines()) == 1


@pytest.mark.parametrize("via", ["--state-dir", "TASKRUNNER_STATE_DIR"])
@pytest.mark.parametrize("command", READ_COMMANDS, ids=" ".join)
def test_a_mistyped_state_dir_is_one_line_for_the_commands_that_read_it(
    tmp_path: Path, command: list[str], via: str
) -> None:
    typo = tmp_path / "no" / "such" / "state"
    if via == "--state-dir":
        result = run_runner(*command, "--state-dir", str(typo))
    else:
        result = run_runner(*command, env={"TASKRUNNER_STATE_DIR": str(typo)})
    assert result.returncode == 1
    assert result.stdout == ""  # a heartbeat reading `[]` would see "nothing" forever
    [line] = result.stderr.splitlines()
    assert line.startswith(f"error: no such state dir {typo} (from {via}): check --state-dir or ")
    assert not (tmp_path / "no").exists()  # reading creates nothing


def test_a_task_run_still_creates_a_state_dir_it_is_given(tmp_path: Path) -> None:
    fresh = tmp_path / "new" / "state"
    ran = run_runner("noop", "--state-dir", str(fresh))
    assert ran.returncode == 0, ran.stderr
    assert (fresh / "logs" / "tasks.jsonl").is_file()
    listed = run_runner("history", "--json", "--state-dir", str(fresh))
    assert listed.returncode == 0 and len(json.loads(listed.stdout)["recent"]) == 1


def test_the_default_state_dir_with_nothing_yet_is_still_nothing_yet(tmp_path: Path) -> None:
    # The default is the runner's own folder: a fresh copy of it, no run there yet.
    copy = tmp_path / "taskrunner-copy"
    ignore = shutil.ignore_patterns("__pycache__")
    for part in ("taskrunner", "tasks"):
        shutil.copytree(ROOT / part, copy / part, ignore=ignore)
    shutil.copy2(ROOT / "runner.py", copy / "runner.py")
    env = {k: v for k, v in os.environ.items() if k != "TASKRUNNER_STATE_DIR"}
    for command, expected in (
        (["alerts", "--drain"], "[]\n"),
        (["alerts"], "No pending alerts.\n"),
        (["history"], f"No runs recorded in {copy / 'logs' / 'tasks.jsonl'}.\n"),
    ):
        result = subprocess.run(
            [sys.executable, str(copy / "runner.py"), *command],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
            check=False,
        )
        assert (result.returncode, result.stdout) == (0, expected), result.stderr
    status = subprocess.run(
        [sys.executable, str(copy / "runner.py"), "status", "--offline"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert status.returncode == 0, status.stderr
    assert not (copy / "logs").exists() and not (copy / "alerts").exists()


def _runner_as_a_user(*args: str) -> subprocess.CompletedProcess[str]:
    """``runner.py args`` as a user folder modes apply to: this one, or nobody under root."""
    if os.geteuid() != 0:
        return run_runner(*args)
    # Root writes anywhere: drop to nobody. The interpreter lives under /root here, so
    # start as root, import what the command line needs, then drop for good.
    code = (
        "import os, sys\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "from taskrunner.cli import dispatch\n"
        "import taskrunner.cli.options, taskrunner.discovery, taskrunner.runlog, tasks.noop\n"
        # and what a run would load, so that only the folder's mode can stop it
        "import taskrunner.engine, taskrunner.signals, taskrunner.alerts, taskrunner.task\n"
        "os.setgroups([]); os.setgid(65534); os.setuid(65534)\n"
        "sys.exit(dispatch.main(sys.argv[1:]))\n"
    )
    return subprocess.run(
        [sys.executable, "-B", "-c", code, *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_a_read_only_state_dir_is_one_line_with_the_fix_before_any_run() -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as name:
        outer = Path(name)
        outer.chmod(0o755)  # nobody must reach the folder to be refused by its mode
        state = outer / "ro"
        state.mkdir(mode=0o555)
        fresh = state / "new"  # to be created in a folder the user cannot write
        try:
            for given, detail in (
                (state, "Permission denied"),
                (fresh, f"cannot create it in {state}: Permission denied"),
            ):
                result = _runner_as_a_user("noop", "--state-dir", str(given))
                assert result.returncode == 1
                assert result.stderr.splitlines() == [
                    f"error: cannot write in the state dir {given} ({detail}): point "
                    "--state-dir or TASKRUNNER_STATE_DIR at a folder you can write"
                ], result.stderr
            assert list(state.iterdir()) == []  # nothing was tried
        finally:
            state.chmod(0o755)
