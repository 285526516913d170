"""The effective policy: every layer folded into what the engine evaluates."""

from __future__ import annotations

import json
from collections.abc import Mapping
from types import MappingProxyType

from packwarden.model.builtin_rules import BuiltinRule
from packwarden.model.digest import hex_digest
from packwarden.model.finding import Finding, Severity
from packwarden.model.record import Record
from packwarden.model.rule import Rule

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~3 ms)
if TYPE_CHECKING:
    from typing import Any

DEFAULT_ARTIFACTS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "skill": ("**/skill.yaml", "**/skill.yml"),
        "agent": ("**/agent.yaml", "**/agent.yml"),
        "protocol": (".protocols/*/",),
    }
)
DEFAULT_WAIVER_MAX_DAYS = 90  # enforcement.waivers.max_days when no pack sets it
DEFAULT_WAIVER_NOTICE_DAYS = 14


class EffectivePolicy(Record):
    """What applies, and (``origins``) which layer set each value.

    ``origins`` keys: ``mode``, ``fail_on``, ``rule:<id>`` (where the rule was defined) and
    ``severity:<id>`` (where its severity was last set). ``locked``: the rules a central layer
    locked against weakening, each with that layer (waivers and trailers honour it too).
    ``waiver_limits``: the pack's ``enforcement.waivers`` (max_days, notice_days).
    """

    packs: tuple[str, ...]
    mode: str = "warn"
    fail_on: Severity = Severity.ERROR
    rules: tuple[Rule, ...] = ()
    artifacts: Mapping[str, tuple[str, ...]] = DEFAULT_ARTIFACTS
    builtin_severities: Mapping[str, Severity] = MappingProxyType({})
    defaults: Mapping[str, object] = MappingProxyType({})
    origins: Mapping[str, str] = MappingProxyType({})
    warnings: tuple[Finding, ...] = ()
    locked: Mapping[str, str] = MappingProxyType({})
    waiver_limits: tuple[int, int] = (DEFAULT_WAIVER_MAX_DAYS, DEFAULT_WAIVER_NOTICE_DAYS)
    provenance: bool = False  # the commit-msg gate appends ``Policy:`` trailers

    @property
    def pack(self) -> str:
        """The selected pack (the last of the chain)."""
        return self.packs[-1] if self.packs else "packwarden"

    def severity_of(self, rule: BuiltinRule) -> Severity:
        return self.builtin_severities.get(rule.id, rule.severity)

    def canonical(self) -> dict[str, object]:
        return {
            "packs": list(self.packs),
            "mode": self.mode,
            "fail_on": self.fail_on.value,
            "rules": [rule.canonical() for rule in sorted(self.rules, key=lambda r: r.id)],
            "artifacts": {kind: list(globs) for kind, globs in sorted(self.artifacts.items())},
            "builtin_severities": {k: v.value for k, v in sorted(self.builtin_severities.items())},
            "locked": dict(sorted(self.locked.items())),
            "waivers": {"max_days": self.waiver_limits[0], "notice_days": self.waiver_limits[1]},
            "provenance": self.provenance,
        }

    def _canonical_bytes(self) -> bytes:
        return json.dumps(self.canonical(), sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")

    @property
    def digest(self) -> str:
        """BLAKE2b-256 over the canonical JSON form: equal digests find equal findings (cache keys)."""
        return hex_digest(self._canonical_bytes())

    @property
    def sha256(self) -> str:
        """SHA-256 over the same canonical form: the hash users see and record."""
        from hashlib import sha256  # only `effective` and reports show it

        return sha256(self._canonical_bytes()).hexdigest()

    def to_data(self) -> dict[str, object]:
        """Everything, as JSON-able data (the compiled-policy cache)."""
        return {
            "packs": list(self.packs),
            "mode": self.mode,
            "fail_on": self.fail_on.value,
            "rules": [rule.to_data() for rule in self.rules],
            "artifacts": {kind: list(globs) for kind, globs in self.artifacts.items()},
            "builtin_severities": {k: v.value for k, v in self.builtin_severities.items()},
            "defaults": dict(self.defaults),
            "origins": dict(self.origins),
            "warnings": [finding.to_dict() for finding in self.warnings],
            "locked": dict(self.locked),
            "waiver_limits": list(self.waiver_limits),
            "provenance": self.provenance,
        }

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> EffectivePolicy:
        return cls(
            packs=tuple(data["packs"]),
            mode=data["mode"],
            fail_on=Severity(data["fail_on"]),
            rules=tuple(Rule.from_data(rule) for rule in data["rules"]),
            artifacts={kind: tuple(globs) for kind, globs in data["artifacts"].items()},
            builtin_severities={k: Severity(v) for k, v in data["builtin_severities"].items()},
            defaults=data["defaults"],
            origins=data["origins"],
            warnings=tuple(Finding.from_dict(item) for item in data["warnings"]),
            locked=data["locked"],
            waiver_limits=(int(data["waiver_limits"][0]), int(data["waiver_limits"][1])),
            provenance=bool(data["provenance"]),
        )
