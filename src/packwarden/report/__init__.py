"""Reporters: render a CheckResult. The only layer besides the CLI that writes output.

Chosen by name from ``REPORTERS``; each is ``render(result, out, color) -> None``.
"""

from __future__ import annotations

from collections.abc import Callable

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~3 ms)
if TYPE_CHECKING:
    from typing import TextIO

    from packwarden.api import CheckResult

Reporter = Callable[["CheckResult", "TextIO", bool], None]


def get_reporter(name: str) -> Reporter:
    if name == "json":
        from packwarden.report.json import render
    else:
        from packwarden.report.text import render
    return render


REPORTERS = ("text", "json")
