"""capability_risk: a manifest declares no capability at a lower risk than the registry's.

What it does: for each capability declared as a mapping with a ``risk``
(``{id: io.net.http, risk: low}``), compares that risk with the one the pack's registry gives
the id (the entry with its exact id, else the most specific matching glob), or with the pack's
default risk (``high`` unless the pack says otherwise) for an id the registry does not know,
and reports a declared risk that is lower. A higher declared risk is no finding: the manifest
is judged at it.

Why it matters: reviewers and approvers read the risk in the manifest; a capability that
claims to be harmless where the pack's owners rated it high is reviewed as harmless. The risk
of a capability is the pack's to set, not the manifest's to lower.

Example:
    rule:  {id: capability.risk-understated, applies_to: [skill, agent],
            capability_risk: {registry: [{id: io.net.*, risk: high}], default_risk: high}}
    bad:   capabilities: [{id: io.net.http, risk: low}]
    good:  capabilities: [{id: io.net.http, risk: high}]
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from packwarden.checks.capabilities import RANK, Registry, declarations, named, spec_option
from packwarden.checks.target import Hit, Target
from packwarden.load.document import PosDict
from packwarden.model.rule import Rule

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~3 ms)
if TYPE_CHECKING:
    from typing import Any

KEY = "capability_risk"
SPEC = ("registry", "default_risk")
NEEDS_FIELD = False


OPTIONS = (spec_option(KEY, SPEC),)


def check(rule: Rule, target: Target) -> Iterator[Hit]:
    spec: Mapping[str, Any] = rule.params[KEY]  # type: ignore[assignment]
    data = target.data
    if not isinstance(data, PosDict):
        return
    registry = Registry(spec)
    for declared in declarations(data):
        if declared.risk is None:
            continue
        entry = registry.entry_for(declared.capability)
        registered = str(entry["risk"]) if entry is not None else registry.default_risk
        if RANK[declared.risk] >= RANK[registered]:
            continue
        if entry is None:
            why = f"the registry does not know it, and the pack's default risk is {registered}"
            fix = f"declare risk: {registered} (or leave risk out); the pack's owners can add the id to its registry"
        else:
            glob = str(entry["id"])
            by = "" if glob == declared.capability else f" (entry {glob})"
            why = f"the registry rates it {registered}{by}"
            fix = f"declare risk: {registered}, or leave risk out: the registry's risk applies"
        message = f"capability {named(declared)} is declared risk {declared.risk}, but {why}"
        field = declared.field.removesuffix(".id") + ".risk"
        line, column = declared.risk_at or (declared.line, declared.column)
        yield Hit(message, line, column, field, declared.risk, fix=fix)
