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


def test_level_two_and_three_headers_are_captured_others_not() -> None:
    note = "# Title\n## Deploy plan\n### Cache layer ###\n#### Too deep\n####### not a header\n"
    assert triples(note) == [(2, "header", "Deploy plan"), (3, "header", "Cache layer")]


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
def test_headers_with_content_besides_a_date_are_kept(header: str) -> None:
    assert not is_date_only(header)
    assert texts(f"## {header}\n") != []


def test_hashes_need_a_space_to_make_a_header() -> None:
    assert texts("##no space\n#hashtag TODO\n") == []


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
    assert triples("- 📝 **第六十八篇博客发布成功**\n") == [
        (1, "fact", "📝 第六十八篇博客发布成功")
    ]


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
    ],
)
def test_markers(line: str, kind: str, text: str) -> None:
    assert triples(line) == [(1, kind, text)]


@pytest.mark.parametrize(
    "line",
    [
        "todo: lowercase is prose",
        "TODOS: not the marker word",
        "- the TODO in the middle is not a marker",
        "Fixed: paragraph label without bold",
        "TODO:",
        "TODO(alice):",
        "TODO-list cleanup",
    ],
)
def test_not_markers(line: str) -> None:
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
    ]


def test_keywords_inside_hyphenated_words_do_not_count() -> None:
    note = (
        "- Fixed-width layout (reverted from full-width)\n"
        "- pre-decided defaults\n"
        "- the well-known bug got fixed\n"
    )
    assert triples(note) == [(3, "completed", "the well-known bug got fixed")]


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
def test_a_negated_keyword_makes_no_item(line: str) -> None:
    assert texts(line) == []


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
        (1, "header", "Key decisions made today"),
        (2, "decision", "Personal tone over company tone"),
        (4, "header", "Sub section"),
        (5, "decision", "still inside the decisions section"),
        (6, "header", "Other"),
        (8, "header", "学んだこと"),
        (9, "learned", "公式ECとモールの棲み分け戦略"),
    ]


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
    assert texts("- __init__.py loads the plugins\n- __Port__: 8080\n") == ["Port: 8080"]


# -- labels without a fact ------------------------------------------------------------


def test_a_bold_label_whose_content_is_in_nested_bullets_is_dropped() -> None:
    note = (
        "- **关键洞察：**\n"
        "  - 身份不是文件，而是跨会话持续的模式\n"
        "- **实施内容**：\n"
        "- **我的反思：**\n"
        "- Fixed the following:\n"
        "## Key decisions\n"
        "- Options considered:\n"
    )
    assert triples(note) == [(6, "header", "Key decisions")]


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
        (2, "fact", "修复了登录问题。新方案如下："),
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
        ("- **恢复**：06:16:51", "恢复：06:16:51"),
    ],
)
def test_other_labels_and_times_with_content_are_kept(line: str, text: str) -> None:
    assert texts(line) == [text]
