"""The markdown reader: headings where a renderer sees them, front matter at its file lines."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from packwarden.load import markdown
from packwarden.load.document import Document, Heading, PosDict, PosList
from packwarden.load.limits import MAX_FILE_BYTES
from packwarden.load.markdown import load_markdown, load_markdown_text
from packwarden.model import builtin_rules as R
from tests.support.documents import only_problem


def outline(text: str) -> list[tuple[int, str, int, int]]:
    document = load_markdown_text(text)
    assert document.ok, document.problems
    return [(h.level, h.text, h.line, h.column) for h in document.headings]


# --- headings -------------------------------------------------------------------------------------


def test_atx_and_setext_headings_with_lines_and_columns() -> None:
    text = "# Title\n\nSome text.\n\n  ## Steps ##\n\nRollback\n========\n\nNotes\n---\n\n###### Six\n"
    assert outline(text) == [
        (1, "Title", 1, 1),
        (2, "Steps", 5, 3),
        (1, "Rollback", 7, 1),
        (2, "Notes", 10, 1),
        (6, "Six", 13, 1),
    ]


def test_heading_text_is_trimmed() -> None:
    assert outline("## rollback \n") == [(2, "rollback", 1, 1)]
    assert outline("   Rollback   \n---\n") == [(2, "Rollback", 1, 4)]


def test_multi_line_setext_heading_starts_at_its_first_line() -> None:
    assert outline("intro\n\nRoll\nback\n---\n") == [(2, "Roll\nback", 3, 1)]


def test_heading_text_is_its_source() -> None:
    """The inline pass is off: emphasis and links stay as written."""
    assert outline("## **Rollback** [plan](x.md)\n") == [(2, "**Rollback** [plan](x.md)", 1, 1)]


@pytest.mark.parametrize(
    "text",
    [
        "```\n## Rollback\n```\n",
        "~~~md\n## Rollback\n~~~\n",
        "````\n```\n## Rollback\n```\n````\n",
        "```\n## Rollback\n",  # an unclosed fence runs to the end
        "Text.\n\n    ## Rollback\n",
        "<!-- ## Rollback -->\n",
        "<!--\n## Rollback\n\n## Rollback\n-->\n",
        "<details>\n## Rollback\n</details>\n",
        "#Rollback\n",  # no space after the marks: a paragraph
        "\\## Rollback\n",
        "####### Rollback\n",
    ],
)
def test_no_heading(text: str) -> None:
    assert outline(text) == []


def test_heading_after_code_and_comment_is_found_at_its_line() -> None:
    text = "```\n# no\n```\n<!--\n# no\n-->\n\n## Yes\n"
    assert outline(text) == [(2, "Yes", 8, 1)]


def test_heading_in_a_container_starts_where_the_line_does() -> None:
    assert outline("> ## Quoted\n\n- ## Listed\n") == [(2, "Quoted", 1, 1), (2, "Listed", 3, 1)]


# --- front matter ---------------------------------------------------------------------------------


def test_front_matter_mapping_at_file_lines() -> None:
    text = "---\nrun: 42\nsteps:\n  - build\n  - ship\n---\n# Run 42\n"
    document = load_markdown_text(text)
    assert document.ok
    data = document.data
    assert isinstance(data, PosDict)
    assert data == {"run": 42, "steps": ["build", "ship"]}
    assert data.mark == (2, 1)
    assert data.key_marks == {"run": (2, 1), "steps": (3, 1)}
    assert data.marks["run"] == (2, 6)
    steps = data["steps"]
    assert isinstance(steps, PosList)
    assert steps.mark == (4, 3)
    assert steps.marks == [(4, 5), (5, 5)]
    assert document.headings == (Heading(1, "Run 42", 7, 1),)


def test_front_matter_nested_marks_are_shifted_once() -> None:
    text = "---\na:\n  b:\n    - c: 1\n---\n"
    data = load_markdown_text(text).data
    inner = data["a"]["b"][0]
    assert (data.mark, data["a"].mark, data["a"]["b"].mark, inner.mark) == ((2, 1), (3, 3), (4, 5), (4, 7))
    assert inner.marks == {"c": (4, 10)}


@pytest.mark.parametrize("closing", ["---", "...", "---  "])
def test_front_matter_closing_lines(closing: str) -> None:
    document = load_markdown_text(f"---   \nname: x\n{closing}\n## After\n")
    assert document.data == {"name": "x"}
    assert [h.line for h in document.headings] == [4]


def test_empty_front_matter_has_no_data() -> None:
    document = load_markdown_text("---\n---\n# Title\n")
    assert document.ok and document.data is None
    assert document.headings == (Heading(1, "Title", 3, 1),)


def test_front_matter_problem_at_its_file_line_and_the_body_still_read() -> None:
    document = load_markdown_text("---\nname: a\nname: b\n---\n# Title\n")
    assert only_problem(document)[:3] == (R.PARSE_DUPLICATE_KEY.id, 3, 1)
    assert document.headings == (Heading(1, "Title", 5, 1),)


def test_front_matter_syntax_error_line() -> None:
    document = load_markdown_text("---\nok: 1\nbad: [1, 2\n---\n")
    rule, line, _, _ = only_problem(document)
    assert rule == R.PARSE_SYNTAX.id
    assert line == 4  # the YAML ends at the closing fence, where the ']' is still missing


def test_unclosed_front_matter_is_markdown() -> None:
    document = load_markdown_text("---\ntitle: x\n\n# Title\n")
    assert document.ok and document.data is None
    assert document.headings == (Heading(1, "Title", 4, 1),)


def test_front_matter_only_at_the_start() -> None:
    document = load_markdown_text("\n---\ntitle: x\n---\n")
    assert document.data is None
    assert document.headings == (Heading(2, "title: x", 3, 1),)  # a setext heading


# --- line breaks, encodings, limits -----------------------------------------------------------------


def test_crlf_line_endings() -> None:
    document = load_markdown(b"---\r\nname: x\r\n---\r\n\r\n# One\r\n\r\nTwo\r\n---\r\n")
    assert document.ok
    assert document.data == {"name": "x"}
    assert document.data.marks["name"] == (2, 7)
    assert [(h.text, h.line) for h in document.headings] == [("One", 5), ("Two", 7)]


def test_lone_carriage_returns_end_lines() -> None:
    assert outline("intro\r\r## Two\r") == [(2, "Two", 3, 1)]


def test_byte_order_mark_is_dropped() -> None:
    document = load_markdown("\ufeff---\nname: x\n---\n# Title\n".encode())
    assert document.text.startswith("---")
    assert document.data == {"name": "x"}
    assert document.headings == (Heading(1, "Title", 4, 1),)


def test_empty_file() -> None:
    assert load_markdown(b"") == Document("")


def test_not_utf8() -> None:
    document = load_markdown(b"# Title\n\xff\n")
    assert document.text == ""
    assert only_problem(document)[:3] == (R.PARSE_ENCODING.id, 2, 1)


def test_too_large() -> None:
    document = load_markdown(b"# x\n" * 10, max_bytes=39)
    assert only_problem(document)[0] == R.PARSE_TOO_LARGE.id
    assert load_markdown(b"#" * (MAX_FILE_BYTES + 1)).problems[0].rule is R.PARSE_TOO_LARGE


@pytest.mark.parametrize(
    "text",
    [
        ">" * 100_000 + " # deep\n",
        "- " * 50_000 + "# deep\n",
        "> 1. " * 20_000 + "x\n",
        (">" * 1000 + " ## x\n") * 100,
        "[" * 100_000 + "\n# x\n",
        "<!--" * 100_000,
    ],
)
def test_pathological_nesting_returns(text: str) -> None:
    assert isinstance(load_markdown_text(text), Document)


def test_parser_failure_is_a_problem(monkeypatch: pytest.MonkeyPatch) -> None:
    class Broken:
        def parse(self, text: str) -> list[object]:
            raise RecursionError

    monkeypatch.setattr(markdown, "_parser", Broken())
    document = load_markdown_text("---\nname: x\n---\n# Title\n")
    assert document.data == {"name": "x"}
    assert document.headings == ()
    [problem] = document.problems
    assert (problem.rule, problem.line) == (R.PARSE_SYNTAX, 4)
    assert "markdown could not be read (RecursionError)" in problem.message


@settings(max_examples=300, deadline=None, database=None)
@given(st.text(alphabet="#-=>*`~< \t\n\r!x:.[]", max_size=60) | st.text(max_size=60))
def test_arbitrary_text_never_raises(text: str) -> None:
    document = load_markdown_text(text)
    lines = len(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    assert all(1 <= h.line <= lines and h.column >= 1 and 1 <= h.level <= 6 for h in document.headings)


def test_a_front_matter_problem_names_lines_of_the_markdown_file() -> None:
    document = load_markdown_text("---\na: 1\na: 2\n---\n# Title\n")

    (problem,) = document.problems
    assert problem.line == 3
    assert "line 2" in problem.message  # the first 'a', as the file numbers it
