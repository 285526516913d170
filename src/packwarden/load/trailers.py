"""Commit message trailers, found and parsed as ``git interpret-trailers --parse`` finds them.

Read from git's ``trailer.c`` and ``commit.c`` (``find_trailer_block_start``,
``ignored_log_message_bytes``) and held equal to the real command by a property test:

- the message ends before a ``---`` divider (unless ``divider=False``, as ``git log``'s
  ``%(trailers)`` reads a commit), before the scissors line, and before any trailing run of
  comment lines, empty lines and an old ``Conflicts:`` block;
- the first paragraph is the title and never holds trailers;
- the trailer block is the last paragraph when all of its lines are trailers (``Key: value``,
  the key letters, digits and ``-``, with one separator of ``separators``), or when at least
  one is git-generated (``Signed-off-by: ``, ``(cherry picked from commit ``) and at least 25%
  of its lines are trailers; a line starting with whitespace continues the trailer above it;
- values are unfolded (continuation lines joined with one space) and trimmed.

Whitespace and letters are ASCII, as in git (which reads bytes): ``é`` is neither.
"""

from __future__ import annotations

from packwarden.model.record import Record

_SPACE = " \t\n\r"  # git's isspace (ctype.c): no \v, no \f
_ALNUM = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
GIT_GENERATED = ("Signed-off-by: ", "(cherry picked from commit ")
CUT_LINE = "------------------------ >8 ------------------------"


class Trailer(Record):
    """One trailer: its key as written, its value unfolded, and the 0-based offsets of its first
    line and of the end of its last (continuation) line in the text it was parsed from."""

    key: str
    value: str
    start: int
    end: int


class TrailerBlock(Record):
    start: int  # offset of the block's first line; equal to ``end`` when there is no block
    end: int  # offset where the log message ends (before a divider, comments, blank lines)
    trailers: tuple[Trailer, ...]


def _next_line(text: str, at: int) -> int:
    newline = text.find("\n", at)
    return len(text) if newline < 0 else newline + 1


def _last_line(text: str, length: int) -> int:
    """Start of the last line of ``text[:length]`` (a final newline belongs to it); -1 if empty."""
    if length == 0:
        return -1
    if length == 1:
        return 0
    newline = text.rfind("\n", 0, length - 1)
    return newline + 1


def _is_blank(text: str, at: int) -> bool:
    end = text.find("\n", at)
    line = text[at:] if end < 0 else text[at:end]
    return not line.strip(_SPACE)


def separator_at(line: str, separators: str) -> int:
    """git's ``find_separator``: the offset of the separator in ``Token<spaces>SEP...``, 0 when
    the line starts with one, -1 when the line is no trailer."""
    spaced = False
    for index, char in enumerate(line):
        if char in separators:
            return index
        if not spaced and (char in _ALNUM or char == "-"):
            continue
        if index and char in " \t":
            spaced = True
            continue
        break
    return -1


def locate_end(text: str, length: int, comment: str) -> int:
    """git's ``wt_status_locate_end``: where the scissors line starts, or ``length``."""
    pattern = f"\n{comment} {CUT_LINE}\n"
    if text.startswith(pattern[1:]):
        return 0
    found = text.find(pattern)
    return min(found + 1, length) if found >= 0 else length


def ignored_tail(text: str, length: int, comment: str) -> int:
    """git's ``ignored_log_message_bytes``: how many characters at the end of ``text[:length]``
    are comments, empty lines, an old ``Conflicts:`` block or below the scissors line."""
    first_of_run = 0
    line = 0
    in_conflicts = False
    cutoff = locate_end(text, length, comment)
    while line < cutoff:
        newline = text.find("\n", line, length)
        following = length if newline < 0 else newline + 1
        if text.startswith(comment, line, cutoff) or text[line] == "\n":
            first_of_run = first_of_run or line
        elif text.startswith("Conflicts:\n", line):
            in_conflicts = True
            first_of_run = first_of_run or line
        elif in_conflicts and text[line] == "\t":
            pass  # a path in the conflicts block
        elif first_of_run:
            first_of_run = 0
            in_conflicts = False
        line = following
    return length - first_of_run if first_of_run else length - cutoff


def message_end(text: str, comment: str, divider: bool) -> int:
    """git's ``find_end_of_log_message``."""
    end = len(text)
    if divider:
        at = 0
        while at < len(text):
            if text.startswith("---", at) and at + 3 < len(text) and text[at + 3] in _SPACE:
                end = at
                break
            at = _next_line(text, at)
    return end - ignored_tail(text, end, comment)


def block_start(text: str, length: int, comment: str, separators: str) -> int:
    """git's ``find_trailer_block_start``: where the trailer block of ``text[:length]`` starts,
    or ``length`` when it has none."""
    at = 0
    while at < length:  # the title: the first paragraph (comment lines skipped)
        if not text.startswith(comment, at, length) and _is_blank(text, at):
            break
        at = _next_line(text, at)
    end_of_title = at
    only_spaces = True
    recognized = False
    trailer_lines = non_trailer_lines = continuations = 0
    line = _last_line(text, length)
    while line >= end_of_title:
        if text.startswith(comment, line, length):
            non_trailer_lines += continuations
            continuations = 0
        elif _is_blank(text, line):
            if not only_spaces:
                non_trailer_lines += continuations
                if recognized and trailer_lines * 3 >= non_trailer_lines:
                    return _next_line(text, line)
                if trailer_lines and not non_trailer_lines:
                    return _next_line(text, line)
                return length
        else:
            only_spaces = False
            if text.startswith(GIT_GENERATED, line):
                trailer_lines += 1
                continuations = 0
                recognized = True
            elif separator_at(text[line : _next_line(text, line)], separators) >= 1 and text[line] not in _SPACE:
                trailer_lines += 1
                continuations = 0
            elif text[line] in _SPACE:
                continuations += 1
            else:
                non_trailer_lines += 1 + continuations
                continuations = 0
        line = _last_line(text, line)
    return length


def _unfold(value: str) -> str:
    out: list[str] = []
    index = 0
    while index < len(value):
        char = value[index]
        index += 1
        if char == "\n":
            while index < len(value) and value[index] in _SPACE:
                index += 1
            char = " "
        out.append(char)
    return "".join(out).strip(_SPACE)


def parse_trailers(text: str, *, separators: str = ":", comment: str = "#", divider: bool = True) -> TrailerBlock:
    """The trailers of ``text`` as ``git interpret-trailers --parse`` lists them (with
    ``--no-divider`` when ``divider`` is false), ``comment`` being ``core.commentChar``."""
    end = message_end(text, comment, divider)
    start = block_start(text, end, comment, separators)
    pieces: list[list[int]] = []  # [start, end, extends]: a trailer line and its continuation lines
    at = start
    while at < end:
        following = min(_next_line(text, at), end)
        if pieces and pieces[-1][2] and text[at] in _SPACE:
            pieces[-1][1] = following
        else:
            pieces.append([at, following, int(separator_at(text[at:following], separators) >= 1)])
        at = following
    trailers = []
    for first, last, _ in pieces:
        piece = text[first:last]
        if piece.startswith(comment):
            continue
        separator = separator_at(piece, separators)
        if separator >= 1:
            key = piece[:separator].strip(_SPACE)
            trailers.append(Trailer(key, _unfold(piece[separator + 1 :].strip(_SPACE)), first, last))
    return TrailerBlock(start, end, tuple(trailers))


def shown(trailer: Trailer, separators: str = ":") -> str:
    """The trailer as ``git interpret-trailers --parse`` prints it (without the newline)."""
    key = trailer.key
    last = key.rstrip(_SPACE)[-1:]
    return f"{key}{separators[0]} {trailer.value}" if last and last not in separators else f"{key}{trailer.value}"
