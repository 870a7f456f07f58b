"""The Python guard: a Python older than 3.11 gets one line naming the fix, not a traceback."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from support.paths import ROOT
from taskrunner import pyguard

PYENV = Path.home() / ".pyenv" / "versions"


def interpreter(version: str) -> Path:
    found = sorted(PYENV.glob(f"{version}.*/bin/python"))
    if not found:
        pytest.skip(f"no Python {version} under {PYENV} (install it with pyenv to run this test)")
    return found[-1]


@pytest.mark.parametrize("version", ["2.7", "3.6", "3.7", "3.8", "3.9", "3.10"])
@pytest.mark.parametrize("entry", ["runner.py", "test_all.py"])
def test_an_old_python_gets_one_line_and_exit_1(version: str, entry: str) -> None:
    python = interpreter(version)
    proc = subprocess.run(
        [str(python), str(ROOT / entry), *(["noop"] if entry == "runner.py" else [])],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 1
    assert proc.stdout == ""
    [line] = proc.stderr.splitlines()
    assert line.startswith("error: taskrunner needs Python 3.11 or newer; ")
    assert f"{python} is Python {version}." in line
    assert "Fix: " in line and str(ROOT / entry) in line


@pytest.mark.parametrize("version", ["2.7", "3.6", "3.7", "3.8", "3.9", "3.10"])
@pytest.mark.parametrize("command", ["list", "memory_capture"])
def test_an_old_python_gets_the_same_line_from_python_m_taskrunner(
    version: str, command: str, tmp_path: Path
) -> None:
    # `python3 -m taskrunner` from the folder holding the package, as the README shows it;
    # memory_capture gets a missing workspace, which would fail slowly (retries) past the guard.
    python = interpreter(version)
    options = ["--workspace", str(tmp_path / "none")] if command == "memory_capture" else []
    proc = subprocess.run(
        [str(python), "-m", "taskrunner", command, *options],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        check=False,
    )
    assert proc.returncode == 1
    assert proc.stdout == ""
    [line] = proc.stderr.splitlines()
    assert line.startswith("error: taskrunner needs Python 3.11 or newer; ")
    assert f"{python} is Python {version}." in line
    assert "Fix: " in line and "-m taskrunner" in line


@pytest.mark.parametrize("version", ["3.12", "3.13"])
def test_newer_pythons_run_the_runner(version: str, state_dir: Path) -> None:
    proc = subprocess.run(
        [str(interpreter(version)), str(ROOT / "runner.py"), "noop"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "noop: success" in proc.stderr
    module = subprocess.run(
        [str(interpreter(version)), "-m", "taskrunner", "noop"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        check=False,
    )
    assert module.returncode == 0, module.stderr
    assert "noop: success" in module.stderr


def test_the_fix_names_a_newer_interpreter_found_on_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in ("python3.9", "python3.12"):
        (bin_dir / name).write_text("#!/bin/sh\n")
        (bin_dir / name).chmod(0o755)
    shims = tmp_path / "shims"  # pyenv's shims may point anywhere: never suggested
    shims.mkdir()
    (shims / "python3.13").write_text("#!/bin/sh\n")
    (shims / "python3.13").chmod(0o755)
    monkeypatch.setenv("PATH", os.pathsep.join([str(shims), str(bin_dir)]))
    monkeypatch.setattr(pyguard, "_USUAL_DIRS", ())
    line = pyguard.message((3, 9, 6), "/usr/bin/python3", "/x/runner.py")
    assert "/usr/bin/python3 is Python 3.9.6" in line
    assert f"run it as {bin_dir / 'python3.12'} /x/runner.py" in line


def test_without_a_newer_interpreter_the_fix_says_how_to_get_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(pyguard, "_USUAL_DIRS", ())
    line = pyguard.message((3, 10, 12), "/usr/bin/python3", "/x/runner.py")
    assert "install Python 3.11 or newer (on a Mac: brew install python)" in line
    assert "\n" not in line
