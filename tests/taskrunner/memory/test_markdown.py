"""Which lines of a note are prose (taskrunner.memory.markdown), on crafted and arbitrary text."""

from __future__ import annotations

import string

from hypothesis import given
from hypothesis import strategies as st

from taskrunner.memory.extract import extract_items
from taskrunner.memory.markdown import Block, iter_blocks, split_lines

words = st.text(string.ascii_letters + string.digits + " ", min_size=1, max_size=30).filter(
    lambda s: s.strip() and not s.strip().isdigit()
)
markdown_line = st.one_of(
    words,
    words.map(lambda w: f"- {w}"),
    words.map(lambda w: f"  - {w}"),
    words.map(lambda w: f"## {w}"),
    words.map(lambda w: f"- TODO: {w}"),
    words.map(lambda w: f"> {w}"),
    words.map(lambda w: f"    {w}"),
    words.map(lambda w: f"| {w} | {w} |"),
    st.sampled_from(
        ["", "", "---", "===", "```", "~~~", "<!--", "-->", "[^1]: note", ": def", "|---|:--:|"]
    ),
)
notes = st.lists(markdown_line, max_size=30).map("\n".join)


def blocks(text: str) -> list[Block]:
    return list(iter_blocks(text))


@given(st.text() | notes)
def test_every_block_is_one_line_of_the_note_in_order(note: str) -> None:
    lines = split_lines(note)
    numbers = [block.number for block in blocks(note)]
    assert numbers == sorted(set(numbers))
    for block in blocks(note):
        assert 1 <= block.number <= len(lines)
        assert block.text.strip() in lines[block.number - 1]


@given(before=st.lists(words, min_size=1, max_size=3), code=st.lists(markdown_line, max_size=8))
def test_an_indented_code_block_yields_nothing(before: list[str], code: list[str]) -> None:
    indented = [f"    {line.lstrip()}" if line.strip() else "" for line in code]
    note = "\n".join([*before, "", *indented, "", "- TODO: after the code"])
    first, last = len(before) + 2, len(before) + 1 + len(code)
    assert all(not first <= block.number <= last for block in blocks(note))
    assert extract_items(note)[-1].text == "after the code"


@given(markdown_line.filter(lambda line: not line.startswith(("    ", "```", "~~~", "<!--"))))
def test_a_quoted_line_reads_as_the_line(line: str) -> None:
    plain = [(i.kind, i.text) for i in extract_items(line)]
    assert [(i.kind, i.text) for i in extract_items(f"> {line}")] == plain
    assert [(i.kind, i.text) for i in extract_items(f"> > {line}")] == plain


@given(title=words, underline=st.sampled_from(["===", "---", "=========", "- - -"[:1] * 3]))
def test_a_setext_underline_makes_the_line_above_a_header(title: str, underline: str) -> None:
    (header, item) = blocks(f"{title}\n{underline}\n- TODO: x\n")
    assert (header.kind, header.number, header.text) == ("header", 1, title.strip())
    assert item.number == 3


def test_setext_levels_nest_like_atx_headers() -> None:
    note = "Project X\n===\nDecisions\n---\n- use SQLite\n## Other\n- plain\n"
    assert [(i.text, i.section) for i in extract_items(note)] == [
        ("use SQLite", ("Project X", "Decisions")),
        ("plain", ("Project X", "Other")),
    ]


def test_footnote_and_definition_markers_are_removed() -> None:
    note = "[^src]: TODO: cite the source\nCache\n: Redis 7 on port 6379\n"
    assert [(b.kind, b.text) for b in blocks(note)] == [
        ("text", "TODO: cite the source"),
        ("text", "Cache"),
        ("text", "Redis 7 on port 6379"),
    ]


def test_a_list_item_continued_by_an_indented_line_is_no_code() -> None:
    note = "- deploy steps\n\n    run the migrations first\n"
    assert [b.number for b in blocks(note)] == [1, 3]


cells = st.lists(words.map(str.strip), min_size=2, max_size=4)


@given(header=cells, rows=st.lists(cells, min_size=1, max_size=3), outer=st.booleans())
def test_a_tables_header_row_is_skipped_and_its_rows_are_prose(
    header: list[str], rows: list[list[str]], outer: bool
) -> None:
    """The header row only names the columns; each data row is a line of prose."""

    def row(values: list[str]) -> str:
        inner = " | ".join(values)
        return f"| {inner} |" if outer else inner

    delimiter = row(["---"] * len(header))
    note = "\n".join([row(header), delimiter, *map(row, rows)])
    assert [block.number for block in blocks(note)] == list(range(3, 3 + len(rows)))


def test_a_setext_underline_is_no_table_delimiter() -> None:
    assert [(b.kind, b.text) for b in blocks("Port | State\n---\n")] == [("header", "Port | State")]
