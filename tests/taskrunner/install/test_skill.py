"""The skill tells the agent the exact command lines, memory search included."""

from __future__ import annotations

import re
import shlex

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
