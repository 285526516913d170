"""Bytes to text: the size cap and UTF-8 decoding shared by every reader."""

from __future__ import annotations

from packwarden.load.document import Problem, line_col
from packwarden.load.limits import MAX_FILE_BYTES
from packwarden.model import builtin_rules as R


def decode(raw: bytes, max_bytes: int = MAX_FILE_BYTES) -> str | Problem:
    """The file's text, or the problem that stops it being read."""
    if len(raw) > max_bytes:
        return Problem(R.PARSE_TOO_LARGE, f"file is {len(raw)} bytes; the limit is {max_bytes}")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        good = raw[: exc.start].decode("utf-8")
        line, column = line_col(good, len(good))
        return Problem(R.PARSE_ENCODING, f"not UTF-8: byte 0x{raw[exc.start]:02x}", line, column)
    return text[1:] if text.startswith("\ufeff") else text
