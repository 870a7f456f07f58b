"""SystemHealthTask: the checks wired together, alerts and recoveries, dry run, the runner."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from conftest import run_runner
from health_fakes import REAL_2026_9_6_LISTING, FakeGateway, FakeOpenclaw, Reply, free_port, job

from tasks.base import ConfigError, TaskContext
from tasks.system_health import SystemHealthTask

FAIL_ID = "032711a4-a869-47a2-bf86-1b6dfc37bf24"


class QuickHealth(SystemHealthTask):
    gateway_recheck_delay_s = 0.0


class Harness:
    """Runs the task in-process the way the engine does, collecting alerts and log lines."""

    def __init__(self, state_dir: Path, workspace: Path, options: dict[str, Any]) -> None:
        self.state_dir = state_dir
        self.workspace = workspace
        self.options = options
        self.alerts: list[dict[str, Any]] = []
        self.log: list[str] = []

    def run(self, *, dry_run: bool = False, **options: Any) -> dict[str, Any]:
        self.alerts = []
        self.log = []
        task = QuickHealth()
        task.bind(
            TaskContext(
                task_name="system_health",
                run_id="r1",
                state_dir=self.state_dir,
                dry_run=dry_run,
                workspace=self.workspace,
                options={**self.options, **options},
                clock=lambda: datetime(2026, 11, 29, 3, 0, tzinfo=UTC),
                alert_sink=self.alerts.append,
                log_sink=self.log.append,
            )
        )
        return task.run()

    def lines(self) -> list[str]:
        """Logged messages without the timestamp and task prefix."""
        return [line.split("] ", 1)[1] for line in self.log]

    def alert_keys(self) -> list[tuple[str, str]]:
        return [(a["key"], a["level"]) for a in self.alerts]


@pytest.fixture
def gw() -> Iterator[FakeGateway]:
    with FakeGateway() as server:
        yield server


@pytest.fixture
def fake(tmp_path: Path) -> FakeOpenclaw:
    openclaw = FakeOpenclaw(tmp_path / "bin")
    openclaw.set(stdout=REAL_2026_9_6_LISTING)
    return openclaw


@pytest.fixture
def h(state_dir: Path, workspace: Path, gw: FakeGateway, fake: FakeOpenclaw) -> Harness:
    return Harness(
        state_dir,
        workspace,
        {
            "gateway_url": gw.url,
            "openclaw_bin": str(fake.path),
            "disk_warn": 99.8,
            "disk_critical": 99.9,
        },
    )


def test_report_shape_and_table(h: Harness) -> None:
    result = h.run()
    assert result["success"] is True
    assert "retry" not in result
    report = result["report"]
    assert report["overall"] == "warning"
    assert result["overall"] == "warning" and result["checks"] == report["checks"]
    names = [c["name"] for c in report["checks"]]
    assert names[0] == "gateway" and names[-1] == "cron"
    assert any(n.startswith("disk:") for n in names)
    for check in report["checks"]:
        assert set(check) >= {"name", "status", "detail"}
        assert check["status"] in {"ok", "warning", "critical", "unknown"}
    lines = h.lines()
    assert lines[0].split() == ["CHECK", "STATUS", "DETAIL"]
    assert any(line.startswith("cron ") and "fail-job" in line for line in lines)
    assert lines[-1].split() == ["overall", "warning"]


def test_fail_job_alerted_heartbeat_and_ok_job_not(h: Harness) -> None:
    h.run()
    assert h.alert_keys() == [(f"health:cron:{FAIL_ID}", "warning")]
    assert "command exited with code 3" in h.alerts[0]["message"]


def test_gateway_down_is_critical_one_alert_no_retry_and_cron_unknown(
    h: Harness, fake: FakeOpenclaw
) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    result = h.run(gateway_url=url)
    assert result["success"] is False
    assert result["retry"] is False
    checks = {c["name"]: c for c in result["checks"]}
    assert checks["gateway"]["status"] == "critical"
    assert checks["cron"]["status"] == "unknown"
    assert h.alert_keys() == [("health:gateway", "critical")]
    assert h.alerts[0]["message"].startswith(f"gateway not reachable at {url} (connection refused)")
    assert not (fake.folder / "argv.json").exists()  # cron list was not even tried


def test_recovery_cycle_with_cron_unknown_in_between(
    h: Harness, gw: FakeGateway, fake: FakeOpenclaw
) -> None:
    h.run()
    assert h.alert_keys() == [(f"health:cron:{FAIL_ID}", "warning")]
    # The gateway goes down: the failing job is neither re-alerted nor "recovered".
    down = f"http://127.0.0.1:{free_port()}"
    h.run(gateway_url=down)
    assert h.alert_keys() == [("health:gateway", "critical")]
    # It comes back and the job was fixed meanwhile: one recovered alert each.
    fake.jobs(job(FAIL_ID, "fail-job", last="ok"))
    result = h.run()
    assert result["success"] is True
    assert sorted(h.alert_keys()) == [
        (f"health:cron:{FAIL_ID}:recovered", "info"),
        ("health:gateway:recovered", "info"),
    ]
    messages = " | ".join(a["message"] for a in h.alerts)
    assert "recovered: cron job 'fail-job'" in messages
    assert f"recovered: gateway at {down} is fine again (was critical" in messages
    # And nothing more after that.
    h.run()
    assert h.alert_keys() == []


def test_a_problem_that_persists_is_alerted_every_run_under_one_key(h: Harness) -> None:
    h.run()
    first = h.alert_keys()
    h.run()
    assert h.alert_keys() == first


def test_dry_run_writes_nothing_and_still_reports(
    h: Harness, state_dir: Path, workspace: Path
) -> None:
    before = sorted(p.relative_to(state_dir.parent) for p in state_dir.parent.rglob("*"))
    result = h.run(dry_run=True)
    after = sorted(p.relative_to(state_dir.parent) for p in state_dir.parent.rglob("*"))
    new = [p for p in after if p not in before and p.parts[0] != "bin"]
    assert new == []
    assert result["overall"] == "warning"
    assert h.alert_keys() == [(f"health:cron:{FAIL_ID}", "warning")]
    assert any(line.startswith("dry run: would write") for line in h.lines())


def test_dry_run_reads_the_last_state_for_recoveries(h: Harness, fake: FakeOpenclaw) -> None:
    h.run()
    fake.jobs(job(FAIL_ID, "fail-job", last="ok"))
    h.run(dry_run=True)
    assert h.alert_keys() == [(f"health:cron:{FAIL_ID}:recovered", "info")]
    h.run()  # the dry run changed nothing: the real run still sees the recovery
    assert h.alert_keys() == [(f"health:cron:{FAIL_ID}:recovered", "info")]


def test_an_unreadable_state_file_is_set_aside_and_reported(h: Harness, state_dir: Path) -> None:
    path = state_dir / "state" / "health.json"
    path.parent.mkdir()
    path.write_text("{oops")
    result = h.run()
    assert "not valid JSON" in result["state_warning"]
    aside = list(path.parent.glob("health.json.corrupt-*"))
    assert len(aside) == 1 and aside[0].read_text() == "{oops"
    assert json.loads(path.read_text())["problems"]


def test_readyz_503_is_a_warning_and_still_success(h: Harness, gw: FakeGateway) -> None:
    gw.set("/readyz", Reply(503, {"ready": False, "failing": ["startup"]}))
    result = h.run()
    assert result["success"] is True
    assert ("health:gateway", "warning") in h.alert_keys()


def test_port_from_the_openclaw_config(
    h: Harness, gw: FakeGateway, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "home" / ".openclaw" / "openclaw.json"
    config.parent.mkdir(parents=True)
    config.write_text(f"// test gateway\n{{ gateway: {{ port: {gw.port}, }}, }}\n")
    result = h.run(gateway_url=None)
    gateway = result["checks"][0]
    assert (gateway["status"], gateway["port_source"]) == ("ok", "gateway.port")
    # And the cron listing asks that gateway too.
    fake_argv = json.loads((tmp_path / "bin" / "argv.json").read_text())
    assert fake_argv[-2:] == ["--port", str(gw.port)]
    monkeypatch.setenv("OPENCLAW_GATEWAY_PORT", str(free_port()))
    assert h.run(gateway_url=None)["checks"][0]["status"] == "critical"


def test_bad_options_are_config_errors(h: Harness) -> None:
    with pytest.raises(ConfigError, match="--disk-warn"):
        h.run(disk_warn=95, disk_critical=90)
    with pytest.raises(ConfigError, match="--cron-timeout"):
        h.run(cron_timeout=0)
    with pytest.raises(ConfigError, match="--gateway-url"):
        h.run(gateway_url="ftp://gw")


def write_openclaw_config(tmp_path: Path, text: str) -> Path:
    config = tmp_path / "home" / ".openclaw" / "openclaw.json"
    config.parent.mkdir(parents=True)
    config.write_text(text)
    return config


def assert_bad_port_setting_reported(h: Harness, result: dict[str, Any], setting: str) -> None:
    checks = {c["name"]: c for c in result["checks"]}
    gateway = checks["gateway"]
    assert gateway["status"] == "critical"
    assert gateway["detail"].startswith("cannot tell where the gateway listens: ")
    assert setting in gateway["detail"] and "fix" in gateway["detail"]
    assert any(name.startswith("disk:") for name in checks)  # still checked
    assert checks["cron"]["status"] == "unknown"
    assert "settings are invalid" in checks["cron"]["detail"]
    assert (result["success"], result["retry"]) == (False, False)
    assert h.alert_keys() == [("health:gateway", "critical")]  # one alert, not one for cron too
    assert setting in h.alerts[0]["message"]


def test_a_string_gateway_port_in_the_config_is_the_gateways_finding(
    h: Harness, tmp_path: Path, fake: FakeOpenclaw
) -> None:
    # OpenClaw 2026.9.6 refuses to start with it: "expected number, received string".
    config = write_openclaw_config(tmp_path, '{gateway: {port: "28789"}}')
    result = h.run(gateway_url=None)
    assert_bad_port_setting_reported(h, result, "gateway.port")
    assert str(config) in result["checks"][0]["detail"]
    assert not (fake.folder / "argv.json").exists()  # cron list was not tried


def test_a_bad_gateway_port_variable_is_the_gateways_finding(
    h: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENCLAW_GATEWAY_PORT", "eighteen")
    result = h.run(gateway_url=None)
    assert_bad_port_setting_reported(h, result, "OPENCLAW_GATEWAY_PORT")


def test_a_listing_failure_then_the_gateway_down_raises_no_false_recovery(
    h: Harness, fake: FakeOpenclaw
) -> None:
    fake.set(stdout="Segmentation fault")
    h.run()
    assert h.alert_keys() == [("health:cron", "warning")]
    h.run(gateway_url=f"http://127.0.0.1:{free_port()}")
    assert h.alert_keys() == [("health:gateway", "critical")]
    # Once cron can be listed again, it does recover.
    fake.set(stdout=REAL_2026_9_6_LISTING)
    h.run()
    assert sorted(h.alert_keys()) == [
        (f"health:cron:{FAIL_ID}", "warning"),
        ("health:cron:recovered", "info"),
        ("health:gateway:recovered", "info"),
    ]


def test_disk_thresholds_reach_the_check(h: Harness) -> None:
    result = h.run(disk_warn=0.0001, disk_critical=100)
    disks = [c for c in result["checks"] if c["name"].startswith("disk:")]
    assert disks and all(c["status"] in {"warning", "critical"} for c in disks)


def test_missing_workspace_is_unknown_not_a_crash(h: Harness, tmp_path: Path) -> None:
    h.workspace = tmp_path / "nowhere"
    result = h.run()
    checks = {c["name"]: c for c in result["checks"]}
    assert checks["workspace"]["status"] == "unknown"
    assert any(name.startswith("disk:") for name in checks)


# -- through runner.py, the way cron runs it ---------------------------------------------


def runner_args(gw_url: str, fake: FakeOpenclaw, workspace: Path) -> list[str]:
    return [
        "system_health",
        "--json",
        "--workspace",
        str(workspace),
        "--gateway-url",
        gw_url,
        "--openclaw-bin",
        str(fake.path),
        "--disk-warn",
        "99.8",
        "--disk-critical",
        "99.9",
    ]


def pending(state_dir: Path) -> list[dict[str, Any]]:
    path = state_dir / "alerts" / "pending.json"
    return json.loads(path.read_text()) if path.exists() else []


def test_runner_end_to_end(
    gw: FakeGateway, fake: FakeOpenclaw, workspace: Path, state_dir: Path
) -> None:
    proc = run_runner(*runner_args(gw.url, fake, workspace))
    assert proc.returncode == 0, proc.stderr
    record = json.loads(proc.stdout)
    assert record["report"]["overall"] == "warning"
    assert record["status"] == "success"
    assert "CHECK" in proc.stderr and "overall" in proc.stderr
    [alert] = pending(state_dir)
    assert alert["key"] == f"health:cron:{FAIL_ID}"
    # The gateway goes away: exit 1, one attempt only, one critical alert.
    down = f"http://127.0.0.1:{free_port()}"
    proc = run_runner(*runner_args(down, fake, workspace))
    assert proc.returncode == 1
    record = json.loads(proc.stdout)
    assert (record["status"], record["attempts"]) == ("failed", 1)
    assert record["report"]["overall"] == "critical"
    by_key = {a["key"]: a for a in pending(state_dir)}
    assert set(by_key) == {f"health:cron:{FAIL_ID}", "health:gateway"}
    assert by_key["health:gateway"]["level"] == "critical"
    assert by_key[f"health:cron:{FAIL_ID}"]["count"] == 1
    log = (state_dir / "logs" / "tasks.jsonl").read_text().splitlines()
    assert json.loads(log[-1])["report"]["overall"] == "critical"


def test_runner_dry_run_leaves_state_untouched(
    gw: FakeGateway, fake: FakeOpenclaw, workspace: Path, state_dir: Path
) -> None:
    proc = run_runner(*runner_args(gw.url, fake, workspace), "--dry-run")
    assert proc.returncode == 0, proc.stderr
    assert list(state_dir.iterdir()) == []


def test_a_crash_is_still_retried(
    gw: FakeGateway, fake: FakeOpenclaw, workspace: Path, state_dir: Path
) -> None:
    (state_dir / "state").write_text("a file where the state folder should be")
    proc = run_runner(*runner_args(gw.url, fake, workspace), "--retries", "1")
    assert proc.returncode == 1
    record = json.loads(proc.stdout)
    assert record["attempts"] == 2


def test_runner_a_bad_gateway_port_still_reports_disk_and_exits_1(
    fake: FakeOpenclaw, workspace: Path, state_dir: Path, tmp_path: Path
) -> None:
    write_openclaw_config(tmp_path, "{gateway: {port: '28789'}}")
    args = runner_args("unused", fake, workspace)
    del args[args.index("--gateway-url") : args.index("--gateway-url") + 2]
    proc = run_runner(*args)
    assert proc.returncode == 1, proc.stderr
    record = json.loads(proc.stdout)
    assert (record["status"], record["attempts"]) == ("failed", 1)
    statuses = {c["name"]: c["status"] for c in record["report"]["checks"]}
    assert statuses["gateway"] == "critical" and statuses["cron"] == "unknown"
    assert any(name.startswith("disk:") for name in statuses)
    assert [a["key"] for a in pending(state_dir)] == ["health:gateway"]


def test_runner_a_cli_printing_400k_log_lines_first_is_read_within_the_timeout(
    gw: FakeGateway, fake: FakeOpenclaw, workspace: Path, state_dir: Path
) -> None:
    # ~26 MiB of "[gateway] ..." lines, then the listing.
    fake.set(stdout=REAL_2026_9_6_LISTING, log_lines=400_000)
    proc = run_runner(
        *runner_args(gw.url, fake, workspace), "--timeout", "60", "--no-retry", timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    record = json.loads(proc.stdout)
    assert record["status"] == "success"
    cron_check = record["report"]["checks"][-1]
    assert cron_check["status"] == "warning"
    assert [f["name"] for f in cron_check["failing"]] == ["fail-job"]
    assert cron_check["output_left_out_bytes"] > 10 * 1024 * 1024
    assert "in the middle were not read" in cron_check["detail"]
