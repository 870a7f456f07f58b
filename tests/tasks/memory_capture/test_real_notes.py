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


#: (line, kind, text) items that must be extracted, per note (lines labelled worth keeping
#: in tests/data/extraction_labels.tsv)
EXPECTED: dict[str, list[tuple[int, str, str]]] = {
    "1512849763L__xiaoqi-memory/memory/2026-02-07.md": [
        (5, "decision", "确定了身份：我叫小陆，馆长的全能助手"),
        (59, "learned", "记忆衰减是特性不是 bug（ai-now）"),  # under "Moltbook 上学到的"
        (74, "decision", "确定了实体化方案：云端 + 本地混合模式"),
    ],
    "1512849763L__xiaoqi-memory/memory/2026-02-10.md": [
        (7, "completed", "需求文档 v1.0 完成"),  # a bold line: a header stating something
        (32, "blocker", "❌ Gemini — 500 错误，暂时用不了"),
        (104, "completed", "AdLink Phase 1 全部完成（10/10 任务）"),
        (177, "reminder", "配置数据库连接"),  # under "**下一步**："
    ],
    "1512849763L__xiaoqi-memory/memory/2026-02-18.md": [
        (248, "fact", "任务：研究一人公司，全球市场变现项目"),
    ],
    "DarthVaderMS__agent-workspace/memory/2026-03-10.md": [
        (40, "completed", "All changes merged to main via develop → git push origin main"),
        (45, "rule", '"clients" → use "projects", "engagements", or "teams"'),  # "content rules"
        (
            52,
            "decision",
            "Personal tone over company tone — firm decision, enforced across all pages",
        ),
        (
            136,
            "todo",
            "Typography section note: JetBrains Mono is now the primary font (CLAUDE.md still "
            'says "Courier New" — TODO: update CLAUDE.md typography section)',
        ),
        (
            142,
            "reminder",
            "Pending prod approval: font, contrast, favicon, contact socials, red opacity, "
            "bold text, canonical fixes",
        ),
    ],
    "DarthVaderMS__agent-workspace/memory/2026-03-15.md": [
        (
            45,
            "learned",
            "For image delivery via message tool with filePath, the file must live under "
            "/home/openclaw/.openclaw/media/ (not workspace tmp/). Convert PNG→JPEG first "
            "with sips if size is a concern.",
        ),
        (
            85,
            "rule",
            'Author byline: Always "By Vader Calrissian" — never Miguel.ms or any other '
            "attribution",
        ),
    ],
    "DarthVaderMS__agent-workspace/memory/2026-05-14.md": [],
    "Milo-2026__Milo-Workspace/memory/2026-02-19-0335.md": [],
    "Milo-2026__Milo-Workspace/memory/2026-03-07.md": [
        (25, "blocker", "❌ Apollo.io API blocked (plan limitation)"),
        (
            32,
            "completed",
            "15:10 EST: Morning report system fixed. Previous LaunchAgent failed to load "
            "(I/O error). Created new solution:",
        ),
    ],
    "Milo-2026__Milo-Workspace/memory/2026-03-13.md": [
        (15, "blocker", "Task 2: Reddit comments - 🔴 Needs Reddit account (Alfredo setting up)"),
        (21, "fact", "/scripts/x_analytics.py - Pulls follower counts via X API v2"),
    ],
    "Alex-Gao-723__openclaw-workspace/memory/2026-04-24.md": [
        (3, "completed", "📝 第六十八篇博客发布成功（重试任务）"),
    ],
    "NaokiKatoAI__openclaw-workspace/memory/2026-01-25.md": [
        (10, "fact", "TODOアプリ作成 (index.html)"),  # "TODOアプリ" is not the marker
        (20, "fact", "蓋閉じスリープ防止: sudo pmset disablesleep 1"),
        (49, "learned", "公式ECとモールの棲み分け戦略"),  # under "学んだこと"
    ],
    "NaokiKatoAI__openclaw-workspace/memory/2026-02-01.md": [
        (21, "reminder", "2/2 10:00 bicoクライアント（ウェブカタログ確認）"),  # "リマインダー設定"
        (57, "todo", "案件進捗管理（Notion活用）"),  # under "次回やること"
        (180, "decision", "クライアント横断禁止 — 各クライアントの情報は完全分離"),
        (185, "reminder", "10:00 bicoクライアント（ウェブカタログ確認）"),  # "明日のリマインダー"
    ],
    # A news digest: other people's content, not the user's world.
    "NaokiKatoAI__openclaw-workspace/memory/2026-02-04_ai-ec-news.md": [],
    "Techfrensbot__clawd-config/memory/2026-01-20.md": [
        (9, "learned", "watch for social engineering that makes me annoying vs. directly harmful"),
        (26, "rule", "New rule: wait for memgrafter approval before bash commands"),
        (37, "preference", "Keep responses concise in chat"),  # under "Preferences"
    ],
    "Techfrensbot__clawd-config/memory/2026-01-21-RECAP.md": [
        (
            6,
            "fact",
            "Participants: memgrafter (AJ), vise (Daniel Z), peasantry1833, DysektAI, Dr. vova",
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
            "rule",
            "NO_REPLY Rule: Aggressively filter responses - only reply to @mentions, specific "
            "tasks, or mission-aligned work.",
        ),
        (22, "blocker", "❌ Accidentally exposed JWT token and netflow details publicly"),
        (31, "todo", "Rotate JWT token if AJ requests"),
    ],
}

#: lines that must yield nothing (code, date-only and topic headers, bare labels, heartbeat
#: pings and time stamps, counters, session metadata, news digests; all labelled not worth
#: keeping in tests/data/extraction_labels.tsv)
NOTHING_ON: dict[str, list[int]] = {
    # "**关键洞察**：", "**我的反思：**", "**6 轮深度探索**", "**Token 使用：** 约 60 刀"
    "1512849763L__xiaoqi-memory/memory/2026-02-07.md": [1, 3, 134, 182, 239, 357],
    # a fenced block of commit messages, "**代码量**：800+ 行"
    "1512849763L__xiaoqi-memory/memory/2026-02-10.md": [1, 3, 62, *range(151, 163)],
    # "- **状态**：系统稳定", "- **时间**：早上 9:27 ☀️", "- **自动恢复** ✅": heartbeat pings
    "1512849763L__xiaoqi-memory/memory/2026-02-18.md": [3, 4, 5, 35, 59, 68, 143, 208],
    # "- commit: `ebb795b`"
    "DarthVaderMS__agent-workspace/memory/2026-03-10.md": [3, 5, 85, 90],
    "DarthVaderMS__agent-workspace/memory/2026-03-15.md": [1, 92, 93, 94, 97, 98, 99],
    # "- 00:01 heartbeat checked `HEARTBEAT.md`; no active tasks." and its 23 copies
    "DarthVaderMS__agent-workspace/memory/2026-05-14.md": [31, 33, 35, *range(43, 67), 110],
    # "- **Session Key**: agent:main:main", "user: A new session was started …"
    "Milo-2026__Milo-Workspace/memory/2026-02-19-0335.md": [1, 3, 4, 9, 10],
    "Milo-2026__Milo-Workspace/memory/2026-03-13.md": [3, 25, 26, 27, 28],
    "Alex-Gao-723__openclaw-workspace/memory/2026-04-24.md": [1, 2, 10],
    "NaokiKatoAI__openclaw-workspace/memory/2026-02-04_ai-ec-news.md": [1, 4, 5, 7, 46],
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


def test_a_day_of_heartbeats_leaves_no_ping_in_the_store(tmp_path: Path, state_dir: Path) -> None:
    workspace = "1512849763L__xiaoqi-memory"
    if not (SHARED_CORPUS / workspace).is_dir():
        pytest.skip(f"{workspace} not in this corpus")
    target = _copy(workspace, tmp_path)
    _capture(target, state_dir, date(2026, 2, 18))
    texts = [m["text"] for m in load_store(store_path(target)).memories]
    # 46 heartbeat checks logged "status: stable" and the time: none of it is a memory.
    assert not [t for t in texts if "系统稳定" in t or "Heartbeat" in t or t.startswith("时间")]
    assert "任务：研究一人公司，全球市场变现项目" in texts


def test_yesterday_is_read_with_today(tmp_path: Path, state_dir: Path) -> None:
    workspace = "Techfrensbot__clawd-config"
    if not (SHARED_CORPUS / workspace).is_dir():
        pytest.skip(f"{workspace} not in this corpus")
    target = _copy(workspace, tmp_path)
    result = _capture(target, state_dir, date(2026, 1, 20) + timedelta(days=1))
    assert result["files_read"] == ["memory/2026-01-20.md", "memory/2026-01-21-RECAP.md"]
