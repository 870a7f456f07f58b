"""The alert queue ``alerts/pending.json``: what the agent's heartbeat should hear about.

Any number of runner processes add alerts while the heartbeat drains them,
so every read-modify-write of the queue happens under an exclusive
``flock`` on ``pending.json.lock`` and every write is an atomic replace:
``pending.json`` is always one valid JSON array and no alert is lost or
delivered twice.

An entry is ``{id, task, level, message, timestamp, run_id}`` plus ``key``,
``count`` and ``last_timestamp``. An alert that is already pending (same
task and explicit ``key``, else same task and message) is not queued again:
its ``count`` goes up and ``last_timestamp``, ``level``, ``message`` and
``run_id`` take the newest values, so a check that runs every five minutes
does not flood the heartbeat.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
from pathlib import Path

from .atomic import WriteFailed, write_json_atomic
from .task import check_level, local_now

# Only the type checker needs these: every `runner.py <task>` that raises an
# alert imports this module, and typing alone costs milliseconds to import.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping, Sequence
    from datetime import datetime
    from typing import Any

#: folder under the state directory that holds the queue
ALERTS_DIRNAME = "alerts"
QUEUE_FILENAME = "pending.json"

_LOCK_FLAGS = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC

#: the identity under which repeats of one alert are merged
_DedupeKey = tuple[str, str, str]


def _warn(msg: str, *args: object) -> None:
    # logging costs milliseconds to import and is only needed when something
    # is wrong, so it stays off the path of every `runner.py <task>` start.
    import logging

    logging.getLogger(__name__).warning(msg, *args)


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

    def __init__(self, state_dir: Path, *, clock: Callable[[], datetime] = local_now) -> None:
        self.directory = Path(state_dir) / ALERTS_DIRNAME
        self.path = self.directory / QUEUE_FILENAME
        self.lock_path = self.directory / f"{QUEUE_FILENAME}.lock"
        self._clock = clock

    # -- public API ---------------------------------------------------------

    def add(self, alerts: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """Queue ``alerts`` (task, level, message, run_id, optional key) in one write.

        Returns the stored entries, one per input alert (a repeat returns the
        merged entry). Raises ``InvalidAlertLevel`` before touching the queue
        if any level is unknown.
        """
        if not alerts:
            return []
        for alert in alerts:
            check_level(str(alert.get("level")))
        now = self._clock().isoformat()
        with self._locked():
            entries = self._load()
            index = {_dedupe_key(e): e for e in entries}
            stored: list[dict[str, Any]] = []
            for alert in alerts:
                incoming = self._new_entry(alert, now)
                existing = index.get(_dedupe_key(incoming))
                if existing is None:
                    entries.append(incoming)
                    index[_dedupe_key(incoming)] = incoming
                    stored.append(incoming)
                    continue
                existing["count"] = _as_count(existing.get("count")) + 1
                existing["last_timestamp"] = now
                for field in ("level", "message", "run_id"):
                    existing[field] = incoming[field]
                stored.append(existing)
            write_json_atomic(self.path, entries)
        return [dict(e) for e in stored]

    def pending(self) -> list[dict[str, Any]]:
        """The alerts waiting to be drained, oldest first."""
        if not self.path.exists():
            # Listing an empty queue creates nothing (no folder, no lock file).
            return []
        with self._locked():
            return self._load()

    def drain(self, emit: Callable[[list[dict[str, Any]]], None]) -> list[dict[str, Any]]:
        """Hand the pending alerts to ``emit``, then remove exactly those.

        Runs under the queue lock, so an alert added meanwhile waits for the
        next drain instead of being lost. If ``emit`` raises (say stdout is a
        closed pipe), nothing is removed and the error propagates.
        """
        if not self.path.exists():
            emit([])
            return []
        with self._locked():
            entries = self._load()
            emit([dict(e) for e in entries])
            if entries:
                # Nobody can add while we hold the lock, so the drained alerts
                # are the whole queue: removing exactly them empties it.
                write_json_atomic(self.path, [])
        return entries

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
            fd = os.open(self.lock_path, _LOCK_FLAGS, 0o600)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise WriteFailed(
                    f"alert queue lock {self.lock_path} is a symbolic link; refusing to follow "
                    "it. Remove the link and run again"
                ) from exc
            raise WriteFailed(
                f"cannot open the alert queue lock {self.lock_path}: {exc.strerror}"
            ) from exc
        try:
            # The lock file is never deleted: a second process could then lock
            # a fresh inode while the first still holds the old one.
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            # Closing the descriptor releases the flock.
            os.close(fd)

    def _load(self) -> list[dict[str, Any]]:
        """Read the queue (caller holds the lock); a corrupted file is moved aside."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return []
        try:
            data = json.loads(raw)
        except ValueError as exc:  # also covers invalid UTF-8
            self._move_aside(f"is not valid JSON ({exc})")
            return []
        if not isinstance(data, list) or not all(isinstance(e, dict) for e in data):
            self._move_aside("is not a JSON array of alert objects")
            return []
        return data

    def _move_aside(self, problem: str) -> None:
        stamp = self._clock().strftime("%Y%m%dT%H%M%S")
        target = self._claim_corrupt_name(stamp)
        _warn(
            "%s %s; moved it to %s and started a fresh queue. The alerts in it were not "
            "delivered: read them there, and delete that file once handled",
            self.path,
            problem,
            target,
        )

    def _claim_corrupt_name(self, stamp: str) -> Path:
        # os.link fails instead of replacing an existing file, so an earlier
        # corrupt copy is never overwritten, whatever the clock says.
        for n in range(1000):
            suffix = "" if n == 0 else f"-{n}"
            target = self.directory / f"{QUEUE_FILENAME}.corrupt-{stamp}{suffix}"
            try:
                os.link(self.path, target)
            except FileExistsError:
                continue
            except OSError:
                # No hard links on this filesystem: we hold the queue lock, so
                # checking and renaming cannot race another runner.
                if target.exists():
                    continue
                self.path.rename(target)
                return target
            self.path.unlink()
            return target
        raise WriteFailed(
            f"{self.path} is corrupted and could not be moved aside: too many "
            f"{QUEUE_FILENAME}.corrupt-* files in {self.directory}; clean them up and run again"
        )


def _as_count(value: Any) -> int:
    # A hand-edited queue may hold anything here; never crash on it.
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 1
