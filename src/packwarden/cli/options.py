"""Options shared by several commands."""

from __future__ import annotations

import argparse
import os
from typing import TextIO


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


def use_color(choice: str, stream: TextIO) -> bool:
    if choice != "auto":
        return choice == "always"
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    return stream.isatty()
