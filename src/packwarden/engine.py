"""The engine: effective policy x loaded artifacts -> findings. Pure: it never prints."""

from __future__ import annotations

from collections.abc import Iterable

from packwarden.artifacts.kinds import Artifact
from packwarden.checks import CheckKind, kinds_for
from packwarden.checks.fieldpath import Resolution, resolve
from packwarden.checks.target import Hit, Target, show
from packwarden.load.document import Document, PosDict
from packwarden.model import builtin_rules as R
from packwarden.model.finding import Finding, Severity
from packwarden.model.pattern import PatternTimeout
from packwarden.model.policy import EffectivePolicy
from packwarden.model.rule import Rule


def _message(rule: Rule, hit: Hit) -> str:
    if not rule.message:
        return hit.message
    if "{field}" in rule.message or "{value}" in rule.message:
        return rule.message.replace("{field}", hit.field).replace("{value}", show(hit.value))
    return f"{rule.message} ({hit.detail})" if hit.detail else rule.message


def _finding(rule: Rule, hit: Hit, artifact: Artifact) -> Finding:
    metadata = {"field": hit.field} if hit.field else {}
    return Finding(
        rule.id,
        rule.severity,
        _message(rule, hit),
        artifact.path,
        hit.line,
        hit.column,
        rule.pack,
        rule.fix,
        artifact.kind,
        metadata,
    )


def _timeout(rule: Rule, artifact: Artifact) -> Finding:
    message = f"rule {rule.id}: pattern timed out on {artifact.path}; the file was not checked by it"
    return Finding(
        R.PACK_REGEX_TIMEOUT.id,
        Severity.ERROR,
        message,
        rule.source or rule.pack,
        rule.line,
        rule.column,
        rule.pack,
        "simplify the pattern: avoid nested quantifiers and back-references",
        artifact.kind,
    )


def builtin_finding(
    policy: EffectivePolicy,
    rule: R.BuiltinRule,
    message: str,
    path: str,
    line: int = 1,
    column: int = 1,
    kind: str = "",
) -> Finding:
    return Finding(
        rule.id,
        policy.severity_of(rule),
        message,
        path,
        line,
        column,
        "packwarden",
        _BUILTIN_FIX.get(rule.id, ""),
        kind,
    )


_BUILTIN_FIX = {
    R.PARSE_ANCHOR.id: "write the repeated value out in full",
    R.PARSE_DUPLICATE_KEY.id: "keep one of the keys",
    R.PARSE_TAG.id: "remove the tag; write the value as plain YAML",
    R.PATH_SYMLINK.id: "commit the file itself rather than a link to it",
    R.PATH_OUTSIDE_REPO.id: "replace the link with a file inside the repository",
    R.PARSE_ROOT.id: "write the manifest as a mapping: 'name: ...' on the top level",
}


Plan = tuple[tuple[Rule, tuple[CheckKind, ...]], ...]
_PLANS: dict[str, tuple[tuple[Rule, ...], Plan]] = {}


def _plan(rules: tuple[Rule, ...], kind: str) -> Plan:
    """The rules that apply to one artifact kind, with their check kinds: worked out once per
    rule set and kind, not once per file (the last rule set seen is kept, by identity)."""
    known = _PLANS.get(kind)
    if known is not None and known[0] is rules:
        return known[1]
    plan = tuple((rule, kinds_for(rule.params)) for rule in rules if rule.applies(kind))
    _PLANS[kind] = (rules, plan)
    return plan


def check_document(
    policy: EffectivePolicy, artifact: Artifact, document: Document, rules: Iterable[Rule] | None = None
) -> list[Finding]:
    """Every finding of the policy's rules for one loaded artifact."""
    findings = [
        builtin_finding(policy, p.rule, p.message, artifact.path, p.line, p.column, artifact.kind)
        for p in document.problems
    ]
    if document.problems:
        return findings
    data = document.data
    is_mapping = isinstance(data, PosDict)
    if not is_mapping:
        what = "the file is empty" if data is None else f"the top level is {show(data)}, not a mapping"
        findings.append(builtin_finding(policy, R.PARSE_ROOT, what, artifact.path, kind=artifact.kind))
    resolutions: dict[str, Resolution] = {}
    for rule, kinds in _plan(policy.rules if rules is None else tuple(rules), artifact.kind):
        if rule.field is not None and not is_mapping:
            continue
        resolution = None
        if rule.field is not None:
            resolution = resolutions.get(rule.field)
            if resolution is None:
                resolution = resolutions[rule.field] = resolve(data, rule.field)
        target = Target(artifact.kind, document.text, data, resolution)
        try:
            for kind in kinds:
                findings.extend(_finding(rule, hit, artifact) for hit in kind.check(rule, target))
        except PatternTimeout:
            findings.append(_timeout(rule, artifact))
    return findings
