"""Files install writes for the system schedulers: written when changed, removed when ours."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ..errors import InstallError
from ..system.atomic import write_atomic
from ..system.process import ProcResult, run_command

Action = dict[str, Any]
Runner = Callable[..., ProcResult]
#: seconds a scheduler command (systemctl, launchctl, crontab) may take
COMMAND_TIMEOUT_S = 60.0


def user_home(env: Mapping[str, str] | None = None) -> Path:
    """The login home (``HOME``), where the user's units and agents live."""
    home = (os.environ if env is None else env).get("HOME", "").strip()
    return Path(home) if home else Path.home()


def put(path: Path, text: str, *, dry_run: bool, what: str) -> Action:
    """Write ``text`` to ``path`` unless it already holds exactly that."""
    action: Action = {"what": what, "path": str(path)}
    try:
        current: str | None = path.read_text(encoding="utf-8")
    except (FileNotFoundError, UnicodeDecodeError):
        current = None
    if current == text:
        action["change"] = "unchanged"
        return action
    action["change"] = "updated" if current is not None else "created"
    if not dry_run:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, text)
    return action


def remove_ours(path: Path, marker: str, *, dry_run: bool, what: str) -> Action | None:
    """Remove ``path`` if it carries ``marker``; None when there is no such file."""
    try:
        current = path.read_text(encoding="utf-8")
    except (FileNotFoundError, NotADirectoryError, UnicodeDecodeError):
        # NotADirectoryError: a file where a parent folder should be; nothing of ours is there.
        return None
    action: Action = {"what": what, "path": str(path)}
    if marker not in current:
        action.update(change="kept", note="not written by install (no marker); left alone")
        return action
    action["change"] = "removed"
    if not dry_run:
        path.unlink()
    return action


def run_tool(
    argv: Sequence[str],
    *,
    dry_run: bool,
    echo: Callable[[str], None],
    run: Runner = run_command,
    check: bool = True,
    stdin_text: str | None = None,
) -> ProcResult | None:
    """Run a scheduler's own tool (shown first); ``InstallError`` when it fails and ``check``."""
    import shlex

    echo(("would run: " if dry_run else "$ ") + shlex.join(argv))
    if dry_run:
        return None
    try:
        if stdin_text is not None:
            import subprocess

            done = subprocess.run(
                list(argv),
                input=stdin_text,
                capture_output=True,
                text=True,
                timeout=COMMAND_TIMEOUT_S,
                check=False,
            )
            result = ProcResult(tuple(argv), done.returncode, done.stdout, done.stderr)
        else:
            result = run(list(argv), timeout_s=COMMAND_TIMEOUT_S)
    except FileNotFoundError as exc:
        raise InstallError(
            f"cannot run {argv[0]}: no {argv[0]} on PATH (is it installed?); install it or "
            "pick another scheduler (--target, --health-outside)"
        ) from exc
    except (OSError, ValueError) as exc:
        raise InstallError(f"cannot run {argv[0]}: {exc}") from exc
    except Exception as exc:  # subprocess.TimeoutExpired
        raise InstallError(f"{argv[0]} did not finish within {COMMAND_TIMEOUT_S:g} s") from exc
    if check and (result.timed_out or result.returncode != 0):
        detail = (result.stderr.strip() or result.stdout.strip() or "no output").splitlines()[0]
        raise InstallError(f"`{shlex.join(argv)}` failed (exit {result.returncode}): {detail}")
    return result
