"""The central baseline holds: what repository packs and a pack choice cannot weaken.

Config overrides are refused line by line (``packs.overrides``). A repository pack can weaken a
rule in other ways: replace it with a narrower one, lower it in ``enforcement.severities``,
narrow the artifact globs it applies to, widen the globs of a kind ahead of them (the first kind
whose globs match a file takes it), lower the mode, raise ``fail_on`` over it, lower a built-in
rule, or be selected instead of the pack the central project chose. So the policy is also
compared with its central baseline (the project's pack, or the central and built-in packs of the
chain, with the project's overrides): every rule the governance protects keeps at least its
baseline definition, severity and globs, and each difference that had to be undone is a
``config.override-refused`` finding.
"""

from __future__ import annotations

from collections.abc import Callable

from packwarden.load.document import Mark
from packwarden.model import builtin_rules as R
from packwarden.model.finding import Finding, Severity
from packwarden.model.kinds import spec_of
from packwarden.packs.fold import Fold
from packwarden.packs.governance import Governance

Say = Callable[[str, str], None]


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
    _ahead(fold, baseline, kinds, say)
    _builtins(fold, baseline, governance, say)
    _fail_on(fold, baseline, governance, say)
    if baseline.mode == "block" and fold.mode != "block" and governance.refuse_mode("block", fold.mode):
        say(
            f"mode {fold.mode} set by {fold.origins.get('mode', 'another layer')}",
            str(governance.refuse_mode("block", fold.mode)),
        )
        fold.mode, fold.origins["mode"] = "block", baseline.origins.get("mode", governance.layer)
    return refused


def _ahead(fold: Fold, baseline: Fold, kinds: set[str], say: Say) -> None:
    """A file (or folder) belongs to the first kind of its shape whose globs match it, so globs
    another layer added to a kind ahead of a protected one could take its files away: those
    globs are dropped."""
    order = list(fold.artifacts)
    for kind in sorted(kinds, key=lambda k: order.index(k) if k in order else len(order)):
        if kind not in order:
            continue
        shape = spec_of(kind).shape
        for earlier in order[: order.index(kind)]:
            if spec_of(earlier).shape != shape:
                continue
            allowed = baseline.artifacts.get(earlier, ())
            extra = [glob for glob in fold.artifacts[earlier] if glob not in allowed]
            if extra:
                by = fold.origins.get(f"artifacts:{earlier}", "another layer")
                say(
                    f"the {earlier} globs {', '.join(extra)} added by {by}",
                    f"{earlier} comes before {kind}, which protected rules apply to, and could take its files",
                )
                fold.artifacts[earlier] = tuple(glob for glob in fold.artifacts[earlier] if glob in allowed)


def _builtins(fold: Fold, baseline: Fold, governance: Governance, say: Say) -> None:
    """packwarden's own rules that packs may adjust (``parse.*``, ``path.*``) keep their baseline
    severity when protected: a repository pack's ``enforcement.severities`` cannot lower them."""
    for rule_id, builtin in R.BY_ID.items():
        reason = governance.refuse_redefine(rule_id) if builtin.adjustable else None
        wanted, now = baseline.severity(rule_id), fold.severity(rule_id)
        if reason is None or wanted is None or now is None or now.rank >= wanted.rank:
            continue
        by = fold.origins.get(f"severity:{rule_id}", "another layer")
        say(f"{rule_id} is lowered to {now.value} by {by}", reason)
        fold.set_severity(rule_id, wanted, baseline.origins.get(f"severity:{rule_id}", governance.layer))


def _fail_on(fold: Fold, baseline: Fold, governance: Governance, say: Say) -> None:
    """A higher ``fail_on`` than the baseline's lets findings of protected rules pass that the
    baseline blocks on (at strict mode): refused when it does that to a protected rule."""
    if fold.fail_on.rank <= baseline.fail_on.rank:
        return
    for rule_id, rule in sorted(fold.rules.items()):
        reason = governance.refuse_redefine(rule_id) if rule_id in baseline.rules else None
        if reason is not None and baseline.fail_on.rank <= rule.severity.rank < fold.fail_on.rank:
            by = fold.origins.get("fail_on", "another layer")
            say(f"fail_on {fold.fail_on.value} set by {by} lets {rule_id} pass", reason)
            fold.fail_on, fold.origins["fail_on"] = baseline.fail_on, baseline.origins.get("fail_on", governance.layer)
            return
