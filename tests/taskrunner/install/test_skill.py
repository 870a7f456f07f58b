"""The skill tells the agent the exact command lines, memory search included."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from taskrunner.cli.admin_commands import configure_memory_search
from taskrunner.cli.argparsing import new_parser
from taskrunner.install.skill import render


def commands(text: str, python: str) -> list[list[str]]:
    """The argv of every command line in backquotes that runs ``python``."""
    return [shlex.split(cmd) for cmd in re.findall(r"`([^`]+)`", text) if cmd.startswith(python)]


def test_the_skill_shows_how_to_search_memory_whatever_the_tasks() -> None:
    text = render("/usr/bin/python3", "/ws/scripts/taskrunner/runner.py", "/st", ["noop"])
    [search] = [argv for argv in commands(text, "/usr/bin/python3") if "memory_search" in argv]
    assert search[:3] == ["/usr/bin/python3", "/ws/scripts/taskrunner/runner.py", "memory_search"]
    # The line parses as memory_search's own parser reads it.
    parser = new_parser("runner.py memory_search")
    configure_memory_search(parser)
    ns = parser.parse_args(search[3:])
    assert ns.json is True and ns.query == ["a few keywords"]
    assert "--open" in text and "file:line" in text


def test_the_guard_restore_line_names_the_file_it_restores() -> None:
    text = render("/usr/bin/python3", "/r.py", "/st", ["memory_guard"])
    [restore] = [argv for argv in commands(text, "/usr/bin/python3") if "--restore" in argv]
    assert restore[restore.index("--restore") + 1] == "MEMORY.md"


def test_every_command_of_the_skill_survives_spaces_in_its_paths() -> None:
    text = render("/opt/py 3/python3", "/home/a b/runner.py", "/home/a b/st", ["memory_guard"])
    argvs = [shlex.split(cmd) for cmd in re.findall(r"`([^`]+)`", text) if "runner.py" in cmd]
    assert len(argvs) >= 5
    for argv in argvs:
        assert argv[:2] == ["/opt/py 3/python3", "/home/a b/runner.py"], argv
        if "--state-dir" in argv:
            assert argv[argv.index("--state-dir") + 1] == "/home/a b/st", argv


def test_the_forget_line_parses_as_the_task_reads_it() -> None:
    from taskrunner.cli.argparsing import parse_task_args
    from tasks.memory_forget import MemoryForgetTask

    text = render("/usr/bin/python3", "/r.py", "/st", ["memory_forget"])
    [forget] = [argv for argv in commands(text, "/usr/bin/python3") if "memory_forget" in argv]
    plugin = Path("tasks/memory_forget.py")
    parsed = parse_task_args("memory_forget", plugin, MemoryForgetTask, forget[3:])
    assert parsed["ids"] == ["MEMORY_ID"] and parsed["state_dir"] == "/st"
    assert "memory_forget" not in render("/usr/bin/python3", "/r.py", "/st", ["noop"])
