"""A commit message as git will store it, each part with its line in the message FILE.

The commit-msg hook runs before git cleans the message up (``builtin/commit.c``: the hook,
then ``cleanup_message``), so the file still holds what git will drop. This module does what
git does next, without running git:

- ``git commit -v`` (or ``--cleanup=scissors`` with an editor) cuts the message at the line
  ``<comment> ------------------------ >8 ------------------------`` (``verbose=None``: cut
  whenever that line is there, as it only is after ``-v`` or in scissors mode);
- cleanup ``strip`` drops lines starting with the comment string, then does what
  ``whitespace`` does: trailing whitespace off every line, leading and trailing empty lines
  off, runs of empty lines down to one; ``verbatim`` changes nothing; ``scissors`` cuts and
  cleans whitespace; ``default`` is ``strip`` when the message was edited in an editor and
  ``whitespace`` otherwise (``git commit -m``: git sets ``GIT_EDITOR=:`` for the hook then);
- ``core.commentChar=auto``: git picked the comment character when it wrote the template; it
  is read back from the template's own lines (the scissors line, or "Please enter the commit
  message"), and is ``#`` when the file has neither.

The result names the message's kind (``merge``, ``revert``, ``fixup``, ``squash``, ``amend``,
else ``normal``) so rules can skip what git or a tool wrote, and is empty when git would abort
the commit (nothing but whitespace and ``Signed-off-by:`` lines).
"""

from __future__ import annotations

from packwarden.load.document import Document, PosDict, PosList
from packwarden.load.trailers import CUT_LINE, TrailerBlock, locate_end, parse_trailers, separator_at
from packwarden.model.record import Record

CLEANUP_MODES = ("default", "strip", "whitespace", "verbatim", "scissors")
MESSAGE_KINDS = ("normal", "merge", "revert", "fixup", "squash", "amend")
DEFAULT_SKIP = ("merge", "revert", "fixup", "squash", "amend")
AUTO_CANDIDATES = "#;@!$%^&|:"  # git's adjust_comment_line_char, in its order
_SPACE = " \t\n\r"  # git's isspace
_PREFIXES = (("fixup! ", "fixup"), ("squash! ", "squash"), ("amend! ", "amend"), ("Merge ", "merge"))
_REVERTS = ('Revert "', 'Reapply "')


class Line(Record):
    text: str
    line: int  # 1-based, in the message file


class Trailer(Record):
    key: str  # as written
    value: str  # unfolded
    line: int  # its first line in the message file
    column: int  # where its value starts on that line


class Message(Record):
    text: str  # exactly what git stores
    lines: tuple[Line, ...]  # its lines
    subject: Line | None  # the first line that is not empty; None for an empty message
    body: tuple[Line, ...]  # every line after the subject, up to the trailer block
    trailers: tuple[Trailer, ...]
    kind: str  # one of MESSAGE_KINDS
    comment: str  # the comment string used
    empty: bool  # git aborts the commit: nothing to check
    last_line: int  # the file line of the message's last line (where a missing trailer goes)


def comment_of(text: str, setting: str) -> str:
    """The comment string for ``core.commentChar`` = ``setting`` (``auto``: read back)."""
    if setting != "auto":
        return setting or "#"
    for line in text.split("\n"):
        if (
            line[:1] in AUTO_CANDIDATES
            and line[:1]
            and (line[1:] == f" {CUT_LINE}" or line[1:].startswith(" Please enter the commit message"))
        ):
            return line[0]
    return "#"


def effective_cleanup(cleanup: str, editor: bool) -> str:
    """git's ``get_cleanup_mode``: ``default`` and ``scissors`` depend on whether an editor ran."""
    if cleanup not in CLEANUP_MODES:
        raise ValueError(f"unknown cleanup mode {cleanup!r}: one of {', '.join(CLEANUP_MODES)}")
    if cleanup == "default":
        return "strip" if editor else "whitespace"
    if cleanup == "scissors" and not editor:
        return "whitespace"
    return cleanup


def _stored_lines(text: str, comment: str, mode: str) -> list[Line]:
    """The lines git stores, each with its file line (git's ``strbuf_stripspace``, by line)."""
    raw = text.split("\n")
    if raw and raw[-1] == "":
        raw.pop()  # the final newline ends the last line; it starts none
    if mode == "verbatim":
        return [Line(line, number) for number, line in enumerate(raw, 1)]
    kept: list[Line] = []
    empties = 0
    for number, line in enumerate(raw, 1):
        if mode == "strip" and line.startswith(comment):
            continue
        cleaned = line.rstrip(_SPACE)
        if not cleaned:
            empties += 1
            continue
        if empties and kept:
            kept.append(Line("", number - 1))
        empties = 0
        kept.append(Line(cleaned, number))
    return kept


def _kind(subject: str) -> str:
    if subject.startswith(_REVERTS):
        return "revert"
    return next((kind for prefix, kind in _PREFIXES if subject.startswith(prefix)), "normal")


def _is_empty(text: str, mode: str) -> bool:
    """git's ``message_is_empty``: only whitespace and ``Signed-off-by:`` lines."""
    if mode == "verbatim" and text:
        return False
    return all(not line.strip(_SPACE) or line.startswith("Signed-off-by:") for line in text.split("\n"))


def read_message(
    text: str,
    *,
    comment_char: str = "#",
    cleanup: str = "default",
    editor: bool = True,
    verbose: bool | None = None,
    separators: str = ":",
) -> Message:
    """The message of a commit-msg hook's file ``text`` as git will store it (see the module).
    ``separators``: ``trailer.separators``. ValueError for an unknown cleanup mode."""
    mode = effective_cleanup(cleanup, editor)
    comment = comment_of(text, comment_char)
    if mode == "scissors" or verbose is not False:
        text = text[: locate_end(text, len(text), comment)]
    lines = _stored_lines(text, comment, mode)
    stored = "".join(f"{line.text}\n" for line in lines)
    if mode == "verbatim" and lines and not text.endswith("\n"):
        stored = stored[:-1]  # verbatim adds nothing, not even a final newline
    last = lines[-1].line if lines else 1
    if _is_empty(stored, mode):
        return Message(stored, tuple(lines), None, (), (), "normal", comment, True, last)
    first = next(index for index, line in enumerate(lines) if line.text.strip(_SPACE))
    block = parse_trailers(stored, separators=separators, comment=comment, divider=False)
    starts = _line_starts(stored)
    block_line = _line_index(starts, block.start) if block.trailers else len(lines)
    body = lines[first + 1 : max(block_line, first + 1)]
    while body and not body[0].text.strip(_SPACE):
        body.pop(0)
    while body and not body[-1].text.strip(_SPACE):
        body.pop()
    trailers = _trailers(block, starts, lines, separators)
    return Message(
        stored, tuple(lines), lines[first], tuple(body), trailers, _kind(lines[first].text), comment, False, last
    )


def _line_starts(text: str) -> list[int]:
    starts = [0]
    starts.extend(index + 1 for index, char in enumerate(text) if char == "\n")
    return starts


def _line_index(starts: list[int], offset: int) -> int:
    import bisect

    return bisect.bisect_right(starts, offset) - 1


def _trailers(block: TrailerBlock, starts: list[int], lines: list[Line], separators: str) -> tuple[Trailer, ...]:
    found = []
    for trailer in block.trailers:
        index = _line_index(starts, trailer.start)
        written = lines[index].text
        after = separator_at(written, separators) + 1
        column = after + len(written[after:]) - len(written[after:].lstrip(_SPACE)) + 1
        found.append(Trailer(trailer.key, trailer.value, lines[index].line, column))
    return tuple(found)


def trailer_key(key: str) -> str:
    """The key a trailer is filed under in a commit document: git compares keys without case,
    so ``assisted-by`` and ``Assisted-By`` are both ``Assisted-by`` (first letter capital)."""
    lowered = key.lower()
    return lowered[:1].upper() + lowered[1:]


def message_document(message: Message, touched: tuple[str, ...] = (), text: str = "") -> Document:
    """The commit document rules see (kind ``commit``): ``{subject, body: [line, ...],
    trailers: {Key: [value, ...]}, kind, touched: [kind, ...]}``, every value marked at its
    line in the message file. ``text``: the document's text, for rules without a field (by
    default the stored message with every line git drops left empty, so lines stay the file's)."""
    first = message.subject.line if message.subject is not None else 1
    data = PosDict((first, 1))
    if message.subject is not None:
        _put(data, "subject", message.subject.text, (first, 1))
    body = PosList((message.body[0].line if message.body else first, 1))
    for line in message.body:
        body.append(line.text)
        body.marks.append((line.line, 1))
    _put(data, "body", body, body.mark)
    trailers = PosDict((message.trailers[0].line if message.trailers else message.last_line, 1))
    for trailer in message.trailers:
        key = trailer_key(trailer.key)
        values = trailers.get(key)
        if values is None:
            values = PosList((trailer.line, 1))
            _put(trailers, key, values, (trailer.line, 1))
        values.append(trailer.value)
        values.marks.append((trailer.line, trailer.column))
    _put(data, "trailers", trailers, trailers.mark)
    _put(data, "kind", message.kind, (first, 1))
    kinds = PosList((first, 1))
    for kind in touched:
        kinds.append(kind)
        kinds.marks.append((first, 1))
    _put(data, "touched", kinds, (first, 1))
    return Document(text or _in_place(message), data)


def _put(mapping: PosDict, key: str, value: object, mark: tuple[int, int]) -> None:
    mapping[key] = value
    mapping.marks[key] = mark
    mapping.key_marks[key] = mark


def _in_place(message: Message) -> str:
    """The stored lines at their file lines, every other line empty."""
    if message.subject is None:
        return ""
    rows = [""] * message.last_line
    for line in message.lines:
        rows[line.line - 1] = line.text
    return "\n".join(rows) + "\n"


def load_commit(raw: bytes) -> Document:
    """The ``commit`` loader: a message file read as an edited commit's (``#`` comments,
    cleanup ``strip``); it touches no artifact (the gate's ``check_message`` says which)."""
    from packwarden.load.document import Problem
    from packwarden.load.text import decode

    text = decode(raw)
    if isinstance(text, Problem):
        return Document("", None, (text,))
    message = read_message(text)
    return Document("", None) if message.empty else message_document(message)
