"""GitLab Code Quality JSON (``--format gitlab``): the report the merge-request widget reads.

A JSON array with one issue per finding no waiver covers: ``description``, ``check_name`` (the
rule id), ``fingerprint``, ``severity``, ``location.path`` and ``location.lines.begin``.
GitLab drops issues whose fingerprints repeat, so each is the SHA-256 of the finding's
line-independent fingerprint and how many findings before it in this report share it.
Severities map ``info`` -> ``info``, ``warning`` -> ``minor``, ``error`` -> ``major``,
``block`` -> ``blocker``.
"""

from __future__ import annotations

import hashlib

from packwarden.model.finding import Severity
from packwarden.report.json import dump
from packwarden.report.ruleinfo import unwaived

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~3 ms)
if TYPE_CHECKING:
    from typing import TextIO

    from packwarden.api import CheckResult

SEVERITIES = {Severity.INFO: "info", Severity.WARNING: "minor", Severity.ERROR: "major", Severity.BLOCK: "blocker"}


def as_data(result: CheckResult) -> list[dict[str, object]]:
    seen: dict[str, int] = {}
    issues: list[dict[str, object]] = []
    for finding in unwaived(result.findings, result.verdict.waived):
        occurrence = seen.get(finding.fingerprint, 0)
        seen[finding.fingerprint] = occurrence + 1
        digest = hashlib.sha256(f"{finding.fingerprint}\0{occurrence}".encode("ascii")).hexdigest()
        issues.append(
            {
                "type": "issue",
                "description": f"{finding.message} ({finding.rule})",
                "check_name": finding.rule,
                "fingerprint": digest,
                "severity": SEVERITIES[finding.severity],
                "categories": ["Style"],
                "location": {"path": finding.path, "lines": {"begin": max(finding.line, 1)}},
            }
        )
    return issues


def render(
    result: CheckResult, out: TextIO, color: bool, *, show_waived: bool = False, omit_suppressed: bool = False
) -> None:
    dump(as_data(result), out)
