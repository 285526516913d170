"""Human output: ``path:line:col: severity rule message (pack)``, a fix hint, a summary."""

from __future__ import annotations

from packwarden.model.finding import Finding, Severity
from packwarden.report.styled import SEVERITY_STYLE, Line, safe, write_lines

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~3 ms)
if TYPE_CHECKING:
    from typing import TextIO

    from packwarden.api import CheckResult


def finding_lines(finding: Finding) -> list[Line]:
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
    if finding.fix:
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
    mode = "strict" if result.policy.mode == "block" else "warn"
    if result.exit_code == 2:
        verdict, style = "the policy itself is broken", "bold red"
    elif result.verdict.blocking:
        verdict, style = f"blocked by {len(result.verdict.blocking)} finding(s) ({mode} mode)", "bold red"
    else:
        verdict, style = f"passed ({mode} mode)", "bold green"
    return [(" · ".join(parts), ""), (" — ", "dim"), (verdict, style)]


def render(result: CheckResult, out: TextIO, color: bool) -> None:
    lines: list[Line] = []
    for finding in result.findings:
        lines.extend(finding_lines(finding))
    lines.append(summary_line(result))
    write_lines(lines, out, color)


def render_findings(findings: tuple[Finding, ...], out: TextIO, color: bool) -> None:
    """Findings alone: for errors in the policy, where there is no result to summarise."""
    lines: list[Line] = []
    for finding in findings:
        lines.extend(finding_lines(finding))
    write_lines(lines, out, color)
