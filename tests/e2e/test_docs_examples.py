"""What the README and the docs show is what the runner does: examples checked against it."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

from support.files import run_records
from support.paths import ROOT, copy_example_workspace
from support.runner import run_runner
from taskrunner.cli import dispatch
from taskrunner.cli.admin_commands import configure_memory_search
from taskrunner.cli.argparsing import new_parser

README = (ROOT / "README.md").read_text()
#: fields of a run record that differ on every run, or from machine to machine
VOLATILE = {"timestamp", "run_id", "workspace", "pid", "duration_seconds"}


def _json_block_after(heading: str) -> str:
    start = README.index(heading)
    match = re.compile(r"```json\n(.*?)```", re.DOTALL).search(README, start)
    assert match is not None
    return match.group(1)


def test_the_run_log_example_is_a_real_memory_capture_record(
    tmp_path: Path, state_dir: Path
) -> None:
    shown = json.loads(_json_block_after("### `logs/tasks.jsonl`"))
    # The run the README's "Try it" starts, on a copy of the shipped example.
    workspace = copy_example_workspace(tmp_path / "workspace")
    proc = run_runner("memory_capture", "--workspace", str(workspace), "--date", "2026-11-28")
    assert proc.returncode == 0, proc.stderr
    [real] = run_records(state_dir)
    assert list(shown) == list(real)  # the same fields, in the order the log writes them
    assert {k: v for k, v in shown.items() if k not in VOLATILE} == {
        k: v for k, v in real.items() if k not in VOLATILE
    }
    assert all(type(shown[k]) is type(real[k]) for k in VOLATILE)


def _commands(text: str, start: str) -> list[list[str]]:
    """Every shell command in ``text`` beginning with ``start``, continuation lines joined."""
    joined = re.sub(r"\\\n\s*", " ", text)
    return [
        shlex.split(line.strip()) for line in joined.splitlines() if line.strip().startswith(start)
    ]


def test_a_cron_job_added_by_hand_in_the_docs_follows_the_readme() -> None:
    found = 0
    for doc in sorted((ROOT / "docs").glob("*.md")):
        for words in _commands(doc.read_text(), "openclaw cron add"):
            found += 1
            where = f"{doc.name}: {' '.join(words)}"
            # No shell and no PATH lookup: a login shell on a Mac finds Python 3.9.
            assert "--command" not in words, where
            argv = json.loads(words[words.index("--command-argv") + 1])
            python, runner = argv[0], argv[1]
            assert Path(python).is_absolute() and python != "/usr/bin/python3", where
            assert Path(runner).is_absolute() and runner.endswith("/runner.py"), where
            assert "--scheduled" in argv, where  # the scheduler exit policy
    assert found, "no `openclaw cron add` example in docs/"


def test_the_usage_lines_of_memory_search_name_every_option() -> None:
    parser = new_parser("runner.py memory_search")
    configure_memory_search(parser)
    flags = {
        s for action in parser._actions for s in action.option_strings if s.startswith("--")
    } - {"--help"}
    assert "--workspace" in flags
    # Each entry up to the next command (an entry may go on over indented lines).
    readme = README.split("python3 runner.py memory_search [", 1)[1].split("python3 runner.py")[0]
    usage = dispatch._USAGE.split("runner.py memory_search", 1)[1].split("runner.py")[0]
    for line in (readme, usage):
        assert sorted(f for f in flags if f not in line) == [], line
