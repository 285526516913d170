"""The engine: effective policy x loaded artifact units -> findings. Pure: it never prints.

Document checks see one loaded file at a time (a manifest, each markdown file of a protocol
run, a registry's index); unit checks (``SCOPE = "unit"``) see a whole unit with all its
members. A registry unit's manifests are only read for its unit checks: they are checked,
and their read problems reported, as units of their own kind.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType

from packwarden.artifacts.kinds import Artifact
from packwarden.artifacts.units import Unit
from packwarden.checks import CheckKind, kinds_for, skip_kinds
from packwarden.checks.fieldpath import Resolution, resolve
from packwarden.checks.target import Hit, Target, UnitTarget, show
from packwarden.load.document import Document, PosDict
from packwarden.model import builtin_rules as R
from packwarden.model.finding import BUILTIN_PACK, Finding, Severity
from packwarden.model.kinds import spec_of
from packwarden.model.pattern import BUDGET_SECONDS, Budget, PatternTimeout
from packwarden.model.policy import EffectivePolicy
from packwarden.model.rule import Rule

MAX_FINDINGS_PER_RULE = 50  # per file, or per unit for a unit check; the rest are counted in one more finding
_NO_METADATA: MappingProxyType[str, str] = MappingProxyType({})


def _message(rule: Rule, hit: Hit) -> str:
    if not rule.message:
        return hit.message
    if "{field}" in rule.message or "{value}" in rule.message:
        return rule.message.replace("{field}", hit.field).replace("{value}", show(hit.value))
    return f"{rule.message} ({hit.detail})" if hit.detail else rule.message


def _finding(rule: Rule, hit: Hit, artifact: Artifact) -> Finding:
    return Finding(
        rule=rule.id,
        severity=rule.severity,
        message=_message(rule, hit),
        path=hit.path or artifact.path,
        line=hit.line,
        column=hit.column,
        pack=rule.pack,
        fix=hit.fix or rule.fix,
        scope=artifact.kind,
        metadata=_metadata(hit),
    )


def _metadata(hit: Hit) -> MappingProxyType[str, str]:
    if not hit.metadata:
        return MappingProxyType({"field": hit.field}) if hit.field else _NO_METADATA
    return MappingProxyType({**({"field": hit.field} if hit.field else {}), **dict(hit.metadata)})


def _occurrence(finding: Finding, seen: dict[tuple[str, str], int]) -> Finding:
    """The finding, numbered when another of its rule already stood at the same place in the
    same file: two findings of one rule on one field get two fingerprints."""
    key = (finding.path, finding.about)
    count = seen[key] = seen.get(key, 0) + 1
    if count == 1:
        return finding
    return finding._replace(metadata=MappingProxyType({**finding.metadata, "occurrence": str(count)}))


def _more(rule: Rule, first: Hit, count: int, artifact: Artifact) -> Finding:
    """Stands for the ``count`` findings past the cap, at the first of them, as severe as they are."""
    noun = "finding" if count == 1 else "findings"
    where = "this file" if not first.path or first.path == artifact.path else artifact.path
    return _finding(rule, first, artifact)._replace(
        message=f"and {count} more {noun} of this rule in {where}",
        metadata=MappingProxyType({"omitted": str(count)}),
    )


def _timeout(rule: Rule, artifact: Artifact) -> Finding:
    """packwarden's own finding against the pack rule whose patterns used up their budget."""
    return Finding(
        rule=R.PACK_REGEX_TIMEOUT.id,
        severity=Severity.ERROR,
        message=f"rule {rule.id}: pattern timed out on {artifact.path}; the rest of the file was not checked by it",
        path=rule.source or rule.pack,
        line=rule.line,
        column=rule.column,
        pack=BUILTIN_PACK,
        fix="simplify the pattern: avoid nested quantifiers and back-references",
        scope=artifact.kind,
        metadata=MappingProxyType({"rule": rule.id, "rule_pack": rule.pack}),
    )


def builtin_finding(
    policy: EffectivePolicy,
    rule: R.BuiltinRule,
    message: str,
    path: str,
    line: int = 1,
    column: int = 1,
    kind: str = "",
    fix: str = "",
) -> Finding:
    return Finding(
        rule=rule.id,
        severity=policy.severity_of(rule),
        message=message,
        path=path,
        line=line,
        column=column,
        pack=BUILTIN_PACK,
        fix=fix or _BUILTIN_FIX.get(rule.id, ""),
        scope=kind,
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
_PLANS: dict[str, tuple[tuple[Rule, ...], Plan, Plan]] = {}


def _plans(rules: tuple[Rule, ...], kind: str) -> tuple[Plan, Plan]:
    """The document rules and the unit rules that apply to one artifact kind, with their check
    kinds: worked out once per rule set and kind, not once per file (the last rule set seen is
    kept, by identity). The pack reader never lets one rule mix the two scopes."""
    known = _PLANS.get(kind)
    if known is not None and known[0] is rules:
        return known[1], known[2]
    planned = [(rule, kinds_for(rule.params)) for rule in rules if rule.applies(kind)]
    document = tuple(item for item in planned if not item[1] or item[1][0].scope != "unit")
    unit = tuple(item for item in planned if item[1] and item[1][0].scope == "unit")
    _PLANS[kind] = (rules, document, unit)
    return document, unit


def _check_rule(
    rule: Rule, kinds: tuple[CheckKind, ...], target: Target | UnitTarget, artifact: Artifact, findings: list[Finding]
) -> None:
    """One rule's findings on one file, at most MAX_FINDINGS_PER_RULE of them and then one that
    counts the rest; a pattern that runs out of time ends the rule with a timeout finding."""
    shown = omitted = 0
    first_omitted: Hit | None = None
    timed_out = False
    seen: dict[tuple[str, str], int] = {}  # (path, about) -> findings so far: see Finding.fingerprint
    try:
        for kind in kinds:
            for hit in kind.check(rule, target):  # type: ignore[arg-type]  # the scope decides the target
                if shown < MAX_FINDINGS_PER_RULE:
                    findings.append(_occurrence(_finding(rule, hit, artifact), seen))
                    shown += 1
                else:
                    if first_omitted is None:
                        first_omitted = hit
                    omitted += 1
    except PatternTimeout:
        timed_out = True
    if first_omitted is not None:
        findings.append(_more(rule, first_omitted, omitted, artifact))
    if timed_out:
        findings.append(_timeout(rule, artifact))


def check_document(
    policy: EffectivePolicy,
    artifact: Artifact,
    document: Document,
    rules: Iterable[Rule] | None = None,
    regex_seconds: float = BUDGET_SECONDS,
) -> list[Finding]:
    """Every finding of the policy's rules for one loaded artifact. Each rule's back-tracking
    patterns may spend ``regex_seconds`` on it in all (RE2 patterns are not limited)."""
    findings = [
        builtin_finding(policy, p.rule, p.message, artifact.path, p.line, p.column, artifact.kind, p.fix)
        for p in document.problems
    ]
    if document.problems:
        return findings
    data = document.data
    is_mapping = isinstance(data, PosDict)
    if not is_mapping and spec_of(artifact.kind).mapping:
        what = "the file is empty" if data is None else f"the top level is {show(data)}, not a mapping"
        findings.append(builtin_finding(policy, R.PARSE_ROOT, what, artifact.path, kind=artifact.kind))
    resolutions: dict[str, Resolution] = {}
    for rule, kinds in _plans(policy.rules if rules is None else tuple(rules), artifact.kind)[0]:
        if rule.field is not None and not is_mapping:
            continue
        if skip_kinds.KEY in rule.params and skip_kinds.skips(rule, data):
            continue  # a commit-message rule and a message kind it leaves out (a merge...)
        resolution = None
        if rule.field is not None:
            resolution = resolutions.get(rule.field)
            if resolution is None:
                resolution = resolutions[rule.field] = resolve(data, rule.field)
        target = Target(artifact.kind, document.text, data, resolution, Budget(regex_seconds))
        _check_rule(rule, kinds, target, artifact, findings)
    return findings


def check_unit(
    policy: EffectivePolicy,
    unit: Unit,
    documents: Mapping[str, Document | None],
    regex_seconds: float = BUDGET_SECONDS,
) -> list[Finding]:
    """Every finding of the policy's rules for one unit: its own documents' document rules,
    then its unit rules over every member. A member the unit only reads (a registry's
    manifests, a plugin's contract) is checked and reported by units of its own.
    ``documents``: each member that exists, by path (None: present but not parsed)."""
    findings: list[Finding] = []
    only_read = frozenset(unit.reads)  # a registry reads thousands: not a tuple scan per member
    for path, document in documents.items():
        if document is not None and path not in only_read:
            findings.extend(check_document(policy, Artifact(path, unit.kind), document, regex_seconds=regex_seconds))
    unit_rules = _plans(policy.rules, unit.kind)[1]
    if unit_rules:
        target = UnitTarget(unit.kind, unit.root, documents, Budget(regex_seconds))
        for rule, kinds in unit_rules:
            _check_rule(rule, kinds, target, Artifact(unit.root, unit.kind), findings)
    return findings
