"""A strict JSON reader that records where each value stood.

The stdlib's json module accepts NaN and Infinity, keeps the last of duplicate keys, turns any
digit string into an int and recurses once per nesting level. This reader walks the text with
an explicit stack instead, stops at the first problem with its line and column, and builds the
same PosDict/PosList trees as the YAML reader. String bodies are decoded by the stdlib's
``scanstring`` (strict: control characters are errors).
"""

from __future__ import annotations

import json.decoder
import math
import re
from bisect import bisect_right
from collections.abc import Callable

from packwarden.load.document import Document, Mark, PosDict, PosList, Problem, line_col
from packwarden.load.limits import MAX_DEPTH, MAX_FILE_BYTES, MAX_INT_DIGITS
from packwarden.load.text import decode
from packwarden.model import builtin_rules as R
from packwarden.model.builtin_rules import BuiltinRule

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~3 ms)
if TYPE_CHECKING:
    from typing import Any

_ScanString = Callable[[str, int, bool], tuple[str, int]]
_scanstring: _ScanString = json.decoder.scanstring  # type: ignore[attr-defined]  # missing from typeshed

_SPACE = re.compile(r"[ \t\n\r]+")
_NUMBER = re.compile(r"(-?(?:0|[1-9][0-9]*))(\.[0-9]+)?([eE][-+]?[0-9]+)?([0-9])?")
_SURROGATE = re.compile("[\ud800-\udfff]")
_WHITE = frozenset(" \t\n\r")
_NEWLINE = re.compile("\n")
_LITERALS: dict[str, tuple[str, Any]] = {"t": ("true", True), "f": ("false", False), "n": ("null", None)}
_NOT_FINITE = ("NaN", "Infinity", "-Infinity")
_STRING_ERRORS = {
    "Unterminated string starting at": "unterminated string",
    "Invalid control character at": "control character in a string",
    "Invalid \\escape": "invalid escape in a string",
    "Invalid \\uXXXX escape": "invalid \\u escape in a string",
}


class _Stop(Exception):
    def __init__(self, problem: Problem) -> None:
        self.problem = problem


def _stop(rule: BuiltinRule, message: str, text: str, pos: int) -> _Stop:
    return _Stop(Problem(rule, message, *line_col(text, pos)))


def _string(text: str, pos: int) -> tuple[str, int]:
    """The string whose opening quote is at ``pos``, and the offset after its closing quote."""
    try:
        value, end = _scanstring(text, pos + 1, True)
    except json.decoder.JSONDecodeError as exc:
        raise _stop(R.PARSE_SYNTAX, _STRING_ERRORS.get(exc.msg, exc.msg), text, exc.pos) from None
    if not value.isascii() and _SURROGATE.search(value):
        raise _stop(R.PARSE_SYNTAX, "unpaired surrogate escape in a string", text, pos)
    return value, end


def _number(text: str, pos: int) -> tuple[int | float, int]:
    """The number that starts at ``pos``, and the offset after it."""
    match = _NUMBER.match(text, pos)
    if match is None:
        for word in _NOT_FINITE:
            if text.startswith(word, pos):
                raise _stop(R.PARSE_NUMBER, f"{word!r} is not a finite number", text, pos)
        raise _stop(R.PARSE_SYNTAX, "expected a value", text, pos)
    whole, fraction, exponent, extra_digit = match.groups()
    if extra_digit is not None:  # the integer part was a lone 0
        raise _stop(R.PARSE_SYNTAX, "a number cannot start with 0", text, pos)
    if fraction is None and exponent is None:
        digits = len(whole) - (whole[0] == "-")
        if digits > MAX_INT_DIGITS:
            raise _stop(R.PARSE_NUMBER, f"integer with {digits} digits", text, pos)
        return int(whole), match.end()
    number = float(match.group())
    if math.isinf(number):
        shown = match.group() if len(match.group()) <= 40 else match.group()[:37] + "..."
        raise _stop(R.PARSE_NUMBER, f"{shown!r} is not a finite number", text, pos)
    return number, match.end()


def _key(text: str, pos: int, obj: PosDict, starts: list[int]) -> tuple[str, Mark, int]:
    """Read ``"key":`` after ``pos``: the key, its mark and the offset where its value may start."""
    start = gap.end() if (gap := _SPACE.match(text, pos)) else pos
    char = text[start : start + 1]
    if char != '"':
        message = "trailing comma before '}'" if char == "}" else "expected a string key"
        raise _stop(R.PARSE_SYNTAX, message if char else "unexpected end of input", text, start)
    key, pos = _string(text, start)
    if key in obj:
        message = f"duplicate key {key!r} (first at line {obj.key_marks[key][0]})"
        raise _stop(R.PARSE_DUPLICATE_KEY, message, text, start)
    pos = gap.end() if (gap := _SPACE.match(text, pos)) else pos
    if text[pos : pos + 1] != ":":
        message = "expected ':' after a key" if pos < len(text) else "unexpected end of input"
        raise _stop(R.PARSE_SYNTAX, message, text, pos)
    line = bisect_right(starts, start)
    return key, (line, start - starts[line - 1]), pos + 1


def _parse(text: str) -> Any:
    """One JSON value filling the whole text, read with an explicit stack of open containers."""
    starts = [-1, *[newline.start() for newline in _NEWLINE.finditer(text)]]
    stack: list[PosDict | PosList] = []
    root: Any = None
    key: Any = None
    key_mark: Mark = (1, 1)
    pos = 0
    space, locate, literals, white = _SPACE.match, bisect_right, _LITERALS, _WHITE
    while True:
        # A value starts at pos, after optional whitespace.
        char = text[pos : pos + 1]
        if char in white and (gap := space(text, pos)):
            pos = gap.end()
            char = text[pos : pos + 1]
        line = locate(starts, pos)
        mark = (line, pos - starts[line - 1])
        value: Any
        if char == '"':
            value, pos = _string(text, pos)
        elif char in {"{", "["}:
            if len(stack) >= MAX_DEPTH:
                raise _stop(R.PARSE_DEPTH, f"nested deeper than {MAX_DEPTH} levels", text, pos)
            value = PosDict(mark) if char == "{" else PosList(mark)
            pos += 1
        elif char in literals and text.startswith(literals[char][0], pos):
            word, value = literals[char]
            pos += len(word)
        elif not char:
            raise _stop(R.PARSE_SYNTAX, "unexpected end of input" if stack else "empty document", text, pos)
        elif char == "]" and stack and isinstance(stack[-1], PosList):
            raise _stop(R.PARSE_SYNTAX, "trailing comma before ']'", text, pos)
        else:
            value, pos = _number(text, pos)
        if not stack:
            root = value
        else:
            top = stack[-1]
            if isinstance(top, PosList):
                top.append(value)
                top.marks.append(mark)
            else:
                top[key] = value
                top.marks[key] = mark
                top.key_marks[key] = key_mark
        if char in {"{", "["}:
            pos = gap.end() if (gap := space(text, pos)) else pos
            if text[pos : pos + 1] != ("}" if char == "{" else "]"):
                stack.append(value)
                if char == "{":
                    key, key_mark, pos = _key(text, pos, value, starts)
                continue
            pos += 1
        # The value is complete: close containers until a ',' asks for the next value.
        while True:
            char = text[pos : pos + 1]
            if char in white and (gap := space(text, pos)):
                pos = gap.end()
                char = text[pos : pos + 1]
            if not stack:
                if char:
                    raise _stop(R.PARSE_SYNTAX, "trailing data after the document", text, pos)
                return root
            top = stack[-1]
            closing = "}" if type(top) is PosDict else "]"
            if char == ",":
                pos += 1
                if type(top) is PosDict:
                    key, key_mark, pos = _key(text, pos, top, starts)
                break
            if char != closing:
                message = f"expected ',' or '{closing}'" if char else "unexpected end of input"
                raise _stop(R.PARSE_SYNTAX, message, text, pos)
            stack.pop()
            pos += 1


def load_json_text(text: str) -> Document:
    """Parse JSON text into a position-aware tree, or a problem with its location."""
    try:
        data = _parse(text)
    except _Stop as stop:
        return Document(text, None, (stop.problem,))
    return Document(text, data)


def load_json(raw: bytes, max_bytes: int = MAX_FILE_BYTES) -> Document:
    """Read JSON bytes under the size cap."""
    text = decode(raw, max_bytes)
    if isinstance(text, Problem):
        return Document("", None, (text,))
    return load_json_text(text)
