"""Which workspace files are guarded, and finding them without following links out.

Tracked by default: the bootstrap files at the workspace root (MEMORY.md,
USER.md, AGENTS.md, SOUL.md, IDENTITY.md) and every ``memory/**/*.md`` (the
dated notes and the rest), skipping hidden names (``memory/.dreams/`` is
OpenClaw's generated state). ``--paths`` adds files or folders. A symbolic
link is followed only when its target is inside the workspace; a link out,
a FIFO or a device is recorded as skipped and never opened.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InvalidRequest

MEMORY_DIR = "memory"
#: per-file characters OpenClaw injects at session start (bootstrap files)
BOOTSTRAP_LIMITS: dict[str, int] = {
    "AGENTS.md": 20_000,
    "SOUL.md": 20_000,
    "IDENTITY.md": 20_000,
    "USER.md": 4_000,
    "MEMORY.md": 20_000,
}
#: characters OpenClaw injects from all bootstrap files together
BOOTSTRAP_TOTAL_LIMIT = 60_000
ROOT_FILES: tuple[str, ...] = tuple(BOOTSTRAP_LIMITS)


@dataclass(frozen=True)
class Scope:
    """The set of workspace-relative paths (with ``/``) this run guards."""

    extra: tuple[str, ...] = ()
    #: real paths never walked into: the runner's state (the snapshots must not snapshot
    #: themselves when the runner lives in the workspace and ``--paths`` covers it)
    exclude: tuple[str, ...] = ()

    def covers(self, rel: str) -> bool:
        if rel in ROOT_FILES:
            return True
        parts = rel.split("/")
        if parts[0] == MEMORY_DIR and len(parts) > 1 and rel.lower().endswith(".md"):
            return not any(p.startswith(".") for p in parts[1:])
        return any(rel == x or rel.startswith(x + "/") for x in self.extra)


@dataclass(frozen=True, slots=True)
class Found:
    """A regular file to snapshot: its name in the workspace, where to read it, and its
    ``lstat`` when listed (so an unchanged file costs one system call in all)."""

    rel: str
    path: str
    info: os.stat_result


@dataclass
class Listing:
    files: list[Found] = field(default_factory=list)
    #: present but not copied, with the reason
    skipped: dict[str, str] = field(default_factory=dict)
    #: folders that could not be listed: nothing under them counts as gone
    unlisted: list[str] = field(default_factory=list)

    def present(self, rel: str) -> bool:
        return any(f.rel == rel for f in self.files) or rel in self.skipped


def _inside(real: str, root: str) -> bool:
    return real == root or real.startswith(root.rstrip(os.sep) + os.sep)


def runner_state(workspace: Path, state_dir: Path) -> tuple[str, ...]:
    """The real paths a guard run of ``workspace`` never walks into (``Scope.exclude``).

    The whole state directory when it lies inside the workspace (the runner in
    ``scripts/taskrunner/``, its state beside it). When the workspace lies inside the
    state directory instead (the shipped example in the runner's own folder, the
    default state directory), excluding it would exclude every note: then only the
    snapshots themselves are left out, the one part of the state a walk could reach
    when the two folders are the same.
    """
    from .layout import GUARD_DIRNAME

    state = os.path.realpath(state_dir)
    if _inside(os.path.realpath(workspace), state):
        return (os.path.join(state, GUARD_DIRNAME),)
    return (state,)


def normalize_rel(workspace: Path, text: str, *, option: str) -> str:
    """A path typed by the user as a workspace-relative ``a/b`` (``""`` for the workspace)."""
    raw = text.strip()
    if not raw:
        raise InvalidRequest(f"{option} needs a path inside the workspace, not an empty string")
    root = os.path.realpath(workspace)
    candidate = raw if os.path.isabs(raw) else os.path.join(root, raw)
    normal = os.path.normpath(candidate)
    if not _inside(normal, root):
        # Try the real path too: an absolute path through a symlinked home.
        real_parent = os.path.realpath(os.path.dirname(normal))
        normal = os.path.join(real_parent, os.path.basename(normal))
        if not _inside(normal, root):
            raise InvalidRequest(f"{option} {text!r} is outside the workspace {root}")
    rel = os.path.relpath(normal, root)
    return "" if rel == "." else rel.replace(os.sep, "/")


class _Walker:
    def __init__(self, workspace: Path, scope: Scope) -> None:
        self.root = os.path.realpath(workspace)
        self.scope = scope
        self.out = Listing()
        self.seen_dirs: set[str] = set()
        self.memory_real = os.path.realpath(os.path.join(self.root, MEMORY_DIR))
        self.root_files = {os.path.join(self.root, name) for name in ROOT_FILES}

    def resolve_link(self, rel: str, path: str) -> str | None:
        """The link's target when it is inside the workspace; else note why it is skipped."""
        try:
            target = os.path.realpath(path, strict=True)
        except (OSError, RuntimeError):
            self.out.skipped[rel] = "a broken symbolic link; not followed"
            return None
        if not _inside(target, self.root):
            self.out.skipped[rel] = (
                f"a symbolic link to {target}, outside the workspace; not followed"
            )
            return None
        if rel != MEMORY_DIR and (_inside(target, self.memory_real) or target in self.root_files):
            # Guarded under its own name already: one copy, one history.
            inside = os.path.relpath(target, self.root).replace(os.sep, "/")
            self.out.skipped[rel] = f"a symbolic link to {inside}, guarded under that name"
            return None
        return target

    def add_file(self, rel: str, path: str) -> None:
        try:
            info = os.lstat(path)
        except FileNotFoundError:
            return
        except OSError as exc:
            self.out.skipped[rel] = f"cannot be looked at ({exc.strerror})"
            return
        if stat.S_ISLNK(info.st_mode):
            target = self.resolve_link(rel, path)
            if target is None:
                return
            if os.path.isdir(target):
                self.walk(rel, target, everything=not rel.startswith(MEMORY_DIR + "/"))
                return
            path = target
            info = os.lstat(path)
        if stat.S_ISDIR(info.st_mode):
            self.walk(rel, path, everything=True)
        elif stat.S_ISREG(info.st_mode):
            self.out.files.append(Found(rel, path, info))
        else:
            # A FIFO would block a reader, a device could be anything: never opened.
            self.out.skipped[rel] = "not a regular file (a FIFO, socket or device); not opened"

    def walk(self, rel_dir: str, real_dir: str, *, everything: bool) -> None:
        key = os.path.realpath(real_dir)
        if key in self.seen_dirs:
            return  # a link loop, or a folder reached twice
        if any(_inside(key, excluded) for excluded in self.scope.exclude):
            return
        self.seen_dirs.add(key)
        try:
            entries = sorted(os.scandir(real_dir), key=lambda e: e.name)
        except FileNotFoundError:
            return
        except OSError as exc:
            self.out.unlisted.append(rel_dir)
            self.out.skipped[rel_dir] = f"cannot be listed ({exc.strerror}); nothing under it read"
            return
        for entry in entries:
            if entry.name.startswith("."):
                continue
            rel = f"{rel_dir}/{entry.name}"
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
                is_link = entry.is_symlink()
            except OSError:
                continue
            # Under memory/ (not ``everything``) a visible name ending in .md is tracked;
            # checked first, since it is nearly every file and covers() costs more.
            wanted = everything or entry.name.lower().endswith(".md") or self.scope.covers(rel)
            if is_dir:
                self.walk(rel, entry.path, everything=everything)
            elif is_link:
                if wanted or os.path.isdir(entry.path):
                    self.add_file(rel, entry.path)
            elif wanted:
                self.add_file(rel, entry.path)


def list_tracked(workspace: Path, scope: Scope) -> Listing:
    """Every tracked file present now, and those present but skipped."""
    walker = _Walker(workspace, scope)
    root = walker.root
    for name in ROOT_FILES:
        walker.add_file(name, os.path.join(root, name))
    memory = os.path.join(root, MEMORY_DIR)
    if os.path.islink(memory):
        target = walker.resolve_link(MEMORY_DIR, memory)
        if target is not None:
            walker.walk(MEMORY_DIR, target, everything=False)
    else:
        walker.walk(MEMORY_DIR, memory, everything=False)
    for rel in scope.extra:
        if rel not in ROOT_FILES and not _under(rel, [MEMORY_DIR]):
            walker.add_file(rel, os.path.join(root, rel))
    unique: dict[str, Found] = {f.rel: f for f in walker.out.files}
    walker.out.files = [unique[k] for k in sorted(unique)]
    return walker.out


def _under(rel: str, prefixes: Iterable[str]) -> bool:
    return any(rel == p or rel.startswith(p + "/") for p in prefixes)
