"""A markdown reader for protocol-run files: YAML front matter and the outline of headings.

Headings come from markdown-it-py's CommonMark block parser, so a ``## Rollback`` inside a code
block, an HTML block or an HTML comment is not a heading, exactly as a renderer would show it.
The front matter is read by the strict YAML reader; its marks and problems carry the lines of
the markdown file.
"""

from __future__ import annotations

from packwarden.load.document import Document, Heading, Problem
from packwarden.load.limits import MAX_FILE_BYTES
from packwarden.load.text import decode
from packwarden.load.yaml import load_yaml_text
from packwarden.model import builtin_rules as R

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (the hook imports load modules)
if TYPE_CHECKING:
    from markdown_it import MarkdownIt

_parser: MarkdownIt | None = None


def _markdown() -> MarkdownIt:
    """The parser, built on first use: markdown-it costs its import only when markdown is read."""
    global _parser  # noqa: PLW0603 - one parser per process, built lazily
    if _parser is None:
        from markdown_it import MarkdownIt

        # Only the block structure and each heading's source text are needed, so the inline
        # pass (emphasis, links: where markdown parsers have been slow on hostile input) is off.
        _parser = MarkdownIt("commonmark").disable("inline")
    return _parser


def _front_matter(lines: list[str]) -> tuple[Document, int] | None:
    """The front matter read as YAML, and how many lines it takes with its two fences."""
    if not lines or lines[0].rstrip(" \t") != "---":
        return None
    for index in range(1, len(lines)):
        if lines[index].rstrip(" \t") in {"---", "..."}:
            break
    else:  # never closed: the opening line is a thematic break, as markdown reads it
        return None
    # an empty first line stands for the opening fence: every mark, and every line a message
    # names ("first at line 3"), is then a line of the markdown file
    return load_yaml_text("\n".join(["", *lines[1:index], ""])), index + 1


def _headings(lines: list[str], skipped: int) -> tuple[Heading, ...]:
    """The body's headings, at their lines in the whole file."""
    tokens = _markdown().parse("\n".join(lines[skipped:]))
    headings = []
    for index, token in enumerate(tokens):
        if token.type != "heading_open" or token.map is None:
            continue
        line = lines[skipped + token.map[0]]
        column = len(line) - len(line.lstrip(" \t")) + 1
        text = tokens[index + 1].content.strip()
        headings.append(Heading(int(token.tag[1:]), text, skipped + token.map[0] + 1, column))
    return tuple(headings)


def load_markdown_text(text: str) -> Document:
    """Front matter (``data``, None without one), its problems, and the headings of the body."""
    # Line breaks as CommonMark (and YAML) count them: \r\n, \r and \n each end a line.
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    front = _front_matter(lines)
    data, problems, skipped = (None, (), 0) if front is None else (front[0].data, front[0].problems, front[1])
    try:
        headings = _headings(lines, skipped)
    except Exception as exc:  # noqa: BLE001 - a third-party parser on hostile input: report, never crash
        message = f"the markdown could not be read ({type(exc).__name__})"
        return Document(text, data, (*problems, Problem(R.PARSE_SYNTAX, message, skipped + 1)))
    return Document(text, data, problems, headings)


def load_markdown(raw: bytes, max_bytes: int = MAX_FILE_BYTES) -> Document:
    """Read markdown bytes under the size cap."""
    text = decode(raw, max_bytes)
    if isinstance(text, Problem):
        return Document("", None, (text,))
    return load_markdown_text(text)
