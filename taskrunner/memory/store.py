"""The memory store ``memory/store.json``: load, save, lock.

Format: ``{"version": 1, <unknown top-level keys>, "memories": [...]}`` with
one memory per line, so the file diffs well and is written by the C JSON
encoder (``indent=`` would fall back to the pure-Python one). A memory is a
plain dict; fields this code does not know are kept verbatim.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
from collections.abc import Callable, Collection, Iterator, Mapping
from pathlib import Path

from ..errors import NotRegularFile, StoreCorrupt, StoreLocationError
from ..system import lockfile
from ..system.atomic import write_atomic
from ..system.regular_file import read_regular
from .encoding import encode_json, encode_json_ascii
from .normalize import memory_id

# typing only for the type checker: a capture over unchanged notes imports this module.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

#: the store format this code reads and writes
STORE_VERSION = 1
#: default seconds a writer waits for the store lock
DEFAULT_LOCK_TIMEOUT_S = 60.0


def load_store_or_alert(path: Path, alert: Callable[..., None]) -> Store:
    """``load_store``; a corrupt store first queues an ``error`` alert through ``alert``.

    ``alert`` is the task's ``Task.alert``. The queue scopes keys to the task:
    capture, consolidate and restore each queue their own alert for the same
    broken store, and repeats of each only raise its count.
    """
    try:
        return load_store(path)
    except StoreCorrupt as exc:
        alert(str(exc), level="error", key=corrupt_alert_key(path))
        raise


class Store:
    """A loaded store: the memories, unknown top-level keys, and the bytes read.

    A plain class, not a dataclass: ``store_path`` is on the path of a capture
    over unchanged notes, which must not pay for importing ``dataclasses``.
    """

    __slots__ = ("extra", "memories", "raw_bytes", "version")

    def __init__(
        self,
        memories: list[dict[str, Any]] | None = None,
        extra: dict[str, Any] | None = None,
        version: int = STORE_VERSION,
        raw_bytes: bytes | None = None,
    ) -> None:
        self.memories: list[dict[str, Any]] = [] if memories is None else memories
        self.extra: dict[str, Any] = {} if extra is None else extra
        self.version = version
        #: the file's bytes as read (None when there was no file): lets a caller
        #: tell "unchanged" and write the .bak without reading again
        self.raw_bytes = raw_bytes


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector.

    Loading a store allocates a dict and a few lists per memory and no
    reference cycles; each automatic collection rescans everything loaded so
    far, which doubles the time ``json.loads`` takes at 100k memories, and
    planning a consolidation costs more in collections than in work.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def store_path(workspace: Path) -> Path:
    """``<workspace>/memory/store.json``."""
    return Path(workspace) / "memory" / "store.json"


def backup_path(path: Path) -> Path:
    """The backup next to a store: ``store.json.bak``."""
    path = Path(path)
    return path.with_name(path.name + ".bak")


def archive_path(workspace: Path) -> Path:
    """Where removed memories are kept: ``<workspace>/memory/store.archive.jsonl``."""
    return Path(workspace) / "memory" / "store.archive.jsonl"


def lock_path(workspace: Path) -> Path:
    """The lock file every store writer holds: ``memory/store.json.lock``."""
    return Path(workspace) / "memory" / "store.json.lock"


def corrupt_alert_key(path: Path) -> str:
    """The alert key a memory task uses for a store it cannot read.

    The alert queue scopes keys to the task raising the alert, so each task
    that meets the broken store queues one alert for it, and its repeats
    while pending raise that alert's count.
    """
    return f"memory-store-corrupt:{path}"


def store_files(workspace: Path) -> tuple[Path, ...]:
    """Every file of the store: the store, its backup, its archive and its lock."""
    path = store_path(workspace)
    return (path, backup_path(path), archive_path(workspace), lock_path(workspace))


def check_location(path: Path) -> None:
    """Refuse a store file that breaks the rule of ``StoreLocationError``.

    ``path`` is one of ``store_files(workspace)``: it lives in
    ``<workspace>/memory``. A ``memory/`` symlink that stays inside the
    workspace is followed (the store is still the workspace's); one that
    leaves it is refused, and so is any symlinked store file.
    """
    path = Path(path)
    memory_dir = path.parent
    workspace = memory_dir.parent
    if memory_dir.is_symlink():
        target = memory_dir.resolve()
        if not target.is_relative_to(workspace.resolve()):
            raise StoreLocationError(
                f"{memory_dir} is a symbolic link to {target}, outside the workspace "
                f"{workspace}; the memory store is only written inside the workspace. Move that "
                f"folder into the workspace (rm {memory_dir} && mv {target} {memory_dir}), or "
                "pass --workspace pointing at the folder that holds it"
            )
    if path.is_symlink():
        real = os.path.realpath(path)
        raise StoreLocationError(
            f"{path} is a symbolic link (to {real}); store files must be regular files "
            "in the workspace: writing replaces the file, which would cut the link and leave "
            f"its target stale. Replace the link with the file itself (cp {real} {path}.new "
            f"&& mv {path}.new {path}) and run again; both were left untouched"
        )


def _corrupt(path: Path, problem: str, *, in_the_way: bool = False) -> StoreCorrupt:
    """The error for a store that cannot be used; ``in_the_way`` when ``path`` is
    no regular file at all (a directory, a FIFO), which has to be moved first."""
    # Only memory_consolidate and memory_restore write a backup: a store that
    # capture alone maintains has none, and naming a missing file misleads.
    backup = backup_path(path)
    has_backup = backup.is_file()
    if in_the_way:
        # `cp` onto a directory copies the backup into it, onto a FIFO it blocks.
        move = f"move it aside first (`mv {path} {path}.aside`)"
        if has_backup:
            fix = f"{move}, then restore the last backup with `cp {backup} {path}`"
        else:
            fix = (
                f"{move}; the next memory_capture then starts a new store "
                f"(no backup {backup} exists to restore from)"
            )
        return StoreCorrupt(f"{path} {problem}; it was left untouched — {fix}")
    if has_backup:
        fix = f"restore the last backup with `cp {backup} {path}`, or fix it by hand"
    else:
        fix = f"fix it by hand (no backup {backup} exists to restore from)"
    return StoreCorrupt(f"{path} {problem}; the file was left untouched — {fix}")


def read_store_bytes(path: Path, *, follow_symlinks: bool = False) -> bytes | None:
    """The store file's bytes; None when there is none.

    ``StoreCorrupt`` with the fix when it cannot be read: every reader (the
    tasks and memory_search) says the same thing about the same file.
    """
    try:
        return read_regular(path, what="the memory store", follow_symlinks=follow_symlinks)
    except FileNotFoundError as exc:
        if follow_symlinks and path.is_symlink():
            # A link to nothing is no "nothing stored yet": the store is elsewhere.
            target = os.readlink(path)
            raise StoreCorrupt(
                f"{path} is a symbolic link to {target}, which does not exist; point it at "
                f"the store (ln -sfn /path/to/store.json {path}) or remove it (rm {path})"
            ) from exc
        return None
    except NotRegularFile as exc:
        raise _corrupt(
            path,
            f"cannot be read: it is {exc.kind}, not a regular file (refused unopened)",
            in_the_way=True,
        ) from exc
    except OSError as exc:
        raise _corrupt(path, f"cannot be read ({exc.strerror})") from exc


def _json_kind(value: object) -> str:
    # Only on the way to an error message: a good store never needs it.
    from ..system.json_words import json_kind

    return json_kind(value)


def _decode_problem(exc: json.JSONDecodeError) -> str:
    from ..system.json_words import decode_problem

    return decode_problem(exc)


def _upgrade_legacy(path: Path, items: list[Any]) -> list[dict[str, Any]]:
    """A legacy store is a bare array of memories (or of strings): give each an id."""
    memories: list[dict[str, Any]] = []
    for index, item in enumerate(items):
        if isinstance(item, str):
            item = {"text": item}
        if not isinstance(item, dict):
            raise _corrupt(path, f"item {index} of the array is {_json_kind(item)}, not an object")
        memory = dict(item)
        if not isinstance(memory.get("text"), str):
            raise _corrupt(path, f"item {index} of the array has no text string")
        kind = memory.get("kind")
        if kind is not None and not isinstance(kind, str):
            raise _corrupt(path, _kind_problem(f"item {index} of the array", kind))
        memory.setdefault("id", memory_id(memory["text"]))
        memory.setdefault("kind", "fact")
        memory.setdefault("sources", [])
        memory.setdefault("seen_count", 1)
        memories.append(memory)
    return memories


def _check_memories(path: Path, memories: Any) -> list[dict[str, Any]]:
    if not isinstance(memories, list):
        raise _corrupt(path, f'has "memories" that is {_json_kind(memories)}, not a list')
    for index, memory in enumerate(memories):
        if not isinstance(memory, dict):
            raise _corrupt(path, f"memories[{index}] is {_json_kind(memory)}, not an object")
        if not isinstance(memory.get("text"), str):
            raise _corrupt(path, f"memories[{index}] has no text string")
        kind = memory.get("kind")
        if kind is not None and not isinstance(kind, str):
            raise _corrupt(path, _kind_problem(f"memories[{index}]", kind))
    return memories


def _kind_problem(where: str, kind: object) -> str:
    """Every task looks a memory up by its kind: say which one is broken
    (``"kind": []``) rather than fail on it half-way through a run."""
    return f"{where} has a kind that is {_json_kind(kind)}, not text"


def load_store(path: Path) -> Store:
    """Read a store; a missing file is an empty store, a legacy bare array is upgraded.

    Raises ``StoreCorrupt`` (the file untouched) for anything else that is
    not a store this code understands.
    """
    path = Path(path)
    check_location(path)
    raw = read_store_bytes(path)
    if raw is None:
        return Store()
    return parse_store(path, raw)


def parse_store(path: Path, raw: bytes) -> Store:
    """The store in ``raw``, the bytes of ``path``: ``load_store`` once the file is read."""
    try:
        with gc_paused():
            doc = json.loads(raw)
    except UnicodeDecodeError as exc:
        raise _corrupt(path, f"is not valid UTF-8 at byte {exc.start}") from exc
    except json.JSONDecodeError as exc:
        raise _corrupt(path, f"is not valid JSON ({_decode_problem(exc)})") from exc
    except RecursionError as exc:
        raise _corrupt(path, "is nested too deeply to be a store") from exc
    if isinstance(doc, list):
        return Store(memories=_upgrade_legacy(path, doc), raw_bytes=raw)
    if not isinstance(doc, dict):
        raise _corrupt(path, f"holds {_json_kind(doc)}, not an object")
    if "memories" not in doc:
        raise _corrupt(path, 'has no "memories" list')
    version = doc.get("version", STORE_VERSION)
    if not isinstance(version, int) or isinstance(version, bool):
        raise _corrupt(path, f"has version {version!r}, not a number")
    if version > STORE_VERSION:
        raise StoreCorrupt(
            f"{path} is store version {version}, newer than this taskrunner reads "
            f"({STORE_VERSION}); left untouched — upgrade taskrunner"
        )
    memories = _check_memories(path, doc["memories"])
    extra = {k: v for k, v in doc.items() if k not in ("version", "memories")}
    return Store(memories=memories, extra=extra, version=STORE_VERSION, raw_bytes=raw)


def dumps_store(store: Store, *, reuse: Mapping[int, bytes] | None = None) -> bytes:
    """The bytes ``save_store`` writes: one memory per line, UTF-8.

    ``reuse`` maps ``id(memory)`` to the line that already encodes that very
    memory, unchanged (``store_lines.written_lines``): those lines are copied,
    not re-encoded, and the result is byte for byte the same.
    """
    try:
        return _dumps_utf8(store, reuse or {})
    except UnicodeEncodeError:
        # A lone surrogate (from a "\ud800" escape) somewhere, which UTF-8
        # cannot carry: escape everything rather than write invalid bytes.
        return _dumps(store, encode_json_ascii).encode("ascii")


def _head(store: Store, encode: Callable[[Any], str]) -> str:
    head = [f'{{"version": {STORE_VERSION}']
    head.extend(f"{encode(key)}: {encode(value)}" for key, value in store.extra.items())
    return ", ".join(head) + ', "memories": '


def store_head(store: Store) -> bytes:
    """The first line of the file ``dumps_store`` writes for a store with memories."""
    return (_head(store, encode_json) + "[\n").encode("utf-8")


def _dumps(store: Store, encode: Callable[[Any], str]) -> str:
    if store.memories:
        body = ",\n".join([encode(memory) for memory in store.memories])
        return _head(store, encode) + "[\n" + body + STORE_TAIL.decode("ascii")
    return _head(store, encode) + "[]}\n"


#: what ends a store file that holds memories
STORE_TAIL = b"\n]}\n"


def store_lines_utf8(store: Store, reuse: Mapping[int, bytes]) -> list[bytes]:
    """The store file's bytes as its memory lines, to be joined by ``b",\\n"``: the head
    before the first, ``STORE_TAIL`` after the last; empty when there are no memories.

    Each memory straight to bytes (``reuse`` as in ``dumps_store``). Raises
    ``UnicodeEncodeError`` for a lone surrogate, which UTF-8 cannot carry.
    """
    if not store.memories:
        return []
    get = reuse.get
    encode = encode_json
    lines = [get(id(memory)) or encode(memory).encode("utf-8") for memory in store.memories]
    lines[0] = store_head(store) + lines[0]
    lines[-1] += STORE_TAIL
    return lines


def _dumps_utf8(store: Store, reuse: Mapping[int, bytes]) -> bytes:
    # One join for the file: its bytes exist once, not also as one str and its copy.
    if not store.memories:
        return (_head(store, encode_json) + "[]}\n").encode("utf-8")
    return b",\n".join(store_lines_utf8(store, reuse))


def save_store(path: Path, store: Store, *, reuse: Mapping[int, bytes] | None = None) -> bytes:
    """Replace the store atomically (temp file, fsync, rename); the bytes written."""
    data = dumps_store(store, reuse=reuse)
    write_atomic(Path(path), data)
    return data


@contextlib.contextmanager
def store_lock(workspace: Path, *, timeout_s: float = DEFAULT_LOCK_TIMEOUT_S) -> Iterator[None]:
    """Hold the exclusive store lock (``fcntl.flock`` on ``memory/store.json.lock``).

    Every writer of the store (capture, consolidate, restore) holds it from
    reading the store to replacing it. Waits up to ``timeout_s`` seconds, then
    raises ``LockTimeout`` (retryable: the other writer will finish).
    Every store file is checked against the location rule first, so no
    writer ever writes through a link (``StoreLocationError``).
    """
    for path in store_files(workspace):
        check_location(path)
    path = store_path(workspace)
    with lockfile.held(
        lock_path(workspace),
        what="the memory store lock",
        timeout_s=timeout_s,
        guards=(path, backup_path(path)),
    ):
        yield


#: sources one memory keeps; older ones beyond it are dropped and counted
MAX_SOURCES = 100


def cap_sources(sources: list[Any], *, keep_files: Collection[str] = ()) -> int:
    """Cut ``sources`` to ``MAX_SOURCES`` in place, oldest first; how many went.

    The first source (where the memory came from) stays, and so do those in
    ``keep_files`` (capture passes the notes it is reading: dropping one of
    their sources would make that line look new on the next run). What is
    dropped is counted in the memory's ``sources_truncated`` by the caller.
    """
    excess = len(sources) - MAX_SOURCES
    if excess <= 0:
        return 0
    kept = sources[:1]
    for source in sources[1:]:
        in_reading = isinstance(source, dict) and source.get("file") in keep_files
        if excess > 0 and not in_reading:
            excess -= 1
            continue
        kept.append(source)
    dropped = len(sources) - len(kept)
    sources[:] = kept
    return dropped
