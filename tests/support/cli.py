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
    """``taskrunner.cli.main(argv)`` with its output captured."""
    capsys.readouterr()  # only what this call prints
    code = main(list(argv))
    out, err = capsys.readouterr()
    return CliResult(code, out, err)
