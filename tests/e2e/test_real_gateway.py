"""system_health against a real OpenClaw 2026.9.6 gateway on 127.0.0.1.

Needs the pinned Node + OpenClaw from ``.ci/install-openclaw.sh`` (found through
``TASKRUNNER_OPENCLAW_BIN_DIR``, else the script's default cache folder). The
gateway gets a throwaway HOME, its own TMPDIR and a free port; every process
the test starts is stopped (process-group kill) and the logs it wrote are removed.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from support.paths import RUNNER
from support.real_gateway import Gateway, bin_dir, gateway, processes_with_home

__all__ = ["bin_dir", "gateway"]  # fixtures, used by name


def run_health(
    gw: Gateway, state: Path, workspace: Path, *, use_env_port: bool
) -> tuple[int, dict[str, Any], str]:
    env = dict(gw.env)
    # As under cron: the runner has to keep the CLI from respawning out of reach itself.
    del env["OPENCLAW_NO_RESPAWN"]
    if not use_env_port:
        del env["OPENCLAW_GATEWAY_PORT"]  # then the port comes from the JSON5 config
    proc = subprocess.run(
        [
            sys.executable,
            str(RUNNER),
            "system_health",
            "--json",
            "--state-dir",
            str(state),
            "--workspace",
            str(workspace),
            "--openclaw-bin",
            str(gw.openclaw),
            # independent of how full this machine's disk is
            "--disk-warn",
            "99.9",
            "--disk-critical",
            "100",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    return proc.returncode, json.loads(proc.stdout), proc.stderr


def pending(state: Path) -> list[dict[str, Any]]:
    return list(json.loads((state / "alerts" / "pending.json").read_text()))


def add_job(gw: Gateway, name: str, cron: str, command: str) -> str:
    rc, data, err = gw.cli(
        "cron", "add", "--name", name, "--cron", cron, "--no-deliver", "--command", command
    )
    assert rc == 0 and isinstance(data, dict), err
    assert data["name"] == name
    return str(data["id"])


def run_job(gw: Gateway, job_id: str) -> dict[str, Any]:
    _, data, err = gw.cli("cron", "run", job_id, "--wait", "--wait-timeout", "60s")
    assert isinstance(data, dict) and data.get("completed") is True, err
    return data


def test_system_health_against_a_real_gateway(gateway: Gateway, tmp_path: Path) -> None:
    assert gateway.process.pid in processes_with_home(gateway.home)  # the leftover scan sees it
    fail_id = add_job(gateway, "fail-job", "0 3 * * *", "echo boom >&2; exit 3")
    ok_id = add_job(gateway, "ok-job", "0 4 * * *", "echo fine")
    assert run_job(gateway, fail_id)["status"] == "error"
    assert run_job(gateway, ok_id)["status"] == "ok"
    _, listing, err = gateway.cli("cron", "list", "--all", "--json")
    assert isinstance(listing, dict), err
    heartbeat = next(j for j in listing["jobs"] if j.get("declarationKey") == "heartbeat:main")
    hb_run = run_job(gateway, heartbeat["id"])
    assert hb_run["status"] == "skipped"  # "heartbeat skipped: no-route": not a failure

    state = tmp_path / "runner-state"
    workspace = tmp_path / "workspace"
    workspace.mkdir()

    rc, record, err = run_health(gateway, state, workspace, use_env_port=False)
    assert rc == 0, err
    checks = {c["name"]: c for c in record["report"]["checks"]}
    assert checks["gateway"]["status"] == "ok"
    assert checks["gateway"]["port_source"] == "gateway.port"
    assert checks["cron"]["status"] == "warning"
    assert [f["id"] for f in checks["cron"]["failing"]] == [fail_id]
    alerts = pending(state)
    assert [a["key"] for a in alerts] == [f"health:cron:{fail_id}"]
    assert "command exited with code 3" in alerts[0]["message"]
    assert "fail-job" in alerts[0]["message"]
    everything = json.dumps(alerts)
    assert ok_id not in everything and heartbeat["id"] not in everything

    gateway.stop()

    rc, record, err = run_health(gateway, state, workspace, use_env_port=True)
    assert rc == 1, err
    assert record["attempts"] == 1
    checks = {c["name"]: c for c in record["report"]["checks"]}
    assert checks["gateway"]["status"] == "critical"
    assert "connection refused" in checks["gateway"]["detail"]
    assert checks["cron"]["status"] == "unknown"
    alerts = pending(state)
    by_key = {a["key"]: a for a in alerts}
    assert len(alerts) == len(by_key) == 2, alerts
    assert by_key["health:gateway"]["level"] == "critical"
    assert by_key["health:gateway"]["count"] == 1
    assert by_key[f"health:cron:{fail_id}"]["count"] == 1  # not repeated, not "recovered"
    remembered = json.loads((state / "state" / "health.json").read_text())["problems"]
    assert f"health:cron:{fail_id}" in remembered
    assert processes_with_home(gateway.home) == []  # nothing the runs started is left
