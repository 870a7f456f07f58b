"""The OpenClaw target without a gateway: job upserts, ownership, agents, a scratch edit race.

The fake ``openclaw`` here is a real executable speaking the 2026.9.6 CLI's
JSON for ``cron scratch``, including its refusal of a stale
``--expected-revision``; the real gateway test covers the rest end to end.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import pytest

from taskrunner.errors import InstallError
from taskrunner.install import openclaw_target as oc
from taskrunner.install.command import resolve_targets
from taskrunner.install.openclaw_cli import OpenClawCli
from taskrunner.install.plan import Target, build_jobs, job_description, scheduled_tasks
from taskrunner.install.scratch import BEGIN, render


def target(tmp_path: Path, agent: str = "main", default: bool = True) -> Target:
    t = Target(tmp_path / "ws", tmp_path / "st", agent, default_agent=default)
    t.jobs = build_jobs(t, scheduled_tasks({}), openclaw_bin=None)
    return t


def listed(job: Any, t: Target) -> dict[str, Any]:
    """The job as `openclaw cron list --json` shows it after our upsert (2026.9.6 shape)."""
    return {
        "id": f"id-{job.task}",
        "declarationKey": t.declaration_key(job.task),
        "name": oc.job_name(job.task, t),
        "description": job_description(job.task, job.schedule),
        "enabled": True,
        "schedule": {"kind": "cron", "expr": job.schedule.expr, "staggerMs": 300000},
        "payload": {
            "kind": "command",
            "argv": list(job.argv),
            "cwd": str(t.workspace),
            "env": dict(job.env),
            "timeoutSeconds": job.timeout_s,
        },
        "delivery": {"mode": "none", "channel": "last"},
        "state": {},
        **({"agentId": t.agent} if not t.default_agent else {}),
    }


def test_upsert_arguments_and_what_counts_as_unchanged(tmp_path: Path) -> None:
    t = target(tmp_path)
    job = t.jobs[0]
    args = oc.add_args(job, t)
    assert args[:2] == ["cron", "add"]
    assert args[args.index("--declaration-key") + 1] == "taskrunner:memory_capture"
    assert args[args.index("--description") + 1].startswith("[managed-by=taskrunner] ")
    assert "--no-deliver" in args and "--agent" not in args
    assert json.loads(args[args.index("--command-argv") + 1]) == list(job.argv)
    assert int(args[args.index("--timeout-seconds") + 1]) == job.timeout_s
    current = listed(job, t)
    assert oc.matches(current, job, t)
    for change in (
        {"payload": {**current["payload"], "argv": ["/usr/bin/python3", *job.argv[1:]]}},
        {"schedule": {"kind": "cron", "expr": "5 * * * *"}},
        {"delivery": {"mode": "announce"}},
        {"payload": {**current["payload"], "timeoutSeconds": 600}},
    ):
        assert not oc.matches({**current, **change}, job, t)


def test_a_non_default_agent_gets_its_own_keys_and_agent(tmp_path: Path) -> None:
    ops = target(tmp_path, "ops", default=False)
    args = oc.add_args(ops.jobs[0], ops)
    assert args[args.index("--agent") + 1] == "ops"
    assert args[args.index("--declaration-key") + 1] == "taskrunner:ops:memory_capture"
    assert oc.heartbeat_key(ops) == "heartbeat:ops"
    main = target(tmp_path)
    mine = listed(main.jobs[0], main)
    theirs = listed(ops.jobs[0], ops)
    user = {**mine, "declarationKey": "taskrunner:custom", "description": "my own job"}
    assert oc.ours(mine, main) and not oc.ours(theirs, main)
    assert oc.ours(theirs, ops) and not oc.ours(mine, ops)
    assert not oc.ours(user, main)  # our key shape, but not our description


def test_install_wires_every_agent_asked_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    (home / ".openclaw").mkdir(parents=True)
    (home / ".openclaw" / "openclaw.json").write_text(
        "{agents: {defaults: {workspace: '~/agents'},"
        " list: [{id: 'main', default: true}, {id: 'ops'}]}}"
    )
    (home / "agents" / "ops").mkdir(parents=True)
    env = {"OPENCLAW_HOME": str(home)}
    args = argparse.Namespace(workspace=None, agent=["main", "ops"])
    targets = resolve_targets(args, tmp_path / "st", env)
    assert [(t.agent, t.default_agent, t.workspace) for t in targets] == [
        ("main", True, home / "agents"),
        ("ops", False, home / "agents" / "ops"),
    ]
    (home / "agents" / "ops").rmdir()
    with pytest.raises(InstallError, match="does not exist"):
        resolve_targets(args, tmp_path / "st", env)


FAKE_SCRATCH_CLI = r"""#!/usr/bin/env python3
import json, sys
state_path = sys.argv[0] + ".state.json"
state = json.load(open(state_path))
args = sys.argv[1:]
def out(doc, rc=0):
    print(json.dumps(doc)); sys.exit(rc)
if args[:2] == ["cron", "scratch"]:
    rev = state["revision"]
    if "--set" in args:
        if int(args[args.index("--expected-revision") + 1]) != rev:
            out({"ok": False, "error": {"type": "cli_error",
                 "message": f"cron scratch changed concurrently (current revision {rev})"}}, 1)
        if state.get("race"):  # the agent writes between our read and our write
            state["race"] -= 1
            state["content"] += "\nagent: remember the dentist"
            state["revision"] = rev + 1
            json.dump(state, open(state_path, "w"))
            out({"ok": False, "error": {"type": "cli_error",
                 "message": f"cron scratch changed concurrently (current revision {rev + 1})"}}, 1)
        state["content"] = args[args.index("--set") + 1]
        state["revision"] = rev + 1
        json.dump(state, open(state_path, "w"))
        out({"ok": True, "currentRevision": rev + 1})
    scratch = {"content": state["content"], "revision": rev} if state["content"] else None
    out({"scratch": scratch, "currentRevision": rev, "maxBytes": 262144})
out({"ok": False, "error": "unexpected"}, 2)
"""


def fake_cli(tmp_path: Path, content: str, race: int) -> Path:
    script = tmp_path / "openclaw"
    script.write_text(FAKE_SCRATCH_CLI)
    script.chmod(0o755)
    state = {"content": content, "revision": 7, "race": race}
    Path(str(script) + ".state.json").write_text(json.dumps(state))
    return script


def test_a_concurrent_scratch_edit_is_never_overwritten(tmp_path: Path) -> None:
    script = fake_cli(tmp_path, "user: be brief", race=2)
    cli = OpenClawCli(script, {"PATH": "/usr/bin:/bin"}, echo=lambda _: None)
    t = target(tmp_path)
    listing = [{"id": "hb", "declarationKey": "heartbeat:main"}]
    block = render("/py", "/r/runner.py", "/st")
    action = oc.heartbeat(cli, t, listing, block)
    assert action["change"] == "updated"
    final = json.loads(Path(str(script) + ".state.json").read_text())["content"]
    assert final.startswith("user: be brief\nagent: remember the dentist\nagent: remember")
    assert final.count(BEGIN) == 1 and final.endswith(block)
    sets = [c for c in cli.commands if "--set" in c["argv"]]
    assert len(sets) == 3  # two lost races, one write

    assert oc.heartbeat(cli, t, listing, None)["change"] == "removed"
    final = json.loads(Path(str(script) + ".state.json").read_text())["content"]
    assert final == "user: be brief\nagent: remember the dentist\nagent: remember the dentist"


def test_a_scratch_that_keeps_changing_gives_up_without_writing(tmp_path: Path) -> None:
    script = fake_cli(tmp_path, "", race=99)
    cli = OpenClawCli(script, {"PATH": "/usr/bin:/bin"}, echo=lambda _: None)
    listing = [{"id": "hb", "declarationKey": "heartbeat:main"}]
    with pytest.raises(InstallError, match="kept changing"):
        oc.heartbeat(cli, target(tmp_path), listing, render("/py", "/r", "/s"))
    assert BEGIN not in json.loads(Path(str(script) + ".state.json").read_text())["content"]
