"""The runner's own commands: ``runner.py alerts``, ``history`` and ``memory_search``.

The CLI builds the parser (one that raises ``UsageError``) and resolves the
state directory; these functions add their options and do the work. The
queue, log and statistics modules are imported inside the functions so a
plain ``runner.py <task>`` start never pays for them.
"""

from __future__ import annotations

import argparse
import errno
import io
import json
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ..commandline import runner_command
from ..errors import TaskrunnerError, UsageError
from ..system.atomic import write_all

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ..records import QueuedAlert

#: the narrowest a cut message gets in the alerts table, however narrow the terminal
_MIN_MESSAGE_WIDTH = 30


# -- alerts -------------------------------------------------------------------


def configure_alerts(parser: argparse.ArgumentParser) -> None:
    """Add the ``alerts`` options (``--json``, ``--drain`` and ``--full`` exclude each other)."""
    # --drain always prints JSON; accepting `--json --drain` would let a
    # command meant to list the alerts quietly consume them.
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--json", action="store_true", help="print the pending alerts as one JSON array"
    )
    mode.add_argument(
        "--drain",
        action="store_true",
        help="print the pending alerts as a JSON array and remove exactly those "
        "(the heartbeat's way to consume them; read its output to the end)",
    )
    mode.add_argument(
        "--full",
        action="store_true",
        help="the table with every message whole (on a terminal they are cut to its width)",
    )


def run_alerts(args: argparse.Namespace, state_dir: Path) -> int:
    """List (table or ``--json``) or ``--drain`` the pending alerts; returns 0."""
    from ..alerts import AlertQueue

    queue = AlertQueue(state_dir)
    if args.drain:
        # The queue removes the alerts only after this returned: a failed
        # write to stdout (closed pipe) leaves them queued.
        queue.drain(_emit_drained)
        return 0
    alerts = queue.pending()
    if args.json:
        _print_json(alerts)
    else:
        _print_text(format_alerts(alerts, state_dir, width=_table_width(args.full)))
    return 0


def _table_width(full: bool) -> int | None:
    """The terminal's width when the table should fit it; None: messages are shown whole.

    Only a terminal has a width to fit: piped into ``grep`` or a file, a cut message
    would hide what the reader is looking for (the fix command is at its end).
    """
    try:
        terminal = sys.stdout is not None and sys.stdout.isatty()
    except (OSError, ValueError):  # stdout closed: the write says so, not this
        terminal = False
    if full or not terminal:
        return None
    import shutil

    return shutil.get_terminal_size().columns  # honours COLUMNS


def _emit_drained(alerts: list[QueuedAlert]) -> None:
    try:
        _write_stdout(_json_text(alerts))
    except OSError as exc:
        raise TaskrunnerError(
            f"could not write the drained alerts to stdout ({exc.strerror or exc}); "
            "they stay queued for the next drain"
        ) from exc


def format_alerts(
    alerts: Sequence[Mapping[str, Any]],
    state_dir: Path | None = None,
    *,
    width: int | None = None,
) -> str:
    """Pending alerts as a readable table, oldest first (``state_dir``: the queue's).

    ``width``: the lines' width to fit, messages cut to it; None: every message whole.
    """
    if not alerts:
        return "No pending alerts.\n"
    from ..history import local_time

    rows = []
    for alert in alerts:
        count = alert.get("count", 1)
        message = " ".join(str(alert.get("message", "")).split())
        rows.append(
            [
                local_time(alert.get("last_timestamp") or alert.get("timestamp")),
                str(alert.get("level", "?")),
                str(alert.get("task", "?")),
                f"x{count}" if count != 1 else "",
                message,
            ]
        )
    headers = ["LAST SEEN", "LEVEL", "TASK", "COUNT", "MESSAGE"]
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    cut = False
    if width is not None:
        room = max(width - sum(w + 2 for w in widths[:-1]), _MIN_MESSAGE_WIDTH)
        for row in rows:
            if len(row[-1]) > room:
                row[-1] = row[-1][: room - 1] + "…"
                cut = True
    lines = [
        "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(cells)).rstrip()
        for cells in [headers, *rows]
    ]
    noun = "alert" if len(alerts) == 1 else "alerts"
    drain = runner_command("alerts", "--drain", state_dir=state_dir)
    lines.append(f"\n{len(alerts)} pending {noun}; `{drain}` consumes them.")
    if cut:
        full = runner_command("alerts", "--full", state_dir=state_dir)
        lines.append(f"Messages cut to fit the terminal: `{full}` shows them whole.")
    return "\n".join(lines) + "\n"


# -- history ------------------------------------------------------------------


def configure_history(parser: argparse.ArgumentParser) -> None:
    """Add the ``history`` arguments."""
    from ..history import DEFAULT_LAST_RUNS

    parser.add_argument("task", nargs="?", metavar="TASK", help="only this task's runs")
    parser.add_argument(
        "--last",
        type=_run_count,
        default=DEFAULT_LAST_RUNS,
        metavar="N",
        help=f"how many of the latest-started runs to show, newest last (default "
        f"{DEFAULT_LAST_RUNS})",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help='print {"recent": [...], "tasks": [...]} as one JSON document',
    )


def run_history(args: argparse.Namespace, state_dir: Path) -> int:
    """Print recent runs and per-task statistics from the run log; returns 0.

    A name that is no task, with no runs in the log, is a ``UsageError`` (exit 1).
    """
    from ..history import render_text, summarize
    from ..runlog import RunLog, SkippedLines

    # Garbage in the log is said once, not once per line: 30 warnings would
    # bury the answer.
    skipped = SkippedLines()
    summary = summarize(RunLog(state_dir).records(skipped), task=args.task, last=args.last)
    skipped.warn()
    if args.task and not summary.tasks:
        _check_task_name(args.task)
    if args.json:
        _print_json(summary.to_json())
    elif not summary.tasks:
        whose = f" for {args.task}" if args.task else ""
        _print_text(f"No runs recorded{whose} in {RunLog(state_dir).path}.\n")
    else:
        _print_text(render_text(summary))
    return 0


def _check_task_name(name: str) -> None:
    """``UsageError`` when ``name`` is no task: a typo must not read as "no runs yet".

    Only asked when the log has no run of ``name``: the history of a task
    since removed is still its history.
    """
    from .. import discovery
    from .dispatch import COMMANDS

    if name in COMMANDS:
        raise UsageError(f"'{name}' is a command of the runner, not a task: it records no runs")
    tasks = discovery.discover()
    if name not in tasks:
        discovery.validate_name(name)
        raise discovery.unknown_task(name, tasks, COMMANDS)


def _run_count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return value


# -- memory_search ------------------------------------------------------------


def configure_memory_search(parser: argparse.ArgumentParser) -> None:
    """Add the ``memory_search`` arguments."""
    from .argparsing import iso_date

    parser.add_argument("query", nargs="*", metavar="QUERY", help="words to look for (any)")
    parser.add_argument("--workspace", metavar="DIR", help="the OpenClaw workspace")
    parser.add_argument(
        "--agent",
        metavar="ID",
        help="search this OpenClaw agent's workspace (default: the default agent's)",
    )
    parser.add_argument(
        "--kind",
        type=_kinds,
        default=frozenset(),
        metavar="K[,K]",
        help="only these kinds (decision, todo, … in any case, or a kind the store holds)",
    )
    parser.add_argument(
        "--open", action="store_true", help="only open loops (todos, actions, reminders, blockers)"
    )
    parser.add_argument(
        "--since", type=iso_date, metavar="YYYY-MM-DD", help="only memories seen in notes since"
    )
    parser.add_argument(
        "--limit", type=_positive_count, default=10, metavar="N", help="at most N hits (10)"
    )
    parser.add_argument("--json", action="store_true", help="print the hits as one JSON array")


def run_memory_search(args: argparse.Namespace) -> int:
    """Search the workspace's memory store and print the hits; returns 0.

    A workspace that is not there (or is a file, or is its own ``memory/``
    folder) is an error, exit 1: the agent asked about the wrong place. A
    workspace with no store yet is not: it has no memories, which is the
    answer (exit 0; ``--json`` still prints ``[]`` on stdout).
    """
    from ..memory.search import Query, search_store, tokens
    from ..memory.store import store_path
    from ..memory.store_scan import read_store_lines
    from ..openclaw.workspace import require_workspace_dir, resolve_workspace

    text = " ".join(args.query)
    if text.strip() and not tokens(text):
        from ..errors import UsageError

        # Searched as it is, it would list the newest memories as if they matched.
        raise UsageError(
            f"runner.py memory_search: the query {text!r} has no word to look for (letters, "
            "digits or CJK characters); leave it out to list the newest memories"
        )
    typed = "--workspace" if args.workspace else (f"--agent {args.agent}" if args.agent else None)
    workspace = require_workspace_dir(resolve_workspace(args.workspace, agent=args.agent), typed)
    path = store_path(workspace)
    store = read_store_lines(path)
    if not store.found:
        _not_a_memory_folder(workspace)
    query = Query(
        text=text,
        kinds=_resolve_kinds(args.kind, store.kinds) if args.kind else frozenset(),
        open_only=args.open,
        since=args.since,
        limit=args.limit,
    )
    if not store.found:
        note = (
            f"No memories stored yet ({path} does not exist): "
            f"run `{runner_command('memory_capture', '--workspace', str(workspace))}` first.\n"
        )
        if args.json:
            _print_json([])
            print(note, end="", file=sys.stderr)
        else:
            _print_text(note)
        return 0
    hits = [hit.to_json() for hit in search_store(store, query)]
    if args.json:
        _print_json(hits)
    elif not hits:
        _print_text("No memories found.\n")
    else:
        _print_text(format_hits(hits))
    return 0


def _not_a_memory_folder(workspace: Path) -> None:
    """Refuse ``--workspace`` pointing at the workspace's ``memory/`` folder itself.

    Only when the folder has no store: its store would be ``memory/memory/store.json``,
    and "no memories yet" would hide that the path is one level too deep.
    """
    if (workspace / "memory").exists():
        return
    if workspace.name == "memory" or (workspace / "store.json").exists():
        from ..errors import UsageError

        raise UsageError(
            f"{workspace} looks like the workspace's memory/ folder, not the workspace "
            f"(it has no memory/ folder of its own): pass --workspace {workspace.parent}"
        )


def _resolve_kinds(requested: frozenset[str], present: Callable[[], set[str]]) -> frozenset[str]:
    """The kinds ``--kind`` names, as the store spells them; ``UsageError`` for an unknown one.

    Valid are the kinds of ``KIND_IMPORTANCE``, in any case, and any kind the
    store holds (hand-written ones are allowed there); ``present`` reads the
    store's only when a name is not already a kind of the table.
    """
    from ..memory.kinds import KIND_IMPORTANCE

    if requested <= KIND_IMPORTANCE.keys():
        return requested  # the common case: no need to read every memory's kind
    spellings: dict[str, set[str]] = {}
    for kind in (*KIND_IMPORTANCE, *present()):
        spellings.setdefault(kind.casefold(), set()).add(kind)
    unknown = sorted(name for name in requested if name.casefold() not in spellings)
    if unknown:
        from ..errors import UsageError

        raise UsageError(_unknown_kinds(unknown, spellings))
    return frozenset(kind for name in requested for kind in spellings[name.casefold()])


def _unknown_kinds(unknown: list[str], spellings: Mapping[str, set[str]]) -> str:
    """One line: which names are no kind, a guess for each, and every valid kind."""
    import difflib  # only for the error message

    from ..memory.kinds import KIND_IMPORTANCE, NAME_KINDS

    valid = sorted(spellings)
    named = []
    for name in unknown:
        folded = name.casefold()
        # A word that names a kind ("decisions", "lessons"), a plural, else a close spelling.
        guess = NAME_KINDS.get(folded)
        if guess is None and folded.endswith("s") and folded[:-1] in spellings:
            guess = folded[:-1]
        if guess is None:
            guess = next(iter(difflib.get_close_matches(folded, valid, n=1)), None)
        if guess is not None:
            guess = min(spellings[guess])  # as the store spells it ("Meeting")
        named.append(repr(name) + (f" (did you mean {guess!r}?)" if guess else ""))
    table = ", ".join(sorted(KIND_IMPORTANCE))
    own = sorted(min(spellings[k]) for k in valid if k not in KIND_IMPORTANCE)
    also = f"; and in this store: {', '.join(own)}" if own else ""
    noun = "kind" if len(unknown) == 1 else "kinds"
    return (
        f"runner.py memory_search: argument --kind: unknown {noun} {', '.join(named)}. "
        f"Valid kinds (any case): {table}{also}"
    )


def format_hits(hits: Sequence[Mapping[str, Any]]) -> str:
    """Hits as text: a header line (kind, status, date, where, section), then the text."""
    blocks = []
    for number, hit in enumerate(hits, start=1):
        kind = hit.get("kind")
        # A memory written by hand may have no kind, or one that is no word.
        kind = kind if isinstance(kind, str) and kind else "no kind"
        if hit.get("status"):
            kind += f", {hit['status']}"
        where = f"{hit['file']}:{hit['line']}" if hit.get("file") else "?"
        section = hit.get("section")
        if isinstance(section, list):
            section = " > ".join(str(part) for part in section)
        head = f"{number}. [{kind}] {hit.get('date') or '?'}  {where}"
        if section:
            head += f"  § {section}"
        blocks.append(f"{head}\n   {hit.get('text')}  ({hit.get('id')})")
    return "\n".join(blocks) + "\n"


def _kinds(text: str) -> frozenset[str]:
    kinds = frozenset(part.strip() for part in text.split(",") if part.strip())
    if not kinds:
        raise argparse.ArgumentTypeError(f"expected kinds separated by commas, got {text!r}")
    return kinds


def _positive_count(text: str) -> int:
    # Checked in one step: -1 and 0 fail the same rule and get the same message.
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, got {value}")
    return value


# -- output -------------------------------------------------------------------


def _json_text(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=2, default=str) + "\n"


def _print_json(obj: Any) -> None:
    _print_text(_json_text(obj))


def _print_text(text: str) -> None:
    try:
        _write_stdout(text)
    except BrokenPipeError:
        from .output import discard_stdout  # the reader left early (`| head`): not an error

        discard_stdout()
    except OSError as exc:
        raise TaskrunnerError(f"could not write to stdout ({exc.strerror or exc})") from exc


def _write_stdout(text: str) -> None:
    """Write ``text`` to stdout completely, or raise ``OSError``.

    A TextIOWrapper over unbuffered stdout (PYTHONUNBUFFERED=1) ignores a
    partial write, as happens when the reader closes the pipe mid-way; a
    drain would then remove alerts nobody received. So the bytes go to the
    descriptor with os.write, checking every count. A closed stdout
    (``sys.stdout`` None) is an ``OSError`` like any other failed write.
    """
    stream = sys.stdout
    if stream is None:
        # Started with stdout closed (`>&-`): nothing can receive the text.
        raise OSError(errno.EBADF, "stdout is closed")
    try:
        fd = stream.fileno()
    except (AttributeError, ValueError, io.UnsupportedOperation):
        # An in-memory stream (tests, embedding): it takes all or raises.
        stream.write(text)
        stream.flush()
        return
    stream.flush()  # whatever was printed before goes out first
    write_all(fd, text.encode("utf-8"))
