"""capability_coverage: every permission a manifest holds is covered by a capability it declares.

What it does: for each permission (``permissions`` and ``entrypoints[*].permissions``), looks
for a declared capability whose registry entry ``covers`` it (permission globs such as
``network:*``): for a top-level permission, any capability of the manifest; for an
entrypoint's, a top-level capability or one of that entrypoint's own. A permission matching
one of the pack's ``free_permissions`` needs none. Reports each permission left uncovered,
naming the registry's capabilities that would cover it. An id the registry does not know
covers nothing; a permission that is no text is never covered.

Why it matters: permissions are what the runtime grants; capabilities are what the pack
judges, rates and decides about. A permission beyond the declared capabilities is a grant
that no decision, risk rating or approval has looked at.

Example:
    rule:  {id: capability.uncovered-permission, applies_to: [skill, agent],
            capability_coverage: {registry: [{id: io.net.http, risk: high, covers: ["network:*"]}],
                                  free_permissions: ["filesystem:read"]}}
    bad:   permissions: [filesystem:read, network:http]
    good:  capabilities: [io.net.http]
           permissions: [filesystem:read, network:http]
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from packwarden.checks.capabilities import Registry, declarations, glob_matches, held, in_scope, spec_option
from packwarden.checks.target import Hit, Target, show
from packwarden.load.document import PosDict
from packwarden.model.rule import Rule

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~3 ms)
if TYPE_CHECKING:
    from typing import Any

KEY = "capability_coverage"
SPEC = ("registry", "free_permissions")
NEEDS_FIELD = False
MAX_NAMED = 3  # capabilities a message suggests


OPTIONS = (spec_option(KEY, SPEC),)


def _covers(entry: Mapping[str, Any] | None, permission: str) -> bool:
    return entry is not None and any(glob_matches(str(glob), permission) for glob in entry.get("covers") or ())


def check(rule: Rule, target: Target) -> Iterator[Hit]:
    spec: Mapping[str, Any] = rule.params[KEY]  # type: ignore[assignment]
    if not isinstance(target.data, PosDict):
        return
    registry = Registry(spec)
    free = [str(glob) for glob in spec["free_permissions"]]
    declared = [(d.entrypoint, registry.entry_for(d.capability)) for d in declarations(target.data)]
    for permission in held(target.data):
        text = permission.text
        if text is not None and any(glob_matches(glob, text) for glob in free):
            continue
        if text is not None and any(
            in_scope(at, permission.entrypoint) and _covers(entry, text) for at, entry in declared
        ):
            continue
        where = "the manifest declares"
        if permission.entrypoint is not None:
            where = f"entrypoints[{permission.entrypoint}] or the whole manifest declares"
        if text is None:
            message = f"permission {show(permission.written)} is no permission name, so no capability covers it"
            fix = "write the permission as text, such as network:http"
        else:
            covering = [str(e["id"]) for e in registry.entries if _covers(e, text)][:MAX_NAMED]
            message = f"permission {show(permission.written)} is covered by no capability {where}"
            if covering:
                message += f"; {', '.join(covering)} would cover it"
                fix = f"declare {covering[0]} in capabilities (or drop the permission if nothing needs it)"
            else:
                message += "; no capability in the registry covers it"
                fix = "drop the permission, or ask the pack's owners for a capability that covers it"
        yield Hit(message, permission.line, permission.column, permission.field, permission.written, fix=fix)
