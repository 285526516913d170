"""Options shared by several commands."""

from __future__ import annotations

import functools
import os
import sys

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~3 ms)
if TYPE_CHECKING:
    import argparse
    from typing import TextIO


def help_formatter(prog: str) -> argparse.HelpFormatter:
    """argparse's formatter with the width given: left to itself, it imports shutil (~2 ms)."""
    import argparse  # only a command line that goes through argparse needs it (see hookargs)

    return argparse.HelpFormatter(prog, width=_terminal_width())


@functools.cache
def _terminal_width() -> int:
    """What shutil.get_terminal_size reports: $COLUMNS, else the terminal's width, else 80."""
    try:
        return int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        pass
    try:
        return os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
    except (AttributeError, ValueError, OSError):
        return 80


def add_color(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        help="colour output (auto: on a terminal, unless NO_COLOR or TERM=dumb)",
    )


def add_pack(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--pack", metavar="KEY@VER|FILE", help="use this pack instead of the one .packwarden/policy.yml selects"
    )


def use_color(choice: str, stream: TextIO | None) -> bool:
    """``stream`` is None when the process started with it closed (``>&-``)."""
    if choice != "auto":
        return choice == "always"
    if stream is None or os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    return stream.isatty()
