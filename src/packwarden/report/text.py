"""Human output: ``path:line:col: severity rule message (pack)``, a fix hint, a summary."""

from __future__ import annotations

from packwarden.model.finding import Finding, Severity
from packwarden.report.styled import SEVERITY_STYLE, Line, safe, write_lines

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~3 ms)
if TYPE_CHECKING:
    from typing import TextIO

    from packwarden.api import CheckResult
    from packwarden.model.waiver import Waiver


def finding_lines(finding: Finding, waived_by: Waiver | None = None) -> list[Line]:
    location = f"{safe(finding.path)}:{finding.line}:{finding.column}:"
    line: Line = [
        (location, "bold"),
        (" ", ""),
        (finding.severity.value, SEVERITY_STYLE[finding.severity.value]),
        (" ", ""),
        (finding.rule, "magenta"),
        (" ", ""),
        (safe(finding.message), ""),
        (f" ({finding.pack})", "dim"),
    ]
    lines = [line]
    if waived_by is not None:
        until = f" until {waived_by.expires}" if waived_by.expires else ""
        where = f"{waived_by.source}:{waived_by.line}" if not waived_by.trailer else waived_by.source
        shown = f"by {where} (owner {waived_by.owner}{until}): {waived_by.reason}"
        lines.append([("    waived ", "cyan"), (safe(shown), "dim")])
    elif finding.fix:
        lines.append([("    fix: ", "dim"), (safe(finding.fix), "green")])
    return lines


def summary_line(result: CheckResult) -> Line:
    counts = result.verdict.counts
    parts = [
        f"{result.files} file{'s' if result.files != 1 else ''}",
        f"{len(result.policy.rules)} rules",
        f"{counts[Severity.BLOCK]} block",
        f"{counts[Severity.ERROR]} error",
        f"{counts[Severity.WARNING]} warning",
    ]
    if counts[Severity.INFO]:
        parts.append(f"{counts[Severity.INFO]} info")
    if result.verdict.waived:
        parts.append(f"{len(result.verdict.waived)} waived")
    mode = "strict" if result.policy.mode == "block" else "warn"
    if result.exit_code == 2:
        verdict, style = "the policy itself is broken", "bold red"
    elif result.verdict.blocking:
        verdict, style = f"blocked by {len(result.verdict.blocking)} finding(s) ({mode} mode)", "bold red"
    else:
        verdict, style = f"passed ({mode} mode)", "bold green"
    return [(" · ".join(parts), ""), (" — ", "dim"), (verdict, style)]


def render(
    result: CheckResult, out: TextIO, color: bool, *, show_waived: bool = False, omit_suppressed: bool = False
) -> None:
    """Every finding no waiver covers, then the summary; ``show_waived``: the covered ones too,
    each with the waiver (otherwise only counted, with how to list them)."""
    lines: list[Line] = []
    waived = result.verdict.waived
    for finding in result.findings:
        if finding not in waived:
            lines.extend(finding_lines(finding))
        elif show_waived:
            lines.extend(finding_lines(finding, waived[finding]))
    lines.append(summary_line(result))
    if waived and not show_waived:
        lines.append([(f"{len(waived)} waived finding(s) not shown; --show-waived lists them", "dim")])
    write_lines(lines, out, color)


def render_findings(findings: tuple[Finding, ...], out: TextIO, color: bool) -> None:
    """Findings alone: for errors in the policy, where there is no result to summarise."""
    lines: list[Line] = []
    for finding in findings:
        lines.extend(finding_lines(finding))
    write_lines(lines, out, color)
