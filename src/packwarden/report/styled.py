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


def safe(text: str) -> str:
    """Control characters (a newline in a file name) shown escaped, never interpreted."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


def write_lines(lines: list[Line], out: TextIO, color: bool) -> None:
    if not color:
        out.write("".join("".join(text for text, _ in line) + "\n" for line in lines))
        return
    from rich.console import Console
    from rich.text import Text

    console = Console(file=out, force_terminal=True, highlight=False, soft_wrap=True, emoji=False, markup=False)
    for line in lines:
        console.print(Text.assemble(*line))
