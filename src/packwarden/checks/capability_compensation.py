"""capability_compensation: a high or critical capability says how its effects are undone.

What it does: for each declared capability judged at risk ``high`` or ``critical`` (an id the
registry does not know is judged at the pack's default risk, ``high`` unless the pack says
otherwise), looks for compensation: the ``compensation`` of its registry entry (for every
manifest that uses it) or of the declaration itself (``{id: io.db.write, compensation: ...}``).
Reports the declaration when neither says anything. An entry that names no capability id is
left to ``capability_ids``: a compensation would not mend it.

Why it matters: a high-risk capability will one day do the wrong thing; what undoes it
(a rollback, a down migration, a revocation, a retry from a checkpoint) has to be known before
that day, not worked out during the incident. The finding is on the manifest, because that
is where it can be fixed at once: its author knows how this skill's effects are undone; a
registry entry's compensation covers every manifest.

Example:
    rule:  {id: capability.uncompensated, applies_to: [skill, agent],
            capability_compensation: {registry: [{id: io.db.write, risk: high}], default_risk: high}}
    bad:   capabilities: [io.db.write]
    good:  capabilities: [{id: io.db.write, compensation: "alembic downgrade -1 restores the schema"}]
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from packwarden.checks.capabilities import RANK, Registry, declarations, named, risk_source, spec_option
from packwarden.checks.target import Hit, Target
from packwarden.load.document import PosDict
from packwarden.model.rule import Rule

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~3 ms)
if TYPE_CHECKING:
    from typing import Any

KEY = "capability_compensation"
SPEC = ("registry", "default_risk")
NEEDS_FIELD = False
FROM = RANK["high"]  # the risks that need compensation: high and above


OPTIONS = (spec_option(KEY, SPEC),)


def check(rule: Rule, target: Target) -> Iterator[Hit]:
    spec: Mapping[str, Any] = rule.params[KEY]  # type: ignore[assignment]
    if not isinstance(target.data, PosDict):
        return
    registry = Registry(spec)
    for declared in declarations(target.data):
        if declared.capability is None:
            continue  # prose or a typo: capability_ids reports it, and compensation would not mend it
        risk, entry = registry.judge(declared)
        if RANK[risk] < FROM or declared.compensated or (entry is not None and str(entry.get("compensation") or "")):
            continue
        source = risk_source(declared, entry, registry.default_risk)
        where = f" ({source})" if source else ""
        if entry is None:
            said = "the registry has no entry for it"
        else:
            said = f"its registry entry {entry['id']} has no compensation"
        message = f"capability {named(declared)}, risk {risk}{where}, says nowhere how its effects are undone: {said}"
        fix = (
            f"declare it as {{id: {declared.capability}, compensation: <how its effects are undone>}}, "
            "or have the pack's owners give its registry entry a compensation"
        )
        yield Hit(message, declared.line, declared.column, declared.field, declared.written, fix=fix)
