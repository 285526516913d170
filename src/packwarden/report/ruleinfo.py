"""What the CI formats say about a rule: its documentation, default severity and docs page."""

from __future__ import annotations

from collections.abc import Mapping

from packwarden.model import builtin_rules as R
from packwarden.model.finding import Finding, Severity
from packwarden.model.policy import EffectivePolicy
from packwarden.model.record import Record
from packwarden.model.rule import RuleDoc

# Where packwarden lives. The docs use this placeholder for its git URL too; a public home
# changes this one line, and every helpUri and informationUri follows.
PROJECT_URL = "https://example.invalid/packwarden"
DOCS_URL = f"{PROJECT_URL}/blob/main/docs/rules"


class RuleInfo(Record):
    id: str
    severity: Severity
    pack: str
    doc: RuleDoc = RuleDoc()
    fix: str = ""
    help_uri: str = ""  # empty: no generated page documents it (a team's own pack)


def anchor(rule_id: str) -> str:
    """The anchor GitHub gives the heading ``## `rule.id` ``: lower case, without the
    characters it drops (anything but letters, digits, ``-``, ``_`` and spaces)."""
    kept = "".join(ch for ch in rule_id.lower() if ch.isalnum() or ch in "-_ ")
    return kept.replace(" ", "-")


def _builtin_packs() -> frozenset[str]:
    from packwarden.packs import builtin

    return frozenset(builtin.builtin_refs())


def rule_infos(policy: EffectivePolicy, findings: tuple[Finding, ...]) -> list[RuleInfo]:
    """One entry per rule that ``findings`` name, in order of first appearance by rule id."""
    by_id = {rule.id: rule for rule in policy.rules}
    packs = _builtin_packs()
    infos: dict[str, RuleInfo] = {}
    for finding in sorted(findings, key=lambda f: f.rule):
        if finding.rule in infos:
            continue
        rule = by_id.get(finding.rule)
        builtin = R.of(finding)
        if rule is not None:
            page = f"{DOCS_URL}/{rule.pack}.md#{anchor(rule.id)}" if rule.pack in packs else ""
            info = RuleInfo(rule.id, rule.severity, rule.pack, rule.doc, rule.fix, page)
        elif builtin is not None:
            page = f"{DOCS_URL}/builtin.md#{anchor(builtin.id)}"
            info = RuleInfo(builtin.id, policy.severity_of(builtin), finding.pack, builtin.doc, "", page)
        else:  # a rule outside the policy's list (none today): what the finding says of it
            info = RuleInfo(finding.rule, finding.severity, finding.pack)
        infos[finding.rule] = info
    return list(infos.values())


def help_markdown(info: RuleInfo) -> str:
    """The rule's documentation as markdown: summary, why, bad and good examples, fix."""
    parts = [info.doc.summary or f"Rule `{info.id}` of {info.pack}."]
    if info.doc.why:
        parts.append(f"**Why it matters.** {info.doc.why}")
    if info.doc.bad:
        parts.append(f"**Bad**\n\n```yaml\n{info.doc.bad.rstrip()}\n```")
    if info.doc.good:
        parts.append(f"**Good**\n\n```yaml\n{info.doc.good.rstrip()}\n```")
    if info.fix:
        parts.append(f"**Fix.** {info.fix}")
    if info.help_uri:
        parts.append(f"[Documentation]({info.help_uri})")
    return "\n\n".join(parts)


def help_text(info: RuleInfo) -> str:
    parts = [info.doc.summary or f"Rule {info.id} of {info.pack}."]
    if info.doc.why:
        parts.append(f"Why it matters: {info.doc.why}")
    if info.doc.bad:
        parts.append("Bad:\n" + _indented(info.doc.bad))
    if info.doc.good:
        parts.append("Good:\n" + _indented(info.doc.good))
    if info.fix:
        parts.append(f"Fix: {info.fix}")
    return "\n\n".join(parts)


def _indented(text: str) -> str:
    return "\n".join(f"    {line}" for line in text.rstrip().splitlines())


def unwaived(findings: tuple[Finding, ...], waived: Mapping[Finding, object]) -> list[Finding]:
    """The findings no waiver covers (``waived``: the verdict's mapping), in report order."""
    return [finding for finding in findings if finding not in waived]
