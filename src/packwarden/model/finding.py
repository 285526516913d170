"""The finding record and the severity scale."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from types import MappingProxyType

from packwarden.model.digest import short_digest
from packwarden.model.record import Record, value_eq, value_hash, value_ne

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


def _numbers_hidden(text: str) -> str:
    """``text`` with each run of digits written as ``#`` (``re`` is not imported on the hook's path)."""
    out: list[str] = []
    for char in text:
        if not ("0" <= char <= "9"):
            out.append(char)
        elif not out or out[-1] != "#":
            out.append("#")
    return "".join(out)


_RANK = {Severity.INFO: 0, Severity.WARNING: 1, Severity.ERROR: 2, Severity.BLOCK: 3}

BUILTIN_PACK = "packwarden"  # the ``pack`` of findings from packwarden's own rules


class Finding(Record):
    """One problem at one place, from one rule of one pack.

    A value: equal to another Finding with equal fields (``metadata`` compared as a mapping),
    never to a plain tuple, and hashable whatever mapping ``metadata`` is. Findings order by
    ``sort_key`` (the order reports use), then by their other fields.
    """

    rule: str
    severity: Severity
    message: str
    path: str
    line: int = 1
    column: int = 1
    pack: str = BUILTIN_PACK
    fix: str = ""
    scope: str = ""
    metadata: Mapping[str, str] = MappingProxyType({})

    @property
    def anchor(self) -> str:
        """What in its file the finding is about, without its line: the field path, markdown
        heading or unit member the check reported on (``metadata["field"]``); empty when the
        check reports on none (a text match, a parse problem)."""
        return self.metadata.get("field", "")

    @property
    def about(self) -> str:
        """The anchor, or without one the message with every run of digits written as ``#``
        (messages quote line numbers and sizes)."""
        return self.anchor or _numbers_hidden(self.message)

    @property
    def fingerprint(self) -> str:
        """16 hex digits that name this finding whatever lines move around it: a digest of its
        rule, its path, what it is ``about`` and ``metadata["occurrence"]`` (set by the engine
        on the second and later findings of one rule that share all of these, counted in the
        order of the file). Waivers and the CI formats use it."""
        key = "\0".join((self.rule, self.path, self.about, self.metadata.get("occurrence", "")))
        return short_digest(key.encode("utf-8", "surrogateescape"))

    @property
    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.path, self.line, self.column, self.rule, self.message)

    def _value(self) -> tuple[object, ...]:
        """Every field, hashable and ordered, in the order findings sort."""
        return (
            *self.sort_key,
            self.severity.rank,
            self.pack,
            self.fix,
            self.scope,
            tuple(sorted(self.metadata.items())),
        )

    # A Finding is a tuple underneath (see model.record): a value, not a tuple. Ordering raises
    # against a plain tuple rather than answering NotImplemented, for the same reason.
    def __eq__(self, other: object) -> bool:
        return value_eq(self, other)

    def __ne__(self, other: object) -> bool:
        return value_ne(self, other)

    def __hash__(self) -> int:
        return value_hash(self)

    def __lt__(self, other: object) -> bool:
        return self._value() < _other_value(other, "<")

    def __le__(self, other: object) -> bool:
        return self._value() <= _other_value(other, "<=")

    def __gt__(self, other: object) -> bool:
        return self._value() > _other_value(other, ">")

    def __ge__(self, other: object) -> bool:
        return self._value() >= _other_value(other, ">=")

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
            "fingerprint": self.fingerprint,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Finding:
        """The inverse of ``to_dict`` (for the caches)."""
        return cls(
            rule=data["rule"],
            severity=Severity(data["severity"]),
            message=data["message"],
            path=data["path"],
            line=data["line"],
            column=data["column"],
            pack=data["pack"],
            fix=data["fix"],
            scope=data["scope"],
            metadata=MappingProxyType(dict(data.get("metadata") or {})),
        )


def _other_value(other: object, operator: str) -> tuple[object, ...]:
    if not isinstance(other, Finding):
        raise TypeError(f"'{operator}' not supported between Finding and {type(other).__name__}")
    return other._value()
