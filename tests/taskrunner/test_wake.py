"""Critical alerts start a heartbeat now, once per alert key per hour; failures break nothing."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from support.plugin_factory import write_task
from support.runner import run_runner
from taskrunner import wake

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
CRITICAL = {"level": "critical", "message": "store.json is corrupt", "key": "capture:store"}


@pytest.fixture
def fake_openclaw(tmp_path: Path) -> Path:
    """An ``openclaw`` that records each call's arguments and exits with $FAKE_RC (0)."""
    calls = tmp_path / "calls.jsonl"
    script = tmp_path / "bin" / "openclaw"
    script.parent.mkdir()
    script.write_text(
        "#!/usr/bin/env python3\n"
        "import json, os, sys\n"
        f"open({str(calls)!r}, 'a').write(json.dumps(sys.argv[1:]) + '\\n')\n"
        "print(json.dumps({'ok': os.environ.get('FAKE_RC', '0') == '0'}))\n"
        "sys.exit(int(os.environ.get('FAKE_RC', '0')))\n"
    )
    script.chmod(0o755)
    return script


def calls(fake: Path) -> list[list[str]]:
    path = fake.parent.parent / "calls.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def env_for(fake: Path, **extra: str) -> dict[str, str]:
    return {"TASKRUNNER_OPENCLAW_BIN": str(fake), "PATH": "/usr/bin:/bin", **extra}


def test_one_wake_per_key_per_hour(fake_openclaw: Path, state_dir: Path) -> None:
    env = env_for(fake_openclaw)
    assert wake.wake_for_critical([CRITICAL], state_dir, env=env, now=T0) is True
    argv = calls(fake_openclaw)[0]
    assert argv[:2] == ["system", "event"] and argv[argv.index("--mode") + 1] == "now"
    assert "store.json is corrupt" in argv[argv.index("--text") + 1]
    assert "alerts --drain" in argv[argv.index("--text") + 1]
    later = T0 + timedelta(minutes=59)
    assert wake.wake_for_critical([CRITICAL], state_dir, env=env, now=later) is None
    other = {**CRITICAL, "key": "health:disk:/"}
    assert wake.wake_for_critical([CRITICAL, other], state_dir, env=env, now=later) is True
    assert len(calls(fake_openclaw)) == 2
    hour_later = T0 + timedelta(minutes=61)
    assert wake.wake_for_critical([CRITICAL], state_dir, env=env, now=hour_later) is True
    assert len(calls(fake_openclaw)) == 3


def test_failed_wake_is_retried_after_ten_minutes_and_never_raises(
    fake_openclaw: Path, state_dir: Path
) -> None:
    env = env_for(fake_openclaw, FAKE_RC="1")
    assert wake.wake_for_critical([CRITICAL], state_dir, env=env, now=T0) is False
    soon = T0 + timedelta(minutes=5)
    assert wake.wake_for_critical([CRITICAL], state_dir, env=env, now=soon) is None
    retry = T0 + timedelta(minutes=11)
    assert wake.wake_for_critical([CRITICAL], state_dir, env=env, now=retry) is False
    assert len(calls(fake_openclaw)) == 2
    missing = env_for(fake_openclaw.parent / "nothing-here")
    assert wake.wake_for_critical([{**CRITICAL, "key": "k2"}], state_dir, env=missing) is False


def test_no_wake_for_non_critical_alerts_or_a_gateway_that_is_down(
    fake_openclaw: Path, state_dir: Path
) -> None:
    env = env_for(fake_openclaw)
    warning = {**CRITICAL, "level": "warning"}
    gateway = {"level": "critical", "message": "gateway down", "key": "health:gateway"}
    assert wake.wake_for_critical([warning, gateway], state_dir, env=env, now=T0) is None
    assert (
        wake.wake_for_critical([CRITICAL], state_dir, env={**env, "TASKRUNNER_WAKE": "0"}) is None
    )
    assert calls(fake_openclaw) == []


def test_a_run_queuing_a_critical_alert_wakes_and_keeps_the_alert_queued(
    fake_openclaw: Path, state_dir: Path, workspace: Path, tmp_path: Path
) -> None:
    plugins = tmp_path / "plugins"
    write_task(
        plugins,
        "shouts",
        "self.alert('the sky is falling', level='critical', key='sky')\n"
        "return {'success': True, 'message': 'said it'}",
    )
    for rc in ("1", "0"):
        env = {"TASKRUNNER_TASKS_PATH": str(plugins), **env_for(fake_openclaw, FAKE_RC=rc)}
        proc = run_runner("shouts", "--scheduled", "--workspace", str(workspace), env=env)
        assert proc.returncode == 0, proc.stderr
        if rc == "1":
            assert "did not start a heartbeat" in proc.stderr
            state = json.loads((state_dir / "state" / "wake.json").read_text())
            (state_dir / "state" / "wake.json").write_text(
                json.dumps(
                    {"keys": {"sky": {**state["keys"]["sky"], "at": "2000-01-01T00:00:00+00:00"}}}
                )
            )
    assert len(calls(fake_openclaw)) == 2
    queued = json.loads((state_dir / "alerts" / "pending.json").read_text())
    assert [a["key"] for a in queued] == ["sky"] and queued[0]["count"] == 2


def test_a_corrupt_wake_state_is_set_aside_and_waking_goes_on(
    fake_openclaw: Path, state_dir: Path
) -> None:
    path = wake.wake_state_path(state_dir)
    path.parent.mkdir(parents=True)
    path.write_text("{half")
    assert wake.wake_for_critical([CRITICAL], state_dir, env=env_for(fake_openclaw), now=T0)
    kept = list(path.parent.glob("wake.json.corrupt-*"))
    assert len(kept) == 1 and kept[0].read_text() == "{half"
    assert "capture:store" in json.loads(path.read_text())["keys"]
