"""The central baseline holds: what repository packs and a pack choice cannot weaken.

Config overrides are refused line by line (``packs.overrides``). A repository pack can weaken a
rule in other ways: replace it with a narrower one, lower it in ``enforcement.severities``,
narrow the artifact globs it applies to, lower the mode, or be selected instead of the pack the
central project chose. So the policy is also compared with its central baseline (the project's
pack, or the central and built-in packs of the chain, with the project's overrides): every rule
the governance protects keeps at least its baseline definition, severity and globs, and each
difference that had to be undone is a ``config.override-refused`` finding.
"""

from __future__ import annotations

from packwarden.load.document import Mark
from packwarden.model import builtin_rules as R
from packwarden.model.finding import Finding, Severity
from packwarden.packs.fold import Fold
from packwarden.packs.governance import Governance


def restore(fold: Fold, baseline: Fold, governance: Governance, where: tuple[str, Mark]) -> list[Finding]:
    """Undo every weakening of a protected baseline rule in ``fold``; the findings that say so."""
    refused: list[Finding] = []

    def say(what: str, reason: str) -> None:
        message = f"override refused: {what}; {reason}; the central setting applies"
        fix = "keep the central rule as it is, or ask the owners of the central policy"
        refused.append(Finding(R.CONFIG_OVERRIDE_REFUSED.id, Severity.ERROR, message, where[0], *where[1], fix=fix))

    kinds: set[str] = set()
    for rule_id, rule in baseline.rules.items():
        reason = governance.refuse_redefine(rule_id)
        if reason is None:
            continue
        kinds.update(rule.applies_to or baseline.artifacts)
        now = fold.rules.get(rule_id)
        by = fold.origins.get(f"rule:{rule_id}", "another layer")
        if now is None:
            say(f"{rule_id} is missing from the selected packs", reason)
        elif now._replace(severity=rule.severity) != rule:
            say(f"{rule_id} is redefined by {by}", reason)
        elif now.severity.rank < rule.severity.rank:
            by = fold.origins.get(f"severity:{rule_id}", by)
            say(f"{rule_id} is lowered to {now.severity.value} by {by}", reason)
        else:
            continue
        severity = rule.severity if now is None or now.severity.rank < rule.severity.rank else now.severity
        fold.rules[rule_id] = rule._replace(severity=severity)
        fold.origins[f"rule:{rule_id}"] = baseline.origins.get(f"rule:{rule_id}", governance.layer)
        fold.origins[f"severity:{rule_id}"] = baseline.origins.get(f"severity:{rule_id}", governance.layer)
    for kind in sorted(kinds):
        wanted = baseline.artifacts.get(kind, ())
        now_globs = fold.artifacts.get(kind, ())
        if not set(wanted) <= set(now_globs):
            by = fold.origins.get(f"artifacts:{kind}", "another layer")
            say(f"the {kind} globs are narrowed by {by}", f"protected rules apply to {kind}")
            fold.artifacts[kind] = (*now_globs, *(glob for glob in wanted if glob not in now_globs))
    if baseline.mode == "block" and fold.mode != "block" and governance.refuse_mode("block", fold.mode):
        say(
            f"mode {fold.mode} set by {fold.origins.get('mode', 'another layer')}",
            str(governance.refuse_mode("block", fold.mode)),
        )
        fold.mode, fold.origins["mode"] = "block", baseline.origins.get("mode", governance.layer)
    return refused
