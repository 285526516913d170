"""Styled lines: text split into (text, style) segments, written plain or through rich.

rich costs ~60 ms to import, so it is only imported when colour is on.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~3 ms)
if TYPE_CHECKING:
    from typing import TextIO

Segment = tuple[str, str]
Line = list[Segment]

SEVERITY_STYLE = {"block": "bold white on red", "error": "bold red", "warning": "yellow", "info": "cyan"}


def undecodable_escaped(text: str) -> str:
    """``text`` as valid Unicode: each byte that was not UTF-8 shown as ``\\xNN``.

    Paths are decoded with ``surrogateescape``, so a byte that is not UTF-8 (0x80-0xff) is a
    lone surrogate U+DC80-U+DCFF in the name; it becomes the four characters ``\\xff``. Any
    other lone surrogate (which no decoder here makes) becomes U+FFFD.
    """
    if not _has_surrogates(text):
        return text
    return "".join(_escape_surrogate(ch) if "\ud800" <= ch <= "\udfff" else ch for ch in text)


def _has_surrogates(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _escape_surrogate(ch: str) -> str:
    code = ord(ch)
    return f"\\x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else "\ufffd"


def undecodable_bytes(text: str) -> bytes | None:
    """The exact bytes of a name decoded with ``surrogateescape``; None when it is valid UTF-8."""
    if not _has_surrogates(text):
        return None
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a lone surrogate that no byte decodes to: kept as itself
        return text.encode("utf-8", "surrogatepass")


def safe(text: str) -> str:
    """Control characters (a newline in a file name) shown escaped, never interpreted; bytes
    that were not UTF-8 shown as ``\\xNN`` (see ``undecodable_escaped``)."""
    if text.isprintable():
        return text
    return "".join(
        ch if ch.isprintable() else _escape_surrogate(ch) if "\ud800" <= ch <= "\udfff" else repr(ch)[1:-1]
        for ch in text
    )


def write_lines(lines: list[Line], out: TextIO, color: bool) -> None:
    if not color:
        text = "".join("".join(text for text, _ in line) + "\n" for line in lines)
        try:
            out.write(text)
        except UnicodeEncodeError:  # an output that is not UTF-8 (PYTHONIOENCODING=ascii): "·" becomes "?"
            encoding = getattr(out, "encoding", None) or "ascii"
            out.write(text.encode(encoding, "replace").decode(encoding))
        return
    from rich.console import Console
    from rich.text import Text

    console = Console(file=out, force_terminal=True, highlight=False, soft_wrap=True, emoji=False, markup=False)
    for line in lines:
        console.print(Text.assemble(*line))
