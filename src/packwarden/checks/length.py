"""min_length / max_length: bounds on the length of a string or list.

What it does: reports a string with fewer or more characters, or a list with fewer or more
items, than the bounds allow.

Why it matters: an empty description or a one-word summary helps nobody pick a skill; a
description of thousands of characters bloats every prompt the manifest is pasted into.

Example:
    rule:  {id: skill.description-length, field: description, min_length: 20, max_length: 1000}
    bad:   description: Does stuff
    good:  description: Converts CSV, JSON and YAML files between each other.
"""

from __future__ import annotations

from collections.abc import Iterator

from packwarden.checks.option import Option
from packwarden.checks.target import Hit, Target, hit_at
from packwarden.model.rule import Rule

OPTIONS = (Option("min_length", int, ge=0, inert=(0,)), Option("max_length", int, ge=0))
NEEDS_FIELD = True


def check(rule: Rule, target: Target) -> Iterator[Hit]:
    low = rule.params.get("min_length")
    high = rule.params.get("max_length")
    if target.resolution is None:
        return
    for located in target.resolution.found:
        value = located.value
        if not isinstance(value, (str, list)):
            continue
        unit = "characters" if isinstance(value, str) else "items"
        size = len(value)
        if isinstance(low, int) and size < low:
            yield hit_at(located, f"'{located.path}' has {size} {unit}; at least {low} required")
        if isinstance(high, int) and size > high:
            yield hit_at(located, f"'{located.path}' has {size} {unit}; at most {high} allowed")
