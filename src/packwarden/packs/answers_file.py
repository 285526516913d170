"""Writing ``.packwarden/answers.yml`` (``packwarden clarify``): one answer set, the others kept.

The file is rewritten in one layout (its leading comment lines, then ``answers:`` with one
``key: value`` line per answer, in the order they were written, a new one last) and replaced
atomically (``packs.atomic``: a temporary file in the same folder, then a rename; an existing
file keeps its mode). Nothing is written through a link, nor over a file that does not read
as answers: that one is for a person to fix, not for a tool to overwrite.
"""

from __future__ import annotations

import os
import re
import stat

from packwarden.load.files import read_capped
from packwarden.load.limits import MAX_CONFIG_BYTES
from packwarden.model.errors import UsageError
from packwarden.packs.answers import SECTION, read_answers
from packwarden.packs.atomic import write_atomically
from packwarden.packs.inputs import ANSWERS_PATH

HEADER = "# Answers to the policy's clarifications; `packwarden clarify` writes them. Review them with the code."
_PLAIN = re.compile(r"[A-Za-z][A-Za-z0-9_./-]*\Z")
# Words YAML reads as something other than text when written bare (1.1 and 1.2 alike).
_SPECIAL = frozenset({"true", "false", "null", "yes", "no", "on", "off", "y", "n"})


def _escaped(char: str) -> str:
    """One character inside a double-quoted YAML scalar: as it is where YAML prints it the same
    (outside line breaks and the byte-order mark), else as an escape YAML reads back."""
    code = ord(char)
    if char in '"\\':
        return "\\" + char
    if 0x20 <= code <= 0x7E or (char.isprintable() and code not in (0x85, 0x2028, 0x2029, 0xFEFF)):
        return char
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def scalar(text: str) -> str:
    """``text`` as a YAML scalar that reads back as that same text."""
    if _PLAIN.match(text) and text.lower() not in _SPECIAL:
        return text
    return '"' + "".join(_escaped(char) for char in text) + '"'


def render(existing: bytes | None, key: str, value: str) -> bytes:
    """The file with ``key`` answered ``value``: ValueError when ``existing`` does not read
    as answers (then nothing may be written over it)."""
    parsed = read_answers(existing)
    if parsed.problems:
        message, at_line, at_column = parsed.problems[0]
        raise ValueError(f"{ANSWERS_PATH}:{at_line}:{at_column}: {message}")
    entries: dict[str, str] = {}
    for answer in parsed.answers:
        if answer.text is None:
            raise ValueError(f"{ANSWERS_PATH}:{answer.line}:{answer.column}: the answer to {answer.key} is no text")
        entries[answer.key] = answer.text
    entries[key] = value
    text = existing.decode("utf-8") if existing is not None else ""
    header: list[str] = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        header.append(line)
    lines = [*(header or [HEADER]), f"{SECTION}:", *(f"  {scalar(k)}: {scalar(v)}" for k, v in entries.items())]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _refuse_links(root: str) -> None:
    """No link on the way to the answers file: a write must land exactly there."""
    for relative in (os.path.dirname(ANSWERS_PATH), ANSWERS_PATH):
        try:
            info = os.lstat(os.path.join(root, relative))
        except FileNotFoundError:
            continue
        if stat.S_ISLNK(info.st_mode):
            raise UsageError(f"{relative} is a symbolic link; clarify writes only the file itself. Nothing written")
        if relative == ANSWERS_PATH and not stat.S_ISREG(info.st_mode):
            raise UsageError(f"{relative} is not a regular file. Nothing written")


def read_existing(root: str) -> bytes | None:
    """The answers file in the working tree, or None; UsageError when it cannot be read."""
    _refuse_links(root)
    raw = read_capped(os.path.join(root, ANSWERS_PATH), MAX_CONFIG_BYTES, follow_links=False)
    if raw is not None and not isinstance(raw, bytes):
        raise UsageError(f"{ANSWERS_PATH}: {raw.message}. Nothing written")
    return raw


def set_answer(root: str, key: str, value: str) -> str:
    """Answer ``key`` with ``value`` in ``root``'s answers file; returns the path written
    (repository-relative). UsageError when it may not be written."""
    existing = read_existing(root)
    try:
        data = render(existing, key, value)
    except ValueError as exc:
        raise UsageError(f"{exc}; fix the file first. Nothing written") from exc
    folder = os.path.join(root, os.path.dirname(ANSWERS_PATH))
    os.makedirs(folder, exist_ok=True)
    _refuse_links(root)  # the folder may be new; nothing swapped in since
    write_atomically(os.path.join(root, ANSWERS_PATH), data)
    return ANSWERS_PATH
