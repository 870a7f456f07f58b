"""The alert queue ``alerts/pending.json``: what the agent's heartbeat should hear about.

Any number of runner processes add alerts while the heartbeat drains them,
so every read-modify-write of the queue happens under an exclusive
``flock`` on ``pending.json.lock`` and every write is an atomic replace:
``pending.json`` is always one valid JSON array.

An entry is ``{id, task, level, message, timestamp, run_id}`` plus ``key``,
``count`` and ``last_timestamp``. An alert that is already pending (same
task and explicit ``key``, else same task and message) is not queued again:
its ``count`` goes up and ``last_timestamp``, ``level``, ``message`` and
``run_id`` take the newest values, so a check that runs every five minutes
does not flood the heartbeat. A task may take back its alert with a key
before it is delivered (``Task.withdraw_alert``): the problem went away.

A drain never holds the lock while its output is written, because a reader
that stops reading would then stall every task run that raises an alert.
It works in three short locked steps instead:

1. claim: mark every unclaimed entry with ``claim = {token, pid, host,
   claimed_at}`` (the token is this drain's own) and write the queue;
2. hand the claimed entries to the output, without the lock;
3. remove the entries carrying this token, or, if the output failed, drop
   their claim again so the next drain delivers them.

Other drains skip entries claimed by a live drain, so each alert is
delivered exactly once. A claim is taken over when its drain is dead
(its pid is gone on this host) or older than ``CLAIM_TIMEOUT_S``; a drain
killed after its output went out is therefore delivered again by the next
drain: at least once, never lost. A repeat of an alert whose entry is
claimed becomes a fresh entry (folding it in would remove it with the
claimed one). Claimed entries are still pending: ``pending()`` lists them,
with their ``claim``.
"""

from __future__ import annotations

import contextlib
import os
import time
from datetime import datetime
from pathlib import Path
from typing import cast

from . import diagnostics
from .errors import AlertQueueError, StateCorrupt, StateUnreadable, TaskrunnerError, WriteFailed
from .system import lockfile
from .system.atomic import write_json_atomic
from .system.jsonstate import read_json_state, set_aside
from .task import check_level, local_now

# Only the type checker needs these: every `runner.py <task>` that raises an
# alert imports this module, and typing alone costs milliseconds to import.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping, Sequence
    from typing import Any

    from .records import QueuedAlert

#: folder under the state directory that holds the queue
ALERTS_DIRNAME = "alerts"
QUEUE_FILENAME = "pending.json"
#: seconds after which a drain's claim is taken over even if its pid seems alive
#: (pid reused, another host, or a reader that stopped reading long ago)
CLAIM_TIMEOUT_S = 600.0

#: the identity under which repeats of one alert are merged
_DedupeKey = tuple[str, str, str]


def _warn(msg: str, *args: object) -> None:
    diagnostics.warn(__name__, msg, *args)


def _dedupe_key(entry: Mapping[str, Any]) -> _DedupeKey:
    # An explicit key is scoped to its task: two tasks that both pick "disk"
    # as a key are still two different alerts.
    task = str(entry.get("task", ""))
    key = entry.get("key")
    if key is not None:
        return (task, "key", str(key))
    return (task, "message", str(entry.get("message", "")))


class AlertQueue:
    """``alerts/pending.json`` under a state directory, safe for concurrent processes."""

    def __init__(
        self,
        state_dir: Path,
        *,
        clock: Callable[[], datetime] = local_now,
        claim_timeout_s: float = CLAIM_TIMEOUT_S,
    ) -> None:
        self.directory = Path(state_dir) / ALERTS_DIRNAME
        self.path = self.directory / QUEUE_FILENAME
        self.lock_path = self.directory / f"{QUEUE_FILENAME}.lock"
        self.claim_timeout_s = claim_timeout_s
        self._clock = clock

    # -- public API ---------------------------------------------------------

    def add(
        self,
        alerts: Sequence[Mapping[str, Any]],
        *,
        withdraw: Sequence[tuple[str, str]] = (),
    ) -> list[QueuedAlert]:
        """Queue ``alerts`` (task, level, message, run_id, optional key) in one write.

        ``withdraw`` names alerts to take back first, as ``(task, key)``: the
        unclaimed entry with that task and explicit key goes; a claimed one is
        being delivered and stays. Returns the stored entries, one per input
        alert (a repeat returns the merged entry). Raises ``InvalidAlertLevel``
        before touching the queue if any level is unknown.
        """
        if not alerts and (not withdraw or not self.path.exists()):
            return []  # nothing to add, nothing queued to take back: not even a lock file
        for alert in alerts:
            check_level(str(alert.get("level")))
        now = self._clock().isoformat()
        gone = {(str(task), "key", str(key)) for task, key in withdraw}
        with self._locked():
            entries = self._load()
            kept = [e for e in entries if "claim" in e or _dedupe_key(e) not in gone]
            if not alerts and len(kept) == len(entries):
                return []
            entries = kept
            # A claimed entry is on its way out: a repeat folded into it would
            # be removed with it, so only unclaimed entries take repeats.
            index = {_dedupe_key(e): e for e in entries if "claim" not in e}
            stored: list[dict[str, Any]] = []
            for alert in alerts:
                incoming = self._new_entry(alert, now)
                existing = index.get(_dedupe_key(incoming))
                if existing is None:
                    entries.append(incoming)
                    index[_dedupe_key(incoming)] = incoming
                    stored.append(incoming)
                    continue
                _fold(existing, incoming)
                stored.append(existing)
            write_json_atomic(self.path, entries)
        return _typed([dict(e) for e in stored])

    def pending(self) -> list[QueuedAlert]:
        """The alerts waiting to be drained, oldest first (claimed ones too)."""
        # Listing reads without the lock (writes are atomic replaces, so any read
        # sees one whole queue) and never changes the file, even a corrupt one.
        return _typed(self._read())

    def drain(self, emit: Callable[[list[QueuedAlert]], None]) -> list[QueuedAlert]:
        """Hand the pending alerts to ``emit``, then remove exactly those.

        ``emit`` runs without the queue lock (see the module docstring), so
        producers and other drains go on meanwhile. If ``emit`` raises (say
        stdout is a closed pipe), nothing is removed and the error propagates.
        Returns the drained alerts.
        """
        if not self.path.exists():
            emit([])
            return []
        token = os.urandom(8).hex()
        batch = _typed(self._claim(token))
        try:
            emit(_typed([dict(e) for e in batch]))
        except BaseException:
            if batch:
                self._release_after_failure(token)
            raise
        if batch:
            self._remove_claimed(token, len(batch))
        return batch

    # -- the claim protocol ---------------------------------------------------

    def _claim(self, token: str) -> list[dict[str, Any]]:
        """Mark every claimable entry with this drain's token; returns them without it."""
        now = self._clock()
        claim = {
            "token": token,
            "pid": os.getpid(),
            "host": _host(),
            "claimed_at": now.isoformat(),
        }
        with self._locked():
            entries = self._load()
            mine: list[dict[str, Any]] = []
            taken_over: set[str] = set()
            for entry in entries:
                old = entry.get("claim")
                if old is not None and self._claim_is_live(old, now):
                    continue
                if old is not None:
                    taken_over.add(_describe_claim(old))
                entry["claim"] = dict(claim)
                mine.append(entry)
            if mine:
                write_json_atomic(self.path, entries)
        if taken_over:
            _warn(
                "%s: took over alerts claimed by a drain that died or is stuck (%s); "
                "they may have been delivered once already",
                self.path,
                ", ".join(sorted(taken_over)),
            )
        return [{k: v for k, v in e.items() if k != "claim"} for e in mine]

    def _claim_is_live(self, claim: Any, now: datetime) -> bool:
        if not isinstance(claim, dict):
            return False  # hand-edited into something else: nobody holds it
        try:
            age_s = (now - datetime.fromisoformat(str(claim.get("claimed_at")))).total_seconds()
        except (TypeError, ValueError):
            return False
        if age_s >= self.claim_timeout_s:
            return False
        if claim.get("host") != _host():
            return True  # a pid on another machine cannot be checked: wait for the timeout
        pid = claim.get("pid")
        if not isinstance(pid, int) or isinstance(pid, bool) or pid <= 0:
            return False
        return _pid_alive(pid)

    def _release_after_failure(self, token: str) -> None:
        try:
            with self._locked():
                entries = self._load()
                mine = [e for e in entries if _token(e) == token]
                for entry in mine:
                    del entry["claim"]
                if mine:
                    write_json_atomic(self.path, _merge_repeats(entries))
        except (OSError, TaskrunnerError) as exc:
            # The output error is what the caller must see; the claim dies
            # with this process and the next drain takes the alerts over.
            _warn(
                "%s: could not release the alerts of a failed drain (%s); "
                "the next drain after this process exits delivers them",
                self.path,
                exc,
            )

    def _remove_claimed(self, token: str, count: int) -> None:
        try:
            with self._locked():
                entries = self._load()
                kept = [e for e in entries if _token(e) != token]
                removed = len(entries) - len(kept)
                if removed:
                    write_json_atomic(self.path, kept)
        except (OSError, TaskrunnerError) as exc:
            raise AlertQueueError(
                f"the {count} drained alerts were delivered but could not be removed from "
                f"{self.path} ({exc}); the next drain delivers them again"
            ) from exc
        if removed != count:
            _warn(
                "%s: %d of the %d drained alerts had been taken over by another drain "
                "(this one took longer than %ss), so they may be delivered twice",
                self.path,
                count - removed,
                count,
                self.claim_timeout_s,
            )

    # -- internals ----------------------------------------------------------

    def _new_entry(self, alert: Mapping[str, Any], now: str) -> dict[str, Any]:
        key = alert.get("key")
        return {
            # 64 random bits: unique enough for a queue of at most thousands,
            # and os.urandom costs no import on the runner's start path.
            "id": os.urandom(8).hex(),
            "task": str(alert.get("task", "")),
            "level": str(alert["level"]),
            "message": str(alert.get("message", "")),
            "timestamp": now,
            "run_id": None if alert.get("run_id") is None else str(alert["run_id"]),
            "key": None if key is None else str(key),
            "count": 1,
            "last_timestamp": now,
        }

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        try:
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as exc:
            raise WriteFailed(
                f"cannot make the alert folder {self.directory}: {exc.strerror}"
            ) from exc
        fd = lockfile.open_lock_file(self.lock_path, what="the alert queue lock")
        try:
            # The lock file is never deleted: a second process could then lock
            # a fresh inode while the first still holds the old one. Holders
            # only read, modify and write the small queue file, so waiting
            # without a limit is bounded by that.
            lockfile.lock(fd, path=self.lock_path)
            lockfile.remove_stale_temps_of((self.path,), before=time.time())
            yield
        finally:
            # Closing the descriptor releases the flock.
            os.close(fd)

    def _read(self) -> list[dict[str, Any]]:
        """The queue as it is on disk; ``AlertQueueError`` when unreadable or corrupt."""
        try:
            data = read_json_state(self.path, what="the alert queue", valid=_is_queue, shape=_SHAPE)
        except (StateCorrupt, StateUnreadable) as exc:
            raise AlertQueueError(str(exc)) from exc
        return [] if data is None else list(data)

    def _load(self) -> list[dict[str, Any]]:
        """Read the queue for an update (caller holds the lock); a corrupt one is set aside.

        The fresh queue then starts with an ``error`` alert saying where the old
        one went, so the heartbeat hears about it instead of draining ``[]``.
        """
        try:
            data = read_json_state(self.path, what="the alert queue", valid=_is_queue, shape=_SHAPE)
        except StateUnreadable as exc:
            raise AlertQueueError(str(exc)) from exc
        except StateCorrupt as exc:
            problem = str(exc).split("; left untouched", 1)[0]
            target = set_aside(self.path, self._clock())
            message = (
                f"{problem}; moved it to {target} and started a fresh queue. The alerts in it "
                "were not delivered: read them there, and delete that file once handled"
            )
            _warn("%s", message)
            now = self._clock().isoformat()
            notice = {"task": "taskrunner", "level": "error", "message": message}
            return [self._new_entry({**notice, "key": "alert-queue-corrupt"}, now)]
        return [] if data is None else list(data)


_SHAPE = "a JSON array of alert objects"


def _typed(entries: list[dict[str, Any]]) -> list[QueuedAlert]:
    # The queue is handled as plain dicts (a hand-edited entry may hold anything);
    # what leaves this module is typed for its readers.
    return cast("list[QueuedAlert]", entries)


def _is_queue(data: Any) -> bool:
    return isinstance(data, list) and all(isinstance(e, dict) for e in data)


def _fold(older: dict[str, Any], newer: Mapping[str, Any]) -> None:
    """Merge the repeat ``newer`` into ``older``: counts add up, the newest values speak."""
    older["count"] = _as_count(older.get("count")) + _as_count(newer.get("count"))
    older["last_timestamp"] = newer.get("last_timestamp") or newer.get("timestamp")
    for field in ("level", "message", "run_id"):
        older[field] = newer.get(field)


def _merge_repeats(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # Repeats that arrived while their alert was claimed became fresh entries;
    # once the claim is dropped, fold them back so the heartbeat sees one.
    first: dict[_DedupeKey, dict[str, Any]] = {}
    kept: list[dict[str, Any]] = []
    for entry in entries:
        if "claim" in entry:
            kept.append(entry)
            continue
        older = first.setdefault(_dedupe_key(entry), entry)
        if older is entry:
            kept.append(entry)
        else:
            _fold(older, entry)
    return kept


def _token(entry: Mapping[str, Any]) -> Any:
    claim = entry.get("claim")
    return claim.get("token") if isinstance(claim, dict) else None


def _describe_claim(claim: Any) -> str:
    if isinstance(claim, dict):
        return f"pid {claim.get('pid')} on {claim.get('host')} at {claim.get('claimed_at')}"
    return f"unreadable claim {claim!r}"


def _host() -> str:
    return os.uname().nodename


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    except (OverflowError, OSError):
        return False  # not a pid this system can have
    return True


def _as_count(value: Any) -> int:
    # A hand-edited queue may hold anything here; never crash on it.
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 1
