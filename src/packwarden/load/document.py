"""Parsed documents: plain dicts and lists that remember where each value stood."""

from __future__ import annotations

from packwarden.model.builtin_rules import BuiltinRule
from packwarden.model.record import Record

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~3 ms)
if TYPE_CHECKING:
    from typing import Any

Mark = tuple[int, int]  # 1-based line and column


class PosDict(dict["Any", "Any"]):
    """A mapping that knows the position of each value (``marks``) and each key."""

    __slots__ = ("key_marks", "mark", "marks")

    def __init__(self, mark: Mark) -> None:
        super().__init__()
        self.mark = mark
        self.marks: dict[Any, Mark] = {}
        self.key_marks: dict[Any, Mark] = {}


class PosList(list["Any"]):
    """A sequence that knows the position of each item."""

    __slots__ = ("mark", "marks")

    def __init__(self, mark: Mark) -> None:
        super().__init__()
        self.mark = mark
        self.marks: list[Mark] = []


class Problem(Record):
    """Why a file could not be read, and where."""

    rule: BuiltinRule
    message: str
    line: int = 1
    column: int = 1
    fix: str = ""  # how to write it so that it reads; empty: the rule's usual hint


class Heading(Record):
    """A markdown heading as a reader sees it (never one inside code, or an HTML comment)."""

    level: int  # 1 for ``#``, 2 for ``##`` (and for a setext heading underlined with ``-``)
    text: str  # the heading's inline text, trimmed
    line: int
    column: int


class Document(Record):
    """A loaded file: its text, its data (None when it could not be parsed) and problems.

    A markdown document's ``data`` is its front matter (a mapping, or None without one) and
    ``headings`` its outline; YAML and JSON documents have no headings.
    """

    text: str
    data: Any = None
    problems: tuple[Problem, ...] = ()
    headings: tuple[Heading, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems


def line_col(text: str, offset: int) -> Mark:
    """1-based line and column of a character offset."""
    line = text.count("\n", 0, offset) + 1
    start = text.rfind("\n", 0, offset) + 1
    return line, offset - start + 1
