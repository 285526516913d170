"""Rule documentation as lines: for `explain` and for the generated docs/rules pages."""

from __future__ import annotations

from packwarden.checks import CHECKS
from packwarden.model import builtin_rules as R
from packwarden.model.policy import EffectivePolicy
from packwarden.model.rule import Rule, RuleDoc
from packwarden.report.policy import checks_text
from packwarden.report.styled import Line


def _example(title: str, text: str, style: str) -> list[Line]:
    if not text:
        return []
    return [[(title, "bold")]] + [[(f"    {line}", style)] for line in text.splitlines()]


def doc_lines(rule_id: str, header: str, doc: RuleDoc, extra: list[Line]) -> list[Line]:
    lines: list[Line] = [[(rule_id, "bold magenta"), (f"  {header}", "dim")]]
    if doc.summary:
        lines.append([(doc.summary, "")])
    lines.extend(extra)
    if doc.why:
        lines += [[("why it matters:", "bold")], [(f"    {doc.why}", "")]]
    lines += _example("bad:", doc.bad, "red") + _example("good:", doc.good, "green")
    return lines


def rule_lines(rule: Rule) -> list[Line]:
    extra: list[Line] = [[("checks: ", "bold"), (checks_text(rule), "")]]
    if rule.fix:
        extra.append([("fix: ", "bold"), (rule.fix, "green")])
    header = f"{rule.severity.value} · {rule.pack} · applies to {', '.join(rule.applies_to) or 'every kind'}"
    return doc_lines(rule.id, header, rule.doc, extra)


def explain_lines(rule_id: str, policy: EffectivePolicy) -> list[Line] | None:
    for rule in policy.rules:
        if rule.id == rule_id:
            return rule_lines(rule)
    if rule_id in R.BY_ID:
        builtin = R.BY_ID[rule_id]
        header = f"{policy.severity_of(builtin).value} · built into packwarden"
        return doc_lines(rule_id, header, builtin.doc, [])
    if rule_id in CHECKS:
        return [[(rule_id, "bold magenta"), ("  check kind", "dim")]] + [
            [(line, "")] for line in CHECKS[rule_id].doc.splitlines()
        ]
    return None


def known_ids(policy: EffectivePolicy) -> list[str]:
    return [rule.id for rule in policy.rules] + list(R.BY_ID) + list(CHECKS)
