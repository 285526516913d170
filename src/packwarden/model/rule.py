"""Compiled rules: what the engine evaluates, free of any schema library."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from packwarden.model.finding import Severity
from packwarden.model.record import Record

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~3 ms)
if TYPE_CHECKING:
    from typing import Any


class RuleDoc(Record):
    """The documentation every rule carries: `packwarden explain RULE` prints it."""

    summary: str = ""
    why: str = ""
    bad: str = ""
    good: str = ""


class Rule(Record):
    """One declarative check with a stable id.

    ``params`` maps check keys (``required``, ``pattern``, ``allowed_values``...) to their
    arguments; the check registry in ``packwarden.checks`` decides what each key means.
    """

    id: str
    severity: Severity
    pack: str
    params: Mapping[str, object] = MappingProxyType({})
    field: str | None = None
    applies_to: tuple[str, ...] = ()
    message: str = ""
    fix: str = ""
    doc: RuleDoc = RuleDoc()
    source: str = ""
    line: int = 1
    column: int = 1

    def applies(self, kind: str) -> bool:
        return not self.applies_to or kind in self.applies_to

    def canonical(self) -> dict[str, object]:
        """The parts that decide what the rule finds: input of the policy hash."""
        return {
            "id": self.id,
            "pack": self.pack,  # findings name it: a result cached under another pack must not serve
            "severity": self.severity.value,
            "params": {k: self.params[k] for k in sorted(self.params)},
            "field": self.field,
            "applies_to": sorted(self.applies_to),
            "message": self.message,
            "fix": self.fix,
        }

    def to_data(self) -> dict[str, object]:
        """Everything, as JSON-able data (the compiled-policy cache)."""
        return {
            **self.canonical(),
            "applies_to": list(self.applies_to),  # as written: a cached rule equals the fresh one
            "pack": self.pack,
            "doc": [self.doc.summary, self.doc.why, self.doc.bad, self.doc.good],
            "source": self.source,
            "line": self.line,
            "column": self.column,
        }

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Rule:
        return cls(
            id=data["id"],
            severity=Severity(data["severity"]),
            pack=data["pack"],
            params=data["params"],
            field=data["field"],
            applies_to=tuple(data["applies_to"]),
            message=data["message"],
            fix=data["fix"],
            doc=RuleDoc(*data["doc"]),
            source=data["source"],
            line=data["line"],
            column=data["column"],
        )
