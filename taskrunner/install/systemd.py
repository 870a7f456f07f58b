"""Install as systemd user units: one ``.service`` (oneshot) and one ``.timer`` per task.

Units go to ``$XDG_CONFIG_HOME/systemd/user`` (default ``~/.config/systemd/user``).
A user's timers run only while they are logged in unless lingering is on
(``loginctl enable-linger $USER``), which install mentions. ``--no-activate``
only writes the files (tests, and anyone who reloads systemd by hand).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path

from .files import Action, put, remove_ours, run_tool, user_home
from .plan import Job, Target
from .schedule import as_systemd_calendar

MARKER = "# managed-by=taskrunner (runner.py install; runner.py uninstall removes it)"


def unit_dir(env: Mapping[str, str] | None = None) -> Path:
    e = os.environ if env is None else env
    config = e.get("XDG_CONFIG_HOME", "").strip()
    base = Path(config) if config else user_home(env) / ".config"
    return base / "systemd" / "user"


def unit_name(job: Job, target: Target) -> str:
    suffix = f"-{target.slug}" if target.slug else ""
    return f"taskrunner-{job.task.replace('_', '-')}{suffix}"


def _quote(arg: str) -> str:
    """One ExecStart= word: systemd's own quoting (double quotes, backslash escapes)."""
    if arg and all(c.isalnum() or c in "/._-=:+,@" for c in arg):
        return arg.replace("%", "%%")
    escaped = arg.replace("\\", "\\\\").replace('"', '\\"').replace("%", "%%").replace("$", "$$")
    return f'"{escaped}"'


def service(job: Job, target: Target) -> str:
    env = "".join(f"Environment={_quote(f'{k}={v}')}\n" for k, v in job.env)
    return (
        f"{MARKER}\n"
        "[Unit]\n"
        f"Description=taskrunner {job.task} for {target.workspace}\n\n"
        "[Service]\n"
        "Type=oneshot\n"
        f"WorkingDirectory={_quote(str(target.workspace))}\n"
        f"{env}"
        f"ExecStart={' '.join(_quote(a) for a in job.argv)}\n"
        f"TimeoutStartSec={job.timeout_s}\n"
    )


def timer(job: Job, target: Target) -> str:
    if job.schedule.kind == "every":
        when = f"OnBootSec=2min\nOnUnitActiveSec={job.schedule.every_s}s\n"
    else:
        when = f"OnCalendar={as_systemd_calendar(job.schedule)}\nPersistent=true\n"
    return (
        f"{MARKER}\n"
        "[Unit]\n"
        f"Description=taskrunner {job.task} schedule ({job.schedule.describe()})\n\n"
        "[Timer]\n"
        f"{when}"
        f"Unit={unit_name(job, target)}.service\n\n"
        "[Install]\n"
        "WantedBy=timers.target\n"
    )


def _systemctl(*args: str) -> list[str]:
    return ["systemctl", "--user", *args]


def install(
    target: Target, *, dry_run: bool, activate: bool, echo: Callable[[str], None]
) -> list[Action]:
    directory = unit_dir()
    actions: list[Action] = []
    timers = []
    for job in target.jobs:
        name = unit_name(job, target)
        actions.append(put(directory / f"{name}.service", service(job, target),
                           dry_run=dry_run, what="systemd service"))  # fmt: skip
        actions.append(put(directory / f"{name}.timer", timer(job, target),
                           dry_run=dry_run, what="systemd timer"))  # fmt: skip
        timers.append(f"{name}.timer")
    changed = any(a["change"] != "unchanged" for a in actions)
    if activate and (changed or dry_run):
        run_tool(_systemctl("daemon-reload"), dry_run=dry_run, echo=echo)
        run_tool(_systemctl("enable", "--now", *timers), dry_run=dry_run, echo=echo)
    return actions


def uninstall(
    target: Target, *, dry_run: bool, activate: bool, echo: Callable[[str], None]
) -> list[Action]:
    directory = unit_dir()
    candidates = sorted(directory.glob("taskrunner-*")) if directory.is_dir() else []
    # Decided before anything is removed: a timer is ours when its service is.
    found = [p for p in candidates if p.suffix in (".service", ".timer") and _ours(p, target)]
    timers = [p.name for p in found if p.suffix == ".timer"]
    if activate and timers:
        run_tool(_systemctl("disable", "--now", *timers), dry_run=dry_run, echo=echo, check=False)
    actions = []
    for path in found:
        action = remove_ours(path, MARKER, dry_run=dry_run, what=f"systemd {path.suffix[1:]}")
        if action is not None:
            actions.append(action)
    if activate and actions:
        run_tool(_systemctl("daemon-reload"), dry_run=dry_run, echo=echo, check=False)
    return actions


def _ours(path: Path, target: Target) -> bool:
    """A unit install wrote for this workspace (its service names the workspace)."""
    service_path = path.with_suffix(".service")
    try:
        text = service_path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    return MARKER in text and f"for {target.workspace}\n" in text
