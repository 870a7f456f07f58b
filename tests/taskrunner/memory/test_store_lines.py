"""Reused lines change nothing: every store write equals a plain reference writer, byte for byte,
whether the lines of unchanged memories are copied or encoded again."""

from __future__ import annotations

import json
import shutil
import sys
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from support.capture import capture, write_note
from support.harness import run_at
from support.paths import ROOT
from taskrunner.memory import store_lines
from taskrunner.memory.store import Store, dumps_store, load_store, save_store, store_path
from taskrunner.memory.store_lines import (
    line_map,
    record_path,
    remember_written,
    written_lines,
)
from tasks.memory_consolidate import MemoryConsolidateTask

sys.path.insert(0, str(ROOT / "bench"))
from memgen import generate

NOW = datetime(2026, 11, 29, 22, 0, tzinfo=timezone(timedelta(hours=1)))


def reference_dumps(store: Store) -> bytes:
    """The store format, written the obvious way: one ``json.dumps`` per memory and line."""

    def document(ascii_only: bool) -> str:
        def enc(value: Any) -> str:
            return json.dumps(value, ensure_ascii=ascii_only)

        head = '{"version": 1' + "".join(f", {enc(k)}: {enc(v)}" for k, v in store.extra.items())
        if not store.memories:
            return head + ', "memories": []}\n'
        body = ",\n".join(enc(memory) for memory in store.memories)
        return head + ', "memories": [\n' + body + "\n]}\n"

    try:
        return document(False).encode("utf-8")
    except UnicodeEncodeError:
        return document(True).encode("ascii")


# -- the writer, on any store ------------------------------------------------------

TEXT = st.lists(
    st.one_of(
        st.characters(blacklist_categories=("Cs",)),
        st.sampled_from(["\\", '"', "\n", ",\n", "\\ud800", "é", "😀", "\n]}"]),
        st.just("\ud800"),  # a lone surrogate: the escaped form
    ),
    max_size=6,
).map("".join)
VALUE = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=4,
)
MEMORY = st.fixed_dictionaries({"id": TEXT, "text": TEXT}, optional={"x": VALUE, "sources": VALUE})


@settings(max_examples=60, deadline=None)
@given(
    memories=st.lists(MEMORY, max_size=8),
    extra=st.dictionaries(TEXT.filter(lambda k: k not in ("version", "memories")), VALUE),
    edits=st.lists(st.tuples(st.sampled_from(["set", "replace", "drop", "add"]), MEMORY)),
    data=st.data(),
)
def test_reusing_lines_writes_what_the_reference_writes(
    memories: list[dict[str, Any]],
    extra: dict[str, Any],
    edits: list[tuple[str, dict[str, Any]]],
    data: st.DataObject,
) -> None:
    first = Store(memories=memories, extra=extra)
    raw = dumps_store(first)
    assert raw == reference_dumps(first)
    loaded = Store(memories=json.loads(raw)["memories"], extra=extra, raw_bytes=raw)
    lines = store_lines.split_lines(loaded, raw)
    if memories and b"\\ud" not in raw:
        assert lines is not None, "the lines of a store this code wrote must be reusable"
    reuse = line_map(loaded.memories, lines)
    out = list(loaded.memories)
    for op, memory in edits:
        if op == "add" or not out:
            out.append(memory)
            continue
        index = data.draw(st.integers(0, len(out) - 1))
        if op == "drop":
            del out[index]
        elif op == "replace":
            out[index] = memory
        else:
            reuse.pop(id(out[index]), None)  # changed in place: the caller forgets its line
            out[index]["text"] = memory["text"]
    result = Store(memories=out, extra=extra)
    assert dumps_store(result, reuse=reuse) == reference_dumps(result) == dumps_store(result)


def test_lines_of_an_escaped_store_are_not_reused() -> None:
    memories = [{"id": "a", "text": "caf\u00e9"}, {"id": "b", "text": "\ud800"}]
    raw = dumps_store(Store(memories=memories))
    assert raw.isascii()
    loaded = Store(memories=json.loads(raw)["memories"], raw_bytes=raw)
    assert store_lines.split_lines(loaded, raw) is None


# -- capture and consolidate, with and without a record -----------------------------


def _workspace_pair(tmp_path: Path, n: int = 400) -> tuple[Path, Path, Path, Path]:
    """Two identical workspaces with a generated store; state dirs of their own."""
    pairs = []
    for name in ("reused", "fresh"):
        ws = tmp_path / name
        (ws / "memory").mkdir(parents=True)
        pairs.append(ws)
    save_store(store_path(pairs[0]), Store(memories=generate(n, seed=3)))
    shutil.copyfile(store_path(pairs[0]), store_path(pairs[1]))
    states = [tmp_path / "state-reused", tmp_path / "state-fresh"]
    for state in states:
        state.mkdir()
    return pairs[0], pairs[1], states[0], states[1]


def _notes(stored: list[dict[str, Any]], day: int, salt: int) -> dict[str, str]:
    return {
        f"2026-11-{day:02d}.md": (
            f"## Cache layer {salt}\n- **Decision:** use SQLite for cache {salt}\n"
            f"- [ ] Rotate the JWT token {salt % 3}\n- **{stored[salt]['text']}**\n"
            f"- **{stored[salt + 1]['text'].lower()} again**\n"
        ),
        f"2026-11-{day:02d}-1430.md": f"- We learned that cron runs in UTC {salt // 2}\n",
    }


def test_captures_write_the_same_bytes_with_and_without_reused_lines(tmp_path: Path) -> None:
    reused, fresh, state_reused, state_fresh = _workspace_pair(tmp_path)
    stored = load_store(store_path(reused)).memories
    # The reused side's store is one this code wrote, as after any earlier run.
    remember_written(state_reused, reused, store_path(reused).read_bytes())
    for step in range(6):
        day = 20 + step // 2
        for ws in (reused, fresh):
            for name, text in _notes(stored, day, step).items():
                write_note(ws, name, text)
        now = NOW + timedelta(hours=step)
        a = capture(reused, state_reused, day=f"2026-11-{day:02d}", now=now).result
        shutil.rmtree(state_fresh)  # the fresh side never knows what was written
        state_fresh.mkdir()
        b = capture(fresh, state_fresh, day=f"2026-11-{day:02d}", now=now).result
        assert a == b
        got = store_path(reused).read_bytes()
        assert got == store_path(fresh).read_bytes()
        assert got == reference_dumps(load_store(store_path(reused)))
        lines, _ = written_lines(state_reused, reused, load_store(store_path(reused)))
        assert lines is not None, "a capture that wrote must leave its lines reusable"


def _consolidate(workspace: Path, state_dir: Path) -> dict[str, Any]:
    task = MemoryConsolidateTask()
    return run_at(task, state_dir, workspace, NOW, date=date(2026, 11, 29)).result


def test_consolidate_writes_the_same_files_with_and_without_reused_lines(tmp_path: Path) -> None:
    reused, fresh, state_reused, state_fresh = _workspace_pair(tmp_path, n=600)
    remember_written(state_reused, reused, store_path(reused).read_bytes())
    a, b = _consolidate(reused, state_reused), _consolidate(fresh, state_fresh)
    assert a["merged_duplicates"] > 0 and a["pruned_stale"] > 0
    assert {k: v for k, v in a.items() if not k.endswith(("_to", "backup"))} == {
        k: v for k, v in b.items() if not k.endswith(("_to", "backup"))
    }
    for name in ("store.json", "store.json.bak", "store.archive.jsonl"):
        assert (reused / "memory" / name).read_bytes() == (fresh / "memory" / name).read_bytes()
    assert store_path(reused).read_bytes() == reference_dumps(load_store(store_path(reused)))
    assert written_lines(state_reused, reused, load_store(store_path(reused)))[0] is not None


@pytest.mark.parametrize("edit", ["reformatted", "same size", "stale record"])
def test_a_store_not_written_by_this_code_is_encoded_afresh(
    tmp_path: Path, state_dir: Path, edit: str
) -> None:
    workspace = tmp_path / "ws"
    (workspace / "memory").mkdir(parents=True)
    memories = generate(50, seed=5)
    path = store_path(workspace)
    data = save_store(path, Store(memories=memories))
    remember_written(state_dir, workspace, data)
    if edit == "reformatted":
        path.write_text(json.dumps({"version": 1, "memories": memories}, indent=1))
    elif edit == "same size":
        # Two memories' lines swapped: same bytes, other order; the loaded
        # order must win over the lines of the file that was recorded.
        lines = data.split(b"\n")
        lines[1], lines[2] = lines[2], lines[1]
        path.write_bytes(b"\n".join(lines))
        assert len(path.read_bytes()) == len(data)
    else:
        record_path(state_dir, workspace).write_text('{"format": 1, "size": 1, "sha256": "0"}')
    loaded = load_store(path)
    assert written_lines(state_dir, workspace, loaded)[0] is None
    write_note(workspace, "2026-11-29.md", "- **Decision:** a new item\n")
    capture(workspace, state_dir, day="2026-11-29")
    assert path.read_bytes() == reference_dumps(load_store(path))


# -- reading the lines back after the loaded bytes were let go -------------------------


@settings(max_examples=150, deadline=None)
@given(memories=st.lists(MEMORY, min_size=1, max_size=8), chunk=st.integers(1, 64))
def test_reread_lines_are_the_split_lines_whatever_the_chunk(
    tmp_path_factory: pytest.TempPathFactory, memories: list[dict[str, Any]], chunk: int
) -> None:
    path = tmp_path_factory.mktemp("reread") / "store.json"
    raw = save_store(path, Store(memories=memories))
    loaded = load_store(path)
    digest = store_lines._digest(raw)
    with pytest.MonkeyPatch.context() as patch:
        # small chunks cut separators, escapes and the head at every place
        patch.setattr(store_lines, "REREAD_CHUNK", chunk)
        assert store_lines.reread_lines(path, digest, loaded) == store_lines.split_lines(
            loaded, raw
        )


def test_reread_lines_of_a_file_changed_since_it_was_loaded_are_none(tmp_path: Path) -> None:
    path = tmp_path / "store.json"
    raw = save_store(path, Store(memories=generate(20, seed=2)))
    loaded = load_store(path)
    digest = store_lines._digest(raw)
    assert store_lines.reread_lines(path, digest, loaded) == store_lines.split_lines(loaded, raw)
    path.write_bytes(raw.replace(b'"seen_count": 1', b'"seen_count": 2', 1))  # edited by hand
    assert store_lines.reread_lines(path, digest, loaded) is None
    path.unlink()  # gone: the store is written afresh, nothing is lost
    assert store_lines.reread_lines(path, digest, loaded) is None
    assert store_lines.reread_lines(path, None, loaded) is None


def test_consolidate_over_a_store_edited_after_its_record_encodes_everything(
    tmp_path: Path,
) -> None:
    reused, fresh, state_reused, state_fresh = _workspace_pair(tmp_path, n=300)
    # The record vouches for other bytes: no line may be copied from this file.
    remember_written(state_reused, reused, store_path(reused).read_bytes() + b" ")
    a, b = _consolidate(reused, state_reused), _consolidate(fresh, state_fresh)
    assert a["merged_duplicates"] > 0
    assert a["message"] == b["message"]
    for name in ("store.json", "store.json.bak", "store.archive.jsonl"):
        assert (reused / "memory" / name).read_bytes() == (fresh / "memory" / name).read_bytes()


@settings(max_examples=150, deadline=None)
@given(memories=st.lists(MEMORY, max_size=8), extra=st.dictionaries(st.sampled_from("ab"), VALUE))
def test_save_store_lines_writes_what_save_store_writes(
    tmp_path_factory: pytest.TempPathFactory,
    memories: list[dict[str, Any]],
    extra: dict[str, Any],
) -> None:
    # lone surrogates included: then the whole file is written escaped
    folder = tmp_path_factory.mktemp("lines")
    store = Store(memories=memories, extra=extra)
    expected = save_store(folder / "plain.json", store)
    first = save_store(folder / "store.json", store)
    loaded = load_store(folder / "store.json")
    lines = store_lines.split_lines(loaded, first)
    size, digest = store_lines.save_store_lines(
        folder / "store.json",
        Store(memories=loaded.memories, extra=extra),
        reuse=line_map(loaded.memories, lines),
    )
    written = (folder / "store.json").read_bytes()
    assert written == expected == reference_dumps(store)
    assert (size, digest) == (len(written), store_lines._digest(written))
