"""Waivers: a reviewed, owned and dated exception to a rule (DESIGN.md, "Waivers").

A waiver names a rule (an id, or a prefix ending in ``*`` or ``.``), the paths it covers
(globs), optionally one finding (its fingerprint), why, who answers for it, and the last day
it holds. The decision step (``enforce.decide``) applies them; this module only says what a
waiver covers and where a date stands.

Dates are UTC calendar days written ``YYYY-MM-DD``: a waiver holds through its ``expires`` day
on every machine alike, so CI honours exactly what the local gate honoured.
"""

from __future__ import annotations

from packwarden.model.decision import TODAY_VARIABLE, rule_covered, today
from packwarden.model.finding import Finding, Severity
from packwarden.model.record import Record, value_eq, value_hash, value_ne

WAIVERS_PATH = ".packwarden/waivers.yml"
TRAILER = "Policy-Waiver trailer"  # the ``source`` of a waiver written in a commit message
_ASCII = frozenset("0123456789")  # str.isdigit() accepts other scripts' digits too


__all__ = ["NO_WAIVERS", "TODAY_VARIABLE", "TRAILER", "WAIVERS_PATH", "Waiver", "WaiverFile", "day_number", "today"]


class Waiver(Record):
    """One waiver, from the waivers file (``line``/``column``: where its entry starts) or from
    a commit message trailer (``source == TRAILER``, no ``expires``: it holds for that commit)."""

    rule: str
    paths: tuple[str, ...]
    reason: str
    owner: str
    expires: str  # YYYY-MM-DD, the last day it holds; "" for a trailer
    fingerprint: str = ""
    ticket: str = ""
    line: int = 1
    column: int = 1
    source: str = WAIVERS_PATH

    @property
    def trailer(self) -> bool:
        return self.source == TRAILER

    def covers_rule(self, rule_id: str) -> bool:
        """Whether the rule part covers ``rule_id``: the same id, or a prefix of it (``skill.*``
        and ``skill.`` cover ``skill.name-format``; ``skill*`` covers ``skills.x`` too)."""
        return rule_covered(self.rule, rule_id)

    def covers(self, finding: Finding) -> bool:
        """Whether this waiver, in force, would cover ``finding``: rule, paths and fingerprint.

        Whether it may (a locked rule, a ``block`` finding and a trailer) is the decision's.
        """
        if not self.covers_rule(finding.rule):
            return False
        if self.fingerprint and self.fingerprint != finding.fingerprint:
            return False
        from packwarden.model.globs import compile_globs

        return compile_globs(self.paths).match(finding.path) is not None

    def may_cover(self, severity: Severity) -> bool:
        """A trailer acknowledges ``error`` findings only; the reviewed file may cover any."""
        return not self.trailer or severity is Severity.ERROR

    def shown(self) -> dict[str, object]:
        """As JSON output and ``waivers list --json`` show it (``waived_by``)."""
        data: dict[str, object] = {
            "rule": self.rule,
            "paths": list(self.paths),
            "owner": self.owner,
            "expires": self.expires or None,
            "reason": self.reason,
            "source": self.source,
            "line": self.line,
        }
        if self.fingerprint:
            data["fingerprint"] = self.fingerprint
        if self.ticket:
            data["ticket"] = self.ticket
        return data

    def _value(self) -> tuple[object, ...]:
        return tuple(self)

    def __eq__(self, other: object) -> bool:
        return value_eq(self, other)

    def __ne__(self, other: object) -> bool:
        return value_ne(self, other)

    def __hash__(self) -> int:
        return value_hash(self)


def day_number(text: str) -> int | None:
    """Days since 0001-01-01 of a ``YYYY-MM-DD`` date, or None when it is not a real one."""
    if len(text) != 10 or text[4] != "-" or text[7] != "-" or not set(text[:4] + text[5:7] + text[8:]) <= _ASCII:
        return None
    import datetime

    try:
        return datetime.date.fromisoformat(text).toordinal()
    except ValueError:
        return None


class WaiverFile(Record):
    """The waivers file as read (``packs.waivers``): its valid entries, a ``waiver.invalid``
    finding for each malformed one, and whether there was a file at all."""

    waivers: tuple[Waiver, ...] = ()
    problems: tuple[Finding, ...] = ()
    present: bool = False


NO_WAIVERS = WaiverFile()
