"""A pack's capability sections, compiled into ordinary rules with stable ids.

``capabilities`` is the registry (id or glob -> risk, compensation, the permissions it covers),
``capability_defaults`` the risk of an id the registry does not know (``high`` unless set) and
the permissions that need no capability, ``decisions`` the ordered list that judges each
declared capability (first match wins). One evaluation mechanism: each compiles into rules
run by the capability check kinds (``checks.capability_*``), so severities, ``disable``,
``explain`` and ``packs test`` work as for every rule. Ids:

- ``capability.decision.<id>``: one per ``deny`` (severity ``block``) or ``require_approval``
  (``error``) decision; ``<id>`` is the decision's ``id``, else its place in its pack's list
  (1-based). ``allow`` decisions compile into no rule: they only end the search;
- ``capability.malformed``, ``capability.risk-understated``, ``capability.uncompensated``;
  ``capability.uncovered-permission`` when some registry entry ``covers`` a permission (with
  none, no manifest could satisfy it).

Along ``extends``, a pack's sections add to what it extends (``merge``): a registry entry
replaces the inherited one with the same id, a default it writes replaces the inherited one,
and its decisions are tried before the inherited ones. A decision id already inherited is an
error: a child overrules an inherited decision by matching first, never by removing it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from packwarden.checks import (
    capability_compensation,
    capability_coverage,
    capability_decision,
    capability_ids,
    capability_risk,
)
from packwarden.checks.capabilities import (
    RISKS,
    Declared,
    Held,
    Registry,
    capability_glob_problem,
    glob_matches,
    permission_glob_problem,
)
from packwarden.checks.capability_decision import condition, first_match
from packwarden.load.document import Mark
from packwarden.model.finding import Severity
from packwarden.model.record import Record
from packwarden.model.rule import Rule, RuleDoc
from packwarden.packs.locate import key_mark, locate, walk

TYPE_CHECKING = False
if TYPE_CHECKING:
    from packwarden.packs.reader import Problems
    from packwarden.packs.schema import PackSpec

APPLIES_TO = ("skill", "agent")
PREFIX = "capability."
DECISION_PREFIX = "capability.decision."
_SEVERITY = {"deny": Severity.BLOCK, "require_approval": Severity.ERROR}


class Decided(Record):
    """One decision, as the check option carries it, and where it was written."""

    data: Mapping[str, Any]  # {id, when, decision, approver, reason, pack}
    source: str
    line: int
    column: int


class Sections(Record):
    """The capability sections of one pack, or of a pack and everything it extends (``merge``)."""

    registry: tuple[Mapping[str, Any], ...]  # {id, risk, compensation, covers, pack}, as check options carry them
    decisions: tuple[Decided, ...]  # in the order they are tried
    default_risk: str
    free_permissions: tuple[str, ...]
    written: frozenset[str]  # the defaults the pack wrote (risk, free_permissions): the others are inherited
    pack: str  # the last pack that wrote a capability section: the rules that are not decisions are its
    source: str
    line: int
    column: int


def _compensation(value: str | dict[str, str] | None) -> str:
    if isinstance(value, dict):
        return "; ".join(f"{key}: {text.strip()}" for key, text in value.items() if text.strip())
    return (value or "").strip()


def _registry(spec: PackSpec, data: Any, ref: str, problems: Problems) -> list[Mapping[str, Any]]:
    section = walk(data, ("capabilities",))
    entries: list[Mapping[str, Any]] = []
    for glob, entry in (spec.capabilities or {}).items():
        problem = capability_glob_problem(glob)
        if problem is not None:
            problems.error(f"capabilities: {problem}", key_mark(section, glob))
            continue
        for index, cover in enumerate(entry.covers):
            problem = permission_glob_problem(cover)
            if problem is not None:
                problems.error(f"capabilities.{glob}.covers: {problem}", locate(section, (glob, "covers", index)))
        compensation = _compensation(entry.compensation)
        if entry.compensation is not None and not compensation:
            message = f"capabilities.{glob}.compensation is empty: say how its effects are undone, or leave it out"
            problems.error(message, locate(section, (glob, "compensation")))
        entries.append(
            {"id": glob, "risk": entry.risk, "compensation": compensation, "covers": list(entry.covers), "pack": ref}
        )
    return entries


def _decisions(spec: PackSpec, data: Any, ref: str, source: str, problems: Problems) -> list[Decided]:
    from packwarden.packs.reader import unknown_kind  # the reader imports this module

    section = walk(data, ("decisions",))
    decided: list[Decided] = []
    seen: dict[str, int] = {}
    for index, decision in enumerate(spec.decisions or ()):
        mark = locate(section, (index,))
        name = decision.id or str(index + 1)
        when = {key: list(values) for key, values in decision.when.model_dump(exclude_none=True).items()}
        problem = None
        if name in seen:
            problem = f"decisions: id {name!r} is also decision {seen[name] + 1}; give each decision an id of its own"
        elif not when or not any(when.values()):
            problem = f"decisions[{index}]: when has no condition; give one of capability, risk_level, kind, permission"
            mark = locate(section, (index, "when"))
        elif decision.decision == "require_approval" and not decision.approver:
            problem = f"decisions[{index}]: require_approval needs an approver: who approves (a team, a role)"
        elif decision.decision != "require_approval" and decision.approver is not None:
            problem = f"decisions[{index}]: approver only means something for require_approval"
            mark = locate(section, (index, "approver"))
        for key, check in (("capability", capability_glob_problem), ("permission", permission_glob_problem)):
            for glob in when.get(key, ()):
                found = check(glob)
                if found is not None and problem is None:
                    problem, mark = f"decisions[{index}].when.{key}: {found}", locate(section, (index, "when", key))
        for kind in when.get("kind", ()):
            found = unknown_kind(kind)
            if found is not None and problem is None:
                problem, mark = f"decisions[{index}].when.kind: {found}", locate(section, (index, "when", "kind"))
        if problem is not None:
            problems.error(problem, mark)
            continue
        seen[name] = index
        item = {
            "id": name,
            "when": when,
            "decision": decision.decision,
            "approver": decision.approver or "",
            "reason": decision.reason,
            "pack": ref,
        }
        decided.append(Decided(item, source, *mark))
    return decided


def read_sections(spec: PackSpec, data: Any, ref: str, source: str, problems: Problems) -> Sections | None:
    """The pack's own capability sections, checked (errors go to ``problems``); None without any."""
    if spec.capabilities is None and spec.decisions is None and spec.capability_defaults is None:
        return None
    defaults = spec.capability_defaults
    free = list(defaults.free_permissions) if defaults is not None else []
    for index, glob in enumerate(free):
        problem = permission_glob_problem(glob)
        if problem is not None:
            problems.error(
                f"capability_defaults.free_permissions: {problem}",
                locate(data, ("capability_defaults", "free_permissions", index)),
            )
    first = next(key for key in ("capabilities", "capability_defaults", "decisions") if getattr(spec, key) is not None)
    line, column = key_mark(data, first)
    return Sections(
        registry=tuple(_registry(spec, data, ref, problems)),
        decisions=tuple(_decisions(spec, data, ref, source, problems)),
        default_risk=defaults.risk if defaults is not None else "high",
        free_permissions=tuple(free),
        written=frozenset(defaults.model_fields_set) if defaults is not None else frozenset(),
        pack=ref,
        source=source,
        line=line,
        column=column,
    )


def merge(inherited: Sections | None, own: Sections) -> tuple[Sections, list[tuple[str, Decided]]]:
    """``own`` on top of what its pack extends, and the decisions whose id was already taken."""
    if inherited is None:
        return own, []
    registry = {str(entry["id"]): entry for entry in inherited.registry}
    registry.update((str(entry["id"]), entry) for entry in own.registry)
    taken = {str(decided.data["id"]): str(decided.data["pack"]) for decided in inherited.decisions}
    clashes = [
        (
            f"decision id {name!r} is already a decision of {taken[name]}; give this one an id of its own "
            "(it is tried first, so it overrules the inherited one where both match)",
            decided,
        )
        for decided in own.decisions
        if (name := str(decided.data["id"])) in taken
    ]
    return (
        own._replace(
            registry=tuple(registry.values()),
            decisions=(*own.decisions, *inherited.decisions),
            default_risk=own.default_risk if "risk" in own.written else inherited.default_risk,
            free_permissions=own.free_permissions if "free_permissions" in own.written else inherited.free_permissions,
            written=own.written | inherited.written,
        ),
        clashes,
    )


# --- the rules ------------------------------------------------------------------------------------


def _rule(rid: str, severity: Severity, params: dict[str, Any], where: tuple[str, str, Mark], **doc: str) -> Rule:
    pack, source, (line, column) = where
    return Rule(
        id=rid,
        severity=severity,
        pack=pack,
        params=params,
        applies_to=APPLIES_TO,
        fix=doc["fix"],
        doc=RuleDoc(doc["summary"], doc["why"], doc["bad"], doc["good"]),
        source=source,
        line=line,
        column=column,
    )


def _instance(glob: str) -> str:
    """An id or permission a glob matches, for examples: ``io.net.*`` -> ``io.net.any``."""
    return glob.replace("*", "any").replace("?", "x")


def _examples(sections: Sections, number: int) -> tuple[str, str]:
    """A manifest that decision ``number`` (0-based) judges, and one it leaves alone (judged by
    no decision, or allowed), for its docs: tried with the registry's ids and an unknown one."""
    item = sections.decisions[number].data
    when = item["when"]
    kind = str((when.get("kind") or APPLIES_TO)[0])
    permissions = [_instance(str(glob)) for glob in when.get("permission", ())[:1]]
    held = [Held(text, text, "permissions[0]", 1, 1, None) for text in permissions]
    shown = f"\npermissions: [{permissions[0]}]" if permissions else ""
    registry = Registry({"registry": [dict(e) for e in sections.registry], "default_risk": sections.default_risk})
    decisions = [dict(decided.data) for decided in sections.decisions]
    candidates = [_instance(str(glob)) for glob in when.get("capability", ())]
    candidates += [_instance(str(entry["id"])) for entry in sections.registry] + ["acme.unlisted"]
    bad = good = None
    for candidate in candidates:
        declared = Declared(candidate, candidate, None, False, "capabilities[0]", 1, 1, None)
        risk, _ = registry.judge(declared)
        first = first_match(decisions, declared, risk, kind, held)
        if bad is None and first == number:
            bad = f"capabilities: [{candidate}]{shown}"
        elif good is None and (first is None or decisions[first]["decision"] == "allow"):
            good = f"capabilities: [{candidate}]{shown}"
    return bad or f"capabilities: [{candidates[0]}]{shown}", good or "capabilities: []"


def _order(sections: Sections) -> str:
    lines = []
    for number, decided in enumerate(sections.decisions, start=1):
        item = decided.data
        by = f" by {item['approver']}" if item["approver"] else ""
        lines.append(f"{number}. {item['id']} (when {condition(item['when'])}): {item['decision']}{by}")
    return "; ".join(lines)


def _decision_rules(sections: Sections, options: dict[str, Any]) -> list[Rule]:
    rules = []
    decisions = [dict(decided.data) for decided in sections.decisions]
    for number, decided in enumerate(sections.decisions, start=1):
        item = decided.data
        if item["decision"] == "allow":
            continue
        outcome = (
            "is denied (a block finding, in every mode)"
            if item["decision"] == "deny"
            else (f"needs approval from {item['approver']} (an error finding)")
        )
        kinds = item["when"].get("kind") or APPLIES_TO
        bad, good = _examples(sections, number - 1)
        reason = str(item["reason"]).strip().rstrip(".")
        reason = f"{reason[:1].upper()}{reason[1:]}. " if reason else ""
        rules.append(
            _rule(
                f"{DECISION_PREFIX}{item['id']}",
                _SEVERITY[item["decision"]],
                {capability_decision.KEY: {"decision": item["id"], "decisions": decisions, **options}},
                (str(item["pack"]), decided.source, (decided.line, decided.column)),
                summary=f"Decision {item['id']}, #{number} of {len(decisions)} (first match wins): a capability "
                f"that a {' or '.join(kinds)} declares, when {condition(item['when'])}, {outcome}.",
                why=f"{reason}The pack's decisions are tried in order and the first whose condition holds "
                f"decides: {_order(sections)}.",
                bad=bad,
                good=good,
                fix="remove the capability or declare one the pack allows"
                if item["decision"] == "deny"
                else f"ask {item['approver']} to approve it, or declare a capability of lower risk",
            )
        )
    return rules


def compile_sections(sections: Sections) -> list[Rule]:
    """The rules that the capability sections (of a pack, or merged along ``extends``) stand for."""
    registry = [dict(entry) for entry in sections.registry]
    risk = {"registry": registry, "default_risk": sections.default_risk}
    where = (sections.pack, sections.source, (sections.line, sections.column))
    high = next((str(e["id"]) for e in registry if e["risk"] in ("high", "critical") and "*" not in str(e["id"])), "")
    high = high or "acme.unlisted"
    rules = _decision_rules(sections, risk)
    rules.append(
        _rule(
            f"{PREFIX}malformed",
            Severity.ERROR,
            {capability_ids.KEY: True},
            where,
            summary="Every capability a skill or agent declares is a capability id (dot-separated lower-case words) "
            "or a mapping {id, risk, compensation} with a risk level that exists.",
            why="Decisions and risk rules match capabilities by id. Prose or a typo is judged as an unknown "
            f"capability, at the default risk ({sections.default_risk}), with nothing to say why.",
            bad="capabilities: [Calls the GitHub API, {id: io.net.http, risk: huge}]",
            good="capabilities: [{id: io.net.http, risk: high}]\ndescription: Calls the GitHub API.",
            fix="write each capability as an id such as io.net.http, or as {id: io.net.http, risk: high}; "
            "move prose to description",
        )
    )
    lowest = RISKS[0]
    rules.append(
        _rule(
            f"{PREFIX}risk-understated",
            Severity.ERROR,
            {capability_risk.KEY: dict(risk)},
            where,
            summary="A manifest declares no capability at a lower risk than the pack's registry gives it "
            f"(an id the registry does not know has the default risk, {sections.default_risk}).",
            why="Reviewers and approvers read the risk in the manifest; the risk of a capability is the pack "
            "owners' to set, not the manifest's to lower.",
            bad=f"capabilities: [{{id: {high}, risk: {lowest}}}]",
            good=f"capabilities: [{high}]  # judged at the registry's risk",
            fix="declare the registry's risk, or leave risk out",
        )
    )
    rules.append(
        _rule(
            f"{PREFIX}uncompensated",
            Severity.ERROR,
            {capability_compensation.KEY: dict(risk)},
            where,
            summary="A capability judged at risk high or critical says how its effects are undone: its registry "
            "entry's compensation, or the declaration's own.",
            why="What undoes a high-risk action (a rollback, a revocation, a retry from a checkpoint) has to be "
            "known before it goes wrong. The finding is on the manifest, whose author can say it at once.",
            bad=f"capabilities: [{high}]",
            good=f'capabilities:\n  - {{id: {high}, compensation: "revert with the down migration"}}',
            fix="declare {id: ..., compensation: <how its effects are undone>}, or have the pack's owners give "
            "the registry entry a compensation",
        )
    )
    covered = [entry for entry in registry if entry["covers"]]
    if covered:
        free = sections.free_permissions
        pairs = [(entry, _instance(str(glob))) for entry in covered for glob in entry["covers"]]
        example, permission = next(
            ((entry, text) for entry, text in pairs if not any(glob_matches(g, text) for g in free)), pairs[0]
        )
        rules.append(
            _rule(
                f"{PREFIX}uncovered-permission",
                Severity.ERROR,
                {capability_coverage.KEY: {"registry": registry, "free_permissions": list(sections.free_permissions)}},
                where,
                summary="Every permission a skill or agent holds is covered by a capability it declares (a registry "
                "entry's covers), unless the pack lists it in capability_defaults.free_permissions.",
                why="Permissions are what the runtime grants; capabilities are what the pack rates and decides "
                "about. A permission beyond the declared capabilities has passed no decision.",
                bad=f"permissions: [{permission}]",
                good=f"capabilities: [{_instance(str(example['id']))}]\npermissions: [{permission}]",
                fix="declare a capability that covers the permission, or drop the permission",
            )
        )
    return rules


def capability_rules(sections: Sections | None, defined: set[str], problems: Problems) -> list[Rule]:
    """The pack's own capability rules; an id it already defines in ``rules`` is an error."""
    if sections is None:
        return []
    rules = []
    for rule in compile_sections(sections):
        if rule.id in defined:
            problems.error(
                f"rule id {rule.id} is defined twice, in rules and by the capability sections", (rule.line, rule.column)
            )
            continue
        rules.append(rule)
    return rules
