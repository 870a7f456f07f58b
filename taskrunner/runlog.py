"""The run log ``logs/tasks.jsonl``: one JSON object per run, one line each.

Every record is a single ``write()`` to a descriptor opened with
``O_APPEND``, so runs finishing at the same moment never interleave inside a
line; a torn last line (a run killed mid-write) is closed before the next
record, so it never swallows one. When the file reaches ``max_bytes`` it is rotated
(``tasks.jsonl`` -> ``.1`` -> ... -> ``.N``; the file beyond ``.N`` is
removed, whole). Rotation and appends are coordinated through ``flock`` on
``tasks.jsonl.lock``: appenders hold it shared while they open and write,
the rotator holds it exclusive while it renames, so a record is never
written into a file that is being moved or removed.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
from collections.abc import Mapping
from pathlib import Path

from . import diagnostics
from .errors import LockFileError, NotRegularFile, WriteFailed
from .system import lockfile
from .system.atomic import append_line
from .system.regular_file import open_regular

#: the fields the runner owns in a run record; a task's result never overrides them
RUNNER_FIELDS = (
    "task",
    "timestamp",
    "success",
    "status",
    "message",
    "duration_seconds",
    "run_id",
    "attempts",
    "error",
    "dry_run",
    "workspace",
    "pid",
)


# Only the type checker needs these: every run appends a record, and typing
# alone costs milliseconds to import.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from typing import IO, Any

#: folder under the state directory that holds the run log
LOGS_DIRNAME = "logs"
LOG_FILENAME = "tasks.jsonl"
#: size in bytes at which ``tasks.jsonl`` is rotated
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
#: rotated files kept (``tasks.jsonl.1`` ... ``tasks.jsonl.<backups>``)
DEFAULT_BACKUPS = 5

#: nesting beyond this is stringified rather than recursed into
_MAX_DEPTH = 64


def _warn(msg: str, *args: object) -> None:
    diagnostics.warn(__name__, msg, *args)


class RunLog:
    """``logs/tasks.jsonl`` under a state directory, with size-based rotation."""

    def __init__(
        self,
        state_dir: Path,
        *,
        max_bytes: int = DEFAULT_MAX_BYTES,
        backups: int = DEFAULT_BACKUPS,
    ) -> None:
        if max_bytes < 1:
            raise ValueError(f"max_bytes must be at least 1, not {max_bytes}")
        if backups < 1:
            # With no backup to rotate into, rotation would just delete the log.
            raise ValueError(f"backups must be at least 1, not {backups}")
        self.directory = Path(state_dir) / LOGS_DIRNAME
        self.path = self.directory / LOG_FILENAME
        self.lock_path = self.directory / f"{LOG_FILENAME}.lock"
        self.max_bytes = max_bytes
        self.backups = backups

    def backup_path(self, n: int) -> Path:
        """``tasks.jsonl.<n>``: the n-th most recent rotated file."""
        return self.directory / f"{LOG_FILENAME}.{n}"

    # -- writing ------------------------------------------------------------

    def append(self, record: Mapping[str, Any]) -> None:
        """Append ``record`` as one line; rotate afterwards if the file is full."""
        line = encode_record(record)
        fd = self._open_lock()
        try:
            lockfile.lock(fd, shared=True)
            try:
                append_line(self.path, line)
            except OSError as exc:  # append_line opens outside its own guard
                raise WriteFailed(f"cannot append to {self.path}: {exc.strerror}") from exc
            full = _size(self.path) >= self.max_bytes
            if full:
                # Converting shared -> exclusive drops the shared lock first, so
                # two full appenders cannot deadlock; _rotate re-checks the size
                # because another one may have rotated in between.
                lockfile.lock(fd)
                self._rotate(force=False)
        finally:
            os.close(fd)

    def rotate(self, *, force: bool = False) -> bool:
        """Rotate now if the file is full (or non-empty, with ``force``); True if rotated."""
        fd = self._open_lock()
        try:
            lockfile.lock(fd)
            return self._rotate(force=force)
        finally:
            os.close(fd)

    def _rotate(self, *, force: bool) -> bool:
        # Caller holds the exclusive lock.
        size = _size(self.path)
        if size == 0 or (not force and size < self.max_bytes):
            return False
        try:
            # The shift onto .N replaces the oldest file: retention drops whole
            # files only, never part of one.
            # Only existing files are shifted: one rename each, not one attempt
            # per configured backup.
            for n in sorted(self._backup_numbers(), reverse=True):
                if n < self.backups:
                    self.backup_path(n).replace(self.backup_path(n + 1))
            self.path.replace(self.backup_path(1))
        except OSError as exc:
            raise WriteFailed(
                f"cannot rotate {self.path}: {exc.strerror}; no record was lost, the next run "
                "retries the rotation"
            ) from exc
        return True

    def _open_lock(self) -> int:
        try:
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as exc:
            raise WriteFailed(f"cannot create {self.directory}: {exc.strerror}") from exc
        return lockfile.open_lock_file(self.lock_path, what="the run log lock")

    # -- reading ------------------------------------------------------------

    def _backup_numbers(self) -> list[int]:
        numbers: list[int] = []
        prefix = f"{LOG_FILENAME}."
        with contextlib.suppress(FileNotFoundError):
            for entry in os.scandir(self.directory):
                suffix = entry.name[len(prefix) :]
                # .1, .2, ...: not .0 or .01, which no rotation ever writes.
                if (
                    entry.name.startswith(prefix)
                    and suffix.isascii()
                    and suffix.isdigit()
                    and not suffix.startswith("0")
                ):
                    numbers.append(int(suffix))
        return numbers

    def files(self) -> list[Path]:
        """The log files that exist, oldest first (``.N`` ... ``.1``, ``tasks.jsonl``)."""
        ordered = [self.backup_path(n) for n in sorted(self._backup_numbers(), reverse=True)]
        if self.path.exists():
            ordered.append(self.path)
        return ordered

    def records(self, skipped: SkippedLines | None = None) -> Iterator[dict[str, Any]]:
        """Every record, oldest first; unparseable lines are skipped.

        Each skipped line is a warning of its own, unless ``skipped`` is
        given: it then counts them, and the caller says so once
        (``SkippedLines.warn``) when it has read what it needs.
        """
        handles = self._open_snapshot()
        report = _warn_line if skipped is None else skipped.add
        try:
            for path, handle in handles:
                yield from _parse_lines(path, handle, report)
        finally:
            for _, handle in handles:
                handle.close()

    def _open_snapshot(self) -> list[tuple[Path, IO[bytes]]]:
        # Open every file under a shared lock, then read without it: renames
        # do not affect open descriptors, so a rotation meanwhile neither
        # hides nor repeats records, and readers never hold up a run.
        # Readers never create the lock file (history writes nothing).
        lock_fd = -1
        with contextlib.suppress(OSError, LockFileError):
            lock_fd = lockfile.open_lock_file(self.lock_path, what="the run log lock", create=False)
        handles: list[tuple[Path, IO[bytes]]] = []
        try:
            if lock_fd >= 0:
                lockfile.lock(lock_fd, shared=True)
            for path in self.files():
                try:
                    fd = open_regular(path, what="run log")
                except FileNotFoundError:
                    continue
                except OSError as exc:
                    _warn("cannot read %s (%s); its records are left out", path, exc.strerror)
                    continue
                except NotRegularFile as exc:
                    _warn("%s; its records are left out", exc)
                    continue
                handles.append((path, os.fdopen(fd, "rb")))
        except BaseException:
            for _, handle in handles:
                handle.close()
            raise
        finally:
            if lock_fd >= 0:
                os.close(lock_fd)
        return handles


class SkippedLines:
    """The unreadable lines one reading of the log skipped: how many, and the first."""

    def __init__(self) -> None:
        self.count = 0
        #: ``(file, line number, what is wrong)`` of the first skipped line
        self.first: tuple[Path, int, str] | None = None

    def add(self, path: Path, lineno: int, problem: str) -> None:
        self.count += 1
        if self.first is None:
            self.first = (path, lineno, problem)

    def message(self) -> str | None:
        """One line for all of them, with what to do; None when none was skipped."""
        if self.first is None:
            return None
        path, lineno, problem = self.first
        if self.count == 1:
            what = f"skipped 1 unreadable line of the run log: {path} line {lineno} is {problem}"
            them = "it"
        else:
            what = (
                f"skipped {self.count} unreadable lines of the run log, the first {path} "
                f"line {lineno} ({problem})"
            )
            them = "them"
        # The runner only ever appends to the log: it never rewrites it to drop them.
        return (
            f"{what}; the log is append-only and was left untouched: delete {them} by hand "
            f"(with the runner idle) if you want {them} gone"
        )

    def warn(self) -> None:
        """Say ``message()`` once on stderr, if any line was skipped."""
        text = self.message()
        if text is not None:
            _warn("%s", text)


def _warn_line(path: Path, lineno: int, problem: str) -> None:
    _warn("%s line %d is %s; skipped, file left untouched", path, lineno, problem)


def _parse_lines(
    path: Path, handle: IO[bytes], report: Callable[[Path, int, str], None]
) -> Iterator[dict[str, Any]]:
    # Binary iteration splits on b"\n" only: U+2028 inside a message is not a
    # line break here, unlike str.splitlines().
    for lineno, raw in enumerate(handle, 1):
        if not raw.strip():
            continue
        try:
            # Decoded as the UTF-8 the log is written in (bytes would let json guess
            # UTF-16 from garbage), and without its newline: a record cut off inside a
            # string then reads as unterminated, not as a control character in it.
            record = json.loads(raw.decode("utf-8-sig").rstrip("\n"))
        except ValueError as exc:
            from .system.json_words import decode_problem  # only for the warning

            report(path, lineno, f"not valid JSON ({decode_problem(exc, one_line=True)})")
            continue
        if not isinstance(record, dict):
            report(path, lineno, "not a JSON object")
            continue
        yield record


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


# -- encoding ---------------------------------------------------------------


def encode_record(record: Mapping[str, Any]) -> str:
    """``record`` as one line of JSON; values JSON cannot hold are stringified, never fatal."""
    obj: Any = dict(record)
    try:
        line = json.dumps(obj, ensure_ascii=False, allow_nan=False, default=_default)
    except (TypeError, ValueError, RecursionError):
        # Circular references, NaN, non-string keys, absurd nesting: rebuild a
        # plain copy so the run is still recorded.
        obj = _plain(obj, 0, set())
        line = json.dumps(obj, ensure_ascii=False, allow_nan=False)
    try:
        line.encode("utf-8")
    except UnicodeEncodeError:
        # A lone surrogate (e.g. from a mis-decoded file name) cannot be UTF-8;
        # \u escapes keep the line valid and the text recoverable.
        line = json.dumps(obj, ensure_ascii=True, allow_nan=False, default=_default)
    return line


def _default(value: Any) -> Any:
    if isinstance(value, Mapping):
        return dict(value)
    isoformat = getattr(value, "isoformat", None)
    if callable(isoformat):
        with contextlib.suppress(Exception):
            return str(isoformat())
    return _safe_str(value)


def _safe_str(value: Any) -> str:
    try:
        return str(value)
    except Exception:
        return f"<unprintable {type(value).__name__}>"


def _plain(value: Any, depth: int, active: set[int]) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if depth >= _MAX_DEPTH:
        return _safe_str(value)
    if isinstance(value, Mapping | list | tuple):
        if id(value) in active:
            return "<circular reference>"
        active.add(id(value))
        try:
            if isinstance(value, Mapping):
                return {_key(k): _plain(v, depth + 1, active) for k, v in value.items()}
            return [_plain(v, depth + 1, active) for v in value]
        finally:
            active.discard(id(value))
    return _default(value)


def _key(key: Any) -> str:
    return key if isinstance(key, str) else _safe_str(key)
