"""What extraction skips (code, comments, front matter, dreaming); awkward text (CRLF, NUL)."""

from __future__ import annotations

import pytest

from taskrunner.memory.extract import (
    MAX_ITEM_CHARS,
    extract_items,
)


def triples(text: str) -> list[tuple[int, str, str]]:
    return [(item.line, item.kind, item.text) for item in extract_items(text)]


def texts(text: str) -> list[str]:
    return [item.text for item in extract_items(text)]


# -- what is skipped ----------------------------------------------------------------


def test_fenced_code_is_ignored_with_both_fence_styles() -> None:
    note = (
        "```bash\n"
        "- TODO: inside code\n"
        "## not a header\n"
        "```\n"
        "~~~~\n"
        "- [ ] inside tilde fence\n"
        "~~~\n"  # shorter than the opener: does not close
        "~~~~~\n"
        "- TODO: after the fences\n"
    )
    assert triples(note) == [(9, "todo", "after the fences")]


def test_an_unclosed_fence_runs_to_the_end() -> None:
    assert texts("- TODO: before\n```\n- TODO: never closed\n") == ["before"]


def test_inline_triple_backticks_are_not_a_fence() -> None:
    assert texts("```inline``` code\n- TODO: still read\n") == ["inline code", "still read"]


def test_indented_fence_inside_a_list() -> None:
    assert texts("- item\n    ```\n    TODO: code\n    ```\n- TODO: after\n") == ["item", "after"]


def test_an_indented_code_block_is_code() -> None:
    note = "Setup notes\n\n    TODO: not a todo, code\n    - [ ] neither\n\n- TODO: real\n"
    assert triples(note) == [(1, "fact", "Setup notes"), (6, "todo", "real")]


def test_an_indented_line_inside_a_list_is_no_code_block() -> None:
    assert texts("- parent\n\n    continued: the port is 8080\n") == [
        "parent",
        "continued: the port is 8080",
    ]


@pytest.mark.parametrize(
    ("note", "kind", "text"),
    [
        ("> - TODO: quoted todo\n", "todo", "quoted todo"),
        ("> > Decided to keep Postgres\n", "decision", "Decided to keep Postgres"),
        ("> ## Decisions\n> - use SQLite\n", "decision", "use SQLite"),
        ("[^1]: We decided to ship on Friday\n", "decision", "We decided to ship on Friday"),
        ("Deploy\n: always run the smoke test first\n", "rule", "always run the smoke test first"),
    ],
)
def test_blockquotes_footnotes_and_definitions_are_read(note: str, kind: str, text: str) -> None:
    assert (kind, text) in [(i.kind, i.text) for i in extract_items(note)]


def test_a_comment_opener_inside_inline_code_is_text() -> None:
    note = (
        "- The `<!--` parser fixed today\n"
        "- TODO: the line after it\n"
        "- Fixed `a` <!-- hidden --> and `<!-- shown -->` too\n"
        "- Fixed it ` unpaired <!-- hidden\n"
        "- TODO: still inside the comment -->\n"
        "- TODO: after the comment\n"
    )
    assert triples(note) == [
        (1, "completed", "The <!-- parser fixed today"),
        (2, "todo", "the line after it"),
        (3, "completed", "Fixed a and <!-- shown --> too"),
        (4, "completed", "Fixed it unpaired"),
        (6, "todo", "after the comment"),
    ]


def test_html_comments_are_ignored_inline_and_across_lines() -> None:
    note = (
        "- TODO: keep <!-- drop this --> this\n"
        "<!-- openclaw:managed\n"
        "- TODO: inside a comment\n"
        "-->\n"
        "<!-- a --> TODO: after a comment\n"
    )
    assert triples(note) == [(1, "todo", "keep this"), (5, "todo", "after a comment")]


def test_real_front_matter_is_skipped() -> None:
    note = "---\ntitle: Daily\ntags:\n  - work\n- home\n---\n- TODO: real content\n"
    assert triples(note) == [(7, "todo", "real content")]


def test_a_leading_horizontal_rule_is_not_front_matter() -> None:
    note = "---\n## 2026-04-24 (3:49 PM Blog retry)\n- **Published** post 68\n---\n## Next\n"
    assert [(i.line, i.text, i.section) for i in extract_items(note)] == [
        (3, "Published post 68", ("2026-04-24 (3:49 PM Blog retry)",)),
    ]


def test_an_unclosed_front_matter_is_content() -> None:
    assert texts("---\ntitle: x\n- TODO: read me\n") == ["title: x", "read me"]


def test_dreaming_sections_are_skipped_to_the_next_header_of_their_level() -> None:
    note = (
        "## Light Sleep\n"
        "- TODO: generated candidate\n"
        "### Detail\n"
        "- **Decision:** generated\n"
        "## REM Sleep\n"
        "- learned: generated reflection\n"
        "## Deploy notes\n"
        "- TODO: written by the user\n"
        "### **rem  sleep**\n"
        "- TODO: generated again\n"
        "### Back to the user\n"
        "- TODO: also the user\n"
    )
    assert texts(note) == ["written by the user", "also the user"]


# -- line numbers and awkward text ----------------------------------------------------


def test_crlf_bom_and_nul_bytes() -> None:
    note = "\ufeff## Plan\r\n\r\n- TODO: fix\x00 it\r\n- [x] call Sam\r\n"
    assert triples(note) == [(3, "todo", "fix it"), (4, "completed", "call Sam")]


def test_lone_carriage_returns_do_not_shift_line_numbers() -> None:
    assert triples("a\rb\n- TODO: x\n") == [(1, "fact", "a b"), (2, "todo", "x")]


def test_a_one_megabyte_line_is_cut_to_a_readable_length() -> None:
    long_line = "- TODO: " + "word " * 200_000 + "\n- TODO: next\n"
    items = extract_items(long_line)
    assert [item.line for item in items] == [1, 2]
    assert len(items[0].text) <= MAX_ITEM_CHARS + 2 and items[0].text.endswith("…")


@pytest.mark.parametrize(
    "line",
    [
        "[" * 1_000_000,
        "*" * 1_000_000,
        "_ " * 500_000,
        "- " + "**a" * 300_000,
        "- [x](" * 200_000,
        "<!--" * 250_000,
        "## " + " " * 1_000_000 + "x",
        "- " + "`" * 1_000_000,
        "- " + "](" * 500_000,
        "- fixed " + "`<!--" * 200_000,
        "- fixed " + "`a`" * 300_000 + "<!--",
        "- fixed " + "__a " * 250_000,
        "- fixed " + "*a *" * 250_000,
        "- fixed " + "~~a " * 250_000,
        "- fixed " + "<kbd" * 250_000,
        "- " + "not fixed, " * 100_000,
        "TODO(" + "(" * 1_000_000,
        "- __" + "a" * 1_000_000,
        "## " + "2026-02-10t14:30:00" * 50_000,
    ],
    ids=[
        "brackets",
        "stars",
        "underscores",
        "unclosed-bold",
        "checkbox-links",
        "comment-openers",
        "header-spaces",
        "backticks",
        "link-closers",
        "code-comment-openers",
        "code-spans",
        "double-underscores",
        "star-pairs",
        "tildes",
        "tag-openers",
        "negations",
        "owner-parens",
        "dunder-bold",
        "iso-datetimes",
    ],
)
def test_pathological_megabyte_lines_finish(line: str) -> None:
    # Linear-time patterns: each of these completes in well under a second.
    # The assertion is that it finishes and stays consistent.
    items = extract_items(line)
    assert all(item.line == 1 for item in items)


def test_items_have_no_empty_or_symbol_only_text() -> None:
    assert texts("- **🎉**\n- [ ] \n- ✅ ✅\n## ---\n") == []


def test_a_blank_line_ends_a_quoted_list_so_indented_code_after_it_is_code() -> None:
    note = "> - TODO: quoted\n\n    TODO: not a todo, code\n\n- TODO: real\n"
    assert triples(note) == [(1, "todo", "quoted"), (5, "todo", "real")]
    # Outside a quote the indented line still continues the list item.
    assert texts("- parent\n\n    continued: the port is 8080\n") == [
        "parent",
        "continued: the port is 8080",
    ]
