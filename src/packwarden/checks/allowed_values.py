"""allowed_values: the value must be one of a fixed list.

What it does: reports each value (each item, for a list) that is not in the list. Values
compare by type too: ``1`` is not ``"1"``.

Why it matters: statuses, permissions and categories drive other tools; a value outside the
vocabulary is silently ignored by them, or worse, treated as the most permissive case.

Example:
    rule:  {id: skill.status-values, field: status, allowed_values: [draft, active, deprecated, archived]}
    bad:   status: generated
    good:  status: draft
"""

from __future__ import annotations

from collections.abc import Iterator

from packwarden.checks.fieldpath import items
from packwarden.checks.option import Option, Scalar
from packwarden.checks.target import Hit, Target, hit_at, show
from packwarden.model.rule import Rule

KEY = "allowed_values"
OPTIONS = (Option(KEY, list[Scalar]),)
NEEDS_FIELD = True


def same(value: object, candidates: list[object]) -> bool:
    """Membership where True is not 1 and 1 is not "1"."""
    kind = type(value)
    return any(type(c) is kind and value == c for c in candidates)


def check(rule: Rule, target: Target) -> Iterator[Hit]:
    allowed = list(rule.params[KEY])  # type: ignore[call-overload]
    if target.resolution is None:
        return
    for located in items(target.resolution.found):
        if not same(located.value, allowed):
            shown = ", ".join(show(value) for value in allowed)  # only for a hit: most values pass
            yield hit_at(located, f"'{located.path}' {show(located.value)} is not one of: {shown}")
