"""capability_decision: the pack's first decision that matches a declared capability judges it.

What it does: for each capability the manifest declares (``capabilities`` and
``entrypoints[*].capabilities``), finds the first of the pack's decisions whose ``when``
matches: ``capability`` (globs), ``risk_level`` (the risk it is judged at: the registry's,
the default risk for an id the registry does not know, or the manifest's own when that is
higher), ``kind`` (skill, agent) and ``permission`` (globs; a permission held where the
capability applies: anywhere in the manifest for a top-level capability, at the top level or
in its own entrypoint for an entrypoint's). Every condition given must hold; a list holds when
one of its items does. A rule stands for one decision (``capability_decision.decision``) and
reports each capability whose first match it is, naming the decision, its place in the list
and its condition; ``allow`` decisions compile into no rule, they only stop the search.
Decisions never change the manifest.

Why it matters: a capability is what a skill or agent may do at run time; which ones it may
have, and which need someone's approval, is the pack owners' call, made once, in order,
rather than by each reviewer.

Example:
    rule:  {id: capability.decision.deny-critical, applies_to: [skill, agent],
            capability_decision: {decision: deny-critical, default_risk: high,
              decisions: [{id: deny-critical, when: {risk_level: [critical]}, decision: deny}],
              registry: [{id: io.exec.shell, risk: critical}]}}
    bad:   capabilities: [io.exec.shell]
    good:  capabilities: [io.fs.read]
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from packwarden.checks.capabilities import (
    Declared,
    Held,
    Registry,
    declarations,
    glob_matches,
    held,
    in_scope,
    named,
    risk_source,
    spec_option,
)
from packwarden.checks.target import Hit, Target
from packwarden.load.document import PosDict
from packwarden.model.rule import Rule

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~3 ms)
if TYPE_CHECKING:
    from typing import Any

KEY = "capability_decision"
SPEC = ("decision", "decisions", "registry", "default_risk")
NEEDS_FIELD = False


OPTIONS = (spec_option(KEY, SPEC),)


def condition(when: Mapping[str, Any]) -> str:
    """A decision's ``when`` in words: ``risk_level high or critical, kind skill``."""
    return ", ".join(f"{key} {' or '.join(str(value) for value in values)}" for key, values in when.items())


def _capability_matches(glob: str, declared: Declared) -> bool:
    if declared.capability is None:
        return set(glob) == {"*"}  # only a catch-all names what names no id
    return glob_matches(glob, declared.capability)


def matches(when: Mapping[str, Any], declared: Declared, risk: str, kind: str, permissions: list[Held]) -> bool:
    """Whether every condition of ``when`` holds for one declaration."""
    for key, values in when.items():
        if key == "capability":
            holds = any(_capability_matches(str(glob), declared) for glob in values)
        elif key == "risk_level":
            holds = risk in values
        elif key == "kind":
            holds = kind in values
        else:
            texts = [p.text for p in permissions if p.text is not None and in_scope(p.entrypoint, declared.entrypoint)]
            holds = any(glob_matches(str(glob), text) for glob in values for text in texts)
        if not holds:
            return False
    return True


def first_match(
    decisions: Sequence[Mapping[str, Any]], declared: Declared, risk: str, kind: str, permissions: list[Held]
) -> int | None:
    """The index of the first decision that matches; None when none does."""
    return next(
        (
            index
            for index, decision in enumerate(decisions)
            if matches(decision["when"], declared, risk, kind, permissions)
        ),
        None,
    )


def _hit(declared: Declared, risk: str, source: str, decision: Mapping[str, Any], number: int, of: int) -> Hit:
    outcome, approver, reason = decision["decision"], str(decision.get("approver") or ""), decision.get("reason")
    where = f" ({source})" if source else ""
    matched = f"decision {decision['id']} (#{number} of {of}, when {condition(decision['when'])})"
    if outcome == "deny":
        message = f"capability {named(declared)}, risk {risk}{where}, is denied by {matched}"
        fix = "remove the capability, or declare one the pack allows (`packwarden capabilities` lists the registry)"
    else:
        message = f"capability {named(declared)}, risk {risk}{where}, needs approval from {approver}: {matched}"
        fix = f"ask {approver} to approve it, or declare a capability of lower risk that does the job"
    if reason:
        message += f": {reason}"
    metadata = (
        ("decision", str(decision["id"])),
        ("decision_index", str(number)),
        ("decision_pack", str(decision.get("pack") or "")),
        ("condition", condition(decision["when"])),
        ("outcome", outcome),
        ("approver", approver),
        ("capability", declared.capability or ""),
        ("risk", risk),
    )
    return Hit(message, declared.line, declared.column, declared.field, declared.written, fix=fix, metadata=metadata)


def check(rule: Rule, target: Target) -> Iterator[Hit]:
    spec: Mapping[str, Any] = rule.params[KEY]  # type: ignore[assignment]
    if not isinstance(target.data, PosDict):
        return
    decisions: list[Mapping[str, Any]] = list(spec["decisions"])
    registry = Registry(spec)
    permissions = held(target.data)
    for declared in declarations(target.data):
        risk, entry = registry.judge(declared)
        index = first_match(decisions, declared, risk, target.kind, permissions)
        if index is None:
            continue
        decision = decisions[index]
        if decision["id"] == spec["decision"] and decision["decision"] != "allow":
            source = risk_source(declared, entry, registry.default_risk)
            yield _hit(declared, risk, source, decision, index + 1, len(decisions))
