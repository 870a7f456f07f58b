"""``runner.py install`` and ``runner.py uninstall``: options, the plan, the report."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from .. import discovery, paths
from ..errors import ConfigError, InstallError, StateCorrupt, UsageError
from ..openclaw.config import load_openclaw_config
from ..openclaw.workspace import (
    agent_workspace,
    default_agent_id,
    normalize_agent_id,
    resolve_agent,
    resolve_workspace,
    workspace_problem,
)
from . import crontab, launchd, manifest, openclaw_target, systemd
from .openclaw_cli import OpenClawCli
from .plan import Target, build_jobs, parse_overrides, scheduled_tasks
from .scratch import render as render_paragraph
from .skill import MARKER as SKILL_MARKER
from .skill import render as render_skill
from .skill import skill_path

TARGETS = ("openclaw", "crontab", "systemd", "launchd")
SYSTEM_TARGETS = ("crontab", "systemd", "launchd")
Action = dict[str, Any]


def configure(parser: argparse.ArgumentParser, *, uninstall: bool) -> None:
    parser.add_argument(
        "--target",
        choices=TARGETS,
        help="where to install: OpenClaw's cron (default when openclaw is found), the "
        "crontab, systemd user timers, or launchd (macOS)",
    )
    parser.add_argument(
        "--agent",
        action="append",
        default=[],
        metavar="ID",
        help="the OpenClaw agent whose workspace to wire (repeat for several; "
        "default: the default agent)",
    )
    parser.add_argument("--workspace", metavar="DIR", help="the workspace (instead of --agent)")
    parser.add_argument("--openclaw-bin", metavar="PATH", help="the openclaw executable")
    parser.add_argument(
        "--no-activate",
        action="store_true",
        help="systemd/launchd: only write the unit or plist files, do not (un)load them",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="print every command and change; change nothing"
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON on stdout")
    if uninstall:
        return
    parser.add_argument("--every", action="append", default=[], metavar="TASK=SPEC",
                        help="run TASK at this interval (5m, 1h, 1d)")  # fmt: skip
    parser.add_argument("--cron", action="append", default=[], metavar="TASK=EXPR",
                        help='run TASK on this 5-field cron schedule ("0 * * * *")')  # fmt: skip
    parser.add_argument(
        "--health-outside",
        choices=SYSTEM_TARGETS,
        help="also run system_health from this system scheduler: a job inside the gateway "
        "cannot report that very gateway down",
    )
    parser.add_argument("--no-heartbeat", action="store_true",
                        help="leave the heartbeat's scratch alone")  # fmt: skip
    parser.add_argument("--no-skill", action="store_true", help="do not write the agent skill")


def _echo(line: str) -> None:
    """Every command install runs (or would run) is shown on stderr."""
    print(line, file=sys.stderr)


def resolve_targets(
    args: argparse.Namespace, state_dir: Path, env: Mapping[str, str]
) -> list[Target]:
    """The workspaces to wire: ``--workspace``, else each ``--agent``, else the default agent."""
    if args.workspace:
        if len(args.agent) > 1:
            raise UsageError("--workspace names one workspace: give at most one --agent with it")
        workspace = resolve_workspace(args.workspace, env)
        agent = normalize_agent_id(args.agent[0]) if args.agent else None
        # Jobs for a workspace other than the default agent's get keys of their own, so
        # wiring a second workspace never replaces the first one's jobs.
        try:
            config = load_openclaw_config(env)
            owner = default_agent_id(config)
            default_ws = agent_workspace(config, owner, env) if owner else None
        except ConfigError:
            owner, default_ws = None, None
        is_default = agent == owner if agent else workspace == default_ws
        targets = [Target(workspace, state_dir, agent, default_agent=is_default)]
    else:
        config = load_openclaw_config(env)
        default = default_agent_id(config)
        agents = [normalize_agent_id(a) for a in args.agent] or [resolve_agent(config, None)]
        targets = [
            Target(agent_workspace(config, a, env), state_dir, a, default_agent=a == default)
            for a in dict.fromkeys(agents)
        ]
    for target in targets:
        if target.workspace.is_dir():
            continue
        if args.workspace:
            raise InstallError(workspace_problem(target.workspace, "--workspace"))
        if args.agent:
            raise InstallError(workspace_problem(target.workspace, f"--agent {target.agent}"))
        # The default agent's workspace, before OpenClaw ever ran: onboarding makes it.
        raise InstallError(
            f"{workspace_problem(target.workspace)}, or start OpenClaw once (`openclaw onboard`)"
        )
    return targets


def _auto_target(openclaw: Path | None) -> str:
    if openclaw is not None:
        return "openclaw"
    if sys.platform == "darwin":
        return "launchd"
    if shutil.which("crontab"):
        return "crontab"
    if shutil.which("systemctl"):
        return "systemd"
    raise InstallError(
        "found neither openclaw nor crontab nor systemctl: pass --target and --openclaw-bin"
    )


def _find_openclaw(
    args: argparse.Namespace, env: Mapping[str, str], *, required: bool
) -> Path | None:
    from ..health.cron import find_openclaw

    located = find_openclaw(args.openclaw_bin, env)
    if located.path is None and (required or args.openclaw_bin):
        raise InstallError(located.source)
    return located.path


def _system(kind: str, target: Target, args: argparse.Namespace, *, remove: bool) -> list[Action]:
    """Install into (or remove from) a system scheduler; the crontab has nothing to activate."""
    echo = _echo
    if kind == "crontab":
        edit = crontab.uninstall if remove else crontab.install
        return edit(target, dry_run=args.dry_run, echo=echo)
    module: Any = systemd if kind == "systemd" else launchd
    run = module.uninstall if remove else module.install
    return list(run(target, dry_run=args.dry_run, activate=not args.no_activate, echo=echo))


def run_install(args: argparse.Namespace, state_dir: Path) -> int:
    env = dict(os.environ)
    overrides = parse_overrides(args.every, args.cron)
    targets = resolve_targets(args, state_dir, env)
    tasks = scheduled_tasks(overrides, env)
    if args.target == "openclaw":
        openclaw = _find_openclaw(args, env, required=True)
    else:
        openclaw = _find_openclaw(args, env, required=False)
    kind = args.target or _auto_target(openclaw)
    if args.health_outside and kind != "openclaw":
        # Said, not silently dropped: the user asked for a job that is not made.
        _echo(
            f"note: --health-outside {args.health_outside} is left out: installing into "
            f"{kind}, system_health already runs outside the gateway"
        )
    python, runner = str(Path(sys.executable).absolute()), str(paths.RUNNER_HOME / "runner.py")
    known = set(discovery.discover(env))
    actions: list[Action] = []
    commands: list[dict[str, Any]] = []
    installs = _recorded(state_dir)
    changes: dict[str, dict[str, Any] | None] = {}
    moment = datetime.now().astimezone()
    now = moment.isoformat(timespec="seconds")
    for target in targets:
        target.jobs = build_jobs(target, tasks, openclaw_bin=openclaw)
        recorded: dict[str, dict[str, Any]] = {}
        if kind == "openclaw":
            assert openclaw is not None
            cli = OpenClawCli(openclaw, env, dry_run=args.dry_run, echo=_echo)
            listing = cli.list_jobs()
            done = openclaw_target.install_jobs(cli, target, listing)
            actions += done
            for job, action in zip(target.jobs, done, strict=True):
                recorded[job.task] = {**job.to_json(), "id": action.get("id"),
                                      "declaration_key": action["declaration_key"]}  # fmt: skip
            if not args.no_heartbeat:
                block = render_paragraph(python, runner, str(state_dir))
                actions.append(openclaw_target.heartbeat(cli, target, listing, block))
            commands += cli.commands
        else:
            actions += _system(kind, target, args, remove=False)
            recorded = {job.task: job.to_json() for job in target.jobs}
        if not args.no_skill:
            text = render_skill(python, runner, str(state_dir), known)
            actions.append(openclaw_target.write_skill(skill_path(target.workspace), text,
                                                       dry_run=args.dry_run))  # fmt: skip
        changes[manifest.entry_key(kind, target.workspace)] = {
            "target": kind, "workspace": str(target.workspace), "agent": target.agent,
            "installed_at": installs.get(manifest.entry_key(kind, target.workspace), {}).get(
                "installed_at", now), "jobs": recorded}  # fmt: skip
        if args.health_outside and kind == "openclaw":
            outside = Target(target.workspace, state_dir, target.agent, target.default_agent)
            outside.jobs = [j for j in target.jobs if j.task == "system_health"]
            actions += _system(args.health_outside, outside, args, remove=False)
            changes[manifest.entry_key(args.health_outside, target.workspace)] = {
                "target": args.health_outside, "workspace": str(target.workspace),
                "agent": target.agent, "installed_at": now,
                "jobs": {j.task: j.to_json() for j in outside.jobs}}  # fmt: skip
    if not args.dry_run:
        _record(state_dir, changes, moment)
    _report("install", kind, targets, actions, commands, args)
    return 0


def run_uninstall(args: argparse.Namespace, state_dir: Path) -> int:
    env = dict(os.environ)
    targets = resolve_targets(args, state_dir, env)
    installs = _recorded(state_dir)
    changes: dict[str, dict[str, Any] | None] = {}
    actions: list[Action] = []
    commands: list[dict[str, Any]] = []
    kinds_done: list[str] = []
    for target in targets:
        recorded = [e.get("target") for e in installs.values()
                    if e.get("workspace") == str(target.workspace)]  # fmt: skip
        kinds = [args.target] if args.target else [k for k in TARGETS if k in recorded]
        if not kinds:
            kinds = [_auto_target(_find_openclaw(args, env, required=False))]
        for kind in kinds:
            if kind == "openclaw":
                openclaw = _find_openclaw(args, env, required=True)
                assert openclaw is not None
                cli = OpenClawCli(openclaw, env, dry_run=args.dry_run, echo=_echo)
                listing = cli.list_jobs()
                actions += openclaw_target.uninstall_jobs(cli, target, listing)
                actions.append(openclaw_target.heartbeat(cli, target, listing, None))
                commands += cli.commands
            else:
                actions += _system(kind, target, args, remove=True)
            changes[manifest.entry_key(kind, target.workspace)] = None
            kinds_done.append(kind)
        actions.append(openclaw_target.remove_skill(skill_path(target.workspace), SKILL_MARKER,
                                                    dry_run=args.dry_run))  # fmt: skip
    if not args.dry_run:
        _record(state_dir, changes, datetime.now().astimezone())
    _report("uninstall", ",".join(dict.fromkeys(kinds_done)), targets, actions, commands, args)
    return 0


def _recorded(state_dir: Path) -> dict[str, dict[str, Any]]:
    """What earlier installs recorded; a corrupt record is replaced (and kept) on the write."""
    try:
        return manifest.load(state_dir)
    except StateCorrupt as exc:
        print(f"warning: {exc}", file=sys.stderr)
        return {}


def _record(state_dir: Path, changes: dict[str, dict[str, Any] | None], now: datetime) -> None:
    moved = manifest.update(state_dir, changes, now)
    if moved is not None:
        print(f"warning: the old install record was set aside as {moved}", file=sys.stderr)


def _report(
    verb: str,
    kind: str,
    targets: list[Target],
    actions: list[Action],
    commands: list[dict[str, Any]],
    args: argparse.Namespace,
) -> None:
    changed = any(a.get("change") not in ("unchanged", "absent", "kept") for a in actions)
    if args.json:
        doc = {
            "command": verb,
            "target": kind,
            "dry_run": bool(args.dry_run),
            "changed": changed,
            "workspaces": [{"workspace": str(t.workspace), "agent": t.agent} for t in targets],
            "actions": actions,
            "openclaw_commands": commands,
        }
        print(json.dumps(doc, ensure_ascii=False, indent=2))
        return
    prefix = "dry run: would have " if args.dry_run else ""
    for a in actions:
        name = a.get("declaration_key") or a.get("path") or ""
        ident = f" ({a['id']})" if a.get("id") else ""
        print(f"{prefix}{a.get('change')}: {a['what']} {name}{ident}")
        if a.get("note"):
            print(f"  note: {a['note']}")
    where = ", ".join(t.label for t in targets)
    summary = "changed" if changed else "nothing to change"
    print(f"{verb} ({kind}) for {where}: {summary}{' (dry run)' if args.dry_run else ''}")
    if verb == "install" and kind == "openclaw" and not getattr(args, "health_outside", None):
        print(
            "tip: a job inside the gateway cannot report the gateway down; add "
            "--health-outside crontab|systemd|launchd to also run system_health from outside"
        )
