"""absent: the field must not be there at all.

What it does: reports the field wherever it is present, whatever its value (each value of a
list, such as each of a commit's trailers with one key).

Why it matters: some keys must not be written at all: a ``Change-Id:`` trailer in a project
that left Gerrit, a deprecated manifest key that tools would still obey.

Example:
    rule:  {id: team.no-change-id, applies_to: commit, field: trailers.Change-id, absent: true}
    bad:   Change-Id: I8c3f5f7e0d1b2a39
    good:  (no Change-Id trailer)
"""

from __future__ import annotations

from collections.abc import Iterator

from packwarden.checks.fieldpath import items
from packwarden.checks.option import Option
from packwarden.checks.target import Hit, Target, hit_at
from packwarden.model.rule import Rule

KEY = "absent"
OPTIONS = (Option(KEY, bool, inert=(False,)),)
NEEDS_FIELD = True


def check(rule: Rule, target: Target) -> Iterator[Hit]:
    if rule.params.get(KEY) is not True or target.resolution is None:
        return
    for located in items(target.resolution.found):
        yield hit_at(located, f"'{located.path}' must not be there")
