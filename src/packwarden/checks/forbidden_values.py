"""forbidden_values: the value must not be one of a fixed list.

What it does: reports each value (each item, for a list) that is in the list.

Why it matters: some values are known to be dangerous or retired (``secrets.write``, a
status such as ``experimental`` in production) and need a review before they land.

Example:
    rule:  {id: agent.dangerous-permissions, field: 'permissions[*]', forbidden_values: [secrets.write]}
    bad:   permissions: [filesystem:read, secrets.write]
    good:  permissions: [filesystem:read]
"""

from __future__ import annotations

from collections.abc import Iterator

from packwarden.checks.allowed_values import same
from packwarden.checks.fieldpath import items
from packwarden.checks.option import Option, Scalar
from packwarden.checks.target import Hit, Target, hit_at, show
from packwarden.model.rule import Rule

KEY = "forbidden_values"
OPTIONS = (Option(KEY, list[Scalar], inert=([],)),)
NEEDS_FIELD = True


def check(rule: Rule, target: Target) -> Iterator[Hit]:
    forbidden = list(rule.params[KEY])  # type: ignore[call-overload]
    if target.resolution is None:
        return
    for located in items(target.resolution.found):
        if same(located.value, forbidden):
            yield hit_at(located, f"'{located.path}' {show(located.value)} is not allowed")
