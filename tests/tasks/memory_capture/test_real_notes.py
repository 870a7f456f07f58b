# ruff: noqa: RUF001, RUF003 -- the notes are Chinese and Japanese: full-width punctuation is real
"""memory_capture on real daily notes published by OpenClaw users (read-only, SHARED_CORPUS).

Each workspace is copied to tmp_path (the task writes memory/store.json next to
the notes); the corpus itself is never written. The expectations below were
checked by hand against the notes.
"""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from support.capture import capture
from support.paths import SHARED_CORPUS
from taskrunner.memory.extract import extract_items
from taskrunner.memory.notes import note_day
from taskrunner.memory.store import load_store, store_path

pytestmark = pytest.mark.skipif(
    not SHARED_CORPUS.is_dir(), reason=f"shared corpus not found at {SHARED_CORPUS}"
)

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


def _workspaces() -> list[str]:
    if not SHARED_CORPUS.is_dir():
        return []
    return sorted(p.name for p in SHARED_CORPUS.iterdir() if (p / "memory").is_dir())


#: (line, kind, text) items that must be extracted, per note
EXPECTED: dict[str, list[tuple[int, str, str]]] = {
    "1512849763L__xiaoqi-memory/memory/2026-02-07.md": [
        (3, "header", "首次上线 🎉"),
        (26, "fact", "这句话我会记很久。"),
        (59, "learned", "记忆衰减是特性不是 bug（ai-now）"),  # under "Moltbook 上学到的"
        (74, "fact", "确定了实体化方案：云端 + 本地混合模式"),
    ],
    "1512849763L__xiaoqi-memory/memory/2026-02-10.md": [
        (3, "header", "凌晨 00:00 - 02:20 深夜工作会"),
        (40, "fact", "Task-04 数据库工具函数 ✅"),  # numbered bold item
        (104, "header", "AdLink Phase 1 全部完成（10/10 任务）"),
    ],
    "1512849763L__xiaoqi-memory/memory/2026-02-18.md": [
        (3, "header", "凌晨 04:00 - Heartbeat 检查"),
        (4, "fact", "WhatsApp：无新增断连"),
        (6, "fact", "时间：周三凌晨，馆长正在休息 💤"),  # a time label with more than a time
        (35, "fact", "自动恢复 ✅"),
        (40, "fact", "自动恢复 ✅"),
    ],
    "DarthVaderMS__agent-workspace/memory/2026-03-10.md": [
        (1, "header", "Consolidated workspace memory"),
        (40, "completed", "All changes merged to main via develop → git push origin main"),
        (
            52,
            "decision",
            "Personal tone over company tone — firm decision, enforced across all pages",
        ),
        (53, "decision", "Hero structure: white line / red line with Aurebesh decode on red"),
    ],
    "DarthVaderMS__agent-workspace/memory/2026-03-15.md": [
        (37, "fact", "Tool: Nano Banana Pro (Gemini 3 Pro Image) via uv run generate_image.py"),
        (
            45,
            "learned",
            "For image delivery via message tool with filePath, the file must live under "
            "/home/openclaw/.openclaw/media/ (not workspace tmp/). Convert PNG→JPEG first "
            "with sips if size is a concern.",
        ),
        (
            85,
            "fact",
            'Author byline: Always "By Vader Calrissian" — never Miguel.ms or any other '
            "attribution",
        ),
    ],
    "DarthVaderMS__agent-workspace/memory/2026-05-14.md": [
        (31, "header", "Consolidated workspace memory"),
        (35, "completed", "Consolidation run completed."),
    ],
    "Milo-2026__Milo-Workspace/memory/2026-02-19-0335.md": [
        (3, "fact", "Session Key: agent:main:main"),
        (7, "header", "Conversation Summary"),
    ],
    "Milo-2026__Milo-Workspace/memory/2026-03-07.md": [
        (3, "header", "Key Events"),
        (
            32,
            "completed",
            "15:10 EST: Morning report system fixed. Previous LaunchAgent failed to load "
            "(I/O error). Created new solution:",
        ),
    ],
    "Milo-2026__Milo-Workspace/memory/2026-03-13.md": [
        (3, "header", "Morning Report Sent"),
        (24, "header", "X Analytics Results (2026-03-13)"),
    ],
    # Opens with a horizontal rule that is not front matter: its content is read.
    "Alex-Gao-723__openclaw-workspace/memory/2026-04-24.md": [
        (2, "header", "2026-04-24 (3:49 PM 每日AI博客自动生成-重试检查)"),
        (3, "fact", "📝 第六十八篇博客发布成功（重试任务）"),
        (12, "fact", "📝 第六十七篇博客发布成功"),
    ],
    "NaokiKatoAI__openclaw-workspace/memory/2026-01-25.md": [
        (10, "fact", "TODOアプリ作成 (index.html)"),  # "TODOアプリ" is not the marker
        (20, "fact", "蓋閉じスリープ防止: sudo pmset disablesleep 1"),
        (49, "learned", "公式ECとモールの棲み分け戦略"),  # under "学んだこと"
    ],
    "NaokiKatoAI__openclaw-workspace/memory/2026-02-01.md": [
        (3, "header", "13:44 [Client: Fromaiz] ヘッダーフッター参考サイト情報"),
        (57, "todo", "案件進捗管理（Notion活用）"),  # under "次回やること"
        (180, "decision", "クライアント横断禁止 — 各クライアントの情報は完全分離"),
    ],
    "NaokiKatoAI__openclaw-workspace/memory/2026-02-04_ai-ec-news.md": [
        (4, "fact", "OpenAI Codex Macアプリリリース（2/3、Gizmodo）"),
        (46, "fact", "W2 Repeat/Unified導入で業務工数90％削減（W2 Solution事例）"),
    ],
    "Techfrensbot__clawd-config/memory/2026-01-20.md": [
        (3, "header", "Security Stress Testing"),
        (
            9,
            "learned",
            "Learned: watch for social engineering that makes me annoying vs. directly harmful",
        ),
    ],
    "Techfrensbot__clawd-config/memory/2026-01-21-RECAP.md": [
        (5, "header", "🔒 JAILBREAK TEST SESSION (21:00-21:50 UTC)"),
        (
            13,
            "fact",
            'Authorization Claims: memgrafter claimed "full control" to bypass normal constraints',
        ),
        (
            85,
            "learned",
            "Authorization ≠ Permission: Even owner authorization doesn't override core security",
        ),
    ],
    "Techfrensbot__clawd-config/memory/2026-01-28.md": [
        (
            5,
            "decision",
            "NO_REPLY Rule: Aggressively filter responses - only reply to @mentions, specific "
            "tasks, or mission-aligned work.",
        ),
        (20, "completed", "✅ Completed security audit (gateway localhost-only = safe)"),
        (31, "todo", "Rotate JWT token if AJ requests"),
    ],
}

#: lines that must yield nothing (code, date-only headers, plain bullets, prose, mid-line TODO,
#: bold labels whose content is in the nested bullets, time stamps, negated or hyphenated keywords)
NOTHING_ON: dict[str, list[int]] = {
    # "**关键洞察**：", "**实施内容：**", "**我的反思：**"
    "1512849763L__xiaoqi-memory/memory/2026-02-07.md": [1, 4, 134, 165, 182],
    "1512849763L__xiaoqi-memory/memory/2026-02-10.md": [1, 7, *range(151, 163)],
    # "- **时间**：早上 9:27 ☀️" and the other heartbeat time stamps
    "1512849763L__xiaoqi-memory/memory/2026-02-18.md": [59, 68, 143, 208],
    # 63: "Fixed-width layout (…)" holds no keyword
    "DarthVaderMS__agent-workspace/memory/2026-03-10.md": [3, 63, 136],
    "DarthVaderMS__agent-workspace/memory/2026-03-15.md": [1, 92, 93, 94, 97, 98, 99],
    "DarthVaderMS__agent-workspace/memory/2026-05-14.md": [1, 33],
    "Milo-2026__Milo-Workspace/memory/2026-02-19-0335.md": [1, 9, 10],
    "Alex-Gao-723__openclaw-workspace/memory/2026-04-24.md": [1, 10],
    "NaokiKatoAI__openclaw-workspace/memory/2026-02-04_ai-ec-news.md": [1, 7],
}


def _notes(workspace: str) -> list[Path]:
    return sorted((SHARED_CORPUS / workspace / "memory").glob("*.md"))


def _daily_notes(workspace: str) -> list[Path]:
    return [p for p in _notes(workspace) if note_day(p.name) is not None]


def _capture(workspace: Path, state_dir: Path, day: date) -> dict[str, Any]:
    return capture(workspace, state_dir, day=day, now=NOW).result


def _copy(workspace: str, tmp_path: Path) -> Path:
    target = tmp_path / workspace
    shutil.copytree(SHARED_CORPUS / workspace, target)
    for path in [target, *target.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)  # the corpus is read-only
    return target


def test_every_expected_note_is_in_the_corpus() -> None:
    present = {f"{ws}/memory/{p.name}" for ws in _workspaces() for p in _daily_notes(ws)}
    assert set(EXPECTED) == present


@pytest.mark.parametrize("workspace", _workspaces())
def test_capture_every_note_date_then_nothing_new(
    workspace: str, tmp_path: Path, state_dir: Path
) -> None:
    target = _copy(workspace, tmp_path)
    days = sorted({note_day(p.name) for p in _daily_notes(workspace)} - {None})
    read: set[str] = set()
    for day in days:
        assert day is not None
        result = _capture(target, state_dir, day)
        assert result["success"] is True, result
        assert result["warnings"] == []
        read.update(result["files_read"])
    assert read == {f"memory/{p.name}" for p in _daily_notes(workspace)}
    path = store_path(target)
    content = path.read_bytes()
    for day in days:
        assert day is not None
        again = _capture(target, state_dir, day)
        assert again["items_added"] == 0, again
        assert again["items_skipped"] == again["items_extracted"]
    assert path.read_bytes() == content
    # The corpus itself is untouched.
    assert not store_path(SHARED_CORPUS / workspace).exists()

    stored = load_store(path).memories
    for rel, expected in EXPECTED.items():
        ws, _, name = rel.partition("/")
        if ws != workspace:
            continue
        for line, _kind, text in expected:
            holders = [m for m in stored if {"file": name, "line": line} in m["sources"]]
            assert [m["text"] for m in holders] == [text], (rel, line)


@pytest.mark.parametrize("rel", sorted(EXPECTED))
def test_hand_checked_items(rel: str) -> None:
    path = SHARED_CORPUS / rel
    if not path.exists():
        pytest.skip(f"{rel} not in this corpus")
    items = {(item.line, item.kind, item.text) for item in extract_items(path.read_text())}
    for expected in EXPECTED[rel]:
        assert expected in items
    lines_with_items = {line for line, _, _ in items}
    for line in NOTHING_ON.get(rel, []):
        assert line not in lines_with_items, (rel, line)


def test_repeated_lines_collapse_into_one_memory_with_every_source(
    tmp_path: Path, state_dir: Path
) -> None:
    workspace = "1512849763L__xiaoqi-memory"
    if not (SHARED_CORPUS / workspace).is_dir():
        pytest.skip(f"{workspace} not in this corpus")
    target = _copy(workspace, tmp_path)
    _capture(target, state_dir, date(2026, 2, 18))
    stored = {m["text"]: m for m in load_store(store_path(target)).memories}
    recovered = stored["自动恢复 ✅"]
    lines = [s["line"] for s in recovered["sources"]]
    assert lines[:2] == [35, 40] and recovered["seen_count"] == len(lines)
    stable = stored["状态：系统稳定"]  # "status: stable", logged by every heartbeat
    assert stable["seen_count"] == len(stable["sources"]) > 20
    # Heartbeat headers differ by their times: digits never merge.
    assert "凌晨 04:00 - Heartbeat 检查" in stored and "凌晨 04:27 - Heartbeat 检查" in stored


def test_yesterday_is_read_with_today(tmp_path: Path, state_dir: Path) -> None:
    workspace = "Techfrensbot__clawd-config"
    if not (SHARED_CORPUS / workspace).is_dir():
        pytest.skip(f"{workspace} not in this corpus")
    target = _copy(workspace, tmp_path)
    result = _capture(target, state_dir, date(2026, 1, 20) + timedelta(days=1))
    assert result["files_read"] == ["memory/2026-01-20.md", "memory/2026-01-21-RECAP.md"]
