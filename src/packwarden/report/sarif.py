"""SARIF 2.1.0, as GitHub code scanning reads it (``--format sarif``).

One run: ``tool.driver`` names packwarden and lists the rules the findings name (summary, help
with the why and the bad and good examples, a link to the rule's page under docs/rules/, the
default level); each finding is a result at its path relative to ``%SRCROOT%``, with its line
and column and ``partialFingerprints["packwarden/v1"]``, the finding's line-independent
fingerprint, so an alert follows its finding when lines move. A waived finding is a result with
an external suppression carrying the waiver's reason; ``omit_suppressed`` leaves it out
(GitHub shows suppressed results as open alerts).
"""

from __future__ import annotations

from urllib.parse import quote

from packwarden.model.finding import Finding, Severity
from packwarden.model.version import VERSION
from packwarden.report.json import dump
from packwarden.report.ruleinfo import PROJECT_URL, RuleInfo, help_markdown, help_text, rule_infos

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~3 ms)
if TYPE_CHECKING:
    from typing import TextIO

    from packwarden.api import CheckResult
    from packwarden.model.waiver import Waiver

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT_KEY = "packwarden/v1"
LEVELS = {Severity.BLOCK: "error", Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def uri(path: str) -> str:
    """A relative URI reference for ``path``: its exact bytes, percent-encoded (a space, ``#``,
    ``%`` or a byte that is not UTF-8 cannot stand in a URI as it is)."""
    return quote(path.encode("utf-8", "surrogateescape"), safe="/")


def _rule(info: RuleInfo) -> dict[str, object]:
    data: dict[str, object] = {
        "id": info.id,
        "shortDescription": {"text": info.doc.summary or info.id},
        "help": {"text": help_text(info), "markdown": help_markdown(info)},
        "defaultConfiguration": {"level": LEVELS[info.severity]},
        "properties": {"pack": info.pack, "severity": info.severity.value},
    }
    if info.doc.why:
        data["fullDescription"] = {"text": info.doc.why}
    if info.help_uri:
        data["helpUri"] = info.help_uri
    return data


def _result(finding: Finding, index: int, waiver: Waiver | None) -> dict[str, object]:
    message = finding.message + (f" Fix: {finding.fix}" if finding.fix else "")
    data: dict[str, object] = {
        "ruleId": finding.rule,
        "ruleIndex": index,
        "level": LEVELS[finding.severity],
        "message": {"text": message},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": uri(finding.path), "uriBaseId": "%SRCROOT%"},
                    "region": {"startLine": max(finding.line, 1), "startColumn": max(finding.column, 1)},
                }
            }
        ],
        "partialFingerprints": {FINGERPRINT_KEY: finding.fingerprint},
        "properties": {"severity": finding.severity.value, "pack": finding.pack},
    }
    if waiver is not None:
        data["suppressions"] = [
            {
                "kind": "external",
                "status": "accepted",
                "justification": waiver.reason,
                "properties": {"owner": waiver.owner, "expires": waiver.expires, "source": waiver.source},
            }
        ]
    return data


def as_data(result: CheckResult, *, omit_suppressed: bool = False) -> dict[str, object]:
    waived = result.verdict.waived
    findings = tuple(f for f in result.findings if not (omit_suppressed and f in waived))
    infos = rule_infos(result.policy, findings)
    index = {info.id: i for i, info in enumerate(infos)}
    driver = {
        "name": "packwarden",
        "version": VERSION,
        "semanticVersion": VERSION,
        "informationUri": PROJECT_URL,
        "rules": [_rule(info) for info in infos],
    }
    run = {
        "tool": {"driver": driver},
        "columnKind": "unicodeCodePoints",
        "results": [_result(f, index[f.rule], waived.get(f)) for f in findings],
        "properties": {"packs": list(result.policy.packs), "mode": result.policy.mode},
    }
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}


def render(
    result: CheckResult, out: TextIO, color: bool, *, show_waived: bool = False, omit_suppressed: bool = False
) -> None:
    dump(as_data(result, omit_suppressed=omit_suppressed), out)
