"""memory_search: ranked, filtered, lock-free search of the store."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from support.memory_factory import mem
from support.paths import ROOT
from support.runner import run_runner
from taskrunner.memory.kinds import LOOP_KINDS
from taskrunner.memory.loops import status_of
from taskrunner.memory.search import Query, day_of, search, tokens
from taskrunner.memory.store import Store, lock_path, save_store, store_path
from taskrunner.memory.store_scan import read_store_lines


def _store(workspace: Path, memories: list[dict[str, Any]]) -> Path:
    path = store_path(workspace)
    save_store(path, Store(memories=memories))
    return path


def _ids(path: Path, query: Query) -> list[str]:
    return [hit.memory["id"] for hit in search(path, query)]


STORE = [
    mem("db", "use SQLite for the cache database", kind="decision", date="2026-02-01"),
    mem("db2", "the cache database is small", date="2026-02-03"),
    mem("cron", "cron runs in UTC on the gateway", kind="learned", date="2026-02-05"),
    mem("todo", "rotate the JWT token", kind="todo", status="open", date="2026-02-02"),
    mem("done", "renew the TLS certificate", kind="todo", status="done", date="2026-02-04"),
    mem("block", "waiting on the bank's API", kind="blocker", note_date="2026-02-06"),
    mem("zh", "决定使用数据库缓存", kind="decision", date="2026-02-07"),
    mem(
        "sec",
        'a "quoted" text with a back\\slash\nand a new line',
        section="Ops > Backups",
        text_source={"file": "memory/2026-02-08.md", "line": 7, "noted_on": "2026-02-08"},
        date="2026-02-08",
    ),
]


def test_tokens_are_words_and_cjk_pairs() -> None:
    assert tokens("Use SQLite, use it!") == ["use", "sqlite", "use", "it"]
    assert tokens("决定使用数据库") == ["决定", "定使", "使用", "用数", "数据", "据库"]
    assert tokens("API 是 ok") == ["api", "是", "ok"]
    assert tokens("東京tower") == ["東京", "tower"]


def test_repeated_cjk_pairs_count_as_often_as_tokens_makes_them(workspace: Path) -> None:
    # "好好好" holds the pair "好好" twice (overlapping), "好好啊" once: same
    # length, so the one with more ranks first, though it is older.
    path = _store(
        workspace,
        [mem("more", "好好好", date="2026-01-01"), mem("once", "好好啊", date="2026-02-01")],
    )
    assert tokens("好好好").count("好好") == 2
    assert _ids(path, Query(text="好好")) == ["more", "once"]


def test_ranking_prefers_more_and_rarer_matches(workspace: Path) -> None:
    path = _store(workspace, STORE)
    # the same words: the shorter text ranks first (BM25's length normalization)
    assert _ids(path, Query(text="cache database")) == ["db2", "db"]
    assert _ids(path, Query(text="sqlite cache"))[0] == "db"
    assert _ids(path, Query(text="gateway UTC")) == ["cron"]
    assert _ids(path, Query(text="数据库")) == ["zh"]
    assert _ids(path, Query(text="nothing like it")) == []
    # whole words only: "cach" is no word of any text
    assert _ids(path, Query(text="cach")) == []


def test_no_query_lists_newest_first_and_filters_apply(workspace: Path) -> None:
    path = _store(workspace, STORE)
    assert _ids(path, Query(limit=3)) == ["sec", "zh", "block"]
    assert _ids(path, Query(open_only=True)) == ["block", "todo"]
    assert _ids(path, Query(kinds=frozenset({"decision"}))) == ["zh", "db"]
    assert _ids(path, Query(since=date(2026, 2, 6))) == ["sec", "zh", "block"]
    assert _ids(path, Query(text="the", kinds=frozenset({"todo"}))) == ["todo", "done"]


def test_a_hit_says_what_where_and_when(workspace: Path) -> None:
    path = _store(workspace, STORE)
    [hit] = search(path, Query(text="backslash quoted"))  # "back\\slash" is two words
    assert hit.to_json() | {"score": None} == {
        "id": "sec",
        "text": 'a "quoted" text with a back\\slash\nand a new line',
        "kind": "fact",
        "status": None,
        "date": "2026-02-08",
        "section": "Ops > Backups",
        "file": "memory/2026-02-08.md",
        "line": 7,
        "score": None,
        "history": [],
    }
    [todo] = search(path, Query(text="rotate"))
    assert (todo.to_json()["status"], todo.to_json()["file"]) == ("open", "memory/todo.md")


def test_a_store_in_another_layout_gives_the_same_hits(workspace: Path, tmp_path: Path) -> None:
    path = _store(workspace, STORE)
    other = tmp_path / "pretty.json"
    other.write_text(json.dumps({"version": 1, "memories": STORE}, indent=2), encoding="utf-8")
    for query in (Query(text="cache"), Query(), Query(open_only=True), Query(text="数据")):
        assert _ids(other, query) == _ids(path, query)
    assert search(tmp_path / "missing.json", Query(text="x")) == []


WORDS = ["alpha", "beta", "gamma", "delta", "数据", "库", "x_y", "Ünïcode"]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(st.sampled_from(WORDS), min_size=1, max_size=6), min_size=1, max_size=12))
def test_every_text_holding_the_word_is_found(
    tmp_path_factory: Any, texts: list[list[str]]
) -> None:
    path = tmp_path_factory.mktemp("s") / "store.json"
    memories = [mem(f"m{i}", " ".join(words)) for i, words in enumerate(texts)]
    save_store(path, Store(memories=memories))
    for word in ("alpha", "数据", "x_y", "ünïcode"):
        found = set(_ids(path, Query(text=word, limit=100)))
        expected = {m["id"] for m in memories if word in tokens(m["text"])}
        assert found == expected, word


_KINDS = ("fact", "todo", "decision", "blocker")
_DAYS = ("2026-01-05", "2026-02-10", "2026-03-15", "", "2026-03-15T10:00")
_STAMPS = ("2026-01-20T10:00:00+00:00", "2026-03-20T10:00:00+00:00", "")
_NOT_A_STRING = st.sampled_from((5, None, [], {"x": 1}))
_FIELD_VALUES = {
    "kind": st.sampled_from(_KINDS) | _NOT_A_STRING,
    "status": st.sampled_from(("open", "done")) | _NOT_A_STRING,
    "date": st.sampled_from(_DAYS) | _NOT_A_STRING,
    "note_date": st.sampled_from(_DAYS) | _NOT_A_STRING,
    "last_seen_at": st.sampled_from(_STAMPS) | _NOT_A_STRING,
    "created_at": st.sampled_from(_STAMPS),
}
_TEXTS = ("a {b}", "a [b]", "a [redacted]", 'a "quoted": [b]', "a back\\slash", "ab")


@st.composite
def _hand_edited(draw: st.DrawFn, index: int) -> dict[str, Any]:
    """A memory with its fields in any order, perhaps a nested object holding the
    same names first, perhaps brackets, quotes or a backslash in its text."""
    own = {name: draw(value) for name, value in _FIELD_VALUES.items() if draw(st.booleans())}
    fields: dict[str, Any] = {"id": f"m{index}", "text": draw(st.sampled_from(_TEXTS)), **own}
    if draw(st.booleans()):
        fields["meta"] = {name: draw(value) for name, value in _FIELD_VALUES.items()}
    order = draw(st.permutations(list(fields)))
    return {name: fields[name] for name in order}


def _expected(memories: list[dict[str, Any]], query: Query) -> list[str]:
    """The definition: filter the parsed memories exactly, newest first, then the later one."""

    def kind(m: dict[str, Any]) -> str | None:
        value = m.get("kind")
        return value if isinstance(value, str) else None  # "kind": [] is no kind

    kept = [
        (day_of(m) or "", index, m["id"])
        for index, m in enumerate(memories)
        if (not query.kinds or kind(m) in query.kinds)
        and (not query.open_only or (kind(m) in LOOP_KINDS and status_of(m) == "open"))
        and (not query.since or (day_of(m) or "") >= query.since.isoformat())
    ]
    return [mid for _, _, mid in sorted(kept, reverse=True)[: query.limit]]


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_the_quick_filters_agree_with_the_parsed_memories(
    tmp_path_factory: Any, data: st.DataObject
) -> None:
    count = data.draw(st.integers(1, 8))
    memories = [data.draw(_hand_edited(index)) for index in range(count)]
    path = tmp_path_factory.mktemp("s") / "store.json"
    save_store(path, Store(memories=memories))
    # Some lines as a person edits them: keys without the space after the
    # colon, only a nested object or list written so, or a key given twice
    # (json.loads keeps the last value).
    lines = path.read_text(encoding="utf-8").split("\n")
    for number in data.draw(st.sets(st.integers(1, count))):
        lines[number] = lines[number].replace('": ', '":')
    for number in data.draw(st.sets(st.integers(1, count))):
        lines[number] = lines[number].replace('": {', '":{').replace('": [', '" :[')
    for number in data.draw(st.sets(st.integers(1, count))):
        name = data.draw(st.sampled_from(("text", *_FIELD_VALUES)))
        value = data.draw(st.sampled_from(_TEXTS) if name == "text" else _FIELD_VALUES[name])
        end = lines[number].rindex("}")
        again = f", {json.dumps(name)}: {json.dumps(value, ensure_ascii=False)}"
        lines[number] = lines[number][:end] + again + lines[number][end:]
        memories[number - 1][name] = value
    path.write_text("\n".join(lines), encoding="utf-8")
    for query in (
        Query(limit=100),
        Query(kinds=frozenset({"todo"}), limit=100),
        Query(kinds=frozenset({"fact", "decision"}), limit=3),
        Query(open_only=True, limit=100),
        Query(since=date(2026, 2, 1), limit=100),
        Query(open_only=True, since=date(2026, 3, 1), limit=2),
    ):
        assert _ids(path, query) == _expected(memories, query), query
        # Ranked by words, the same memories pass the same filters.
        worded = replace(query, text="a", limit=100)
        holding = {m["id"] for m in memories if "a" in tokens(m["text"])}
        expected = set(_expected(memories, replace(query, limit=100))) & holding
        assert set(_ids(path, worded)) == expected


def test_cli_reads_without_the_lock_and_leaves_no_record(workspace: Path, state_dir: Path) -> None:
    _store(workspace, STORE)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; sys.path.insert(0, sys.argv[1]);"
            "from pathlib import Path; from taskrunner.memory.store import store_lock;"
            "cm = store_lock(Path(sys.argv[2])); cm.__enter__(); print('held', flush=True);"
            "time.sleep(60)",
            str(ROOT),
            str(workspace),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        done = run_runner(
            "memory_search", "cache", "--workspace", str(workspace), "--json", timeout=20
        )
        assert done.returncode == 0, done.stderr
        assert next(hit["id"] for hit in json.loads(done.stdout)) in {"db", "db2"}
        text = run_runner("memory_search", "--open", "--workspace", str(workspace))
        assert text.returncode == 0 and "[blocker, open]" in text.stdout
        assert "memory/block.md:1" in text.stdout
    finally:
        holder.kill()
        holder.wait()
    assert not (state_dir / "logs").exists()  # no run record
    assert lock_path(workspace).exists()  # the holder's; the search made no lock of its own


def test_cli_rejects_bad_options_with_exit_1(workspace: Path) -> None:
    _store(workspace, STORE)
    for args in (["--limit", "0"], ["--since", "yesterday"], ["--kind", ","]):
        done = run_runner("memory_search", "--workspace", str(workspace), *args)
        assert done.returncode == 1 and "Traceback" not in done.stderr, args
    empty = run_runner("memory_search", "zzz", "--workspace", str(workspace))
    assert empty.returncode == 0 and "No memories found" in empty.stdout


def _one_error_line(done: subprocess.CompletedProcess[str]) -> str:
    """The one line a refused search prints: exit 1, nothing on stdout, no traceback."""
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert done.stdout == ""
    [line] = done.stderr.splitlines()
    assert line.startswith("error: ")
    return line


def test_cli_fails_for_a_workspace_that_is_not_there(tmp_path: Path) -> None:
    for json_flag in ([], ["--json"]):
        missing = run_runner(
            "memory_search", "x", "--workspace", str(tmp_path / "nope"), *json_flag
        )
        line = _one_error_line(missing)
        assert f"not found: --workspace {tmp_path / 'nope'} does not exist; check the path" in line
    # No ~/.openclaw at all (OPENCLAW_HOME is an empty folder here): the default workspace.
    default = _one_error_line(run_runner("memory_search", "x"))
    default_workspace = tmp_path / "home" / ".openclaw" / "workspace"
    assert f"{default_workspace} does not exist; pass --workspace DIR" in default
    # A task says the same of the same place.
    capture = run_runner("memory_capture", "--workspace", str(tmp_path / "nope"), "--no-retry")
    assert capture.returncode == 1
    assert f"--workspace {tmp_path / 'nope'} does not exist" in capture.stderr


def test_cli_fails_for_a_workspace_that_is_a_file(tmp_path: Path) -> None:
    file = tmp_path / "workspace.txt"
    file.write_text("")
    line = _one_error_line(run_runner("memory_search", "--workspace", str(file)))
    assert f"--workspace {file} is a file, not a folder; check the path" in line
    capture = run_runner("memory_capture", "--workspace", str(file), "--no-retry")
    assert capture.returncode == 1 and f"{file} is a file, not a folder" in capture.stderr


def test_cli_fails_for_the_workspaces_memory_folder(workspace: Path) -> None:
    memory = workspace / "memory"
    line = _one_error_line(run_runner("memory_search", "--workspace", str(memory)))
    assert "looks like the workspace's memory/ folder" in line
    assert line.endswith(f"pass --workspace {workspace}")
    _store(workspace, STORE)  # with its store in it, and named otherwise
    renamed = workspace.parent / "notes"
    memory.rename(renamed)
    line = _one_error_line(run_runner("memory_search", "--workspace", str(renamed)))
    assert line.endswith(f"pass --workspace {workspace.parent}")


def test_cli_says_when_a_workspace_has_no_store_yet(workspace: Path) -> None:
    # Not an error (exit 0): the workspace is right and holds no memories yet.
    text = run_runner("memory_search", "cache", "--workspace", str(workspace))
    assert text.returncode == 0, text.stderr
    assert text.stdout == (
        f"No memories stored yet ({store_path(workspace)} does not exist): "
        f"run `{sys.executable} {ROOT / 'runner.py'} memory_capture --workspace {workspace}` "
        "first.\n"
    )
    # --json keeps stdout the JSON an agent parses; the note goes to stderr.
    as_json = run_runner("memory_search", "cache", "--workspace", str(workspace), "--json")
    assert as_json.returncode == 0 and json.loads(as_json.stdout) == []
    assert "No memories stored yet" in as_json.stderr
    assert not store_path(workspace).exists()  # reading created nothing


def test_cli_says_how_to_fix_a_store_that_is_a_directory(workspace: Path) -> None:
    path = store_path(workspace)
    path.mkdir()
    line = _one_error_line(run_runner("memory_search", "x", "--workspace", str(workspace)))
    assert f"{path} cannot be read: it is a directory" in line
    assert f"mv {path} {path}.aside" in line
    assert path.is_dir()


def test_cli_refuses_a_query_with_no_word_rather_than_listing_everything(
    workspace: Path,
) -> None:
    _store(workspace, STORE)
    for query in ("???", "-- !"):
        line = _one_error_line(run_runner("memory_search", query, "--workspace", str(workspace)))
        assert f"the query {query!r} has no word to look for" in line
        assert "leave it out to list the newest memories" in line
    listed = run_runner("memory_search", "--workspace", str(workspace))
    assert listed.returncode == 0 and "rotate the JWT token" in listed.stdout


def test_cli_says_a_store_linked_to_nothing_is_not_an_empty_store(
    workspace: Path, tmp_path: Path
) -> None:
    path = store_path(workspace)
    path.symlink_to(tmp_path / "moved" / "store.json")
    line = _one_error_line(run_runner("memory_search", "x", "--workspace", str(workspace)))
    assert f"{path} is a symbolic link to {tmp_path / 'moved' / 'store.json'}" in line
    assert "which does not exist" in line and "No memories" not in line
    assert path.is_symlink()  # left as it was
    # A link to a store, in any layout, is followed: reading never writes through it.
    (tmp_path / "moved").mkdir()
    (tmp_path / "moved" / "store.json").write_text(
        json.dumps({"version": 1, "memories": STORE}, indent=2), encoding="utf-8"
    )
    found = run_runner("memory_search", "rotate", "--workspace", str(workspace), "--json")
    assert [hit["id"] for hit in json.loads(found.stdout)] == ["todo"]


def _runner_layout_by_hand(workspace: Path, memories: list[dict[str, Any]], body: str) -> Path:
    """A store with the runner's first and last lines around ``body``, as an editor leaves it."""
    path = store_path(workspace)
    path.write_text('{"version": 1, "memories": [\n' + body + "\n]}\n", encoding="utf-8")
    assert json.loads(path.read_text(encoding="utf-8"))["memories"] == memories
    return path


def test_a_memory_spread_over_lines_by_hand_is_found_whole(workspace: Path) -> None:
    first, second = mem("a", "rotate the API keys", kind="todo"), mem("b", "keys live in vault")
    body = json.dumps(first) + ",\n" + json.dumps(second, indent=2)
    path = _runner_layout_by_hand(workspace, [first, second], body)
    assert sorted(_ids(path, Query(text="keys"))) == ["a", "b"]
    assert _ids(path, Query(text="vault", kinds=frozenset({"fact"}))) == ["b"]


def test_a_line_cut_short_in_the_runners_layout_is_reported_not_skipped(workspace: Path) -> None:
    good = json.dumps(mem("a", "rotate the API keys"))
    path = store_path(workspace)
    path.write_text(
        '{"version": 1, "memories": [\n'
        + good
        + ',\n{"id": "b", "text": "keys in vault},\n'
        + good
        + "\n]}\n",
        encoding="utf-8",
    )
    line = _one_error_line(run_runner("memory_search", "keys", "--workspace", str(workspace)))
    assert f"{path} is not valid JSON" in line and "left untouched" in line


def test_cli_takes_the_known_kinds_in_any_case_and_the_stores_own(workspace: Path) -> None:
    _store(workspace, [*STORE, mem("meet", "standup at nine", kind="Meeting")])

    def ids(*kinds: str) -> set[str]:
        done = run_runner("memory_search", "--workspace", str(workspace), "--json", *kinds)
        assert done.returncode == 0, done.stderr
        return {hit["id"] for hit in json.loads(done.stdout)}

    assert ids("--kind", "Decision") == ids("--kind", "decision") == {"db", "zh"}
    assert ids("--kind", "DECISION,learned") == {"db", "zh", "cron"}
    assert ids("--kind", "Meeting") == ids("--kind", "meeting") == {"meet"}
    assert ids("--kind", "rule") == set()  # a known kind the store does not hold: no error


def test_the_kinds_a_store_holds_are_its_memories_own_in_every_layout(
    workspace: Path, tmp_path: Path
) -> None:
    memories = [
        *STORE,
        mem("h", "x", kind="Idea", history=[{"text": "y", "kind": "todo"}]),  # nested after
        {"id": "n", "text": "z", "meta": {"kind": "rule"}, "kind": "meeting"},  # nested before
        {"id": "k", "text": "no kind at all"},
    ]
    expected = {m["kind"] for m in memories if "kind" in m}
    assert "rule" not in expected
    assert read_store_lines(_store(workspace, memories)).kinds() == expected
    other = tmp_path / "pretty.json"
    other.write_text(json.dumps({"version": 1, "memories": memories}, indent=2), encoding="utf-8")
    assert read_store_lines(other).kinds() == expected


def test_cli_refuses_an_unknown_kind_naming_the_valid_ones(workspace: Path) -> None:
    _store(workspace, [*STORE, mem("meet", "standup at nine", kind="Meeting")])
    for name, guess in (("decisions", "decision"), ("lessons", "learned"), ("Meetings", "Meeting")):
        done = run_runner("memory_search", "--workspace", str(workspace), "--kind", name)
        line = _one_error_line(done)
        assert f"unknown kind {name!r} (did you mean {guess!r}?)" in line
        assert "Valid kinds (any case): action, blocker, completed, decision," in line
        assert line.endswith("; and in this store: Meeting")
    two = run_runner("memory_search", "--workspace", str(workspace), "--kind", "bogus,todo,todoz")
    assert "unknown kinds 'bogus', 'todoz' (did you mean 'todo'?)." in _one_error_line(two)
    # Without a store, only the table's kinds are valid.
    (workspace / "memory" / "store.json").unlink()
    done = run_runner("memory_search", "--workspace", str(workspace), "--kind", "Meeting")
    assert "unknown kind 'Meeting'" in _one_error_line(done)
    assert "in this store" not in done.stderr


def test_a_memory_whose_history_comes_before_its_text_is_found_by_its_text(
    workspace: Path,
) -> None:
    # Key order is kept as loaded: a hand-ordered memory may hold a nested
    # "text" (its history) before its own.
    early = {
        "id": "a",
        "history": [{"text": "old sqlite words", "file": "m.md", "line": 1, "noted_on": ""}],
        "text": "use postgres now",
        "kind": "decision",
        "date": "2026-02-01",
    }
    path = _store(workspace, [early, mem("b", "something else entirely")])
    assert _ids(path, Query(text="postgres")) == ["a"]
    assert _ids(path, Query(text="sqlite")) == []


def test_a_nested_kind_status_or_date_before_the_memorys_own_does_not_mislead_the_filters(
    workspace: Path,
) -> None:
    # A hand-ordered memory (or another tool's field) may hold these names in
    # a nested object before the memory's own: the memory's own decide.
    early = {
        "id": "a",
        "meta": {"kind": "fact", "status": "done", "note_date": "2020-01-01", "date": "2020-01-01"},
        "text": "rotate the API keys",
        "kind": "todo",
        "status": "open",
        "date": "2026-03-01",
        "note_date": "2026-03-01",
    }
    newer = mem("b", "rotate the backups", kind="todo", status="open", date="2026-02-01")
    path = _store(workspace, [early, newer])
    assert _ids(path, Query(kinds=frozenset({"todo"}))) == ["a", "b"]
    assert _ids(path, Query(kinds=frozenset({"fact"}))) == []
    assert _ids(path, Query(open_only=True)) == ["a", "b"]
    assert _ids(path, Query(since=date(2026, 2, 15))) == ["a"]
    assert _ids(path, Query(limit=1)) == ["a"]
    assert _ids(path, Query(text="rotate", since=date(2026, 2, 15))) == ["a"]


def test_since_reads_the_date_when_the_note_date_is_empty(workspace: Path) -> None:
    # An empty note_date means "not known": the memory's date counts, as in a hit.
    odd = mem("odd", "renew the TLS certificate", note_date="", date="2026-02-10")
    path = _store(workspace, [odd, mem("old", "renew the domain", date="2026-01-01")])
    assert _ids(path, Query(text="renew", since=date(2026, 2, 1))) == ["odd"]
    assert _ids(path, Query(since=date(2026, 2, 1))) == ["odd"]


def test_a_text_that_casefolds_longer_does_not_shift_the_others(workspace: Path) -> None:
    # "ß" folds to "ss": every text after it must still own its own words
    path = _store(
        workspace,
        [
            mem("de", "Die Straße ist gesperrt " + "ß" * 60),
            mem("fri", "we deploy on friday"),
            mem("mon", "we rest on monday"),
        ],
    )
    assert _ids(path, Query(text="friday")) == ["fri"]
    assert _ids(path, Query(text="monday")) == ["mon"]
    assert _ids(path, Query(text="strasse")) == ["de"]


def test_each_memory_is_searched_by_its_own_text_whatever_its_layout(workspace: Path) -> None:
    path = store_path(workspace)
    path.parent.mkdir(parents=True, exist_ok=True)
    history = {"text": "the old wording about zebras", "file": "memory/2026-02-01.md"}
    lines = [
        json.dumps({"id": "plain", "text": "apples and pears"}),
        json.dumps({"text": "bananas first", "id": "text-first"}),
        json.dumps({"id": "hist", "history": [history], "text": "the new wording"}),
        json.dumps({"id": "esc", "text": 'a "quoted" cherry'}),
    ]
    path.write_text(
        '{"version": 1, "memories": [\n' + ",\n".join(lines) + "\n]}\n", encoding="utf-8"
    )
    assert _ids(path, Query(text="bananas")) == ["text-first"]
    assert _ids(path, Query(text="zebras")) == []  # an earlier wording is history, not the text
    assert _ids(path, Query(text="wording")) == ["hist"]
    assert _ids(path, Query(text="cherry")) == ["esc"]
    assert _ids(path, Query(text="apples")) == ["plain"]


def test_cli_searches_another_agents_workspace_by_its_id(tmp_path: Path) -> None:
    state = tmp_path / "openclaw-state"
    state.mkdir()
    ops = tmp_path / "ops-workspace"
    for workspace in (ops, state / "workspace"):
        (workspace / "memory").mkdir(parents=True)
    _store(ops, [mem("ops", "rotate the ops pager token", kind="todo")])
    _store(state / "workspace", [mem("main", "the main agent's own memory")])
    agents = [{"id": "main", "default": True}, {"id": "ops", "workspace": str(ops)}]
    config = {"agents": {"list": agents}}
    (state / "openclaw.json").write_text(json.dumps(config), encoding="utf-8")
    env = {"OPENCLAW_STATE_DIR": str(state), "OPENCLAW_CONFIG_PATH": "", "HOME": str(tmp_path)}
    env["OPENCLAW_WORKSPACE_DIR"] = ""
    found = run_runner("memory_search", "--agent", "ops", "--json", env=env)
    assert found.returncode == 0, found.stderr
    assert [hit["id"] for hit in json.loads(found.stdout)] == ["ops"]
    default = run_runner("memory_search", "--json", env=env)
    assert [hit["id"] for hit in json.loads(default.stdout)] == ["main"]
    unknown = run_runner("memory_search", "--agent", "nobody", env=env)
    assert unknown.returncode == 1 and "Traceback" not in unknown.stderr
    assert len(unknown.stderr.strip().splitlines()) == 1, unknown.stderr


def test_a_hit_without_a_kind_says_so(workspace: Path) -> None:
    untyped = {"id": "x", "text": "the spare key is under the mat", "note_date": "2026-02-01"}
    _store(workspace, [untyped, {**untyped, "id": "y", "text": "a spare fuse", "kind": ["?"]}])
    done = run_runner("memory_search", "spare", "--workspace", str(workspace))
    assert done.returncode == 0, done.stderr
    heads = [line for line in done.stdout.splitlines() if line[:1].isdigit()]
    assert len(heads) == 2 and all("[no kind] 2026-02-01" in head for head in heads)
    assert "None" not in done.stdout
