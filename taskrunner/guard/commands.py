"""The user's commands on the snapshots: ``--list``, ``--restore`` and ``--prune-deleted``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..errors import CorruptInput, InvalidRequest
from .guard_run import Guard
from .history import known_paths, under, versions
from .objects import ObjectDamaged, ObjectMissing
from .restore import is_folder, local_iso, parse_time, plan_restore, write_version
from .retention import forget_deleted
from .tracked import normalize_rel

#: versions (or files) a listing shows at most
LISTED = 50


def _require_snapshots(guard: Guard) -> None:
    if not guard.paths.exists():
        raise InvalidRequest(
            f"no snapshots for this workspace yet ({guard.paths.root} does not exist): check "
            f"--workspace and --state-dir, or take the first ones with `{guard.s.restore_cmd()}`"
        )


def list_versions(guard: Guard, typed: str, show: Callable[[str], None]) -> dict[str, Any]:
    """A file's versions (or a folder's files with snapshots): each line to ``show``."""
    _require_snapshots(guard)
    rel = normalize_rel(guard.s.workspace, typed, option="--list")
    history = guard.journal.read_all()
    events = history.events
    current = guard.journal.load_current().state
    if is_folder(rel, typed, events, guard.s.workspace):
        rows: list[dict[str, Any]] = []
        for path in sorted(p for p in known_paths(events) if under(p, rel)):
            vs = versions(events, path)
            status = "current" if path in current else "deleted"
            if path in current and current[path].note:
                status = f"skipped: {current[path].note}"
            rows.append(
                {
                    "path": path,
                    "versions": len(vs),
                    "newest": vs[-1].at if vs else None,
                    "status": status,
                }
            )
        if not rows:
            raise InvalidRequest(f"{rel or 'the workspace'} has no snapshots (see --list .)")
        for row in rows[:LISTED]:
            show(
                f"{row['path']}  {row['versions']} version(s), newest {row['newest']}"
                f"  [{row['status']}]"
            )
        deleted = sum(r["status"] == "deleted" for r in rows)
        message = f"{len(rows)} files under {rel or '.'} have snapshots ({deleted} deleted)"
        if len(rows) > LISTED:
            message += f"; the first {LISTED} are shown (--json for all)"
        return {"success": True, "message": message, "files": rows}
    vs = versions(events, rel)
    if not vs:
        raise InvalidRequest(f"{rel} has no snapshots (see --list .)")
    now = current.get(rel)
    out: list[dict[str, Any]] = []
    for v in reversed(vs):
        # A content seen again (put back by a restore, say) is a version of its own: only
        # the newest one is what the file holds now.
        is_current = v is vs[-1] and now is not None and now.hash == v.hash
        out.append(
            {
                "hash": v.hash,
                "at": v.at,
                "size": v.entry.size,
                "lines": v.entry.lines,
                "chars": v.entry.chars,
                "kind": v.kind,
                "current": is_current,
            }
        )
    for row in out[:LISTED]:
        notes = ["restored"] if row["kind"] == "restore" else []
        notes += ["current"] if row["current"] else []
        shown = f" ({', '.join(notes)})" if notes else ""
        show(
            f"{row['at']}  {row['hash'][:12]}  {row['size']:>9,} bytes  {row['lines']:>6,} "
            f"lines{shown}"
        )
    state = "" if now is not None else "; deleted: restore with --restore " + rel
    return {
        "success": True,
        "message": f"{rel}: {len(vs)} version(s), newest first{state}",
        "versions": out,
    }


def restore(guard: Guard, typed: str, at: str | None, version: str | None) -> dict[str, Any]:
    _require_snapshots(guard)
    if at is not None and version is not None:
        raise InvalidRequest("give --at TIME or --version HASH, not both")
    rel = normalize_rel(guard.s.workspace, typed, option="--restore")
    moment = parse_time(at) if at is not None else None
    with guard.locked():
        # Snapshot first: whatever the restore replaces becomes a version of its own.
        _, result, written = guard.record()
        events = guard.journal.read_all().events
        if guard.s.dry_run:
            events = [*events, result.event]
        folder = is_folder(rel, typed, events, guard.s.workspace)
        plan = plan_restore(events, result.state, rel, folder=folder, at=moment, version=version)
        restored: list[str] = []
        failed: list[str] = []
        for step in plan.steps:
            verb = "would restore" if guard.s.dry_run else "restoring"
            guard.log(
                f"{verb} {step.path} ({step.action}: {step.entry.size:,} bytes, version "
                f"{(step.entry.hash or '')[:12]} of {local_iso(step.ts)})"
            )
            if guard.s.dry_run:
                continue
            try:
                write_version(guard.s.workspace, step, guard.objects)
                restored.append(step.path)
            except (ObjectMissing, ObjectDamaged, InvalidRequest) as exc:
                guard.log(f"error: {step.path} not restored: {exc}")
                failed.append(f"{step.path}: {exc}")
        # Record the restored files now, so the alerts about them clear at once.
        cycle = guard.report(*guard.record("restore")[:2], written, [])
    for path in plan.unchanged:
        guard.log(f"{path} already holds that version; left as it is")
    n = len(plan.steps) if guard.s.dry_run else len(restored)
    done = "dry run: would restore" if guard.s.dry_run else "restored"
    if folder:
        message = f"{done} {n} file(s) under {rel + '/' if rel else 'the workspace'}, {plan.what}"
    else:
        message = f"{done} {rel}, {plan.what}" if n else f"{rel} not restored"
    if plan.unchanged:
        message += f"; {len(plan.unchanged)} already held it"
    if failed:
        message += f"; {len(failed)} failed: " + "; ".join(failed[:3])
    return {
        "success": not failed,
        "retry": False,
        "message": message,
        "restored": restored,
        "unchanged": plan.unchanged,
        "failed": failed,
        "planned": [s.path for s in plan.steps],
        "alerts": cycle.alerts,
    }


def prune_deleted(guard: Guard, typed: str) -> dict[str, Any]:
    """Forget the snapshots of deleted files under a path: the one way a last copy goes."""
    _require_snapshots(guard)
    rel = normalize_rel(guard.s.workspace, typed, option="--prune-deleted")
    with guard.locked():
        history = guard.journal.read_all()
        if history.corrupt:
            raise CorruptInput(
                f"{guard.paths.journal} has unreadable records ({history.problems[0]}); nothing "
                "was pruned"
            )
        current = guard.journal.load_current()
        pruned = forget_deleted(history.events, rel)
        if not pruned.paths_forgotten:
            raise InvalidRequest(f"no deleted file under {rel or 'the workspace'} has snapshots")
        names = ", ".join(pruned.paths_forgotten[:5])
        more = len(pruned.paths_forgotten) - 5
        names += f" and {more} more" if more > 0 else ""
        if guard.s.dry_run:
            return {
                "success": True,
                "message": f"dry run: would forget {len(pruned.paths_forgotten)} deleted "
                f"file(s) and {pruned.versions_dropped} version(s): {names}",
                "forgotten": pruned.paths_forgotten,
            }
        end = guard.journal.rewrite(pruned.events)
        garbage = guard.collect_garbage(history.events, pruned, current.state)
        guard.journal.write_checkpoint(
            current.state, current.last_seq, end, maintained_ts=current.maintained_ts
        )
        _forget_problems(guard, set(pruned.paths_forgotten))
    return {
        "success": True,
        "message": f"forgot {len(pruned.paths_forgotten)} deleted file(s) and "
        f"{pruned.versions_dropped} version(s) ({garbage['bytes_freed']:,} bytes freed): {names}",
        "forgotten": pruned.paths_forgotten,
        **garbage,
    }


def _forget_problems(guard: Guard, forgotten: set[str]) -> None:
    from .problem_state import load_problems, save_problems

    known, bad = load_problems(guard.paths.problems)
    changed = dict(known)
    for key, old in known.items():
        paths = [p for p in old.get("paths", []) if p not in forgotten]
        if key.startswith("memory_guard:missing:") and len(paths) != len(old.get("paths", [])):
            if paths:
                changed[key] = {**old, "paths": paths}
            else:
                del changed[key]
    if changed != known:
        save_problems(
            guard.paths.problems, changed, guard.s.now().isoformat(), corrupt=bad is not None
        )
