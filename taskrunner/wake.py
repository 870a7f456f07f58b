"""Critical alerts do not wait for the next heartbeat: ask OpenClaw to run one now.

When a run queues a critical alert, ``openclaw system event --text T --mode
now`` starts a heartbeat at once, and the heartbeat's standing instructions
(``runner.py install`` puts them in its scratch) drain the queue. At most one
wake per alert key per hour: a disk that stays full is checked every five
minutes and must not start twelve heartbeats an hour. A wake that fails (no
openclaw, no gateway) breaks nothing: the alert stays queued for the next
regular heartbeat, and the failed attempt is retried after ten minutes at the
earliest, since a CLI that cannot reach its gateway takes many seconds to say so.

The last wake per key is kept in ``<state dir>/state/wake.json``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

# emit, not print: the run is recorded by now, and a reader that has gone
# (`2>&1 | head -1`) must not turn its exit code into anything else.
from .diagnostics import emit
from .errors import StateCorrupt, TaskrunnerError
from .system import lockfile as flock
from .system.atomic import write_json_atomic
from .system.jsonstate import read_json_state, set_aside
from .system.process import ProcResult, run_command

#: seconds between two wakes for the same alert key
WAKE_INTERVAL_S = 3600.0
#: seconds before a failed wake for a key is tried again
FAILED_RETRY_S = 600.0
#: seconds `openclaw system event` may take (it needs several on a small machine)
WAKE_TIMEOUT_S = 45.0
#: set to 0 to never wake the heartbeat
ENV_SWITCH = "TASKRUNNER_WAKE"
#: a heartbeat cannot be started through a gateway that is down: no wake for its alert
_NO_WAKE_KEYS = ("health:gateway",)
_SHAPE = 'a JSON object {"version": 1, "keys": {...}}'

Runner = Callable[..., ProcResult]


def wake_state_path(state_dir: Path) -> Path:
    return Path(state_dir) / "state" / "wake.json"


def alert_key(alert: Mapping[str, Any]) -> str:
    key = alert.get("key")
    return str(key) if key else f"{alert.get('task', '?')}:{alert.get('message', '')}"[:200]


def _valid(data: Any) -> bool:
    return isinstance(data, dict) and isinstance(data.get("keys"), dict)


def load_wakes(path: Path, now: datetime) -> dict[str, dict[str, Any]]:
    """``{key: {"at": iso, "ok": bool}}``; a corrupt file is set aside (the lock is held)."""
    try:
        data = read_json_state(path, what="the wake state", valid=_valid, shape=_SHAPE)
    except StateCorrupt:
        set_aside(path, now)
        return {}
    if data is None:
        return {}
    return {str(k): v for k, v in data["keys"].items() if isinstance(v, dict)}


def due(
    alerts: Sequence[Mapping[str, Any]], wakes: Mapping[str, Mapping[str, Any]], now: datetime
) -> list[Mapping[str, Any]]:
    """The critical alerts whose key has not had a wake recently enough."""
    chosen: dict[str, Mapping[str, Any]] = {}
    for alert in alerts:
        key = alert_key(alert)
        if alert.get("level") != "critical" or key in chosen or key in _NO_WAKE_KEYS:
            continue
        last = wakes.get(key)
        if last is not None:
            try:
                at = datetime.fromisoformat(str(last.get("at")))
            except ValueError:
                at = None
            if at is not None:
                wait_s = WAKE_INTERVAL_S if last.get("ok") else FAILED_RETRY_S
                if now - at < timedelta(seconds=wait_s):
                    continue
        chosen[key] = alert
    return list(chosen.values())


def event_text(alerts: Sequence[Mapping[str, Any]], state_dir: Path) -> str:
    """What the heartbeat is told: the alerts, and the command that drains them."""
    messages = "; ".join(" ".join(str(a.get("message", "")).split())[:300] for a in alerts)
    from .commandline import runner_command

    # --state-dir always, as in the heartbeat's instructions: the agent's environment
    # may set TASKRUNNER_STATE_DIR to another folder.
    drain = runner_command("alerts", "--drain", "--state-dir", str(state_dir))
    return f"taskrunner critical alert: {messages}. Drain and report the alerts now: {drain}"


def wake_for_critical(
    alerts: Sequence[Mapping[str, Any]],
    state_dir: Path,
    *,
    env: Mapping[str, str] | None = None,
    now: datetime | None = None,
    run: Runner = run_command,
) -> bool | None:
    """Start a heartbeat for the critical ``alerts`` that are due one.

    Returns True when OpenClaw accepted the event, False when the attempt
    failed, None when no wake was due (or waking is switched off). Never raises.
    """
    environ = dict(os.environ if env is None else env)
    if environ.get(ENV_SWITCH, "").strip() == "0":
        return None
    moment = now or datetime.now().astimezone()
    path = wake_state_path(state_dir)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with flock.held(path.with_name(path.name + ".lock"), what="the wake lock", timeout_s=5):
            wakes = load_wakes(path, moment)
            chosen = due(alerts, wakes, moment)
            if not chosen:
                return None
            ok = _send(chosen, state_dir, environ, run)
            stamp = moment.isoformat(timespec="seconds")
            for alert in chosen:
                wakes[alert_key(alert)] = {"at": stamp, "ok": ok}
            write_json_atomic(path, {"version": 1, "keys": wakes})
    except (OSError, TaskrunnerError) as exc:
        emit(f"warning: could not ask OpenClaw for a heartbeat: {exc}")
        return False
    return ok


def _send(
    alerts: Sequence[Mapping[str, Any]], state_dir: Path, env: dict[str, str], run: Runner
) -> bool:
    from .health.cron import command_env, find_openclaw

    located = find_openclaw(None, env)
    if located.path is None:
        emit(f"note: no heartbeat started for the critical alert: {located.source}")
        return False
    argv = [str(located.path), "system", "event", "--text", event_text(alerts, state_dir)]
    argv += ["--mode", "now", "--json"]
    try:
        result = run(argv, timeout_s=WAKE_TIMEOUT_S, env=command_env(located.path, env))
    except OSError as exc:
        emit(f"note: could not run {located.path}: {exc.strerror or exc}")
        return False
    if result.timed_out or result.returncode != 0:
        why = "timed out" if result.timed_out else f"exit {result.returncode}"
        detail = (result.stdout.strip() or result.stderr.strip()).splitlines()[:1]
        emit(
            f"note: OpenClaw did not start a heartbeat ({why}: {' '.join(detail)}); "
            "the alert stays queued for the next one"
        )
        return False
    return True
