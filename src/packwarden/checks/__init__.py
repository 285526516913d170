"""Check kinds, one module each, in one explicit table (``KINDS``).

Each module declares the rule keys it reads (``OPTIONS``, see ``checks.option``), whether it
needs a ``field`` (``NEEDS_FIELD``), what it looks at (``SCOPE``: ``"document"``, one loaded
file at a time, the default; or ``"unit"``, a whole artifact unit with all its members, see
``target.UnitTarget``), its ``check`` function, and in its docstring its documentation
(``docs/rules/checks.md`` is generated from them). A rule's params name the
checks it runs: ``{field: name, pattern: ..., required: true}`` runs ``required`` and
``pattern``. The pack schema and the pack reader are derived from this table, so a new kind is
one module and one line in ``KINDS``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping
from types import ModuleType

from packwarden.checks import (
    absent,
    agent_coauthor,
    allowed_values,
    capability_compensation,
    capability_coverage,
    capability_decision,
    capability_ids,
    capability_risk,
    clarification,
    forbidden_pattern,
    forbidden_values,
    length,
    pattern,
    plugin_generated,
    plugin_handler,
    plugin_spec,
    registry,
    required,
    required_file,
    required_when_touched,
    semver,
    skip_kinds,
    step_section,
    value_type,
)
from packwarden.checks.option import Option
from packwarden.checks.target import Hit, Target
from packwarden.model.record import Record
from packwarden.model.rule import Rule

CheckFunction = Callable[[Rule, Target], Iterator[Hit]]

# The check kinds, one line each, in the order a rule runs them.
KINDS: tuple[ModuleType, ...] = (
    required,
    value_type,
    pattern,
    forbidden_pattern,
    allowed_values,
    forbidden_values,
    semver,
    length,
    skip_kinds,
    required_when_touched,
    absent,
    agent_coauthor,
    capability_ids,
    capability_decision,
    capability_risk,
    capability_coverage,
    capability_compensation,
    required_file,
    step_section,
    registry,
    plugin_spec,
    plugin_generated,
    plugin_handler,
    clarification,
)


class CheckKind(Record):
    key: str  # the option it is registered under; a module's first option in RUN_ORDER
    check: CheckFunction
    needs_field: bool
    module: ModuleType
    keys: frozenset[str]  # every option of the module: a rule with any of them runs it
    scope: str = "document"  # or "unit": the check sees a whole unit (``UnitTarget``)

    @property
    def doc(self) -> str:
        return (self.module.__doc__ or "").strip()


class Table:
    """What is derived from a table of check kinds (a plain class, for the reason in ``Option``)."""

    __slots__ = ("checks", "options", "run_order", "text_keys", "unit_keys")

    def __init__(self, kinds: tuple[ModuleType, ...]) -> None:
        self.checks: dict[str, CheckKind] = {}  # by option key, in run order
        self.options: dict[str, Option] = {}  # by key, in run order
        run_order: list[CheckKind] = []
        for module in kinds:
            declared: tuple[Option, ...] = module.OPTIONS
            keys = frozenset(option.key for option in declared)
            for option in declared:
                if option.key in self.options:
                    raise ValueError(f"check option {option.key!r} is declared twice")
                self.options[option.key] = option
                scope = getattr(module, "SCOPE", "document")
                self.checks[option.key] = CheckKind(option.key, module.check, module.NEEDS_FIELD, module, keys, scope)
            run_order.append(self.checks[declared[0].key])
        self.run_order = tuple(run_order)  # each module once
        # the options that also work without a field: on the file's text, or on a whole unit
        self.text_keys = tuple(key for key, kind in self.checks.items() if not kind.needs_field)
        # the options of unit checks, which take no field at all
        self.unit_keys = tuple(key for key, kind in self.checks.items() if kind.scope == "unit")


@functools.lru_cache(maxsize=8)
def table_of(kinds: tuple[ModuleType, ...]) -> Table:
    return Table(kinds)


def table() -> Table:
    """The table of ``KINDS`` as it is now (read at each call, so a test may add a kind)."""
    return table_of(KINDS)


_BUILTIN = table()
CHECKS: dict[str, CheckKind] = _BUILTIN.checks
# min_length and max_length share one module; it runs once per rule.
RUN_ORDER: tuple[CheckKind, ...] = _BUILTIN.run_order


def kinds_for(params: Mapping[str, object] | None = None) -> tuple[CheckKind, ...]:
    """The check kinds a rule with these params runs, each module once."""
    return _kinds_for_keys(frozenset(params or ()), KINDS)


@functools.lru_cache(maxsize=256)
def _kinds_for_keys(keys: frozenset[str], kinds: tuple[ModuleType, ...]) -> tuple[CheckKind, ...]:
    return tuple(kind for kind in table_of(kinds).run_order if not kind.keys.isdisjoint(keys))
