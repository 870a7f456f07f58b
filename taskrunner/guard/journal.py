"""``journal.jsonl`` (the manifest log) and ``checkpoint.json`` (its folded current state).

Appending one line per changed run keeps an unchanged run free of writes and
a changed run's write proportional to what changed. A line is one ``write()``
on an ``O_APPEND`` descriptor, fsynced; a run killed mid-write leaves at most
an incomplete last line, which is ignored on reading and cut off (under the
guard lock) before the next append, so older lines are never touched.

Reading the whole journal on every run would cost more as history grows, so
``checkpoint.json`` holds the state folded up to line ``seq`` with the byte
``offset`` after it and the journal's inode. It is rewritten atomically every
``CHECKPOINT_EVERY`` events (and after retention rewrites the journal); a
checkpoint that does not match the journal (another inode, a line at the
offset that is not ``seq + 1``) is ignored and the journal replayed whole.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any

from ..errors import WriteFailed
from ..system.atomic import write_atomic
from ..system.json_words import decode_problem
from .layout import GuardPaths
from .manifest import MANIFEST_VERSION, Entry, Event, apply, state_from_json, state_to_json

#: events after which the checkpoint is rewritten
CHECKPOINT_EVERY = 32
#: bytes of journal after the checkpoint that also trigger a new checkpoint
CHECKPOINT_TAIL_BYTES = 256 * 1024


@dataclass
class History:
    """The journal read whole: every event, and what was wrong with it."""

    events: list[Event] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    #: a line in the middle could not be read: nothing may be deleted until it is fixed
    corrupt: bool = False
    #: length of the complete lines (an incomplete last line starts here)
    good_bytes: int = 0
    size: int = 0
    ino: int = 0


@dataclass
class Current:
    """The current state, loaded fast (checkpoint + the journal lines after it)."""

    state: dict[str, Entry] = field(default_factory=dict)
    last_seq: int = 0
    problems: list[str] = field(default_factory=list)
    corrupt: bool = False
    good_bytes: int = 0
    size: int = 0
    ino: int = 0
    #: events and bytes since the checkpoint (when to write the next one)
    tail_events: int = 0
    tail_bytes: int = 0
    maintained_ts: float | None = None
    #: whether a checkpoint matching the journal was used
    checkpointed: bool = False


def _parse_lines(blob: bytes, base_offset: int, into: History) -> None:
    end = blob.rfind(b"\n") + 1
    into.good_bytes = base_offset + end
    if end < len(blob):
        into.problems.append(
            f"the journal's last record is incomplete ({len(blob) - end} bytes; a run was "
            "killed while writing it) and was ignored: that run's changes are seen again"
        )
    number = 0
    for raw in blob[:end].splitlines():
        number += 1
        if not raw.strip():
            continue
        try:
            into.events.append(Event.from_json(json.loads(raw)))
        except (ValueError, UnicodeDecodeError) as exc:
            into.corrupt = True
            into.problems.append(
                f"journal record {number} (after byte {base_offset}) cannot be read "
                f"({decode_problem(exc, one_line=True)}); "
                "it was skipped and nothing is pruned until it is fixed or removed"
            )


class Journal:
    """The manifest files of one snapshot folder."""

    def __init__(self, paths: GuardPaths) -> None:
        self.paths = paths

    def read_all(self) -> History:
        history = History()
        try:
            with open(self.paths.journal, "rb") as fh:
                info = os.fstat(fh.fileno())
                blob = fh.read()
        except FileNotFoundError:
            return history
        history.size, history.ino = len(blob), info.st_ino
        _parse_lines(blob, 0, history)
        return history

    def load_current(self) -> Current:
        checkpoint, note = self._read_checkpoint()
        try:
            fh = open(self.paths.journal, "rb")  # noqa: SIM115 - closed below
        except FileNotFoundError:
            fh = None
        current = Current(problems=[note] if note else [])
        if fh is None:
            if checkpoint is not None and checkpoint["state"]:
                current.problems.append(
                    f"{self.paths.journal} cannot be read: it is missing but a checkpoint "
                    "exists; the checkpoint's state was used, older versions are no longer "
                    "listed (their copies are kept in objects/)"
                )
                current.corrupt = True
                current.state = checkpoint["state"]
                current.last_seq = checkpoint["seq"]
            return current
        with fh:
            info = os.fstat(fh.fileno())
            current.size, current.ino = info.st_size, info.st_ino
            if checkpoint is not None and self._matches(checkpoint, info, fh):
                fh.seek(checkpoint["offset"])
                tail = History()
                _parse_lines(fh.read(), checkpoint["offset"], tail)
                current.state = dict(checkpoint["state"])
                current.last_seq = checkpoint["seq"]
                current.maintained_ts = checkpoint["maintained_ts"]
                current.tail_bytes = current.size - checkpoint["offset"]
                current.checkpointed = True
            else:
                fh.seek(0)
                tail = History()
                _parse_lines(fh.read(), 0, tail)
                current.tail_bytes = current.size
                if checkpoint is not None:
                    current.maintained_ts = checkpoint["maintained_ts"]
        for event in tail.events:
            apply(current.state, event)
            current.last_seq = max(current.last_seq, event.seq)
        current.tail_events = len(tail.events)
        current.problems += tail.problems
        current.corrupt = tail.corrupt
        current.good_bytes = tail.good_bytes
        return current

    def _matches(self, checkpoint: dict[str, Any], info: os.stat_result, fh: Any) -> bool:
        offset = checkpoint["offset"]
        if checkpoint["ino"] != info.st_ino or offset > info.st_size:
            return False
        if offset == 0:
            return True
        fh.seek(offset - 1)
        head = fh.read(1 + 64)
        if not head.startswith(b"\n"):
            return False
        if len(head) == 1:
            return True
        expected = b'{"seq": ' + str(checkpoint["seq"] + 1).encode() + b","
        return bool(head[1:].startswith(expected))

    def _read_checkpoint(self) -> tuple[dict[str, Any] | None, str | None]:
        try:
            raw = json.loads(self.paths.checkpoint.read_bytes())
            if not isinstance(raw, dict) or raw.get("version") != MANIFEST_VERSION:
                raise ValueError("not a checkpoint of this version")
            maintained = raw.get("maintained_ts")
            return {
                "seq": int(raw["seq"]),
                "offset": int(raw["offset"]),
                "ino": int(raw["ino"]),
                "state": state_from_json(raw["state"]),
                "maintained_ts": float(maintained) if maintained is not None else None,
            }, None
        except FileNotFoundError:
            return None, None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            # Derived data: the journal is replayed instead and a new one written.
            why = decode_problem(exc) if isinstance(exc, ValueError) else str(exc)
            return None, f"{self.paths.checkpoint} is unreadable ({why}); the journal was replayed"

    # -- writing (under the guard lock) ------------------------------------

    def append(self, event: Event, *, good_bytes: int, size: int) -> tuple[int, int]:
        """Append one event; returns the journal's (size, inode) after it."""
        line = (json.dumps(event.to_json(), ensure_ascii=False) + "\n").encode("utf-8")
        path = self.paths.journal
        flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC
        try:
            fd = os.open(path, flags, 0o600)
        except OSError as exc:
            raise WriteFailed(f"cannot open {path}: {exc.strerror}") from exc
        try:
            if size > good_bytes:
                # The incomplete record of a killed run: the next line must start clean.
                os.ftruncate(fd, good_bytes)
            written = os.write(fd, line)
            if written != len(line):
                raise WriteFailed(f"short write to {path} ({written} of {len(line)} bytes)")
            os.fsync(fd)
            info = os.fstat(fd)
        except OSError as exc:
            raise WriteFailed(f"cannot append to {path}: {exc.strerror}") from exc
        finally:
            os.close(fd)
        return info.st_size, info.st_ino

    def rewrite(self, events: list[Event]) -> tuple[int, int]:
        """Replace the journal with ``events`` atomically; returns its (size, inode)."""
        blob = "".join(json.dumps(e.to_json(), ensure_ascii=False) + "\n" for e in events)
        write_atomic(self.paths.journal, blob, mode=0o600)
        info = os.stat(self.paths.journal)
        return info.st_size, info.st_ino

    def write_checkpoint(
        self,
        state: dict[str, Entry],
        seq: int,
        end: tuple[int, int],
        *,
        maintained_ts: float | None,
    ) -> None:
        """The state as of event ``seq``; ``end`` is the journal's (size, inode) after it,
        as ``append`` and ``rewrite`` return them."""
        offset, ino = end
        doc = {
            "version": MANIFEST_VERSION,
            "seq": seq,
            "offset": offset,
            "ino": ino,
            "maintained_ts": maintained_ts,
            "state": state_to_json(state),
        }
        # One line, not indented: it is read on every run and holds every tracked path.
        write_atomic(self.paths.checkpoint, json.dumps(doc, ensure_ascii=False) + "\n", mode=0o600)
