"""memory_forget through runner.py, and against a real process holding the store lock."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from support.capture import by_text, capture, write_note
from support.files import snapshot
from support.paths import ROOT
from support.runner import run_runner
from taskrunner.memory.store import load_store, store_path

NOTE = "# Notes\n- Port: 8080\n- Always reply in English\n"


def test_runner_forgets_and_a_typo_is_one_line_with_no_alert(
    workspace: Path, state_dir: Path
) -> None:
    write_note(workspace, "2026-02-13.md", NOTE)
    capture(workspace, state_dir)
    port = by_text(workspace)["Port: 8080"]["id"]
    before = snapshot(workspace)
    typo = run_runner("memory_forget", "--workspace", str(workspace), "--id", port[:-1], "--json")
    assert typo.returncode == 1 and "Traceback" not in typo.stderr
    record = json.loads(typo.stdout)
    assert record["attempts"] == 1 and record["error"]["type"] == "InvalidRequest"
    assert f"no memory {port[:-1]} in" in record["error"]["message"]
    assert not (state_dir / "alerts" / "pending.json").exists()
    assert snapshot(workspace) == before
    bare = run_runner("memory_forget", "--workspace", str(workspace))
    assert bare.returncode == 0 and "forget one with --id MEMORY_ID" in bare.stderr
    done = run_runner("memory_forget", "--workspace", str(workspace), "--id", port, "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["forgotten"] == [port]
    assert sorted(by_text(workspace)) == ["Always reply in English"]


def test_forget_waits_for_a_writer_holding_the_store_lock_and_keeps_its_write(
    workspace: Path, state_dir: Path
) -> None:
    write_note(workspace, "2026-02-13.md", NOTE)
    capture(workspace, state_dir)
    port = by_text(workspace)["Port: 8080"]["id"]
    # The holder reads the store under the lock, and writes it back with one
    # more memory after forget has started. Had forget not waited, the
    # holder's write would put the forgotten memory back, or forget's would
    # drop the holder's memory.
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path\n"
            f"sys.path.insert(0, {str(ROOT)!r})\n"
            "from taskrunner.memory.store import load_store, save_store, store_lock, store_path\n"
            f"ws = Path({str(workspace)!r})\n"
            "with store_lock(ws):\n"
            "    store = load_store(store_path(ws))\n"
            "    print('held', flush=True); time.sleep(1.0)\n"
            "    store.memories.append({'id': 'm_late', 'text': 'Written under the lock'})\n"
            "    save_store(store_path(ws), store)\n",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        done = run_runner("memory_forget", "--workspace", str(workspace), "--id", port)
        assert done.returncode == 0, done.stderr
    finally:
        holder.wait(10)
    texts = [m["text"] for m in load_store(store_path(workspace)).memories]
    assert texts == ["Always reply in English", "Written under the lock"]
