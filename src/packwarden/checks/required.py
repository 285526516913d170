"""required: the field must be present and not empty.

What it does: reports a field that is missing, null, or an empty string. With wildcards
(``entrypoints[*].handler``) every item must have the field.

Why it matters: a manifest without its name, version or status cannot be registered,
versioned or retired; tools that read it fail later and further from the cause.

Example:
    rule:  {id: skill.version-required, field: version, required: true}
    bad:   name: data.transform
    good:  name: data.transform
           version: 1.0.0
"""

from __future__ import annotations

from collections.abc import Iterator

from packwarden.checks.option import Option
from packwarden.checks.target import Hit, Target, hit_at
from packwarden.model.rule import Rule

KEY = "required"
OPTIONS = (Option(KEY, bool, inert=(False,)),)
NEEDS_FIELD = True


def check(rule: Rule, target: Target) -> Iterator[Hit]:
    if rule.params.get(KEY) is not True or target.resolution is None:
        return
    for parent in target.resolution.missing:
        message = f"required field '{parent.path}' is missing"
        yield Hit(message, parent.line, parent.column, parent.path, None, f"{parent.path} is missing")
    for located in target.resolution.found:
        if located.value is None or located.value == "":
            yield hit_at(located, f"required field '{located.path}' is empty")
