"""Reporters: render a CheckResult. The only layer besides the CLI that writes output.

Chosen by name from ``REPORTERS``; each is
``render(result, out, color, *, show_waived, omit_suppressed) -> None``. ``show_waived`` lists
waived findings in the human output; ``omit_suppressed`` leaves them out of SARIF (where they
are otherwise results with a suppression). Reporters that have no use for one ignore it.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~3 ms)
if TYPE_CHECKING:
    from typing import Protocol, TextIO

    from packwarden.api import CheckResult

    class Reporter(Protocol):
        def __call__(
            self,
            result: CheckResult,
            out: TextIO,
            color: bool,
            *,
            show_waived: bool = False,
            omit_suppressed: bool = False,
        ) -> None: ...


REPORTERS = ("text", "json", "sarif", "github", "gitlab", "junit")


def get_reporter(name: str) -> Reporter:
    """The reporter called ``name``; an unknown name is a UsageError (exit 2)."""
    # each module is imported only when asked for: the hook's path loads ``text`` alone
    if name == "text":
        from packwarden.report.text import render
    elif name == "json":
        from packwarden.report.json import render
    elif name == "sarif":
        from packwarden.report.sarif import render
    elif name == "github":
        from packwarden.report.github import render
    elif name == "gitlab":
        from packwarden.report.gitlab import render
    elif name == "junit":
        from packwarden.report.junit import render
    else:
        from packwarden.model.errors import UsageError

        raise UsageError(f"unknown output format {name!r}; one of {', '.join(REPORTERS)}")
    return render
