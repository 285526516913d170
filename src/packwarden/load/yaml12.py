"""Where libyaml and YAML 1.2 part ways: the constructs the YAML reader refuses, or reads right.

libyaml follows YAML 1.1 in places (NEL, LS and PS are line breaks; ``?`` starts a key anywhere
in a flow collection; a ``%YAML 1.1`` directive changes nothing) and accepts some documents that
YAML 1.2 rejects (a comment glued to a token, continuation lines indented less than their
block, ``[-]``). A gate that reads a manifest differently from the tools that consume it judges
a value nobody else sees, so each such construct is refused with a ``parse.yaml12`` problem
that says how to write the value so that every reader agrees. docs/safety.md lists them.

Nearly every file holds none of them: ``screen`` is one regular-expression search, and only a
file it flags pays for the token scan that decides (``token_problem``). The checks that need the
parse itself (directives, indentation, plain ``-``) run in the reader's builder, off the hot path
of plain scalars.
"""

from __future__ import annotations

import bisect
import re

import yaml

from packwarden.load.document import Problem, line_col
from packwarden.model import builtin_rules as R

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~3 ms)
if TYPE_CHECKING:
    from typing import Any

_BREAKS = re.compile("[\x85\u2028\u2029]")
_LONE_CR = re.compile("\r(?!\n)")
_BREAK_NAMES = {"\x85": ("U+0085 (NEL)", "\\N"), "\u2028": ("U+2028 (LS)", "\\L"), "\u2029": ("U+2029 (PS)", "\\P")}
# A '#' right after a character that can end a token (a comment glued to it), or a '?' opening a
# flow item: only files with one of these need the token scan. str.find and `in` look for the
# rare characters far faster than a regular expression would (see docs/performance.md).
_GLUE = frozenset("\"'[]{},:?|>+-0123456789")
_QUESTION_BEFORE_TEXT = re.compile(r"\?[^ \t\r\n]")
_BLOCK_HEADER_COMMENT = re.compile(r"[|>][0-9+-]*#")
_BLANK = " \t\r\n"


def problem(message: str, line: int, column: int, fix: str) -> Problem:
    return Problem(R.PARSE_YAML12, message, line, column, fix)


def screen(text: str) -> Problem | None:
    """The first NEL, LS or PS character (YAML 1.1 breaks the line there, YAML 1.2 does not), or
    a lone CR: a line break to YAML, but not to the tools that count lines by LF, packwarden's
    line and column positions among them."""
    if "\r" in text:
        lone = _LONE_CR.search(text)
        if lone is not None:
            return problem(
                "a carriage return (CR) alone ends a line here; tools disagree on the lines after it",
                *line_col(text, lone.start()),
                fix="save the file with LF (or CRLF) line ends",
            )
    if "\x85" not in text and "\u2028" not in text and "\u2029" not in text:
        return None
    found = _BREAKS.search(text)
    if found is None:  # pragma: no cover - one of the three is there
        return None
    name, escape = _BREAK_NAMES[found.group()]
    return problem(
        f"{name} is a line break in YAML 1.1 and an ordinary character in YAML 1.2; readers disagree",
        *line_col(text, found.start()),
        fix=f'remove it, or write it as the escape "{escape}" inside a double-quoted string',
    )


def suspect(text: str) -> bool:
    """Whether ``text`` may hold a glued comment or a flow ``?`` (``token_problem`` decides)."""
    at = text.find("#")
    while at != -1:
        if at and text[at - 1] in _GLUE:
            return True
        at = text.find("#", at + 1)
    # a '?' glued to text, in a file with a flow collection: whether libyaml takes it for a key
    # depends on the tokens before it, which only the scan knows
    return "?" in text and ("[" in text or "{" in text) and _QUESTION_BEFORE_TEXT.search(text) is not None


def token_problem(text: str, loader_class: Any) -> Problem | None:
    """A comment glued to the token before it, or a flow ``?`` that libyaml takes for a key."""
    spans: list[tuple[int, int]] = []
    starts = [0, *(m.end() for m in re.finditer("\n", text))]

    def offset(mark: Any) -> int:
        if mark.line >= len(starts):  # libyaml's implied line break after a last line without one
            return len(text)
        return int(starts[mark.line] + mark.column)

    loader = loader_class(text)
    flow = 0
    try:
        while True:
            token = loader.get_token()
            name = type(token).__name__
            if name == "StreamEndToken":
                break
            start, end = offset(token.start_mark), offset(token.end_mark)
            if name in ("FlowSequenceStartToken", "FlowMappingStartToken"):
                flow += 1
            elif name in ("FlowSequenceEndToken", "FlowMappingEndToken"):
                flow = max(0, flow - 1)  # a stray closer is the parser's error to report
            elif name == "KeyToken" and flow and text.startswith("?", start):
                if start + 1 < len(text) and text[start + 1] not in _BLANK:
                    return problem(
                        "'?' directly before text in a flow collection: YAML 1.2 reads it as part of the text,"
                        " YAML 1.1 readers as a key marker",
                        *line_col(text, start),
                        fix="quote the text ('?foo'), or put a space after '?' if a key is meant",
                    )
            elif name == "ScalarToken" and token.style in ("|", ">") and _BLOCK_HEADER_COMMENT.match(text, start):
                return _glued(text, text.index("#", start))
            if end > start:
                spans.append((start, end))
    except yaml.YAMLError:  # a scan error is the parser's to report, at its place
        return None
    finally:
        loader.dispose()
    ends = [end for _, end in spans]
    for found in re.finditer("#", text):
        at = found.start()
        if at == 0 or text[at - 1] in _BLANK:
            continue
        index = bisect.bisect_right(ends, at)  # the first token ending after '#'
        inside = index < len(spans) and spans[index][0] <= at
        before = bisect.bisect_right(ends, at - 1)  # the token holding the character before '#'
        glued = before < len(spans) and spans[before][0] <= at - 1
        if not inside and glued:
            return _glued(text, at)
    return None


def _glued(text: str, at: int) -> Problem:
    return problem(
        "a comment must follow a space in YAML 1.2; libyaml reads this '#' as a comment, YAML 1.2 refuses it",
        *line_col(text, at),
        fix="put a space before '#'",
    )


def directive(version: tuple[int, int] | None, line: int, column: int) -> Problem | None:
    """A ``%YAML`` directive other than 1.2 asks for rules packwarden does not read by."""
    if version is None or version == (1, 2):
        return None
    return problem(
        f"%YAML {version[0]}.{version[1]}: packwarden reads YAML 1.2, where 'yes' is a string, 0777 is 777"
        " and 1:20 is a string",
        line,
        column,
        fix="remove the directive and write values both versions read alike: true/false, 0o777, quoted '1:20'",
    )


def plain_dash(line: int, column: int) -> Problem:
    return problem(
        "a lone '-' inside a flow collection is not a value in YAML 1.2",
        line,
        column,
        fix="quote it: '-'",
    )


def underindented(lines: list[str], first: int, last: int, indent: int, what: str) -> Problem | None:
    """A line of a multi-line flow collection or quoted scalar (0-based lines ``first``..``last``
    of the document's ``lines``) indented less than ``indent`` spaces, or by a tab: YAML 1.2
    refuses it, libyaml reads on."""
    # A line of only blanks is an empty line: any spaces do, and in a flow collection (where it
    # is a comment line) tabs too. In a flow collection a comment line may start anywhere (a
    # quoted scalar inside it that spans lines is checked on its own).
    in_flow = what == "flow collection"
    blanks = " \t\r" if in_flow else " \r"
    for number in range(first, min(last + 1, len(lines))):
        line = lines[number]
        spaces = len(line) - len(line.lstrip(" "))
        rest = line[spaces:].lstrip(blanks)
        if spaces >= indent or not rest or (in_flow and rest.startswith("#")):
            continue
        tab = line[spaces:].startswith("\t")
        reason = "a tab in its indentation" if tab else f"fewer than {indent} spaces of indentation"
        return problem(
            f"this line of a multi-line {what} has {reason}; YAML 1.2 refuses it, libyaml reads on",
            number + 1,
            spaces + 1,
            fix=f"indent the line with at least {indent} spaces (no tabs), or write the {what} on one line",
        )
    return None


def empty_block_scalar(lines: list[str], start: Any, end: Any) -> Problem | None:
    """An empty block scalar with auto-detected indentation whose lines hold different numbers of
    spaces: YAML 1.2 refuses the more-indented lines, libyaml reads an empty string."""
    header = lines[start.line][start.column :]
    if any(c.isdigit() for c in header.split("#", 1)[0]):
        return None
    widths = {len(line) for line in lines[start.line + 1 : end.line + 1] if line and not line.strip(" ")}
    if len(widths) <= 1:
        return None
    return problem(
        "an empty block scalar whose blank lines hold different numbers of spaces; YAML 1.2 refuses it",
        start.line + 1,
        start.column + 1,
        fix="remove the spaces from the blank lines, or write the empty value as ''",
    )


def block_scalar_tail(text: str) -> str:
    """``text`` with a line break after a last line of only spaces: libyaml drops that line's break
    from a block scalar (``|+``), YAML 1.2 keeps it; anywhere else the break changes nothing."""
    tail = text.rpartition("\n")[2]
    if tail and not tail.strip(" "):
        return text + "\n"
    return text
