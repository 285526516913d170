"""Reporters: render a CheckResult. The only layer besides the CLI that writes output.

Chosen by name from ``REPORTERS``; each is ``render(result, out, color, *, show_waived) -> None``.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~3 ms)
if TYPE_CHECKING:
    from typing import Protocol, TextIO

    from packwarden.api import CheckResult

    class Reporter(Protocol):
        def __call__(self, result: CheckResult, out: TextIO, color: bool, *, show_waived: bool = False) -> None: ...


def get_reporter(name: str) -> Reporter:
    if name == "json":
        from packwarden.report.json import render
    else:
        from packwarden.report.text import render
    return render


REPORTERS = ("text", "json")
