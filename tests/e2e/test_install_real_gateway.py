"""``runner.py install`` / ``uninstall`` against a real OpenClaw 2026.9.6 gateway on 127.0.0.1.

One gateway for the whole story (starting one takes a while): install,
re-install (nothing changes), the installed jobs run through ``cron run
--wait`` with their real argv (a success, a locked overlap and a failing
task all end ``ok``), the heartbeat scratch keeps the user's own text, the
skill is listed as ready, and uninstall leaves the user's job and text.
Skips (or fails under ``TASKRUNNER_REQUIRE_GATEWAY=1``) like the health test.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from support.paths import RUNNER
from support.plugin_factory import write_task
from support.real_gateway import Gateway, bin_dir, gateway
from taskrunner import runlock as locking

pytestmark = pytest.mark.gateway
__all__ = ["bin_dir", "gateway"]  # fixtures, shared with the health test

USER_SCRATCH = "My own standing order: water the plants.\n- and check the mail"


def runner(gw: Gateway, state: Path, plugins: Path, *args: str) -> tuple[dict[str, Any], float]:
    """``runner.py <args> --json`` as a user types it: openclaw on PATH, OpenClaw's HOME."""
    env = {
        **gw.env,
        "OPENCLAW_HOME": str(gw.home),
        "TASKRUNNER_TASKS_PATH": str(plugins),
    }
    del env["OPENCLAW_NO_RESPAWN"]  # the runner sets it for its own openclaw calls
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, str(RUNNER), *args, "--state-dir", str(state), "--json"],
        env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    elapsed = time.monotonic() - started
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout), elapsed


def jobs_by_key(gw: Gateway) -> dict[str, dict[str, Any]]:
    _, listing, err = gw.cli("cron", "list", "--all", "--json")
    assert isinstance(listing, dict), err
    return {str(j.get("declarationKey") or j["name"]): j for j in listing["jobs"]}


def scratch_text(gw: Gateway, job_id: str) -> str:
    _, data, err = gw.cli("cron", "scratch", job_id, "--json")
    assert isinstance(data, dict), err
    return str((data.get("scratch") or {}).get("content") or "")


def run_job(gw: Gateway, job_id: str, *, within_s: float = 120) -> dict[str, Any]:
    """Run the job now and wait for it. When its own schedule has just started it
    (``system_health`` runs every 5 minutes), OpenClaw answers ``already-running``
    without running it: wait for that run to end, then ask again."""
    deadline = time.monotonic() + within_s
    while True:
        _, data, err = gw.cli(
            "cron", "run", job_id, "--wait", "--wait-timeout", "120s", timeout_s=200
        )
        assert isinstance(data, dict), err
        if data.get("reason") != "already-running" or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert data.get("completed") is True, (data, err)
    return data


def test_install_run_reinstall_uninstall_against_a_real_gateway(
    gateway: Gateway, tmp_path: Path
) -> None:
    workspace = gateway.home / ".openclaw" / "workspace"  # the default agent's, resolved
    workspace.mkdir(parents=True, exist_ok=True)
    state = tmp_path / "runner-state"
    plugins = tmp_path / "plugins"
    write_task(plugins, "always_fails", "raise RuntimeError('the disk is on fire')",
               attrs="retries = 0")  # fmt: skip
    rc, user_job, err = gateway.cli(
        "cron", "add", "--name", "my-backup", "--cron", "0 4 * * *", "--no-deliver",
        "--command", "echo backup",
    )  # fmt: skip
    assert rc == 0 and isinstance(user_job, dict), err
    heartbeat = jobs_by_key(gateway)["heartbeat:main"]
    gateway.cli("cron", "scratch", heartbeat["id"], "--set", USER_SCRATCH)

    doc, first_s = runner(gateway, state, plugins, "install", "--every", "always_fails=1d")
    assert doc["target"] == "openclaw" and doc["changed"] is True
    assert doc["workspaces"] == [{"workspace": str(workspace), "agent": "main"}]
    jobs = jobs_by_key(gateway)
    ours = {k: j for k, j in jobs.items() if k.startswith("taskrunner:")}
    assert set(ours) >= {
        "taskrunner:memory_capture",
        "taskrunner:memory_consolidate",
        "taskrunner:system_health",
        "taskrunner:always_fails",
    }
    health = ours["taskrunner:system_health"]
    assert health["description"].startswith("[managed-by=taskrunner]")
    assert health["delivery"]["mode"] == "none"
    assert health["schedule"] == {"kind": "cron", "expr": "*/5 * * * *", **{
        k: v for k, v in health["schedule"].items() if k == "staggerMs"}}  # fmt: skip
    argv = health["payload"]["argv"]
    assert argv[:4] == [sys.executable, str(RUNNER), "system_health", "--scheduled"]
    assert argv[argv.index("--workspace") + 1] == str(workspace)
    assert health["payload"]["timeoutSeconds"] > 4 * 180
    text = scratch_text(gateway, heartbeat["id"])
    assert text.startswith(USER_SCRATCH) and text.count("taskrunner:begin") == 1
    assert "alerts --drain" in text

    again, second_s = runner(gateway, state, plugins, "install", "--every", "always_fails=1d")
    assert again["changed"] is False
    assert {a["change"] for a in again["actions"]} == {"unchanged"}
    assert not [c for c in again["openclaw_commands"] if c["argv"][1:3] != ["cron", "list"]
                and c["argv"][2] != "scratch"]  # fmt: skip
    after = jobs_by_key(gateway)
    # (updatedAtMs moves when a job runs on its schedule, so compare what install sets)
    fields = ("id", "name", "description", "schedule", "payload", "delivery", "enabled")
    assert {k: {f: after[k].get(f) for f in fields} for k in ours} == {
        k: {f: j.get(f) for f in fields} for k, j in ours.items()
    }
    print(f"\ninstall against the real gateway: first {first_s:.1f} s, again {second_s:.1f} s")
    _, skills, err = gateway.cli("skills", "list", "--json")
    listed = {s["name"]: s for s in skills["skills"]}
    assert listed["taskrunner"]["eligible"] is True, listed.get("taskrunner")

    assert run_job(gateway, health["id"])["status"] == "ok"
    failing = run_job(gateway, ours["taskrunner:always_fails"]["id"])
    assert failing["status"] == "ok", failing
    with contextlib.ExitStack() as stack:
        held = locking.acquire(state / "locks", "memory_capture", workspace, {"pid": os.getpid()})
        stack.callback(held.release)
        locked = run_job(gateway, ours["taskrunner:memory_capture"]["id"])
    assert locked["status"] == "ok", locked
    records = [
        json.loads(line) for line in (state / "logs" / "tasks.jsonl").read_text().splitlines()
    ]
    seen = [(r["task"], r["status"]) for r in records]
    # A job may also fire on its own schedule meanwhile (memory_guard's */15, capture at
    # :00): the three started above each left their record, and nothing else failed.
    ran = {("system_health", "success"), ("always_fails", "failed"), ("memory_capture", "locked")}
    assert ran <= set(seen), seen
    assert all(s in ("success", "locked") for t, s in seen if t != "always_fails"), seen
    pending = json.loads((state / "alerts" / "pending.json").read_text())
    assert any("the disk is on fire" in a["message"] for a in pending)

    status, _ = runner(gateway, state, plugins, "status")
    assert status["openclaw"]["heartbeat_paragraph"] == {"main": True}
    assert all(j["installed"] and j["enabled"] for j in status["openclaw"]["jobs"])

    gone, _ = runner(gateway, state, plugins, "uninstall")
    assert gone["changed"] is True
    left = jobs_by_key(gateway)
    assert not [k for k in left if k.startswith("taskrunner:")]
    assert left["my-backup"]["id"] == user_job["id"]
    assert scratch_text(gateway, heartbeat["id"]) == USER_SCRATCH
    assert not (workspace / "skills" / "taskrunner").exists()
