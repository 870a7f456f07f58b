"""A real stand-in for the ``openclaw`` CLI: an executable whose behaviour a test writes into
``spec.json``, and job listings in the shapes real releases print."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

_FAKE_OPENCLAW = """\
import json, os, signal, subprocess, sys, time
from pathlib import Path

here = Path(__file__).resolve().parent
(here / "argv.json").write_text(json.dumps(sys.argv[1:]))
(here / "path.txt").write_text(os.environ.get("PATH", ""))
(here / "env.json").write_text(json.dumps(dict(os.environ)))
spec = json.loads((here / "spec.json").read_text())
if spec.get("hang"):
    # A CLI stuck on a dead socket, with a helper of its own; both ignore SIGTERM.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    helper = subprocess.Popen([sys.executable, "-c",
        "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(3600)"])
    (here / "pids.json").write_text(json.dumps([os.getpid(), helper.pid]))
    time.sleep(3600)
out = spec.get("stdout", "")
if not isinstance(out, str):
    out = json.dumps(out, indent=2)
for n in range(spec.get("log_lines", 0)):
    # what a chatty CLI prints before its answer: lines starting with "["
    sys.stdout.write(f"[gateway] {n:07d} ws connected; listening on 127.0.0.1 (pid 4242)\\n")
sys.stdout.write(out)
sys.stderr.write(spec.get("stderr", ""))
sys.exit(spec.get("rc", 0))
"""


class FakeOpenclaw:
    """An executable ``openclaw`` in its own folder; ``set(...)`` decides what it does."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.path = folder / "openclaw"
        self.path.write_text(f"#!{sys.executable}\n{_FAKE_OPENCLAW}")
        self.path.chmod(0o755)
        self.set(stdout={"jobs": [], "total": 0})

    def set(
        self,
        *,
        stdout: Any = "",
        stderr: str = "",
        rc: int = 0,
        hang: bool = False,
        log_lines: int = 0,
    ) -> None:
        """What the next runs print and do; ``log_lines`` log lines go before ``stdout``."""
        spec = {"stdout": stdout, "stderr": stderr, "rc": rc, "hang": hang, "log_lines": log_lines}
        (self.folder / "spec.json").write_text(json.dumps(spec))

    def jobs(self, *jobs: dict[str, Any]) -> None:
        self.set(stdout={"jobs": list(jobs), "total": len(jobs), "hasMore": False})

    @property
    def argv(self) -> list[str]:
        return list(json.loads((self.folder / "argv.json").read_text()))

    @property
    def pids(self) -> list[int]:
        return list(json.loads((self.folder / "pids.json").read_text()))


# -- job listings ---------------------------------------------------------------


def job(
    job_id: str,
    name: str,
    *,
    last: str | None = None,
    error: str | None = None,
    streak: int = 0,
    enabled: bool = True,
) -> dict[str, Any]:
    """A job as OpenClaw 2026.9.6 lists it (state nested, some fields mirrored on top)."""
    state: dict[str, Any] = {"nextRunAtMs": 1796007600000}
    entry: dict[str, Any] = {
        "id": job_id,
        "name": name,
        "enabled": enabled,
        "schedule": {"kind": "cron", "expr": "0 3 * * *"},
        "state": state,
        "status": last or "idle",
    }
    if last is not None:
        state.update(lastRunStatus=last, lastStatus=last, consecutiveErrors=streak)
        entry["lastRunStatus"] = last
        if error is not None:
            state["lastError"] = error
            entry["lastRunError"] = error
    return entry


def old_job(
    job_id: str, name: str, *, last: str, error: str | None = None, streak: int = 0
) -> dict[str, Any]:
    """A job as OpenClaw up to 2026.5 lists it: state fields at the top level only."""
    entry: dict[str, Any] = {
        "id": job_id,
        "name": name,
        "enabled": True,
        "state": {"nextRunAtMs": 1796007600000},
        "lastStatus": last,
        "consecutiveErrors": streak,
    }
    if error is not None:
        entry["lastError"] = error
    return entry


#: trimmed from the real output of `openclaw cron list --all --json` (OpenClaw 2026.9.6)
#: after running fail-job, ok-job and the heartbeat once
REAL_2026_9_6_LISTING: dict[str, Any] = json.loads(
    (Path(__file__).resolve().parents[1] / "data" / "openclaw-2026.9.6-cron-list.json").read_text()
)

#: what 2026.9.6 prints (and exits 1) when the gateway is not running
REAL_GATEWAY_DOWN_ERROR: dict[str, Any] = {
    "ok": False,
    "error": {
        "type": "cli_error",
        "message": "Gateway not reachable at ws://127.0.0.1:28790 (ECONNREFUSED).\n"
        "Start it with `openclaw gateway run` or check `openclaw gateway status`.",
    },
}


#: the one failing job in REAL_2026_9_6_LISTING
FAILING_JOB_ID = "032711a4-a869-47a2-bf86-1b6dfc37bf24"


def write_openclaw_config(tmp_path: Path, text: str) -> Path:
    """``openclaw.json`` holding ``text`` in the test's OpenClaw home (``tmp_path/home``)."""
    config = tmp_path / "home" / ".openclaw" / "openclaw.json"
    config.parent.mkdir(parents=True)
    config.write_text(text)
    return config


def system_health_argv(gw_url: str, fake: FakeOpenclaw, workspace: Path) -> list[str]:
    """``runner.py`` arguments for system_health against these fakes, disks never full."""
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
