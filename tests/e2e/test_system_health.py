"""system_health through runner.py, as cron runs it: a real subprocess."""

from __future__ import annotations

import json
from pathlib import Path

from support.alerts import pending_alerts
from support.fake_gateway import FakeGateway, free_port
from support.fake_openclaw import (
    FAILING_JOB_ID,
    REAL_2026_9_6_LISTING,
    FakeOpenclaw,
    system_health_argv,
    write_openclaw_config,
)
from support.runner import run_runner


def test_runner_end_to_end(
    gw: FakeGateway, fake: FakeOpenclaw, workspace: Path, state_dir: Path
) -> None:
    proc = run_runner(*system_health_argv(gw.url, fake, workspace))
    assert proc.returncode == 0, proc.stderr
    record = json.loads(proc.stdout)
    assert record["report"]["overall"] == "warning"
    assert record["status"] == "success"
    assert "CHECK" in proc.stderr and "overall" in proc.stderr
    [alert] = pending_alerts(state_dir)
    assert alert["key"] == f"health:cron:{FAILING_JOB_ID}"
    # The gateway goes away: exit 1, one attempt only, one critical alert.
    down = f"http://127.0.0.1:{free_port()}"
    proc = run_runner(*system_health_argv(down, fake, workspace))
    assert proc.returncode == 1
    record = json.loads(proc.stdout)
    assert (record["status"], record["attempts"]) == ("failed", 1)
    assert record["report"]["overall"] == "critical"
    by_key = {a["key"]: a for a in pending_alerts(state_dir)}
    assert set(by_key) == {f"health:cron:{FAILING_JOB_ID}", "health:gateway"}
    assert by_key["health:gateway"]["level"] == "critical"
    assert by_key[f"health:cron:{FAILING_JOB_ID}"]["count"] == 1
    log = (state_dir / "logs" / "tasks.jsonl").read_text().splitlines()
    assert json.loads(log[-1])["report"]["overall"] == "critical"


def test_runner_dry_run_leaves_state_untouched(
    gw: FakeGateway, fake: FakeOpenclaw, workspace: Path, state_dir: Path
) -> None:
    proc = run_runner(*system_health_argv(gw.url, fake, workspace), "--dry-run")
    assert proc.returncode == 0, proc.stderr
    assert list(state_dir.iterdir()) == []


def test_a_state_folder_that_cannot_be_written_is_a_warning_not_the_runs_failure(
    gw: FakeGateway, fake: FakeOpenclaw, workspace: Path, state_dir: Path
) -> None:
    # (Was: the OSError failed the run and was retried. The findings are what
    # the user runs the check for; an unsaved state only delays recoveries.)
    (state_dir / "state").write_text("a file where the state folder should be")
    proc = run_runner(*system_health_argv(gw.url, fake, workspace), "--retries", "1")
    record = json.loads(proc.stdout)
    assert record["attempts"] == 1
    assert record["report"]["overall"] == "warning"  # the failing cron job, as always
    assert "the health state was not saved" in record["state_warning"]


def test_runner_a_bad_gateway_port_still_reports_disk_and_exits_1(
    fake: FakeOpenclaw, workspace: Path, state_dir: Path, tmp_path: Path
) -> None:
    write_openclaw_config(tmp_path, "{gateway: {port: '28789'}}")
    args = system_health_argv("unused", fake, workspace)
    del args[args.index("--gateway-url") : args.index("--gateway-url") + 2]
    proc = run_runner(*args)
    assert proc.returncode == 1, proc.stderr
    record = json.loads(proc.stdout)
    assert (record["status"], record["attempts"]) == ("failed", 1)
    statuses = {c["name"]: c["status"] for c in record["report"]["checks"]}
    assert statuses["gateway"] == "critical" and statuses["cron"] == "unknown"
    assert any(name.startswith("disk:") for name in statuses)
    assert [a["key"] for a in pending_alerts(state_dir)] == ["health:gateway"]


def test_runner_a_cli_printing_400k_log_lines_first_is_read_within_the_timeout(
    gw: FakeGateway, fake: FakeOpenclaw, workspace: Path, state_dir: Path
) -> None:
    # ~26 MiB of "[gateway] ..." lines, then the listing.
    fake.set(stdout=REAL_2026_9_6_LISTING, log_lines=400_000)
    proc = run_runner(
        *system_health_argv(gw.url, fake, workspace), "--timeout", "60", "--no-retry", timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    record = json.loads(proc.stdout)
    assert record["status"] == "success"
    cron_check = record["report"]["checks"][-1]
    assert cron_check["status"] == "warning"
    assert [f["name"] for f in cron_check["failing"]] == ["fail-job"]
    assert cron_check["output_left_out_bytes"] > 10 * 1024 * 1024
    assert "in the middle were not read" in cron_check["detail"]
