# ruff: noqa: RUF001 -- real notes are Chinese and Japanese: full-width punctuation is real
"""Markdown daily note -> items (taskrunner.memory.extract): headers, bullets, markers, labels."""

from __future__ import annotations

import pytest

from taskrunner.memory.extract import (
    extract_items,
    is_date_only,
)


def triples(text: str) -> list[tuple[int, str, str]]:
    return [(item.line, item.kind, item.text) for item in extract_items(text)]


def texts(text: str) -> list[str]:
    return [item.text for item in extract_items(text)]


# -- headers ------------------------------------------------------------------------


def sections(text: str) -> list[tuple[str, ...]]:
    return [item.section for item in extract_items(text)]


def test_headers_are_the_section_of_the_items_below_not_items() -> None:
    note = (
        "# Title\n## Deploy plan\n- use blue-green\n### Cache layer ###\n- Redis 7\n"
        "#### Too deep\n- still a section\n## Next topic\n- back up\n####### not a header\n"
    )
    assert [(i.line, i.text, i.section) for i in extract_items(note)] == [
        (3, "use blue-green", ("Title", "Deploy plan")),
        (5, "Redis 7", ("Title", "Deploy plan", "Cache layer")),
        (7, "still a section", ("Title", "Deploy plan", "Cache layer", "Too deep")),
        (9, "back up", ("Title", "Next topic")),
        (10, "####### not a header", ("Title", "Next topic")),
    ]


@pytest.mark.parametrize(
    ("header", "kind", "text"),
    [
        ("TODO: migrate the database", "todo", "migrate the database"),
        ("We decided to move to SQLite", "decision", "We decided to move to SQLite"),
        ("AdLink Phase 1 全部完成（10/10）", "completed", "AdLink Phase 1 全部完成（10/10）"),
        ("ACP 协议实施 ✅ (20:15)", "completed", "ACP 协议实施 ✅ (20:15)"),
    ],
)
def test_a_header_that_states_something_is_an_item(header: str, kind: str, text: str) -> None:
    assert triples(f"## {header}\n") == [(1, kind, text)]


@pytest.mark.parametrize(
    "header",
    ["Key decisions", "Lessons learned", "Tech deployed", "Morning Report Sent", "Favicon"],
)
def test_a_header_naming_a_topic_is_no_item(header: str) -> None:
    assert texts(f"## {header}\n") == []


@pytest.mark.parametrize(
    "header",
    [
        "Sam may prefer",
        "Open question: what does Sam prefer",
        "Sam prefers Postgres? (not sure)",
        "Open question: what does Sam prefer, tea or coffee",
        "Question: should we always deploy on Fridays, or never",
        "Sam Might Prefer Tea",
        "Maybe we decided too early",
        "馆长可能喜欢安静",
        "Возможно, Сэм предпочитает чай",
    ],
)
def test_a_header_that_asks_or_guesses_is_no_item(header: str) -> None:
    assert texts(f"## {header}\n- what was found\n") == ["what was found"]


@pytest.mark.parametrize(
    "header",
    [
        "May decided to move to Lisbon",
        # a hedge or a question word that guesses nothing of what the header states
        "Never deploy on Fridays, whether or not tests pass",
        "Always ask Sam whether he wants a summary first",
        "重要：必须尽可能在 9 点前回复馆长",
        "Sam prefers short replies — he may be on mobile",
        "Sam decided guests may stay until 22:00",
        "问题：登录失败已解决",
        "Вопрос с доменом решён, всегда продлевать за месяц",
        "Sempre responder em português — pergunta do Sam resolvida",
        "Fixed a bug that might double-charge users",
        "利用可能なAPIキーの更新が完了",
        "Decided: Postgres, probably on Hetzner",
        "Shipped v2 (finally?)",
        # a guess beside what the header states
        "Always CC Ana on invoices — she might want a copy",
        "Sam's wife may prefer window seats — always book one for her",
        "Sam prefers tea; maybe Ana wants coffee",
        "客人可能想要素食，总是准备一份",
        "田中さんは紅茶が好き、コーヒーも好きかも",
        "Всегда ставить Сашу в копию — возможно, он хочет видеть счета",
        # a question answered
        "Question: which DB? Decided: Postgres",
        "Question: which DB — decided Postgres",
        "Open question: answered, Sam prefers email",
        # no guess: a firm "can't possibly", a hedge of another word
        "馆长不可能喜欢长文",
        "Perhaps surprisingly Sam prefers tea",
    ],
)
def test_a_header_stating_something_beside_a_hedge_is_an_item(header: str) -> None:
    assert texts(f"## {header}\n") == [header]


@pytest.mark.parametrize(
    "header",
    [
        "14:30",
        "2026-02-13",
        "2026-02-13 14:30 UTC",
        "Monday, Feb 13",
        "3:49 PM",
        "凌晨 04:00",
        "2026年2月13日",
        "(22:00-23:10)",
        "2/2 10:00",
        "Friday evening",
        "2026年2月10日（火）",
        "2026年2月10日(火曜日)",
        "2026-02-10T14:30:00Z",
        "2026-02-10T14:30:00.123+09:00",
        "2026-02-10T14:30",
        "Feb 10th",
        "3rd March",
        "(Tue) Feb 10th",
        "1st",
    ],
)
def test_headers_that_only_give_a_date_or_time_are_skipped(header: str) -> None:
    assert is_date_only(header)
    assert texts(f"## {header}\n") == []


@pytest.mark.parametrize(
    "header",
    [
        "凌晨 04:00 - Heartbeat 检查",
        "2026-04-24 (3:49 PM 每日AI博客自动生成)",
        "Morning Report Sent",
        "13:44 [Client: Fromaiz] 参考サイト",
        "Release 2.0",
        "3rd party integrations",
        "2026-02-10T14:30 deploy",
        "火 safety drill",
    ],
)
def test_headers_with_content_besides_a_date_name_a_section(header: str) -> None:
    assert not is_date_only(header)
    assert sections(f"## {header}\n- TODO: an item\n") == [(header,)]


def test_a_date_only_header_is_left_out_of_the_section() -> None:
    assert sections("# 2026-02-13\n## 14:30\n- an item\n") == [()]


def test_hashes_need_a_space_to_make_a_header() -> None:
    assert [(i.text, i.section) for i in extract_items("##no space\n#hashtag TODO\n")] == [
        ("##no space", ()),
        ("#hashtag TODO", ()),
    ]


def test_setext_headers_are_headers() -> None:
    note = "Project X\n=========\n\nDecisions\n---------\n- use SQLite\n"
    assert [(i.line, i.kind, i.text, i.section) for i in extract_items(note)] == [
        (6, "decision", "use SQLite", ("Project X", "Decisions"))
    ]


def test_a_horizontal_rule_after_a_blank_line_is_no_setext_header() -> None:
    assert triples("Plain words here\n\n---\n- TODO: x\n") == [
        (1, "fact", "Plain words here"),
        (4, "todo", "x"),
    ]


def test_a_bold_line_is_a_header_of_the_lines_below() -> None:
    note = "## Today\n**Next steps:**\n- call Sam\n**We decided to ship on Friday**\n"
    assert [(i.line, i.kind, i.text, i.section) for i in extract_items(note)] == [
        (3, "reminder", "call Sam", ("Today", "Next steps")),
        (4, "decision", "We decided to ship on Friday", ("Today",)),
    ]


# -- bullets, markers, checkboxes, keywords ---------------------------------------


@pytest.mark.parametrize("bullet", ["-", "*", "+", "1.", "12)"])
def test_bold_items_with_every_bullet_style(bullet: str) -> None:
    assert triples(f"{bullet} **Port**: the API listens on 8080\n") == [
        (1, "fact", "Port: the API listens on 8080")
    ]


def test_bold_label_naming_a_kind_sets_the_kind_and_is_dropped() -> None:
    note = (
        "- **Decision:** use SQLite\n"
        "- **Blocker**: the VPN is down\n"
        "- **Lesson learned:** back up first\n"
    )
    assert triples(note) == [
        (1, "decision", "use SQLite"),
        (2, "blocker", "the VPN is down"),
        (3, "learned", "back up first"),
    ]


def test_bold_after_an_emoji_is_still_a_bold_item() -> None:
    assert triples("- 📝 **第六十八篇博客** online\n") == [(1, "fact", "📝 第六十八篇博客 online")]


@pytest.mark.parametrize(
    ("line", "kind", "text"),
    [
        ("TODO: rotate the JWT token", "todo", "rotate the JWT token"),
        ("TODO rotate the JWT token", "todo", "rotate the JWT token"),
        ("- DECISION: keep Postgres", "decision", "keep Postgres"),
        ("- BLOCKER waiting for AJ", "blocker", "waiting for AJ"),
        ("* ACTION: email the client", "action", "email the client"),
        ("NOTE: the gateway restarts at 3am", "note", "the gateway restarts at 3am"),
        ("- [ ] TODO: check backups", "todo", "check backups"),
        ("- **TODO:** bold marker", "todo", "bold marker"),
        ("TODO\uff1a全角コロン", "todo", "全角コロン"),  # full-width colon
        ("TODO - check backups", "todo", "check backups"),
        ("- TODO \u2014 check backups", "todo", "check backups"),
        # The owner is kept, after the text: who does it is part of the todo.
        ("TODO(alice): rotate keys", "todo", "rotate keys (alice)"),
        ("- [ ] ACTION(ops team) - renew the cert", "action", "renew the cert (ops team)"),
        # In any case with a colon; in capitals without one.
        ("todo: lowercase with a colon", "todo", "lowercase with a colon"),
        ("- fixme: the flaky test", "todo", "the flaky test"),
        ("FIXME(bob) - the flaky test", "todo", "the flaky test (bob)"),
        ("Reminder: dentist on Tuesday", "reminder", "dentist on Tuesday"),
        ("- Next: send the invoice", "reminder", "send the invoice"),
        ("- Rule: always explicit canonicalUrl", "rule", "always explicit canonicalUrl"),
        ("PREFERENCE: no emojis", "preference", "no emojis"),
        ("- BLOCKED: waiting for the bank", "blocker", "waiting for the bank"),
        # In mid-line, a TODO/FIXME with a colon: the whole line is the item.
        (
            "- CLAUDE.md still says Courier — TODO: update it",
            "todo",
            "CLAUDE.md still says Courier — TODO: update it",
        ),
        ("- the docs are stale (todo: fix)", "todo", "the docs are stale (todo: fix)"),
    ],
)
def test_markers(line: str, kind: str, text: str) -> None:
    assert triples(line) == [(1, kind, text)]


@pytest.mark.parametrize(
    "line",
    [
        "todo lowercase without a colon",
        "- the TODO in the middle is not a marker",
        "- a note about todo lists",
        "TODO-list cleanup",
        "TODOアプリ作成",
    ],
)
def test_not_markers(line: str) -> None:
    assert [item.kind for item in extract_items(line)] == ["fact"]


@pytest.mark.parametrize("line", ["TODO:", "TODO(alice):", "- [ ]"])
def test_a_marker_without_text_is_no_item(line: str) -> None:
    assert texts(line) == []


def test_checkboxes() -> None:
    note = "- [ ] Rotate JWT token\n- [x] Completed audit\n- [X] Upper X\n* [ ]\n"
    assert triples(note) == [
        (1, "todo", "Rotate JWT token"),
        (2, "completed", "Completed audit"),
        (3, "completed", "Upper X"),
    ]
    # A checked box is done whatever its marker said.
    assert triples("- [x] TODO: ship it") == [(1, "completed", "ship it")]


def test_keyword_bullets_whole_word_any_case() -> None:
    note = (
        "- We decided to ship on Friday\n"
        "- LEARNED that cron runs in UTC\n"
        "- Fixed the flaky test\n"
        "- still undecided about the name\n"
        "- decided_by is a column name\n"
        "- plain bullet without a keyword\n"
        "We decided this in prose, not a bullet\n"
    )
    assert triples(note) == [
        (1, "decision", "We decided to ship on Friday"),
        (2, "learned", "LEARNED that cron runs in UTC"),
        (3, "completed", "Fixed the flaky test"),
        (4, "fact", "still undecided about the name"),
        (5, "fact", "decided_by is a column name"),
        (6, "fact", "plain bullet without a keyword"),
        (7, "decision", "We decided this in prose, not a bullet"),
    ]


def test_keywords_inside_hyphenated_words_do_not_count() -> None:
    note = (
        "- Fixed-width layout (reverted from full-width)\n"
        "- pre-decided defaults\n"
        "- the well-known bug got fixed\n"
    )
    assert [item.kind for item in extract_items(note)] == ["fact", "fact", "completed"]


@pytest.mark.parametrize(
    "line",
    [
        "- Bug is not fixed yet",
        "- Haven't decided yet",
        "- Haven\u2019t merged the branch",  # typographic apostrophe
        "- We never agreed on a name",
        "- Not yet resolved",
        "- no lesson here, no learned trick",
        "- It cannot be fixed",
    ],
)
def test_a_negated_keyword_gives_no_kind(line: str) -> None:
    assert [item.kind for item in extract_items(line)] == ["fact"]


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        # The negation is in another clause, or more than two words away.
        ("- Not great, but fixed it", "completed"),
        ("- Haven't merged; decided to wait", "decision"),
        ("- Didn't ship the UI, fixed the API instead", "completed"),
        ("- Not the nicest code but it is fixed", "completed"),
        ("- Nothing broke, deployed", "completed"),
        ("- The no-op handler fixed the loop", "completed"),
    ],
)
def test_a_keyword_outside_the_negation_still_counts(line: str, kind: str) -> None:
    assert [item.kind for item in extract_items(line)] == [kind]


def test_section_headers_give_their_plain_top_level_bullets_a_kind() -> None:
    note = (
        "## Key decisions made today\n"
        "- Personal tone over company tone\n"
        "  - nested detail is not a decision\n"
        "### Sub section\n"
        "- still inside the decisions section\n"
        "## Other\n"
        "- no keyword here\n"
        "## 学んだこと\n"
        "- 公式ECとモールの棲み分け戦略\n"
    )
    assert triples(note) == [
        (2, "decision", "Personal tone over company tone"),
        (3, "fact", "nested detail is not a decision"),
        (5, "decision", "still inside the decisions section"),
        (7, "fact", "no keyword here"),
        (9, "learned", "公式ECとモールの棲み分け戦略"),
    ]


@pytest.mark.parametrize(
    ("header", "kind"),
    [
        ("Preferences", "preference"),
        ("Content rules", "rule"),
        ("明日のリマインダー", "reminder"),
        ("下一步", "reminder"),
        ("Next steps", "reminder"),
        ("Pending", "reminder"),
        ("Regras da casa", "rule"),
        ("Правила", "rule"),
        ("Blockers", "blocker"),
    ],
)
def test_section_words_in_every_language(header: str, kind: str) -> None:
    assert triples(f"### {header}\n- an item\n") == [(2, kind, "an item")]


def test_item_text_is_readable() -> None:
    note = "- **Shipped** the [new site](https://x.ms) with `astro build`   today\n"
    assert texts(note) == ["Shipped the new site with astro build today"]


@pytest.mark.parametrize(
    ("line", "text"),
    [
        (
            "- Fixed a crash in __init__.py and __main__.py",
            "Fixed a crash in __init__.py and __main__.py",
        ),
        (
            "- Fixed the `if __name__ == '__main__'` guard",
            "Fixed the if __name__ == '__main__' guard",
        ),
        ("- Fixed *one* thing and _another_ one", "Fixed one thing and another one"),
        ("- Fixed ~~Tuesday~~ Wednesday", "Fixed Tuesday Wednesday"),
        ("- Fixed 2*3*4, a * b and snake_case_name", "Fixed 2*3*4, a * b and snake_case_name"),
        ("- Fixed <kbd>Ctrl</kbd>+<kbd>C</kbd> in the shell", "Fixed Ctrl+C in the shell"),
        ("- Fixed the footer<br>and the header", "Fixed the footer and the header"),
        ("- Fixed a < b > c and ssh <host>", "Fixed a < b > c and ssh <host>"),
        ("- Fixed the `<br>` tag", "Fixed the <br> tag"),
    ],
)
def test_item_text_loses_markup_and_keeps_names(line: str, text: str) -> None:
    assert texts(line) == [text]


def test_a_bullet_opening_with_a_python_name_is_not_bold() -> None:
    assert [(i.text, i.kind) for i in extract_items("- __init__.py loads\n- __Port__: 8080\n")] == [
        ("__init__.py loads", "fact"),
        ("Port: 8080", "fact"),
    ]


# -- labels without a fact ------------------------------------------------------------


def test_a_bold_label_whose_content_is_in_nested_bullets_is_dropped() -> None:
    note = (
        "- **部署步骤：**\n"
        "  - 配置 nginx 端口 9090\n"
        "- **实施内容**：\n"
        "- **我的反思：**\n"
        "- Fixed the following:\n"
        "## Key decisions\n"
        "- Options considered:\n"
    )
    # Only the nested bullet holds a fact; the labels and the header name what is below.
    assert triples(note) == [(2, "fact", "配置 nginx 端口 9090")]


def test_a_label_after_a_sentence_or_with_a_marker_is_kept() -> None:
    note = (
        "- 15:10 EST: Morning report system fixed. Created new solution:\n"
        "- **修复了登录问题。新方案如下：**\n"
        "- [ ] Buy:\n"
        "TODO: review the following:\n"
        "- **Decision:** options below:\n"
    )
    assert triples(note) == [
        (1, "completed", "15:10 EST: Morning report system fixed. Created new solution:"),
        (2, "completed", "修复了登录问题。新方案如下："),
        (3, "todo", "Buy:"),
        (4, "todo", "review the following:"),
        (5, "decision", "options below:"),
    ]


@pytest.mark.parametrize(
    "line",
    [
        "- **时间：** 早上 9:27 ☀️",
        "- **时间**：下午 12:57 🌤️",
        "- **Time:** 14:30",
        "- **Date**: 2026-02-10",
        "- **Timestamp:** 2026-02-10T14:30:00Z",
        "- **日時**：2月10日（火） 9:00",
        # Any label whose value is only a clock time logs a moment, not a fact.
        "- **恢复**：06:16:51",
        "- **Disconnected:** 06:16:47 (status 503)",
    ],
)
def test_a_time_label_holding_only_a_time_is_dropped(line: str) -> None:
    assert texts(line) == []


@pytest.mark.parametrize(
    ("line", "text"),
    [
        ("- **时间**：周三凌晨，馆长正在休息 💤", "时间：周三凌晨，馆长正在休息 💤"),
        ("- **Time:** 14:30, right after the standup", "Time: 14:30, right after the standup"),
        # Only labels naming a time: other values that look like numbers are facts.
        ("- **Deadline:** Friday", "Deadline: Friday"),
        ("- **Port:** 8080", "Port: 8080"),
    ],
)
def test_other_labels_and_times_with_content_are_kept(line: str, text: str) -> None:
    assert texts(line) == [text]


# -- bullets nested under a label or a narration ----------------------------------------


@pytest.mark.parametrize(
    "note",
    [
        # under a bare label naming musings, as under a quiet section's header
        "- **深入思考：**\n  - 关系需要双向性\n  - AI 情感是真实的\n",
        "- My thoughts:\n  - maybe memory is a river\n",
        # under the agent telling what it did or read: the details of the narration
        "- 发现了 **souls 区** 的深度哲学讨论：\n  - 灵魂是繁殖过程，不是备份数据\n",
        "- Reviewed the feed:\n  - three posts about memory decay\n",
        # a header naming musings
        "## Thoughts\n- we may all be living in a simulation\n",
    ],
)
def test_musings_and_the_details_of_narration_keep_no_plain_item(note: str) -> None:
    assert texts(note) == []


def test_an_explicit_item_under_musings_is_kept_and_the_list_ends_with_its_label() -> None:
    note = (
        "- **我的反思：**\n  - 承诺 > 计划\n  - TODO: 每周复盘一次\n- 馆长的 NAS 在 192.168.1.20\n"
    )
    assert [(i.line, i.kind) for i in extract_items(note)] == [(3, "todo"), (4, "fact")]


@pytest.mark.parametrize(
    ("note", "kept"),
    [
        # a bare label that names no musing: its bullets are what it lists
        (
            "- **实施内容：**\n  - 创建 `state.json`（会话元数据）\n",
            ["创建 state.json（会话元数据）"],
        ),
        ("- Set up the NAS:\n  - IP 192.168.1.20\n", ["IP 192.168.1.20"]),
        # a bullet that is a fact: its nested bullets are its details
        (
            "- Stack: SQLite, no server\n  - WAL mode on\n",
            ["Stack: SQLite, no server", "WAL mode on"],
        ),
    ],
)
def test_bullets_under_other_labels_and_facts_are_kept(note: str, kept: list[str]) -> None:
    assert texts(note) == kept
