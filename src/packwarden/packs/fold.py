"""Accumulating the layers of a policy into the values of an EffectivePolicy."""

from __future__ import annotations

from packwarden.model import builtin_rules as R
from packwarden.model.errors import PolicyValidationError
from packwarden.model.finding import Finding, Severity
from packwarden.model.policy import DEFAULT_ARTIFACTS, DEFAULT_WAIVER_MAX_DAYS, DEFAULT_WAIVER_NOTICE_DAYS
from packwarden.model.rule import Rule
from packwarden.packs.capabilities import Sections, compile_sections, merge
from packwarden.packs.reader import LoadedPack


class Fold:
    """Accumulates layers into the values of an EffectivePolicy."""

    def __init__(self) -> None:
        self.rules: dict[str, Rule] = {}
        self.requirement_lists: dict[str, tuple[str, ...]] = {}  # see _inherited
        self.mode = "warn"
        self.fail_on = Severity.ERROR
        self.waiver_limits = (DEFAULT_WAIVER_MAX_DAYS, DEFAULT_WAIVER_NOTICE_DAYS)  # max_days, notice_days
        self.provenance = False
        self.artifacts = dict(DEFAULT_ARTIFACTS)
        self.builtin_severities: dict[str, Severity] = {}
        self.defaults: dict[str, object] = {}
        self.origins: dict[str, str] = {"mode": "default", "fail_on": "default"}
        self.warnings: list[Finding] = []
        self.capabilities: Sections | None = None  # merged along the chain so far; see _capabilities
        self.capability_ids: set[str] = set()
        self.capability_severities: dict[str, tuple[Severity, str]] = {}
        self.layers: dict[str, str] = {}  # pack ref -> its layer, as origins name it

    def severity(self, rule_id: str) -> Severity | None:
        """The rule's severity now, None when there is no such rule (or it is not adjustable)."""
        if rule_id in self.rules:
            return self.rules[rule_id].severity
        builtin = R.BY_ID.get(rule_id)
        if builtin is not None and builtin.adjustable:
            return self.builtin_severities.get(rule_id, builtin.severity)
        return None

    def set_severity(self, rule_id: str, severity: Severity, layer: str) -> bool:
        if rule_id in self.capability_ids:  # kept for when a later pack compiles the rule again
            self.capability_severities[rule_id] = (severity, layer)
        if rule_id in self.rules:
            self.rules[rule_id] = self.rules[rule_id]._replace(severity=severity)
        elif rule_id in R.BY_ID and R.BY_ID[rule_id].adjustable:
            self.builtin_severities[rule_id] = severity
        else:
            return False
        self.origins[f"severity:{rule_id}"] = layer
        return True

    def _inherited(self, pack: LoadedPack) -> set[str]:
        """The rule ids of the requirement lists ``pack`` leaves to their defaults while a pack
        it extends already said what they hold: those keep the earlier pack's rules (and their
        severities). A list the pack writes replaces the earlier one: rules it no longer asks
        for are dropped."""
        skipped: set[str] = set()
        for name, written, ids in pack.requirement_lists:
            if written or name not in self.requirement_lists:
                for old in set(self.requirement_lists.get(name, ())) - set(ids):
                    self.rules.pop(old, None)
                self.requirement_lists[name] = ids
            else:
                skipped.update(ids)
        return skipped

    def _capabilities(self, pack: LoadedPack) -> set[str]:
        """Compile the capability rules again from ``pack``'s sections merged onto the chain's so far
        (``packs.capabilities.merge``), keeping the severities earlier packs gave them; returns the
        ids of the pack's own capability rules, which these replace."""
        if pack.capabilities is None:
            return set()
        merged, clashes = merge(self.capabilities, pack.capabilities)
        if clashes:
            raise PolicyValidationError(
                [Finding(R.PACK_INVALID.id, Severity.ERROR, m, d.source, d.line, d.column) for m, d in clashes]
            )
        self.capabilities = merged
        for old in self.capability_ids:
            self.rules.pop(old, None)
            self.origins.pop(f"rule:{old}", None)
            self.origins.pop(f"severity:{old}", None)
        compiled = compile_sections(merged)
        self.capability_ids = {rule.id for rule in compiled}
        for rule in compiled:
            self.add_rule(rule, self.layers.get(rule.pack, f"pack {rule.pack}"))
            if rule.id in self.capability_severities:
                severity, layer = self.capability_severities[rule.id]
                self.rules[rule.id] = rule._replace(severity=severity)
                self.origins[f"severity:{rule.id}"] = layer
        return self.capability_ids

    def add_rule(self, rule: Rule, layer: str) -> None:
        self.rules[rule.id] = rule
        self.origins[f"rule:{rule.id}"] = layer
        self.origins[f"severity:{rule.id}"] = layer

    def pack(self, pack: LoadedPack, origin: str = "") -> None:
        """Fold one pack in; ``origin`` says where it came from (built-in, central, a file)."""
        layer = f"pack {pack.ref} ({origin})" if origin else f"pack {pack.ref}"
        self.layers[pack.ref] = layer
        self.warnings.extend(pack.warnings)
        inherited = self._inherited(pack) | self._capabilities(pack)
        for rule in pack.rules:
            if rule.id not in inherited:
                self.add_rule(rule, layer)
        enforcement = pack.spec.enforcement
        if "mode" in enforcement.model_fields_set:
            self.mode, self.origins["mode"] = enforcement.mode, layer
        if "fail_on" in enforcement.model_fields_set:
            self.fail_on, self.origins["fail_on"] = Severity(enforcement.fail_on), layer
        if "provenance" in enforcement.model_fields_set:
            self.provenance, self.origins["provenance"] = enforcement.provenance, layer
        if "waivers" in enforcement.model_fields_set:
            limits = enforcement.waivers
            self.waiver_limits, self.origins["waivers"] = (limits.max_days, limits.notice_days), layer
        for kind, globs in pack.spec.artifacts.items():
            self.artifacts[kind] = tuple(globs)
            self.origins[f"artifacts:{kind}"] = layer
        self.defaults.update(pack.spec.defaults)
        self.origins.update((f"defaults:{key}", layer) for key in pack.spec.defaults)
        unknown = [
            rid for rid, sev in enforcement.severities.items() if not self.set_severity(rid, Severity(sev), layer)
        ]
        if unknown:
            message = f"enforcement.severities names unknown rules: {', '.join(unknown)}"
            raise PolicyValidationError([Finding(R.PACK_INVALID.id, Severity.ERROR, message, pack.source)])
