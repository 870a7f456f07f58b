"""Capture's shortcut: a run over unchanged notes and an unchanged store does no work.

After a capture that loaded the store and found nothing to change, a small
record in the state directory says what that run saw: a digest of its
inputs (the code that decides, the date window, every note read with a
hash of its text) and the identity of the store file. The next capture
that sees the same inputs and the same store knows the answer without
loading the store: nothing new. Anything else does the full work.

What makes the record stale:

- **A note**: its text is hashed (notes are small), so an edit of one byte
  is seen whatever its size and modification time; a note added to or
  removed from the window, or unreadable now, changes the list of notes.
- **The window**: ``--date`` (or the local date) is part of the digest.
- **The code**: ``taskrunner.__version__``, a hash of the sources of the
  memory package and of the task, the Python version and its Unicode
  database. A hash of the sources, not a constant someone must remember to
  bump, so an edited or updated install never trusts an old record.
- **The store**: its device, inode, size, ``mtime_ns`` and ``ctime_ns``.
  An atomic replace makes a new inode; an edit in place moves ``ctime``,
  which ``os.utime`` cannot set back. The store is too large to hash on
  every run, so the hash is the fallback for the one case stat cannot
  decide: a file whose timestamps were taken less than ``RACY_WINDOW_NS``
  before the record (coarse filesystem clocks could give an edit made just
  after the record the same timestamps: git's "racy" index entries). Such
  a record also holds the hash of the store's bytes, and is trusted only
  when the file still has them.

The record is derived: it is written atomically under the store lock, and
losing or corrupting it only costs one full run. Only a run that found
nothing to change records one, so the shortcut repeats a result that was
computed, never a prediction about what a write leaves.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
import time
import unicodedata
from pathlib import Path

from .. import __version__
from ..errors import WriteFailed
from ..runlock import path_digest
from ..system.atomic import write_atomic

# This module is on the path of the shortcut, which must cost about what
# ``runner.py noop`` costs: no ``typing`` or ``dataclasses`` at run time.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any

#: version of the record's own layout
RECORD_FORMAT = 1
#: a store whose timestamps are younger than this when recorded is checked by hash
RACY_WINDOW_NS = 2_000_000_000
#: where the records live, under the state directory
RECORD_DIRNAME = "memory_capture"

_PACKAGE_DIR = Path(__file__).resolve().parent
_code_digests: dict[tuple[Path, ...], str] = {}


def code_version(extra_sources: Iterable[Path] = ()) -> str | None:
    """A digest of the code capture's result depends on; None when a source cannot be read.

    The sources of this package (subpackages included) and ``extra_sources``
    (the task module), the runner's version, the Python version and its
    Unicode database (normalization, ``casefold`` and ``\\w`` follow it).
    """
    files = tuple(sorted({*_PACKAGE_DIR.rglob("*.py"), *(Path(p) for p in extra_sources)}))
    cached = _code_digests.get(files)
    if cached is not None:
        return cached
    digest = hashlib.sha256()
    for part in (__version__, sys.version, unicodedata.unidata_version):
        digest.update(part.encode() + b"\0")
    for path in files:
        try:
            source = path.read_bytes()
        except OSError:
            return None  # no source to vouch for the code: never take the shortcut
        digest.update(f"{path.name}\0{len(source)}\0".encode())
        digest.update(source)
    _code_digests[files] = value = digest.hexdigest()
    return value


class InputDigest:
    """Accumulates what a capture reads: the code, the window, each note and its text."""

    def __init__(self, code: str, window: Iterable[str]) -> None:
        self._hash = hashlib.sha256(f"{RECORD_FORMAT}\0{code}\0".encode())
        self._hash.update(("\0".join(window) + "\0\0").encode())

    def add_note(self, rel: str, day: str, text: str) -> None:
        """One note read: its path, its day and its whole text."""
        data = text.encode("utf-8", "surrogatepass")
        self._hash.update(f"{rel}\0{day}\0{len(data)}\0".encode("utf-8", "surrogateescape"))
        self._hash.update(data)

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


class StoreIdentity:
    """What ``stat`` says about the store file: device, inode, size, both timestamps."""

    __slots__ = ("ctime_ns", "dev", "ino", "mtime_ns", "size")

    def __init__(self, dev: int, ino: int, size: int, mtime_ns: int, ctime_ns: int) -> None:
        self.dev, self.ino, self.size = dev, ino, size
        self.mtime_ns, self.ctime_ns = mtime_ns, ctime_ns

    @classmethod
    def of(cls, path: Path) -> StoreIdentity | None:
        """The identity of the file at ``path`` (links followed); None when there is none."""
        try:
            st = os.stat(path)
        except OSError:
            return None
        return cls(st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)

    def as_json(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in self.__slots__}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, StoreIdentity) and self.as_json() == other.as_json()

    def __hash__(self) -> int:
        return hash(tuple(self.as_json().values()))

    def is_racy(self, now_ns: int) -> bool:
        """Whether an edit just after ``now_ns`` could leave these timestamps unchanged."""
        return now_ns - max(self.mtime_ns, self.ctime_ns) < RACY_WINDOW_NS


class Outcome:
    """What a run over these inputs found besides the store: derived from the notes alone."""

    __slots__ = ("forgotten", "items", "note_problems", "repeated", "secrets")

    def __init__(
        self,
        items: int,
        note_problems: dict[str, list[str]],
        secrets: int = 0,
        repeated: int = 0,
        forgotten: int = 0,
    ) -> None:
        #: items extracted from the notes
        self.items = items
        #: note -> the problems extraction reported for it (a note over the item limit)
        self.note_problems = note_problems
        #: secrets redacted from the items
        self.secrets = secrets
        #: items that repeat another item of the same notes
        self.repeated = repeated
        #: items that are wordings of forgotten memories (the store says which)
        self.forgotten = forgotten

    @classmethod
    def from_json(cls, value: object) -> Outcome | None:
        if not isinstance(value, dict):
            return None
        items, problems = value.get("items"), value.get("note_problems")
        secrets, repeated = value.get("secrets", 0), value.get("repeated", 0)
        forgotten = value.get("forgotten", 0)
        if type(items) is not int or not isinstance(problems, dict):
            return None
        if type(secrets) is not int or type(repeated) is not int or type(forgotten) is not int:
            return None
        for messages in problems.values():
            if not isinstance(messages, list) or not all(isinstance(m, str) for m in messages):
                return None
        return cls(
            items=items,
            note_problems=problems,
            secrets=secrets,
            repeated=repeated,
            forgotten=forgotten,
        )


def record_path(state_dir: Path, workspace: Path) -> Path:
    """``<state>/state/memory_capture/<hash of the workspace path>.json``."""
    return (
        Path(state_dir)
        / "state"
        / RECORD_DIRNAME
        / f"{path_digest(str(Path(workspace).resolve()))}.json"
    )


def _store_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _read_record(path: Path) -> dict[str, Any] | None:
    try:
        with open(path, "rb") as fh:
            record = json.loads(fh.read(1 << 16))
    except (OSError, ValueError):
        return None  # missing or damaged: it only costs a full run
    if not isinstance(record, dict) or record.get("format") != RECORD_FORMAT:
        return None
    return record


def is_unchanged(state_dir: Path, workspace: Path, store: Path, inputs: str) -> Outcome | None:
    """What the last recorded capture found, when it saw exactly these inputs and this store."""
    record = _read_record(record_path(state_dir, workspace))
    if record is None or record.get("inputs") != inputs:
        return None
    outcome = Outcome.from_json(record.get("outcome"))
    identity = StoreIdentity.of(store)
    if outcome is None or identity is None or record.get("store") != identity.as_json():
        return None
    expected = record.get("store_sha256")
    if expected is None:
        return None if record.get("racy", True) else outcome
    # A racy record: only the bytes can tell. Read, then check that the file
    # is still the one stat described.
    try:
        with open(store, "rb") as fh:
            data = fh.read()
    except OSError:
        return None
    if _store_hash(data) != expected or StoreIdentity.of(store) != identity:
        return None
    return outcome


def store_evidence(
    identity: StoreIdentity | None,
    store_bytes: bytes | None,
    *,
    now_ns: int | None = None,
    sha256: str | None = None,
) -> dict[str, Any] | None:
    """What a record says about the store, taken when it is loaded (so its bytes can go).

    ``identity`` is the store's, taken under the store lock before its bytes
    ``store_bytes`` were read. None when they do not describe one file.
    ``sha256``: the bytes' digest when the caller has it already (hashing
    100k memories costs some 60 ms).
    """
    if identity is None or store_bytes is None or len(store_bytes) != identity.size:
        return None
    racy = identity.is_racy(time.time_ns() if now_ns is None else now_ns)
    evidence: dict[str, Any] = {"store": identity.as_json(), "racy": racy}
    if racy:
        evidence["store_sha256"] = sha256 or _store_hash(store_bytes)
    return evidence


def record_unchanged(
    state_dir: Path,
    workspace: Path,
    inputs: str,
    evidence: dict[str, Any] | None,
    outcome: Outcome,
) -> None:
    """Remember that a capture of ``inputs`` left the store of ``evidence`` as it was.

    Best effort: a record that cannot be written only costs a full run next time.
    """
    if evidence is None:
        return
    record: dict[str, Any] = {
        **evidence,
        "format": RECORD_FORMAT,
        "inputs": inputs,
        "outcome": {
            "items": outcome.items,
            "note_problems": outcome.note_problems,
            "secrets": outcome.secrets,
            "repeated": outcome.repeated,
            "forgotten": outcome.forgotten,
        },
    }
    path = record_path(state_dir, workspace)
    with contextlib.suppress(OSError, WriteFailed):
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, json.dumps(record, sort_keys=True) + "\n")
