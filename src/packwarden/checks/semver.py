"""semver: the value must be a semantic version (``MAJOR.MINOR.PATCH``).

What it does: reports values that are not Semantic Versioning 2.0.0 versions: three numbers
without leading zeros, optionally followed by ``-prerelease`` and ``+build``.

Why it matters: registries and dependency resolvers order versions; ``1.0`` or ``v2`` sort
wrongly or not at all, and a number such as ``1.10`` loses its meaning when read as YAML.

Example:
    rule:  {id: skill.version-semver, field: version, semver: true}
    bad:   version: 1.0
    good:  version: 1.0.0
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from packwarden.checks.fieldpath import items
from packwarden.checks.option import Option
from packwarden.checks.target import Hit, Target, hit_at, show
from packwarden.model.rule import Rule

KEY = "semver"
OPTIONS = (Option(KEY, bool, inert=(False,)),)
NEEDS_FIELD = True

_NUMBER = r"(0|[1-9][0-9]*)"
_IDENT = r"(0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*)"
SEMVER = re.compile(rf"{_NUMBER}\.{_NUMBER}\.{_NUMBER}(-{_IDENT}(\.{_IDENT})*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?\Z")


def check(rule: Rule, target: Target) -> Iterator[Hit]:
    if rule.params.get(KEY) is not True or target.resolution is None:
        return
    for located in items(target.resolution.found):
        value = located.value
        if not isinstance(value, str) or SEMVER.match(value) is None:
            yield hit_at(located, f"'{located.path}' {show(value)} is not a semantic version (like 1.0.0)")
