"""Betty policy profiles as packs.

A profile is ``policy: {name, version, description, scope, rules, enforcement}``. Each rule
names a ``field`` (``a.*.b`` paths; ``content`` means the file's text) and checks it with
``pattern``, ``required``, ``allowed_values`` or ``forbidden_values``, or an explicit
``check:``. Without a field, a pattern is forbidden text (secret scanning). Anything that
has no meaning here becomes a pack warning; nothing is skipped silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from packwarden.load.document import Mark, PosDict, PosList

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~3 ms)
if TYPE_CHECKING:
    from typing import Any

INFORMATIONAL = frozenset({"description", "type", "environments", "metadata", "tags"})
RULE_KEYS = frozenset(
    {
        "id",
        "field",
        "check",
        "type",
        "pattern",
        "required",
        "allowed_values",
        "forbidden_values",
        "message",
        "description",
        "severity",
        "action",
        "scope",
    }
)
CHECKS = ("pattern", "forbidden_pattern", "required", "allowed_values", "forbidden_values")
SEVERITIES = {
    "info": "info",
    "warning": "warning",
    "warn": "warning",
    "error": "error",
    "critical": "block",
    "block": "block",
}
MODES = {"blocking": "block", "warning": "warn"}
MANIFESTS = ("skill", "agent")
KINDS = {"skill": ("skill",), "agent": ("agent",), "artifact": MANIFESTS}


def is_profile(data: Any) -> bool:
    return isinstance(data, PosDict) and "policy" in data and "meta" not in data


@dataclass
class Converted:
    data: PosDict
    warnings: list[tuple[str, Mark]] = field(default_factory=list)
    errors: list[tuple[str, Mark]] = field(default_factory=list)


def _slug(text: str, limit: int = 48) -> str:
    """A rule or pack id from free text, cut at a word boundary."""
    slug = re.sub(r"[^a-z0-9_]+", "-", text.lower()).strip("-")
    if len(slug) > limit:
        slug = slug[:limit].rsplit("-", 1)[0]
    return slug or "rule"


def _put(out: PosDict, key: str, value: Any, src: PosDict, src_key: str | None = None) -> None:
    out[key] = value
    origin = src_key or key
    out.marks[key] = src.marks.get(origin, src.mark)
    out.key_marks[key] = src.key_marks.get(origin, src.mark)


class _Converter:
    def __init__(self, root: PosDict) -> None:
        self.root = root
        self.result = Converted(PosDict(root.mark))
        self.ids: set[str] = set()

    def warn(self, message: str, mark: Mark) -> None:
        self.result.warnings.append((message, mark))

    def kinds(self, scope: Any, mark: Mark) -> tuple[str, ...]:
        """Artifact kinds for a Betty scope: Betty's artifacts are skill and agent manifests."""
        names = [scope] if isinstance(scope, str) else list(scope) if isinstance(scope, list) else []
        kinds: list[str] = []
        for name in names:
            if name in KINDS:
                kinds.extend(kind for kind in KINDS[name] if kind not in kinds)
            else:
                self.warn(f"scope {name!r} is not an artifact kind packwarden checks; ignored", mark)
        return tuple(kinds) or MANIFESTS

    def convert(self) -> Converted:
        policy = self.root["policy"]
        for key in self.root:
            if key != "policy":
                self.warn(f"top-level key {key!r} has no meaning in a Betty profile; ignored", self.root.key_marks[key])
        if not isinstance(policy, PosDict):
            self.result.errors.append(("'policy' must be a mapping", self.root.marks["policy"]))
            return self.result
        out = self.result.data
        name = str(policy.get("name", "unnamed"))
        meta = PosDict(policy.mark)
        _put(meta, "key", _slug(name, 64), policy, "name")
        _put(meta, "version", str(policy.get("version", "0")), policy, "version")
        _put(meta, "name", name, policy, "name")
        _put(meta, "description", str(policy.get("description", "")), policy, "description")
        _put(out, "meta", meta, policy, "name")
        enforcement = PosDict(policy.mark)
        mode = policy.get("enforcement", "warning")
        if mode not in MODES:
            self.warn(f"enforcement {mode!r} is not 'blocking' or 'warning'; using warn mode", policy.mark)
        _put(enforcement, "mode", MODES.get(mode, "warn"), policy, "enforcement")
        _put(out, "enforcement", enforcement, policy, "enforcement")
        for key in policy:
            if key not in RULE_KEYS | INFORMATIONAL | {"name", "version", "rules", "enforcement", "scope"}:
                self.warn(f"profile key {key!r} has no meaning for packwarden; ignored", policy.key_marks[key])
        scope = self.kinds(policy.get("scope", "artifact"), policy.marks.get("scope", policy.mark))
        rules = policy.get("rules", [])
        converted = PosList(policy.marks.get("rules", policy.mark))
        for index, rule in enumerate(rules if isinstance(rules, PosList) else []):
            mark = rules.marks[index]
            if not isinstance(rule, PosDict):
                self.result.errors.append((f"rule {index + 1} must be a mapping", mark))
                continue
            native = self.rule(rule, index, name, scope)
            if native is not None:
                converted.append(native)
                converted.marks.append(mark)
        _put(out, "rules", converted, policy, "rules")
        return self.result

    def rule(self, rule: PosDict, index: int, profile: str, scope: tuple[str, ...]) -> PosDict | None:
        out = PosDict(rule.mark)
        label = str(rule.get("description") or rule.get("message") or f"rule-{index + 1}")
        rule_id = str(rule.get("id") or f"{_slug(profile, 32)}.{_slug(label)}")
        while rule_id in self.ids:
            rule_id += "-2"
        self.ids.add(rule_id)
        _put(out, "id", rule_id, rule, "id")
        for key in rule:
            if key not in RULE_KEYS:
                self.warn(f"rule {rule_id}: key {key!r} has no meaning; ignored", rule.key_marks[key])
        if rule.get("type", "field_check") != "field_check":
            self.warn(f"rule {rule_id}: type {rule['type']!r} is not 'field_check'; checked as one", rule.marks["type"])
        field_path = rule.get("field")
        if field_path is not None and field_path != "content":
            _put(out, "field", str(field_path), rule, "field")
        self.checks(rule, out, rule_id, has_field="field" in out)
        if not any(key in out for key in CHECKS):
            self.warn(
                f"rule {rule_id} checks nothing (no pattern, required, allowed_values or forbidden_values); skipped",
                rule.mark,
            )
            return None
        self.severity(rule, out, rule_id)
        kinds = self.kinds(rule["scope"], rule.marks["scope"]) if "scope" in rule else scope
        _put(out, "applies_to", list(kinds), rule, "scope")
        for source_key, key in (("message", "message"), ("description", "summary")):
            if source_key in rule:
                _put(out, key, str(rule[source_key]), rule, source_key)
        return out

    def checks(self, rule: PosDict, out: PosDict, rule_id: str, has_field: bool) -> None:
        check = rule.get("check")
        pattern = rule.get("pattern")
        if check in ("pattern", "forbidden_pattern"):
            if pattern is None:
                self.result.errors.append((f"rule {rule_id}: check {check} needs a pattern", rule.mark))
            else:
                _put(out, check, pattern, rule, "pattern")
        elif check is not None and check not in CHECKS:
            self.warn(f"rule {rule_id}: check {check!r} is unknown; ignored", rule.marks["check"])
        elif pattern is not None:
            _put(out, "pattern" if has_field else "forbidden_pattern", pattern, rule, "pattern")
            if has_field and "forbidden_values" in rule:
                self.warn(
                    f"rule {rule_id}: a field pattern must match; if it describes what is "
                    "forbidden, say check: forbidden_pattern",
                    rule.marks["pattern"],
                )
        for key in ("allowed_values", "forbidden_values"):
            if key in rule and check in (None, key):
                _put(out, key, rule[key], rule)
        if rule.get("required") is True or check == "required":
            _put(out, "required", True, rule, "required" if "required" in rule else "check")

    def severity(self, rule: PosDict, out: PosDict, rule_id: str) -> None:
        given = str(rule.get("severity", "error")).lower()
        severity = SEVERITIES.get(given)
        if severity is None:
            self.warn(f"rule {rule_id}: severity {given!r} is unknown; using error", rule.marks["severity"])
            severity = "error"
        action = rule.get("action", "block")
        if action == "warn" and severity in ("error", "block"):
            severity = "warning"
        elif action not in ("warn", "block"):
            self.warn(f"rule {rule_id}: action {action!r} is not 'block' or 'warn'; ignored", rule.marks["action"])
        _put(out, "severity", severity, rule, "severity")


def convert(root: PosDict) -> Converted:
    """A native pack tree (positions kept) from a Betty profile, with warnings and errors."""
    return _Converter(root).convert()
