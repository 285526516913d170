"""What a central layer lets the repository's config do.

A project file at a central source (``projects/<id>.yml``) may lock rules (ids, or prefixes
ending in ``*``), give rules a minimum severity, and say whether repo-local overrides are
``allowed``, ``tighten-only`` or ``disabled``. The repository's config may always tighten
(a higher severity, a new rule) unless overrides are disabled; weakening a protected rule
(disabling it, a lower severity, redefining it) is refused: ``refusal`` says why, the caller
reports it as a ``config.override-refused`` finding, and the rule keeps applying.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from packwarden.model.finding import Severity
from packwarden.model.record import Record


class Governance(Record):
    layer: str  # who set it, for messages and `effective --explain`
    repo_overrides: str = "allowed"  # allowed | tighten-only | disabled
    locked: tuple[str, ...] = ()
    min_severity: Mapping[str, Severity] = MappingProxyType({})

    def locks(self, rule_id: str) -> bool:
        return any(rule_id.startswith(lock[:-1]) if lock.endswith("*") else rule_id == lock for lock in self.locked)

    def _protected(self, rule_id: str) -> str | None:
        """Why weakening ``rule_id`` is refused; None when it may be weakened."""
        if self.repo_overrides == "disabled":
            return f"repo-local overrides are disabled by {self.layer}"
        if self.locks(rule_id):
            return f"{rule_id} is locked by {self.layer}"
        if self.repo_overrides == "tighten-only":
            return f"{self.layer} allows repo-local overrides that tighten only"
        return None

    def refuse_any(self) -> str | None:
        """Why any override at all is refused (overrides disabled); None otherwise."""
        return self._protected("") if self.repo_overrides == "disabled" else None

    def refuse_disable(self, rule_id: str) -> str | None:
        return self._protected(rule_id)

    def refuse_severity(self, rule_id: str, current: Severity, wanted: Severity) -> str | None:
        floor = self.min_severity.get(rule_id)
        if floor is not None and wanted.rank < floor.rank:
            return f"{self.layer} sets a minimum severity of {floor.value} for {rule_id}"
        if wanted.rank >= current.rank:
            return self.refuse_any()
        return self._protected(rule_id)

    def refuse_redefine(self, rule_id: str) -> str | None:
        """A rule the config writes with the id of one it already has replaces it: a narrower
        rule would pass what the central one catches, so a protected rule cannot be redefined."""
        return self._protected(rule_id)

    def refuse_mode(self, current: str, wanted: str) -> str | None:
        if wanted in (current, "block"):
            return self.refuse_any()
        return self._protected("") if self.repo_overrides != "allowed" else None

    def refuse_pack(self, chosen: str, wanted: str) -> str | None:
        if wanted == chosen:
            return None
        if self.repo_overrides == "allowed":
            return None
        return f"{self.layer} selects {chosen}; its repo-local overrides may not select another pack"

    def raise_to_minimum(self, rule_id: str, severity: Severity) -> Severity:
        floor = self.min_severity.get(rule_id)
        return floor if floor is not None and floor.rank > severity.rank else severity


ALLOW_ALL = Governance("no central project")
