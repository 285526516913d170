"""The finding record and the severity scale."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from types import MappingProxyType

from packwarden.model.record import Record

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~3 ms)
if TYPE_CHECKING:
    from typing import Any


class Severity(enum.Enum):
    """How much a finding matters; see DESIGN.md, "Severity and mode"."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"
    BLOCK = "block"

    @property
    def rank(self) -> int:
        return _RANK[self]

    @classmethod
    def parse(cls, text: str) -> Severity:
        """The severity named ``text``; raises ValueError for anything else."""
        return cls(text.strip().lower())


_RANK = {Severity.INFO: 0, Severity.WARNING: 1, Severity.ERROR: 2, Severity.BLOCK: 3}


class Finding(Record):
    """One problem at one place, from one rule of one pack."""

    rule: str
    severity: Severity
    message: str
    path: str
    line: int = 1
    column: int = 1
    pack: str = "packwarden"
    fix: str = ""
    scope: str = ""
    metadata: Mapping[str, str] = MappingProxyType({})

    @property
    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.path, self.line, self.column, self.rule, self.message)

    def to_dict(self) -> dict[str, object]:
        """Plain data for JSON output and the result cache."""
        return {
            "rule": self.rule,
            "severity": self.severity.value,
            "message": self.message,
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "pack": self.pack,
            "fix": self.fix,
            "scope": self.scope,
            "metadata": dict(self.metadata),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Finding:
        """The inverse of ``to_dict`` (for the caches)."""
        return cls(
            data["rule"],
            Severity(data["severity"]),
            data["message"],
            data["path"],
            data["line"],
            data["column"],
            data["pack"],
            data["fix"],
            data["scope"],
            dict(data.get("metadata") or {}),
        )
