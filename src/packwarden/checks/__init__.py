"""Check kinds, one module each, in one explicit table.

A rule's params name the checks it runs: ``{field: name, pattern: ..., required: true}`` runs
``required`` and ``pattern``. Each module's docstring is its documentation
(``docs/rules/checks.md`` is generated from them).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping
from types import ModuleType

from packwarden.checks import (
    allowed_values,
    forbidden_pattern,
    forbidden_values,
    length,
    pattern,
    required,
    semver,
    value_type,
)
from packwarden.checks.target import Hit, Target
from packwarden.model.record import Record
from packwarden.model.rule import Rule

CheckFunction = Callable[[Rule, Target], Iterator[Hit]]


class CheckKind(Record):
    key: str
    check: CheckFunction
    needs_field: bool
    module: ModuleType

    @property
    def doc(self) -> str:
        return (self.module.__doc__ or "").strip()


def _kind(key: str, module: ModuleType) -> CheckKind:
    return CheckKind(key, module.check, module.NEEDS_FIELD, module)


CHECKS: dict[str, CheckKind] = {
    "required": _kind("required", required),
    "type": _kind("type", value_type),
    "pattern": _kind("pattern", pattern),
    "forbidden_pattern": _kind("forbidden_pattern", forbidden_pattern),
    "allowed_values": _kind("allowed_values", allowed_values),
    "forbidden_values": _kind("forbidden_values", forbidden_values),
    "semver": _kind("semver", semver),
    "min_length": _kind("min_length", length),
    "max_length": _kind("max_length", length),
}

# min_length and max_length share one module; run it once per rule.
RUN_ORDER: tuple[CheckKind, ...] = tuple(kind for key, kind in CHECKS.items() if key != "max_length")


def kinds_for(params: Mapping[str, object] | None = None) -> tuple[CheckKind, ...]:
    """The check kinds a rule with these params runs, each module once."""
    return _kinds_for_keys(frozenset(params or ()))


@functools.lru_cache(maxsize=256)
def _kinds_for_keys(keys: frozenset[str]) -> tuple[CheckKind, ...]:
    return tuple(kind for kind in RUN_ORDER if kind.key in keys or (kind.module is length and keys & set(length.KEYS)))
