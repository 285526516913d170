"""GitHub Actions workflow commands (``--format github``; the default when ``GITHUB_ACTIONS=true``).

One ``::error file=F,line=L,col=C,title=RULE::message`` per finding no waiver covers
(``::warning`` for warnings, ``::notice`` for info), then the summary line. GitHub shows at
most 10 annotations of each type per step and drops the rest without a word, so the most
severe come first (block before error, then by path and line). When ``$GITHUB_STEP_SUMMARY``
names a file, the full table of findings is appended to it as markdown: every finding is
somewhere a reviewer can read it.
"""

from __future__ import annotations

import os

from packwarden.model.finding import Finding, Severity
from packwarden.report.ruleinfo import unwaived
from packwarden.report.styled import undecodable_escaped, write_lines
from packwarden.report.text import summary_line

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~3 ms)
if TYPE_CHECKING:
    from typing import TextIO

    from packwarden.api import CheckResult

COMMANDS = {Severity.BLOCK: "error", Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}
SUMMARY_ENV = "GITHUB_STEP_SUMMARY"


def escape_data(text: str) -> str:
    """A command's message, as the runner reads it back (``%``, CR and LF percent-encoded)."""
    return undecodable_escaped(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A property value: the data escapes, and ``:`` and ``,``, which end a value."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def most_severe_first(findings: list[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (-f.severity.rank, f.sort_key))


def command(finding: Finding) -> str:
    properties = ",".join(
        f"{key}={escape_property(value)}"
        for key, value in (
            ("file", finding.path),
            ("line", str(finding.line)),
            ("col", str(finding.column)),
            ("title", finding.rule),
        )
    )
    message = f"{finding.severity.value}: {finding.message}" + (f" (fix: {finding.fix})" if finding.fix else "")
    return f"::{COMMANDS[finding.severity]} {properties}::{escape_data(message)}"


def _cell(text: str) -> str:
    shown = undecodable_escaped(text).replace("\\", "\\\\").replace("|", "\\|")
    return " ".join(shown.split())  # a table cell is one line


def summary_markdown(result: CheckResult, findings: list[Finding]) -> str:
    """The findings as a markdown table, most severe first, and the verdict."""
    verdict = "".join(text for text, _ in summary_line(result))
    lines = ["## packwarden", "", _cell(verdict), ""]
    if findings:
        lines += ["| severity | location | rule | message |", "|---|---|---|---|"]
        for f in findings:
            where = f"`{_cell(f.path)}:{f.line}:{f.column}`"
            lines.append(f"| {f.severity.value} | {where} | `{f.rule}` | {_cell(f.message)} |")
    return "\n".join(lines) + "\n\n"


def render(
    result: CheckResult, out: TextIO, color: bool, *, show_waived: bool = False, omit_suppressed: bool = False
) -> None:
    findings = most_severe_first(unwaived(result.findings, result.verdict.waived))
    out.write("".join(command(f) + "\n" for f in findings))
    write_lines([summary_line(result)], out, False)
    target = os.environ.get(SUMMARY_ENV)
    if target:
        # appended, as GitHub asks: other steps and jobs write to the same file
        try:
            with open(target, "a", encoding="utf-8") as summary:
                summary.write(summary_markdown(result, findings))
        except OSError as exc:
            from packwarden.model.errors import UsageError

            raise UsageError(f"cannot append to ${SUMMARY_ENV} ({target}): {exc.strerror}") from None
