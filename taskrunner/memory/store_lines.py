"""Write the store back without re-encoding the memories that did not change.

The store holds one memory per line (``store.dumps_store``). When the bytes
loaded are exactly the bytes this code last wrote there, line *i* is the
canonical encoding of memory *i*, so a memory written back unchanged can be
copied as its line instead of being encoded again: at 100k memories the
encoding costs as much as the parsing, and a capture changes a few dozen.

Whether the loaded bytes are the ones last written is known from a record in
the state directory: the size and SHA-256 of the bytes written, taken by the
writer under the store lock. A store edited by hand, written by another
tool or by an older version, or a lost or damaged record, simply has no
reusable lines: everything is encoded, as before. The output is the same
byte for byte either way; only the time differs. ``memory_consolidate``
drops the loaded bytes while it plans (holding them and the parsed store
both would cost a quarter more memory) and reads the lines back before it
writes (``reread_lines``), a chunk at a time.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from pathlib import Path

from ..errors import NotRegularFile, WriteFailed
from ..runlock import path_digest
from ..system.atomic import write_atomic
from ..system.regular_file import open_regular
from .store import STORE_TAIL, Store, dumps_store, store_head, store_lines_utf8

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence
    from typing import Any

#: version of the record's own layout
RECORD_FORMAT = 1
#: where the records live, under the state directory
RECORD_DIRNAME = "memory_store"
#: bytes ``reread_lines`` reads at a time
REREAD_CHUNK = 1 << 20


def record_path(state_dir: Path, workspace: Path) -> Path:
    """``<state>/state/memory_store/<hash of the workspace path>.json``."""
    digest = path_digest(str(Path(workspace).resolve()))
    return Path(state_dir) / "state" / RECORD_DIRNAME / f"{digest}.json"


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def remember_written(state_dir: Path, workspace: Path, data: bytes) -> None:
    """Record that ``data`` is what was just written to the store (under the store lock).

    Best effort: a record that cannot be written only costs time later.
    """
    remember_digest(state_dir, workspace, len(data), _digest(data))


def remember_digest(state_dir: Path, workspace: Path, size: int, sha256: str) -> None:
    """``remember_written`` of bytes known by their size and SHA-256."""
    record = {"format": RECORD_FORMAT, "size": size, "sha256": sha256}
    path = record_path(state_dir, workspace)
    with contextlib.suppress(OSError, WriteFailed):
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, json.dumps(record, sort_keys=True) + "\n")


def _recorded(state_dir: Path, workspace: Path) -> dict[str, Any] | None:
    try:
        with open(record_path(state_dir, workspace), "rb") as fh:
            record = json.loads(fh.read(4096))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) and record.get("format") == RECORD_FORMAT else None


def written_digest(state_dir: Path, workspace: Path, raw: bytes | None) -> str | None:
    """The SHA-256 of ``raw`` when it is what was last written to the store, else None."""
    if raw is None:
        return None
    record = _recorded(state_dir, workspace)
    if record is None or record.get("size") != len(raw):
        return None
    digest = _digest(raw)
    return digest if record.get("sha256") == digest else None


def split_lines(store: Store, raw: bytes) -> list[bytes] | None:
    """The line of each memory of ``store`` in ``raw``, the bytes it was loaded from.

    Only for bytes ``dumps_store`` wrote (``written_digest``); None when the
    lines cannot be reused as they are.
    """
    if not store.memories or b"\\ud" in raw:
        # Maybe written in the escaped form (a lone surrogate, written as
        # \udXXX, makes everything ASCII-escaped): its lines differ from the
        # UTF-8 ones. Any other \ud in the file (a backslash in a text) only
        # costs time.
        return None
    head = store_head(store)
    if not raw.startswith(head) or not raw.endswith(STORE_TAIL):
        return None
    # A JSON line holds no raw newline, so ",\n" only ever separates two memories.
    # Split the bytes as they are and trim the two ends afterwards: slicing off
    # the head first would copy the whole store once more, for nothing.
    lines = raw.split(b",\n")
    if len(lines) != len(store.memories):
        return None
    lines[0] = lines[0][len(head) :]
    lines[-1] = lines[-1][: len(lines[-1]) - len(STORE_TAIL)]
    return lines


def reread_lines(path: Path, digest: str | None, store: Store) -> list[bytes] | None:
    """``split_lines`` for a caller that let the loaded bytes go: the file, read again.

    ``digest`` is ``written_digest`` of the bytes ``store`` was loaded from;
    the lines are returned only when the file still holds exactly those
    bytes (the caller holds the store lock; anything else, a file edited by
    hand meanwhile included, only means no lines). Read and split a chunk at
    a time: the file's bytes and its lines are never both in memory whole.
    """
    if digest is None or not store.memories:
        return None
    hasher = hashlib.sha256()
    lines: list[bytes] = []
    rest = b""
    escaped = False
    try:
        fd = open_regular(path, what="the memory store")
        try:
            while chunk := os.read(fd, REREAD_CHUNK):
                hasher.update(chunk)
                # ``rest`` is the unfinished last line: a separator or an
                # escape cut by the chunk's edge is whole again here.
                block = rest + chunk
                # (A one-byte search first: it runs at memory speed.)
                escaped = escaped or (b"\\" in block and b"\\ud" in block)
                lines.extend(block.split(b",\n"))
                rest = lines.pop()
        finally:
            os.close(fd)
    except (OSError, NotRegularFile):
        return None
    lines.append(rest)
    head = store_head(store)
    if (
        escaped  # see split_lines
        or hasher.hexdigest() != digest
        or len(lines) != len(store.memories)
        or not lines[0].startswith(head)
        or not lines[-1].endswith(STORE_TAIL)
    ):
        return None
    lines[0] = lines[0][len(head) :]
    lines[-1] = lines[-1][: -len(STORE_TAIL)]
    return lines


def written_lines(
    state_dir: Path, workspace: Path, store: Store
) -> tuple[list[bytes] | None, str | None]:
    """The line of each loaded memory, and the SHA-256 of the loaded bytes, when
    those bytes are the ones last written; (None, None) when not.

    The digest comes with the lines so that a caller needing it too (the
    capture shortcut's record) does not hash the store a second time.
    """
    raw = store.raw_bytes
    digest = written_digest(state_dir, workspace, raw)
    if raw is None or digest is None:
        return None, None
    return split_lines(store, raw), digest


def line_map(memories: Sequence[dict[str, Any]], lines: Sequence[bytes] | None) -> dict[int, bytes]:
    """``id(memory) -> line`` for the loaded ``memories``, for ``dumps_store(reuse=...)``.

    Built before anything changes them; the caller removes every memory it
    changes (the objects stay alive in the store, so no id is reused).
    """
    if lines is None:
        return {}
    return {id(memory): line for memory, line in zip(memories, lines, strict=True)}


def line_map_at(
    memories: Sequence[dict[str, Any]], lines: Sequence[bytes] | None, positions: Iterable[int]
) -> dict[int, bytes]:
    """``line_map`` of the loaded memories at ``positions`` only.

    A caller that writes some memories (the kept ones to the store, the
    removed ones to the archive) holds no line it does not need.
    """
    if lines is None:
        return {}
    return {id(memories[index]): lines[index] for index in positions}


def save_store_lines(path: Path, store: Store, reuse: Mapping[int, bytes]) -> tuple[int, str]:
    """``save_store(path, store, reuse=reuse)``, the size and SHA-256 of the bytes written.

    The same bytes, never held whole: the lines go to the file one after
    another (``write_atomic`` of parts), so the store's new bytes and the
    lines they are made of are not both in memory.
    """
    try:
        lines = store_lines_utf8(store, reuse)
    except UnicodeEncodeError:
        lines = []  # a lone surrogate: the escaped form, which dumps_store makes
    if not lines:
        data = dumps_store(store)
        write_atomic(path, data)
        return len(data), _digest(data)
    parts = [b",\n"] * (2 * len(lines) - 1)
    parts[::2] = lines
    del lines
    hasher = hashlib.sha256()
    for part in parts:
        hasher.update(part)
    write_atomic(path, parts)
    return sum(map(len, parts)), hasher.hexdigest()
