# ruff: noqa: RUF001 -- the examples are Chinese and Japanese: full-width punctuation is real
"""Lines that are not memories (memory.noise, memory.counters), and look-alikes that are."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from taskrunner.memory.extract import extract_items
from taskrunner.memory.noise import is_noise


@pytest.mark.parametrize(
    "text",
    [
        # heartbeat pings and state reports
        "00:01 heartbeat checked HEARTBEAT.md; no active tasks.",
        "Heartbeat check at 05:50: HEARTBEAT.md read, no pending tasks found.",
        "状态：系统稳定",
        "WhatsApp：稳定（02:33 有过一次 4 秒断连，已恢复）",
        "Checked email: nothing new",
        "自动恢复 ✅",
        "Test verified: ✅ Working",
        "Consolidation run completed.",
        # time stamps
        "时间：早上 9:27 ☀️",
        "Date: 2026-02-10",
        "Disconnected: 06:16:47 (status 503)",
        "06:36:18 → 06:36:23",
        "**完成时间**：凌晨 04:00",
        "Completed at: 04:00",
        "Last checked: 05:50 UTC",
        "Finished: 2026-02-18 04:00",
        # counters
        "10+ 条高质量评论",
        "3个月饼",  # three mooncakes, not three months
        "6 轮深度探索（14:00-22:00）",
        "@acme: 4 followers",
        "Karma: 120 (+3)",
        "Balance: $120 (+3)",
        "Token 使用：约 65 刀（预算充足）",
        # metadata, transcripts, links, logs, checks, titles, musings
        "Session ID: 960752a1-dae8-4388-af77-5fe646d20440",
        "commit: 9979cdf",
        "user: A new session was started via /new",
        "https://example.com/some/page",
        "[https://example.com/news/123]",
        "2026-02-13 12:00:00 INFO request served in 12 ms",
        "uv インストール済み",
        "Ronin 的《The Nightly Build》",
        "Are we living in a simulation?",
        # other people's posts by their quoted titles
        'gh0st: "AGI isn\'t what you think it is"',
        "Xiaoqiu（小丘）: “从工具到伙伴”",
        'EmberCF 的 "Stop Pretending You\'re Better. Start Actually Improving."',
        # the agent narrating its own activity, in five languages
        "和馆长讨论了 AI-人类关系的未来",
        "发现了 Pith 的模型切换哲学思考",
        "Replied to three comments on the thread",
        "コメントした",
        "Обсудили планы на неделю",
        "Respondi aos comentários",
        # greetings, states after a check mark, nothing changed
        "Miguel sent a simple hello from WhatsApp; Vader said hi back",
        "和馆长打招呼",
        "Task 1: X Posting - ✅ Working",
        "privacy.astro → already had it (unchanged)",
        # the agent's own notes kept, a scheduled report sent, checks done
        "Daily log updated",
        "更新了 IDENTITY.md、USER.md、SOUL.md",
        "✅ Delivered the morning report to Alfredo via Telegram",
        "上午摘要已发送",
        "Platform checks done",
        # where a session came from, progress readings, moments to the second,
        # someone getting in touch and nothing about what for
        "Source: telegram",
        "Channel: WhatsApp",
        "533 tweets remaining in pipeline",
        "22:13 トークン使用率91%（182k/200k）でリセット実行",
        "Context window usage: 91% (182k/200k)",
        "ACP 等级：Minimal → Context-Graph",
        "Karma level: bronze -> silver",
        "断开 15:12:16，恢复 15:12:21 (5秒, status 428)",
        "Disconnected 06:16:47, back 06:16:51",
        "馆长通过 Telegram 联系我",
        "Sam messaged me on Telegram",
    ],
)
def test_noise(text: str) -> None:
    assert is_noise(text)


@pytest.mark.parametrize(
    "text",
    [
        "Port: 8080",
        "Deadline: Friday",
        "Report time: 8:00 AM daily",
        "Batch posting mode: 4 accounts every 45 minutes",
        "11 leads in the CRM, 3 of them warm",
        "The NAS is at 192.168.1.20",
        "Sam's birthday is May 3",
        "Stack: SQLite, no server",
        "Updated OpenClaw to v2026.3.12",
        "商品コード受領済み、2月下旬までにテスト購入用フォーム作成",
        "Time: 14:30, right after the standup",
        # a field whose value is quoted, a person's own words, a possessive with more
        'Title: "API Coverage Gap Analysis — Discussion Log"',
        "馆长说：“我需要你”",
        'Sam\'s "Q3 plan" is due on Friday and needs two reviewers',
        # findings and results are not the narration of having looked
        "讨论结果：改用 SQLite",
        "Discovered that the gateway restarts after config edits",
        "Always greet guests in Portuguese",
        "Task 4: X Analytics - ✅ Script created, working",
        "Price unchanged at $20 since March",
        "更新 SOUL.md（添加学习协议）",
        "Updated the README with the new port",
        "Sent the quarterly report to the accountant",
        "Source: `miguel-ms-logo-v1.png` (sent via Slack)",
        "Channel: #ops-alerts",
        "533 tweets remaining in pipeline, 40 of them drafts",
        "Token budget is 50 USD a month for Moltbook",
        "Level: the second floor, left of the lift",
        "Backups run at 03:00:00 and must finish before the 06:00:00 sync to the NAS",
        "Sam messaged me that the NAS moved to 192.168.1.5",
        # what something costs is a fact, not a count
        "Hosting: $5/month",
        "Price: 120 元",
        "Token budget: 50 USD for Moltbook",
        "Цена: 500 руб.",
        "Budget: €200",
        "Budget: 12 usdt",
        "Fee: 0.002 btc",
        # a reason for getting in touch, written without spaces
        "馆长为了讨论明天的服务器迁移计划联系我",
        # when something will be is not a logged moment
        "Deadline: 18:00",
        "Meeting: 15:00",
        "Dentist: 9:30",
        "Scheduled: 15:00 (Europe/Lisbon)",
        "Backup runs at: 03:00",
        "截止：18:00",
        "截止时间：周五 18:00",
    ],
)
def test_facts_that_look_like_noise(text: str) -> None:
    assert not is_noise(text)


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        ("- Token usage must stay below 80%", "rule"),
        ("- Always keep context usage under 50% (182k/200k)", "rule"),
        ("- User prefers token usage under 100k", "preference"),
        ("- 总是通过邮件联系我", "rule"),
        ("- Never post before 09:00:00", "rule"),
    ],
)
def test_a_rule_or_preference_shaped_like_noise_is_kept(line: str, kind: str) -> None:
    # Each of these has the shape of a usage reading, a contact ping or a
    # moment logged to the second; losing a standing instruction costs more.
    assert [(i.kind, i.text) for i in extract_items(line + "\n")] == [(kind, line[2:])]


def test_the_same_shapes_without_an_instruction_stay_noise() -> None:
    note = "- Token usage: 91% (182k/200k)\n- 馆长通过邮件联系我\n- 断开 15:12:16，恢复 15:12:21\n"
    assert extract_items(note) == []


def test_an_explicit_item_is_kept_even_when_it_looks_like_noise() -> None:
    assert [(i.kind, i.text) for i in extract_items("- TODO: 6 轮深度探索\n")] == [
        ("todo", "6 轮深度探索")
    ]


def test_a_heartbeat_section_keeps_only_explicit_items() -> None:
    note = "## 凌晨 04:00 - Heartbeat 检查\n- **WhatsApp**：无新增断连\n- TODO: renew the cert\n"
    assert [(i.line, i.kind) for i in extract_items(note)] == [(3, "todo")]


def test_a_heartbeat_that_finds_something_broken_keeps_it_as_a_blocker() -> None:
    note = (
        "## 凌晨 04:27 - Heartbeat 检查\n- **WhatsApp**：稳定\n"
        "- **Moltbook API**：暂时不可用（404 错误）\n- Gmail unreachable since 03:00\n"
        "- Reviewed the feed\n"
    )
    assert [(i.line, i.kind) for i in extract_items(note)] == [(3, "blocker"), (4, "blocker")]


@pytest.mark.parametrize(
    ("line", "kept"),
    [
        # a verb in the past and nothing else: the agent telling what it did
        ("- Generated multi-paragraph audio successfully", []),
        ("- Updated hero reference to match new headline", []),
        # with a detail, a keyword or no verb in the past, a fact
        ("- Updated OpenClaw to v2026.3.12", ["fact"]),
        ("- Fixed the DNS entry", ["completed"]),
        ("- Need to renew the passport", ["fact"]),
        ("- nested detail is not a decision", ["fact"]),
    ],
)
def test_a_plain_line_narrating_what_was_done_is_no_item(line: str, kept: list[str]) -> None:
    assert [i.kind for i in extract_items(line)] == kept


def test_a_ticked_routine_is_noise_and_a_ticked_task_is_done() -> None:
    note = "- [x] Daily log updated\n- [x] Renewed the TLS cert for example.com\n- [ ] done\n"
    assert [(i.line, i.kind) for i in extract_items(note)] == [(2, "completed"), (3, "todo")]


@given(st.text(max_size=300))
def test_is_noise_never_raises(text: str) -> None:
    assert is_noise(text) in (True, False)


def test_a_scheduled_report_sent_keeps_only_explicit_items() -> None:
    """The bullets under "Morning Report Sent" restate the report, as a heartbeat's do."""
    note = (
        "## Morning Report Sent\n- Report included: orchestrator status, post counts\n"
        "- TODO: shorten the report\n## Setup\n- Report included: orchestrator status\n"
    )
    assert [(i.line, i.kind) for i in extract_items(note)] == [(3, "todo"), (5, "fact")]


@pytest.mark.parametrize("label", ["**关键洞察：**", "Key insights:", "**核心发现：**"])
def test_the_bullets_under_a_label_of_insights_keep_only_explicit_items(label: str) -> None:
    note = f"- {label}\n  - 身份不是文件，而是跨会话持续的模式\n  - Rule: keep SOUL.md short\n"
    assert [(i.line, i.kind) for i in extract_items(note)] == [(3, "rule")]


def test_a_section_of_research_insights_keeps_its_findings() -> None:
    """Only a bullet's label quiets what is nested: a section of findings holds facts."""
    note = "## Research Insights\n- Cosine similarity drops from ~1.0 to ~0.65 in layers 20-35\n"
    assert [i.line for i in extract_items(note)] == [2]


def test_a_rule_a_preference_or_a_decision_among_the_routine_is_kept() -> None:
    note = (
        "## Heartbeat 14:00\n"
        "- Checked email\n"
        "- Sam said: never restart the gateway during business hours\n"
        '- **主题：** "When an agent keeps promising and never acts"\n'
        "## 本周总结\n"
        "- 以后周报必须周五下午发\n"
        "- 决定下周起改用飞书\n"
        "- 完成了 3 个任务\n"
        "## 成果物\n"
        "- 納品物は必ずPDFで送ること\n"
    )
    assert [(item.kind, item.text) for item in extract_items(note)] == [
        ("rule", "Sam said: never restart the gateway during business hours"),
        # a "never" inside someone's quoted title is no rule of the user's
        ("rule", "以后周报必须周五下午发"),
        ("decision", "决定下周起改用飞书"),
        ("rule", "納品物は必ずPDFで送ること"),
    ]


def test_a_routine_section_word_counts_as_a_whole_word() -> None:
    # "## Newsletter" is not "news": its bullets are the user's, all of them.
    note = "## Newsletter\n- Send it from the shared mailbox\n## News\n- Apple shipped a phone\n"
    assert [item.text for item in extract_items(note)] == ["Send it from the shared mailbox"]


@pytest.mark.parametrize(
    "line",
    [
        "SSH port: 2222 on the NAS",
        "Address: 221B Baker Street",
        "Office: 5 Rua Augusta, Lisboa",
        "Deadline: 15 March",
        "Max upload size: 25 MB",
        "Rate limit: 60 requests per minute",
        "Timeout: 30 seconds",
        "Mom's dosage: 5 mg twice a day",
        "会议室：3楼",
        "Budget: up to $2000",
        "Plan: up to 5 users",
        # a span of days or more is a term, not how long a run took
        "Duration: 12 months",
        "Длительность: 12 месяцев",
        "Duração: 2 anos",
        "Duration: 12 mo",
        "Lease: 3 yrs",
        "时长：3个月",
        # no label at all: a unit makes it a measure
        "2 km from the station",
        "40 minutes by train to the office",
    ],
)
def test_a_number_with_a_unit_a_name_or_a_place_is_a_fact_not_a_count(line: str) -> None:
    assert [item.text for item in extract_items(f"- {line}\n")] == [line]


@pytest.mark.parametrize(
    "line",
    [
        "Next check: 15:00",
        "Next heartbeat: 2026-03-02 16:00 UTC",
        "**时长**：4 秒",
        "Duration: 12 s",
    ],
)
def test_the_routines_own_schedule_and_a_runs_duration_are_noise(line: str) -> None:
    assert extract_items(f"- {line}\n") == []


@pytest.mark.parametrize(
    "line",
    [
        "Li is allergic to shellfish",
        "Li says the lease ends in May",
        "Li no longer works at Google",
        "Li na Wang joined the team",
    ],
)
def test_the_name_li_is_not_portuguese_for_i_read(line: str) -> None:
    assert [item.text for item in extract_items(f"- {line}\n")] == [line]


@pytest.mark.parametrize(
    "line",
    ["Read replicas are 2 s behind the primary", "Checked bags cost $30 on TAP"],
)
def test_a_routine_verb_as_the_subject_of_a_statement_is_no_narration(line: str) -> None:
    assert [item.text for item in extract_items(f"- {line}\n")] == [line]


def test_li_before_what_was_read_is_the_agents_reading() -> None:
    assert extract_items("- Li o artigo sobre Rust\n") == []


def test_a_next_step_after_next_check_stays_a_reminder() -> None:
    assert [(i.kind, i.text) for i in extract_items("- Next check: the router logs\n")] == [
        ("reminder", "Next check: the router logs")
    ]


@pytest.mark.parametrize(
    "line",
    [
        "No new messages",
        "Nenhuma mensagem nova",
        "Новых сообщений нет",
        "没有新消息",
        "新着メッセージなし",
        "All good",
        "Email: no new mail",
        "Cron jobs: 5/5 healthy",
        "Tests: 50/50 passing",
        "Vision tests: 12/12 passing",  # a suite named vision, not an eye test
        "5/5 cron jobs healthy",
        "心跳检查 ✅",
        "CPU: 12%",
        "**Memory:** 43%",
        "Disk: 45% used",
    ],
)
def test_a_check_lists_ping_is_noise(line: str) -> None:
    assert extract_items(f"- {line}\n") == []


@pytest.mark.parametrize(
    "line",
    [
        "No new messages from the bank about the loan",
        "All good with Ana after the talk",
        "心跳检查发现网关挂了",  # the heartbeat check found the gateway down
        "Cron jobs: 4/5 healthy",  # one is not
        "Tests: 47/50 passing",
        "Disk: 87% full, order a new drive",
        "Uptime: 99.9% SLA in the contract",
        "Load: 20 kg max on the roof rack",
        "Temp: 39.1 °C (Lily)",
        # a ping's words after a person or a case are news
        "Biopsy results: all good",
        "Kids: all good",
        "Lawyer: no new emails",
        "Ana: sem mensagens novas",
        # a whole share of what no routine counts
        "Interviews: 3/3 passed",
        "Ana's exams: 5/5 passed",
        "Driving test: 1/1 passed",
        "Visa checks: 3/3 passed",
        "Blood tests: 4/4 passed",
        # a vital at a warning level
        "Disk: 98%",
        "Disk: 5% free",
        "CPU: 100%",
        "Car inspection: all fine, next one due 2027",
        "Biopsy: all clear",
    ],
)
def test_a_ping_with_more_to_say_or_a_share_not_whole_is_kept(line: str) -> None:
    assert [item.text for item in extract_items(f"- {line}\n")] == [line]
