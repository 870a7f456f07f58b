"""Call the command line in-process, as ``runner.py`` does, without paying for an interpreter."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from taskrunner.cli import main


@dataclass(frozen=True)
class CliResult:
    """What ``main(argv)`` returned and printed: shaped like ``subprocess.CompletedProcess``."""

    returncode: int
    stdout: str
    stderr: str


def run_main(capsys: pytest.CaptureFixture[str], *argv: str) -> CliResult:
    """``taskrunner.cli.main(argv)`` with its output captured; argparse's own exits count too."""
    capsys.readouterr()  # only what this call prints
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse's --help exits after printing
        code = exc.code if isinstance(exc.code, int) else 1
    out, err = capsys.readouterr()
    return CliResult(code, out, err)
