"""Cron check against a fake ``openclaw`` executable (a real process) and real output shapes."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest
from health_fakes import (
    REAL_2026_9_6_LISTING,
    REAL_GATEWAY_DOWN_ERROR,
    FakeOpenclaw,
    job,
    old_job,
    wait_until_dead,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from taskrunner.errors import CronOutputError
from taskrunner.health.cron import (
    BIN_ENV,
    Located,
    check_cron,
    find_openclaw,
    parse_job,
    parse_list_output,
)
from taskrunner.system.process import run_command


@pytest.fixture
def fake(tmp_path: Path) -> FakeOpenclaw:
    return FakeOpenclaw(tmp_path / "bin")


def run_check(fake: FakeOpenclaw, **kwargs: Any):  # type: ignore[no-untyped-def]
    env = {"PATH": "/usr/bin:/bin", "HOME": str(fake.folder.parent)}
    return check_cron(Located(fake.path, "test"), env=env, **kwargs)


def test_the_real_2026_9_6_listing_flags_only_the_failing_job(fake: FakeOpenclaw) -> None:
    fake.set(stdout=REAL_2026_9_6_LISTING)
    check = run_check(fake)
    assert check.status == "warning"
    [problem] = check.problems
    assert problem.key == "health:cron:032711a4-a869-47a2-bf86-1b6dfc37bf24"
    assert problem.level == "warning"
    assert "'fail-job'" in problem.message
    assert "command exited with code 3" in problem.message
    assert "1 consecutive error)" in problem.message
    assert "openclaw cron runs 032711a4-a869-47a2-bf86-1b6dfc37bf24" in problem.message
    report = check.to_dict()
    assert report["jobs_enabled"] == 4
    assert [f["name"] for f in report["failing"]] == ["fail-job"]
    assert check.detail == "1 of 4 enabled jobs failing: fail-job (command exited with code 3)"


def test_all_good_jobs_are_ok(fake: FakeOpenclaw) -> None:
    fake.jobs(
        job("a", "backup", last="ok"),
        job("b", "Heartbeat (main)", last="skipped", error="heartbeat skipped: no-route"),
        job("c", "new", last=None),
    )
    check = run_check(fake)
    assert (check.status, check.problems) == ("ok", [])
    assert check.detail == "3 enabled jobs, none failing"


@pytest.mark.parametrize(
    ("streak", "level"), [(1, "warning"), (2, "warning"), (3, "error"), (9, "error")]
)
def test_three_consecutive_errors_make_an_error(
    fake: FakeOpenclaw, streak: int, level: str
) -> None:
    fake.jobs(job("j1", "nightly", last="error", error="boom", streak=streak))
    [problem] = run_check(fake).problems
    assert problem.level == level
    assert f"({streak} consecutive error" in problem.message


def test_disabled_failing_jobs_are_ignored(fake: FakeOpenclaw) -> None:
    fake.jobs(job("j1", "retired", last="error", error="boom", streak=7, enabled=False))
    check = run_check(fake)
    assert (check.status, check.problems) == ("ok", [])
    assert check.detail == "0 enabled jobs, none failing"


def test_the_old_shape_with_state_at_the_top_level(fake: FakeOpenclaw) -> None:
    fake.jobs(
        old_job("old1", "legacy", last="error", error="exit 1", streak=4),
        old_job("old2", "fine", last="ok"),
    )
    check = run_check(fake)
    [problem] = check.problems
    assert (problem.key, problem.level) == ("health:cron:old1", "error")
    assert "exit 1 (4 consecutive errors)" in problem.message


def test_the_port_of_the_probed_gateway_is_passed_on(fake: FakeOpenclaw) -> None:
    run_check(fake, port=28789)
    assert fake.argv == ["cron", "list", "--all", "--json", "--port", "28789"]
    run_check(fake)
    assert fake.argv == ["cron", "list", "--all", "--json"]


def test_openclaws_own_folder_comes_first_on_path(fake: FakeOpenclaw) -> None:
    run_check(fake)
    path = (fake.folder / "path.txt").read_text().split(os.pathsep)
    assert path[0] == str(fake.folder)
    assert path[1:] == ["/usr/bin", "/bin"]


def test_openclaw_is_told_not_to_respawn_out_of_reach(fake: FakeOpenclaw) -> None:
    # 2026.9.6 otherwise re-executes itself in a new session, which a group kill misses.
    run_check(fake)
    env = json.loads((fake.folder / "env.json").read_text())
    assert env["OPENCLAW_NO_RESPAWN"] == "1"
    assert env["HOME"] == str(fake.folder.parent)


def test_a_node_next_to_openclaw_wins_over_an_old_system_node(tmp_path: Path) -> None:
    # openclaw is a `#!/usr/bin/env node` script; cron's PATH may hold a Node that is too old.
    bin_dir = tmp_path / "prefix" / "bin"
    bin_dir.mkdir(parents=True)
    node = bin_dir / "node"
    node.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    node.chmod(0o755)
    script = bin_dir / "openclaw"
    listing = json.dumps({"jobs": [job("x", "via-node", last="ok")]})
    script.write_text(f"#!/usr/bin/env node\nprint({listing!r})\n")
    script.chmod(0o755)
    check = check_cron(Located(script, "test"), env={"PATH": "/usr/bin:/bin"})
    assert check.status == "ok", check.detail
    assert check.detail == "1 enabled job, none failing"


def test_gateway_down_error_json_is_unknown_with_its_message(fake: FakeOpenclaw) -> None:
    fake.set(stdout=REAL_GATEWAY_DOWN_ERROR, stderr="Gateway not reachable ...\n", rc=1)
    check = run_check(fake)
    assert check.status == "unknown"
    assert check.detail == (
        "`openclaw cron list` failed (exit 1): Gateway not reachable at ws://127.0.0.1:28790 "
        "(ECONNREFUSED)."
    )
    # Covers the listing's own key as well as every job's.
    assert check.unknown_scopes == ["health:cron"]
    [problem] = check.problems
    assert (problem.key, problem.level) == ("health:cron", "warning")


def test_ok_false_with_a_plain_string_error(fake: FakeOpenclaw) -> None:
    fake.set(stdout={"ok": False, "error": "unauthorized: gateway token mismatch"}, rc=0)
    check = run_check(fake)
    assert check.status == "unknown"
    assert check.detail.endswith(": unauthorized: gateway token mismatch")


def test_garbage_output_is_unknown(fake: FakeOpenclaw) -> None:
    fake.set(stdout="Segmentation fault\x00\x01 ~~~")
    check = run_check(fake)
    assert check.status == "unknown"
    assert "printed something that is not JSON (Segmentation fault" in check.detail


def test_non_zero_exit_with_garbage_reports_stderr(fake: FakeOpenclaw) -> None:
    fake.set(stdout="", stderr="\x1b[31merror: unknown command 'cron'\x1b[0m\n", rc=2)
    check = run_check(fake)
    assert check.status == "unknown"
    assert check.detail == "`openclaw cron list` failed (exit 2): error: unknown command 'cron'"


def test_a_banner_before_the_json_is_tolerated(fake: FakeOpenclaw) -> None:
    listing = json.dumps({"jobs": [job("j", "n", last="error", error="e")]}, indent=2)
    fake.set(stdout="Upgrade tip: run `openclaw doctor --fix`\n" + listing)
    assert run_check(fake).status == "warning"


def test_log_lines_starting_with_a_bracket_before_the_json(fake: FakeOpenclaw) -> None:
    fake.set(stdout=REAL_2026_9_6_LISTING, log_lines=2000)
    check = run_check(fake)
    assert check.status == "warning"
    assert [p.key for p in check.problems] == ["health:cron:032711a4-a869-47a2-bf86-1b6dfc37bf24"]
    assert "output_left_out_bytes" not in check.data


def test_json_log_lines_around_the_listing_are_passed_over(fake: FakeOpenclaw) -> None:
    log = json.dumps({"level": "info", "msg": "gateway connected"})
    listing = json.dumps({"jobs": [job("j", "n", last="error", error="e")]})
    fake.set(stdout=f'{log}\n{log}\n{listing}\n{log}\n[]garbage\n{{"oops\n')
    check = run_check(fake)
    assert (check.status, [p.key for p in check.problems]) == ("warning", ["health:cron:j"])


def small_output(limit: int):  # type: ignore[no-untyped-def]
    """run_command keeping only ``limit`` bytes of each stream."""

    def run(argv: list[str], **kwargs: Any):  # type: ignore[no-untyped-def]
        return run_command(argv, **{**kwargs, "max_output_bytes": limit})

    return run


def test_a_listing_after_too_much_output_is_read_from_the_tail(fake: FakeOpenclaw) -> None:
    fake.set(stdout=REAL_2026_9_6_LISTING, log_lines=3000)
    check = run_check(fake, run=small_output(64 * 1024))
    assert check.status == "warning"
    assert check.data["output_left_out_bytes"] > 100_000
    assert check.detail.startswith("1 of 4 enabled jobs failing: fail-job")
    assert "printed too much: " in check.detail and "in the middle were not read" in check.detail


def test_a_listing_cut_by_the_output_limit_is_unknown_and_says_why(fake: FakeOpenclaw) -> None:
    fake.set(stdout=REAL_2026_9_6_LISTING)
    check = run_check(fake, run=small_output(1024))
    assert check.status == "unknown"
    assert "not JSON" in check.detail and "in the middle were not read" in check.detail
    assert [p.key for p in check.problems] == ["health:cron"]


def test_run_command_keeps_the_first_and_last_bytes_of_a_long_output(tmp_path: Path) -> None:
    code = (
        "import sys; "
        "sys.stdout.write('HEAD' + 'x' * 3_000_000 + 'TAIL'); "
        "sys.stderr.write('e' * 5000)"
    )
    result = run_command([sys.executable, "-c", code], timeout_s=60, max_output_bytes=1000)
    assert result.returncode == 0
    assert result.stdout.startswith("HEAD" + "x" * 496 + "\n… ")
    assert result.stdout.endswith("\n" + "x" * 496 + "TAIL")
    assert result.stdout_left_out_bytes == 3_000_008 - 1000
    assert f"… {3_000_008 - 1000} bytes of output left out …" in result.stdout
    assert result.stderr_left_out_bytes == 4000
    short = run_command([sys.executable, "-c", "print('hi')"], timeout_s=60)
    assert (short.stdout, short.stdout_left_out_bytes) == ("hi\n", 0)


def test_json_without_jobs_is_unknown(fake: FakeOpenclaw) -> None:
    fake.set(stdout={"total": 3})
    check = run_check(fake)
    assert (check.status, check.detail) == (
        "unknown",
        "`openclaw cron list` failed: printed JSON without a list of jobs",
    )


def test_a_truncated_listing_says_so(fake: FakeOpenclaw) -> None:
    fake.set(stdout={"jobs": [job("a", "a", last="ok")], "hasMore": True})
    check = run_check(fake)
    assert check.status == "ok"
    assert "later jobs were not checked" in check.detail


def test_a_hung_cli_is_stopped_with_everything_it_started(fake: FakeOpenclaw) -> None:
    fake.set(hang=True)
    check = run_check(fake, timeout_s=1.5)
    assert check.status == "unknown"
    assert check.detail.startswith("`openclaw cron list` did not finish within 1.5 s")
    pids = fake.pids
    assert len(pids) == 2
    assert wait_until_dead(pids) == []


def test_run_command_kills_leftovers_of_a_command_that_exited(tmp_path: Path) -> None:
    pidfile = tmp_path / "pid"
    code = (
        "import subprocess, sys; "
        "p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(3600)']); "
        f"open({str(pidfile)!r}, 'w').write(str(p.pid))"
    )
    result = run_command([sys.executable, "-c", code], timeout_s=30)
    assert (result.returncode, result.timed_out) == (0, False)
    assert wait_until_dead([int(pidfile.read_text())]) == []


def test_openclaw_that_cannot_be_executed(tmp_path: Path) -> None:
    bad = tmp_path / "openclaw"
    bad.write_text("#!/nonexistent/interpreter\n")
    bad.chmod(0o755)
    check = check_cron(Located(bad, "test"), env={"PATH": "/usr/bin:/bin"})
    assert check.status == "unknown"
    assert check.detail.startswith(f"cannot run {bad}")
    assert [p.key for p in check.problems] == ["health:cron"]


# -- finding openclaw -------------------------------------------------------------


def test_not_found_anywhere_is_unknown_with_a_hint(tmp_path: Path) -> None:
    located = find_openclaw(None, {"PATH": str(tmp_path)}, home=tmp_path)
    assert located.path is None
    check = check_cron(located, env={})
    assert check.status == "unknown"
    assert "--openclaw-bin" in check.detail and BIN_ENV in check.detail
    assert [p.level for p in check.problems] == ["warning"]


def test_option_then_env_then_path_then_usual_places(tmp_path: Path) -> None:
    def exe(path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("#!/bin/sh\n")
        path.chmod(0o755)
        return path

    home = tmp_path / "home"
    usual = exe(home / ".local" / "bin" / "openclaw")
    on_path = exe(tmp_path / "pathdir" / "openclaw")
    from_env = exe(tmp_path / "envdir" / "openclaw")
    from_opt = exe(tmp_path / "optdir" / "openclaw")
    env = {"PATH": str(on_path.parent), BIN_ENV: str(from_env)}
    assert find_openclaw(str(from_opt), env, home=home) == Located(from_opt, "--openclaw-bin")
    assert find_openclaw(None, env, home=home) == Located(from_env, BIN_ENV)
    del env[BIN_ENV]
    assert find_openclaw(None, env, home=home) == Located(on_path, "PATH")
    env["PATH"] = str(tmp_path / "empty")
    assert find_openclaw(None, env, home=home) == Located(usual, "default location")


def test_the_newest_nvm_node_wins(tmp_path: Path) -> None:
    for version in ("v9.1.0", "v24.22.3", "v22.0.0"):
        path = tmp_path / ".nvm" / "versions" / "node" / version / "bin" / "openclaw"
        path.parent.mkdir(parents=True)
        path.write_text("#!/bin/sh\n")
        path.chmod(0o755)
    located = find_openclaw(None, {"PATH": str(tmp_path / "none")}, home=tmp_path)
    assert located.path is not None and "v24.22.3" in str(located.path)


def test_a_named_binary_that_does_not_exist_is_reported_not_searched(tmp_path: Path) -> None:
    missing = tmp_path / "nope" / "openclaw"
    located = find_openclaw(str(missing), {"PATH": "/usr/bin:/bin"}, home=tmp_path)
    assert located == Located(None, f"--openclaw-bin {missing} is not an executable file")


# -- parsing, property-tested -----------------------------------------------------------

json_leaf = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
json_any = st.recursive(
    json_leaf,
    lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=12), c, max_size=4),
    max_leaves=10,
)
job_keys = st.sampled_from(
    [
        "id",
        "name",
        "displayName",
        "enabled",
        "state",
        "status",
        "lastStatus",
        "lastRunStatus",
        "lastError",
        "lastRunError",
        "consecutiveErrors",
    ]
)
job_like = st.dictionaries(job_keys, json_any | st.dictionaries(job_keys, json_any), max_size=8)


@settings(max_examples=150)
@given(job_like)
def test_parse_job_never_raises_and_failing_means_last_status_error(raw: dict[str, Any]) -> None:
    parsed = parse_job(raw)
    if parsed is None:
        return
    if parsed.failing:
        assert (parsed.last_status or "").lower() == "error"
        assert parsed.enabled and parsed.consecutive_errors >= 1


@settings(max_examples=150)
@given(
    st.one_of(
        st.text(),
        json_any.map(json.dumps),
        st.lists(job_like).map(lambda j: json.dumps({"jobs": j})),
    )
)
def test_parse_list_output_raises_only_cron_output_error(text: str) -> None:
    try:
        jobs, _ = parse_list_output(text)
    except CronOutputError as exc:
        assert str(exc)
    else:
        assert all(j.id for j in jobs)


log_line = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r\x1b"),
    max_size=40,
)
noise_line = st.one_of(
    log_line.map(lambda t: "[gateway] " + t),
    log_line.filter(lambda t: not t.lstrip().startswith(("{", "["))),
    st.dictionaries(st.sampled_from(["level", "msg", "time"]), json_leaf, max_size=3).map(
        json.dumps
    ),
)


@settings(max_examples=150)
@given(
    st.lists(noise_line, max_size=30),
    st.lists(noise_line, max_size=5),
    st.lists(st.sampled_from(["a", "b", "c"]), max_size=3, unique=True),
    st.sampled_from([None, 2]),
)
def test_the_listing_is_found_among_log_lines(
    before: list[str], after: list[str], failing: list[str], indent: int | None
) -> None:
    listing = {"jobs": [job(i, f"job-{i}", last="error", error="boom") for i in failing]}
    text = "\n".join([*before, json.dumps(listing, indent=indent), *after])
    jobs, _ = parse_list_output(text)
    assert sorted(j.id for j in jobs if j.failing) == sorted(failing)
