"""test_all.py: every task dry-run, one line each, non-zero exit if any fails, nothing written."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, copy_example_workspace
from health_fakes import FakeGateway, FakeOpenclaw, free_port


def tree_digest(root: Path) -> str:
    """A fingerprint of every file under ``root``: names and contents."""
    h = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        h.update(str(path.relative_to(root)).encode())
        if path.is_file():
            h.update(path.read_bytes())
    return h.hexdigest()


def run_test_all(workspace: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "test_all.py"), "--workspace", str(workspace)],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **env},
        timeout=300,
    )


@pytest.fixture
def example(tmp_path: Path) -> Path:
    ws = tmp_path / "example"
    copy_example_workspace(ws)
    return ws


def test_every_task_dry_runs_and_nothing_is_written(
    example: Path, state_dir: Path, tmp_path: Path
) -> None:
    openclaw = FakeOpenclaw(tmp_path / "bin")
    before_ws, before_state = tree_digest(example), tree_digest(state_dir)
    with FakeGateway() as gateway:
        env = {
            "OPENCLAW_GATEWAY_PORT": str(gateway.port),
            "TASKRUNNER_OPENCLAW_BIN": str(openclaw.path),
        }
        proc = run_test_all(example, env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    task_lines = [line for line in lines if line.startswith(("ok", "FAIL"))]
    names = [line.split()[1] for line in task_lines]
    assert names == sorted(
        ["memory_capture", "memory_consolidate", "memory_restore", "noop", "system_health"]
    )
    assert all(line.startswith("ok") for line in task_lines)
    assert "would have added" in lines[names.index("memory_capture")]
    assert lines[-1] == "5 of 5 tasks ok in dry run"
    assert tree_digest(example) == before_ws
    assert tree_digest(state_dir) == before_state


def test_a_failing_task_makes_it_exit_non_zero(
    example: Path, state_dir: Path, tmp_path: Path
) -> None:
    # Nothing listens on this port: system_health finds the gateway down (critical).
    env = {
        "OPENCLAW_GATEWAY_PORT": str(free_port()),
        "TASKRUNNER_OPENCLAW_BIN": str(FakeOpenclaw(tmp_path / "bin").path),
    }
    proc = run_test_all(example, env)
    assert proc.returncode == 1
    [health] = [line for line in proc.stdout.splitlines() if " system_health " in line]
    assert health.startswith("FAIL") and "gateway not reachable" in health
    assert "4 of 5 tasks ok in dry run" in proc.stdout
