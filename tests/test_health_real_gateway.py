"""system_health against a real OpenClaw 2026.9.6 gateway on 127.0.0.1.

Needs the pinned Node + OpenClaw from ``.ci/install-openclaw.sh`` (found through
``TASKRUNNER_OPENCLAW_BIN_DIR``, else the script's default cache folder). The
gateway gets a throwaway HOME, its own TMPDIR and a free port; every process
the test starts is stopped (process-group kill) and the logs it wrote are removed.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conftest import RUNNER
from health_fakes import free_port

from taskrunner.health.http import http_get
from taskrunner.system.process import run_command

pytestmark = pytest.mark.gateway

OPENCLAW_VERSION = "2026.9.6"
#: folders OpenClaw 2026.9.6 writes to in /tmp whatever TMPDIR says: its rolling logs (unless
#: logging.file says otherwise) and the per-state-database lock coordinators
OPENCLAW_TMP_DIRS = (Path("/tmp/openclaw"), Path(f"/tmp/openclaw-state-locks-{os.getuid()}"))
#: seconds a fresh gateway may take to answer /readyz 200 on a loaded machine
READY_TIMEOUT_S = 120.0


def find_bin_dir() -> Path | None:
    explicit = os.environ.get("TASKRUNNER_OPENCLAW_BIN_DIR")
    if explicit:
        if not (Path(explicit) / "openclaw").exists():
            pytest.fail(
                f"TASKRUNNER_OPENCLAW_BIN_DIR={explicit} holds no openclaw: "
                "run .ci/install-openclaw.sh again"
            )
        return Path(explicit)
    cache = os.environ.get("TASKRUNNER_OPENCLAW_CACHE") or str(
        Path.home() / ".cache" / "taskrunner-openclaw"
    )
    default = Path(cache) / "node_modules" / ".bin"
    if (default / "openclaw").exists() and (default / "node").exists():
        return default
    return None


@pytest.fixture(scope="module")
def bin_dir() -> Path:
    found = find_bin_dir()
    if found is None and os.environ.get("TASKRUNNER_REQUIRE_GATEWAY") == "1":
        pytest.fail(
            f"OpenClaw {OPENCLAW_VERSION} is not installed and TASKRUNNER_REQUIRE_GATEWAY=1 "
            "(CI): run `bin=$(bash .ci/install-openclaw.sh)` and set TASKRUNNER_OPENCLAW_BIN_DIR"
        )
    if found is None:
        pytest.skip(
            f"SKIPPED THE REAL-GATEWAY TEST: OpenClaw {OPENCLAW_VERSION} is not installed. "
            "Run `bin=$(bash .ci/install-openclaw.sh)` and set TASKRUNNER_OPENCLAW_BIN_DIR=$bin "
            "(CI must run this test)."
        )
    return found


def processes_with_home(home: Path) -> list[int]:
    """Live processes whose environment has ``HOME=home``: everything OpenClaw started here."""
    marker = b"HOME=" + str(home).encode() + b"\0"
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environ = (entry / "environ").read_bytes()
        except OSError:
            continue
        if environ.startswith(marker) or b"\0" + marker in environ:
            found.append(int(entry.name))
    return found


@dataclass
class Gateway:
    bin_dir: Path
    home: Path
    env: dict[str, str]
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def openclaw(self) -> Path:
        return self.bin_dir / "openclaw"

    def cli(self, *args: str, timeout_s: float = 120) -> tuple[int | None, Any, str]:
        """Run `openclaw <args>`; returns (exit code, parsed JSON stdout or None, stderr)."""
        result = run_command([str(self.openclaw), *args], timeout_s=timeout_s, env=self.env)
        assert not result.timed_out, f"openclaw {' '.join(args)} hung: {result.stderr[-2000:]}"
        try:
            data = json.loads(result.stdout)
        except ValueError:
            data = None
        return result.returncode, data, result.stderr

    def stop(self) -> None:
        """SIGTERM the gateway's process group; SIGKILL whatever is left after 30 s."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=30)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def log_tail(self) -> str:
        try:
            return self.log.read_text(errors="replace")[-3000:]
        except OSError:
            return "(no log)"


def _snapshot() -> dict[Path, set[str] | None]:
    """What is in OpenClaw's /tmp folders now (None: the folder does not exist)."""
    seen: dict[Path, set[str] | None] = {}
    for folder in OPENCLAW_TMP_DIRS:
        try:
            seen[folder] = set(os.listdir(folder))
        except OSError:
            seen[folder] = None
    return seen


def _remove_what_appeared(before: dict[Path, set[str] | None]) -> None:
    """Delete the entries created since ``before``; a folder we created goes too."""
    for folder, now in _snapshot().items():
        if now is None:
            continue
        old = before.get(folder) or set()
        for name in now - old:
            path = folder / name
            with contextlib.suppress(OSError):
                if path.is_dir() and not path.is_symlink():
                    shutil.rmtree(path)
                else:
                    path.unlink()
        if before.get(folder) is None:
            with contextlib.suppress(OSError):
                folder.rmdir()


@pytest.fixture
def gateway(bin_dir: Path, tmp_path: Path) -> Iterator[Gateway]:
    home = tmp_path / "gw-home"
    tmp = tmp_path / "gw-tmp"
    tmp.mkdir()
    port = free_port()
    config = home / ".openclaw" / "openclaw.json"
    config.parent.mkdir(parents=True)
    # JSON5, as people write it: the runner has to read the port from here.
    config.write_text(
        "// throwaway gateway for the system_health test\n"
        "{\n"
        f"  gateway: {{ port: {port}, bind: 'loopback', }},\n"
        f"  logging: {{ file: '{tmp_path / 'openclaw-file.log'}' }},\n"
        # Offline: without this the gateway fetches a model catalog from the internet at
        # start-up, even with OPENCLAW_OFFLINE=1 (checked on OpenClaw 2026.9.6).
        "  models: { catalogRefresh: { enabled: false } },\n"
        "}\n"
    )
    env = {
        # cron-like: the system Node (too old for OpenClaw) would win without openclaw's folder
        "PATH": f"{bin_dir}:/usr/bin:/bin",
        "HOME": str(home),
        "TMPDIR": str(tmp),
        "LANG": "C.UTF-8",
        "NO_COLOR": "1",
        "OPENCLAW_GATEWAY_PORT": str(port),
        "OPENCLAW_DISABLE_BONJOUR": "1",
        "OPENCLAW_SKIP_CHANNELS": "1",
        "OPENCLAW_NO_RESPAWN": "1",
        "OPENCLAW_OFFLINE": "1",
    }
    tmp_before = _snapshot()
    log = tmp_path / "gateway.out"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                str(bin_dir / "openclaw"),
                "gateway",
                "run",
                "--allow-unconfigured",
                "--bind",
                "loopback",
            ],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    gw = Gateway(bin_dir, home, env, port, process, log)
    try:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while http_get(f"http://127.0.0.1:{port}/readyz", timeout_s=2).status != 200:
            if process.poll() is not None:
                pytest.fail(f"the gateway exited with {process.returncode}:\n{gw.log_tail()}")
            if time.monotonic() > deadline:
                pytest.fail(
                    f"the gateway was not ready within {READY_TIMEOUT_S:g} s:\n{gw.log_tail()}"
                )
            time.sleep(0.25)
        yield gw
    finally:
        gw.stop()
        for pid in processes_with_home(home):  # anything that escaped the group kills
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        _remove_what_appeared(tmp_before)


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
