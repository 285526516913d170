"""JUnit XML (``--format junit``): for CI test-report views (GitLab's, Jenkins', ...).

``<testsuites>`` holds one ``<testsuite name="packwarden">``; each artifact unit (path) and
rule with findings is a ``<testcase classname=PATH name=RULE>``. Findings no waiver covers
make it fail: one ``<failure>`` whose text lists them, ``path:line:col: severity rule message``.
A case whose findings are all waived is ``<skipped>``, with the waivers' reasons. A run without
findings has one passing case, so the report is never empty. Counts are on both elements.
"""

from __future__ import annotations

from xml.etree import ElementTree as ET

from packwarden.report.styled import undecodable_escaped

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~3 ms)
if TYPE_CHECKING:
    from typing import TextIO

    from packwarden.api import CheckResult
    from packwarden.model.finding import Finding


def _xml_text(text: str) -> str:
    """XML 1.0 cannot hold most control characters, nor lone surrogates: they are escaped."""
    shown = undecodable_escaped(text)
    return "".join(ch if ch in "\t\n\r" or ch >= " " else f"\\x{ord(ch):02x}" for ch in shown)


def _line(finding: Finding) -> str:
    return f"{finding.path}:{finding.line}:{finding.column}: {finding.severity.value} {finding.rule} {finding.message}"


def as_xml(result: CheckResult) -> ET.Element:
    waived = result.verdict.waived
    cases: dict[tuple[str, str], list[Finding]] = {}
    for finding in sorted(result.findings, key=lambda f: (f.path, f.rule, f.sort_key)):
        cases.setdefault((finding.path, finding.rule), []).append(finding)
    suite = ET.Element("testsuite", name="packwarden")
    failures = skipped = 0
    for (path, rule), findings in cases.items():
        case = ET.SubElement(suite, "testcase", classname=_xml_text(path), name=_xml_text(rule))
        open_findings = [f for f in findings if f not in waived]
        if open_findings:
            failures += 1
            worst = max(open_findings, key=lambda f: f.severity.rank)
            failure = ET.SubElement(
                case, "failure", message=_xml_text(_line(open_findings[0])), type=worst.severity.value
            )
            failure.text = _xml_text("\n".join(_line(f) for f in open_findings))
        else:
            skipped += 1
            reasons = "; ".join(sorted({waived[f].reason for f in findings}))
            ET.SubElement(case, "skipped", message=_xml_text(f"waived: {reasons}"))
    if not cases:
        ET.SubElement(suite, "testcase", classname="packwarden", name=f"{result.files} file(s) checked")
    tests = max(len(cases), 1)
    counts = {"tests": str(tests), "failures": str(failures), "errors": "0", "skipped": str(skipped)}
    suite.attrib.update(counts)
    root = ET.Element("testsuites", {"name": "packwarden", **counts})
    root.append(suite)
    return root


def render(
    result: CheckResult, out: TextIO, color: bool, *, show_waived: bool = False, omit_suppressed: bool = False
) -> None:
    root = as_xml(result)
    ET.indent(root)
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    # ASCII with character references: valid whatever the output's encoding
    out.write(ET.tostring(root, encoding="us-ascii", xml_declaration=False).decode("ascii"))
    out.write("\n")
