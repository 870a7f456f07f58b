"""The run log: one line per record, rotation that never drops or splits one, real concurrency."""

from __future__ import annotations

import json
import logging
import math
import os
import subprocess
import sys
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from support.paths import ROOT
from taskrunner.errors import WriteFailed
from taskrunner.runlog import RunLog, encode_record


def read_file(path: Path) -> list[dict[str, Any]]:
    """Records of one log file, asserting it holds only whole JSON lines."""
    raw = path.read_bytes()
    if not raw:
        return []
    assert raw.endswith(b"\n"), f"{path.name} ends inside a record"
    return [json.loads(line) for line in raw.split(b"\n")[:-1]]


# -- records ---------------------------------------------------------------------


def test_append_writes_one_line_per_record(state_dir: Path) -> None:
    log = RunLog(state_dir)
    log.append({"task": "noop", "success": True, "message": "multi\nline\u2028text"})
    log.append({"task": "noop", "success": False, "message": "second"})
    lines = (state_dir / "logs" / "tasks.jsonl").read_bytes().split(b"\n")
    assert len(lines) == 3 and lines[-1] == b""
    assert [r["message"] for r in log.records()] == ["multi\nline\u2028text", "second"]


def test_non_json_values_are_stringified_never_fatal(state_dir: Path) -> None:
    class Opaque:
        def __str__(self) -> str:
            return "opaque!"

    class Unprintable:
        def __str__(self) -> str:
            raise RuntimeError("no")

    circular: dict[str, Any] = {"name": "loop"}
    circular["self"] = circular
    when = datetime(2026, 3, 1, 3, 0, tzinfo=timezone(timedelta(hours=1)))
    log = RunLog(state_dir)
    log.append(
        {
            "task": "weird",
            "path": Path("/a/b"),
            "when": when,
            "opaque": Opaque(),
            "bytes": b"\x00\x01",
            "set": {1},
            "unprintable": Unprintable(),
        }
    )
    log.append({"task": "weird", "ratio": math.nan, "big": math.inf, "circular": circular})
    log.append({"task": "weird", "keys": {(1, 2): "tuple key"}, "nested": [[[{"x": b"y"}]]]})
    log.append({"task": "weird", "name": "bad\udcffsurrogate"})
    first, second, third, fourth = log.records()
    assert first["path"] == "/a/b"
    assert first["when"] == "2026-03-01T03:00:00+01:00"
    assert first["opaque"] == "opaque!"
    assert first["bytes"] == "b'\\x00\\x01'"
    assert first["set"] == "{1}"
    assert first["unprintable"] == "<unprintable Unprintable>"
    assert second["ratio"] == "nan" and second["big"] == "inf"
    assert second["circular"] == {"name": "loop", "self": "<circular reference>"}
    assert third["keys"] == {"(1, 2)": "tuple key"}
    assert third["nested"] == [[[{"x": "b'y'"}]]]
    assert fourth["name"] == "bad\udcffsurrogate"
    # every line is valid UTF-8 and standard JSON (no NaN literals)
    text = (state_dir / "logs" / "tasks.jsonl").read_bytes().decode("utf-8")
    assert "NaN" not in text and "Infinity" not in text


def test_unparseable_lines_are_skipped_with_a_warning_and_left_untouched(
    state_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    log = RunLog(state_dir)
    log.append({"task": "a"})
    path = state_dir / "logs" / "tasks.jsonl"
    with path.open("ab") as f:
        f.write(b'{"task": "trunc\n[1, 2]\n\n\xff\xfe\n')
    log.append({"task": "b"})
    before = path.read_bytes()
    with caplog.at_level(logging.WARNING, logger="taskrunner.runlog"):
        assert [r["task"] for r in log.records()] == ["a", "b"]
    assert path.read_bytes() == before
    warnings = [r.getMessage() for r in caplog.records if r.name == "taskrunner.runlog"]
    assert len(warnings) == 3
    assert all(str(path) in w for w in warnings)
    assert "line 2" in warnings[0] and "line 3" in warnings[1] and "line 5" in warnings[2]
    # In the file's words: where on that line, and no decoder offsets.
    assert "line 2 is not valid JSON (unterminated string at column 10)" in warnings[0]
    assert "line 5 is not valid JSON (not UTF-8 text at byte 0)" in warnings[2]


def test_reading_a_missing_log_yields_nothing_and_creates_nothing(state_dir: Path) -> None:
    assert list(RunLog(state_dir).records()) == []
    assert not (state_dir / "logs").exists()


def test_symlink_at_the_log_path_is_not_written_through(state_dir: Path, tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    (state_dir / "logs").mkdir()
    (state_dir / "logs" / "tasks.jsonl").symlink_to(victim)
    with pytest.raises(WriteFailed, match=r"cannot append to .*tasks\.jsonl"):
        RunLog(state_dir).append({"task": "noop"})
    assert victim.read_text() == "precious\n"


@pytest.mark.parametrize(("max_bytes", "backups"), [(0, 5), (10, 0)])
def test_settings_that_would_lose_records_are_refused(
    state_dir: Path, max_bytes: int, backups: int
) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        RunLog(state_dir, max_bytes=max_bytes, backups=backups)


# -- rotation ----------------------------------------------------------------------


def test_file_is_rotated_once_it_reaches_max_bytes(state_dir: Path) -> None:
    record = {"task": "noop", "n": 0}
    line_bytes = len(encode_record(record).encode()) + 1
    log = RunLog(state_dir, max_bytes=2 * line_bytes, backups=2)
    main, first, second = log.path, log.backup_path(1), log.backup_path(2)
    log.append({**record, "n": 1})
    assert main.exists() and not first.exists()
    log.append({**record, "n": 2})  # reaches max_bytes: rotated
    assert not main.exists()
    assert [r["n"] for r in read_file(first)] == [1, 2]
    for n in range(3, 7):
        log.append({**record, "n": n})
    assert [r["n"] for r in read_file(second)] == [3, 4]
    assert [r["n"] for r in read_file(first)] == [5, 6]
    log.append({**record, "n": 7})
    # backups=2: the file with records 1-2 was the oldest, removed whole
    assert [r["n"] for r in log.records()] == [3, 4, 5, 6, 7]
    assert not log.backup_path(3).exists()


def test_forced_rotation_of_an_empty_log_does_nothing(state_dir: Path) -> None:
    log = RunLog(state_dir, backups=2)
    assert log.rotate(force=True) is False
    log.append({"task": "a"})
    assert log.rotate() is False  # far below max_bytes
    assert log.rotate(force=True) is True
    assert log.rotate(force=True) is False  # nothing new to rotate
    assert [r["task"] for r in read_file(log.backup_path(1))] == ["a"]


def test_leftover_backups_beyond_the_setting_are_still_read_in_order(state_dir: Path) -> None:
    logs = state_dir / "logs"
    logs.mkdir()
    for n, task in [(7, "oldest"), (2, "older"), (1, "old")]:
        (logs / f"tasks.jsonl.{n}").write_text(json.dumps({"task": task}) + "\n")
    (logs / "tasks.jsonl.01").write_text(json.dumps({"task": "not a backup name"}) + "\n")
    log = RunLog(state_dir, backups=3)
    log.append({"task": "new"})
    assert [r["task"] for r in log.records()] == ["oldest", "older", "old", "new"]


def test_a_reader_sees_a_consistent_snapshot_across_a_rotation(state_dir: Path) -> None:
    log = RunLog(state_dir, backups=10)
    for n in range(3):
        log.append({"n": n})
    log.rotate(force=True)
    log.append({"n": 3})
    reader = log.records()
    assert next(reader)["n"] == 0  # the files are open from here on
    log.rotate(force=True)
    log.append({"n": 4})
    assert [r["n"] for r in reader] == [1, 2, 3]
    assert [r["n"] for r in log.records()] == [0, 1, 2, 3, 4]


# -- property: appends and rotations keep every record, in order ------------------------

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)
records = st.dictionaries(st.text(max_size=8), json_values, max_size=4)
operations = st.lists(
    st.one_of(st.tuples(st.just("append"), records), st.tuples(st.just("rotate"), st.booleans())),
    max_size=30,
)
_PROPERTY_SETTINGS = settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@_PROPERTY_SETTINGS
@given(ops=operations, max_bytes=st.integers(min_value=1, max_value=400))
def test_property_every_record_is_kept_in_order(
    tmp_path: Path, ops: list[tuple[str, Any]], max_bytes: int
) -> None:
    with tempfile.TemporaryDirectory(dir=tmp_path) as state:
        # more backups than operations: retention never applies
        log = RunLog(Path(state), max_bytes=max_bytes, backups=len(ops) + 1)
        appended: list[dict[str, Any]] = []
        for i, (op, arg) in enumerate(ops):
            if op == "append":
                record = {**arg, "seq": i}
                log.append(record)
                appended.append(record)
            else:
                log.rotate(force=arg)
        assert list(log.records()) == appended
        for path in log.files():
            read_file(path)  # whole lines only


@_PROPERTY_SETTINGS
@given(
    ops=operations,
    max_bytes=st.integers(min_value=1, max_value=200),
    backups=st.integers(min_value=1, max_value=3),
)
def test_property_retention_drops_only_the_oldest_whole_files(
    tmp_path: Path, ops: list[tuple[str, Any]], max_bytes: int, backups: int
) -> None:
    with tempfile.TemporaryDirectory(dir=tmp_path) as state:
        log = RunLog(Path(state), max_bytes=max_bytes, backups=backups)
        # the model: the current file and the rotated ones, newest first
        current: list[dict[str, Any]] = []
        rotated: list[list[dict[str, Any]]] = []

        def model_rotation() -> None:
            nonlocal current
            rotated.insert(0, current)
            del rotated[backups:]
            current = []

        for i, (op, arg) in enumerate(ops):
            if op == "append":
                record = {**arg, "seq": i}
                log.append(record)
                current.append(record)
                if not log.path.exists():  # only a rotation removes it after an append
                    model_rotation()
            elif log.rotate(force=arg):
                model_rotation()
        for n in range(1, backups + 2):
            expected = rotated[n - 1] if n <= len(rotated) else None
            path = log.backup_path(n)
            assert (read_file(path) if path.exists() else None) == expected
        assert (read_file(log.path) if log.path.exists() else []) == current
        assert list(log.records()) == [r for f in reversed(rotated) for r in f] + current


# -- real processes -----------------------------------------------------------------------

APPENDER = """
import sys
from pathlib import Path
from taskrunner.runlog import RunLog

state, proc, count = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
log = RunLog(state, max_bytes=2048, backups=100_000)
for seq in range(count):
    # lines from ~60 bytes to ~5 KB: many straddle a rotation
    log.append({"proc": proc, "seq": seq, "pad": "x" * ((proc * 977 + seq * 613) % 5000)})
"""

PROCS = 4
RECORDS_EACH = 100


def test_concurrent_appenders_with_constant_rotation_lose_and_split_nothing(
    state_dir: Path,
) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", APPENDER, str(state_dir), str(p), str(RECORDS_EACH)],
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for p in range(PROCS)
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    log = RunLog(state_dir, max_bytes=2048, backups=100_000)
    files = log.files()
    assert len(files) > 10  # rotation really happened, many times
    from_files = [r for path in files for r in read_file(path)]  # no partial line anywhere
    assert len(from_files) == PROCS * RECORDS_EACH
    assert list(log.records()) == from_files
    for p in range(PROCS):
        seqs = [r["seq"] for r in from_files if r["proc"] == p]
        assert seqs == list(range(RECORDS_EACH)), f"process {p}: lost or reordered records"
    for record in from_files:
        assert record["pad"] == "x" * ((record["proc"] * 977 + record["seq"] * 613) % 5000)


def test_concurrent_appenders_after_a_torn_last_line_each_start_a_fresh_line(
    state_dir: Path,
) -> None:
    log = RunLog(state_dir, max_bytes=2048, backups=100_000)
    log.append({"proc": -1, "seq": 0})
    with log.path.open("ab") as f:
        f.write(b'{"proc": -1, "seq": 1, "cut sh')  # a run killed mid-write
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", APPENDER, str(state_dir), str(p), str(RECORDS_EACH)],
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for p in range(PROCS)
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    # The torn fragment became a line of its own, once; no other line is torn,
    # glued or empty (a last byte read mid-way through another append would add one).
    lines = [line for path in log.files() for line in path.read_bytes().split(b"\n")[:-1]]
    assert lines.count(b'{"proc": -1, "seq": 1, "cut sh') == 1
    records = [json.loads(line) for line in lines if not line.endswith(b"cut sh")]
    assert records[0] == {"proc": -1, "seq": 0}
    assert all(f.read_bytes().endswith(b"\n") for f in log.files())
    assert list(log.records()) == records
    for p in range(PROCS):
        seqs = [r["seq"] for r in records if r["proc"] == p]
        assert seqs == list(range(RECORDS_EACH)), f"process {p}: lost or reordered records"
