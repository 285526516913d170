"""Betty policy profiles as packs.

A profile is ``policy: {name, version, description, scope, rules, enforcement}``. Each rule
names a ``field`` (``a.*.b`` paths; ``content`` means the file's text) and checks it with
``pattern``, ``required``, ``allowed_values`` or ``forbidden_values``, or an explicit
``check:``. Without a field, a pattern is forbidden text (secret scanning). Anything that
has no meaning here becomes a pack warning; a value of a shape its key cannot take (a mapping
for a name, text for ``rules``) is an error at its line; nothing is skipped silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from packwarden import checks
from packwarden.load.document import Mark, PosDict, PosList
from packwarden.packs.schema import RESERVED_RULE_PREFIXES

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~3 ms)
if TYPE_CHECKING:
    from typing import Any

INFORMATIONAL = frozenset({"description", "type", "environments", "metadata", "tags"})
PROFILE_KEYS = frozenset({"name", "version", "rules", "enforcement", "scope"}) | INFORMATIONAL
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
# Betty's own ``check:`` vocabulary (its profile format, docs/betty.md), each converted below
# to the packwarden check option of the same name. It is Betty's, not the registry's: a new
# packwarden check kind adds no Betty syntax.
CHECKS = ("pattern", "forbidden_pattern", "required", "allowed_values", "forbidden_values")
SEVERITIES = {
    "info": "info",
    "warning": "warning",
    "warn": "warning",
    "error": "error",
    "critical": "block",
    "block": "block",
}
MODES = {"blocking": "block", "block": "block", "strict": "block", "warning": "warn", "warn": "warn"}
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


def _shape(value: Any) -> str:
    """What a value is, for messages: 'a mapping', 'the number 5'."""
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    return repr(value)


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

    def error(self, message: str, mark: Mark) -> None:
        self.result.errors.append((message, mark))

    def text(self, node: PosDict, key: str, what: str) -> str | None:
        """``node[key]`` when it is text; an error when it is something else."""
        value = node.get(key)
        if key in node and not isinstance(value, str):
            self.error(f"{what} must be text, not {_shape(value)}", node.marks[key])
            return None
        return value

    def kinds(self, node: PosDict, default: tuple[str, ...]) -> tuple[str, ...]:
        """Artifact kinds for a Betty scope: Betty's artifacts are skill and agent manifests."""
        if "scope" not in node:
            return default
        scope, mark = node["scope"], node.marks["scope"]
        if isinstance(scope, str):
            names: list[tuple[Any, Mark]] = [(scope, mark)]
        elif isinstance(scope, PosList):
            names = list(zip(scope, scope.marks, strict=True))
        else:
            self.warn(f"scope {_shape(scope)} is not a kind name or a list of them; ignored", mark)
            return default
        kinds: list[str] = []
        for name, name_mark in names:
            if not isinstance(name, str):
                self.warn(f"scope item {_shape(name)} is not a kind name; ignored", name_mark)
            elif name in KINDS:
                kinds.extend(kind for kind in KINDS[name] if kind not in kinds)
            else:
                self.warn(f"scope {name!r} is not an artifact kind packwarden checks; ignored", name_mark)
        if not names:
            self.warn("scope names no kind; ignored", mark)
        return tuple(kinds) or default

    def convert(self) -> Converted:
        policy = self.root["policy"]
        for key in self.root:
            if key != "policy":
                self.warn(f"top-level key {key!r} has no meaning in a Betty profile; ignored", self.root.key_marks[key])
        if not isinstance(policy, PosDict):
            self.error("'policy' must be a mapping", self.root.marks["policy"])
            return self.result
        for key in policy:
            if key not in PROFILE_KEYS:
                self.warn(f"profile key {key!r} has no meaning for packwarden; ignored", policy.key_marks[key])
        out = self.result.data
        _put(out, "meta", self.meta(policy), policy, "name")
        _put(out, "enforcement", self.enforcement(policy), policy, "enforcement")
        _put(out, "rules", self.rules(policy), policy, "rules")
        return self.result

    def meta(self, policy: PosDict) -> PosDict:
        name = self.text(policy, "name", "the profile name")
        if name == "":
            self.error("the profile name must not be empty", policy.marks["name"])
        version = policy.get("version", "0")
        if isinstance(version, int) and not isinstance(version, bool):
            version = str(version)
        elif not isinstance(version, str):
            hint = "; quote it" if isinstance(version, float) else ""
            self.error(f"the profile version must be text, not {_shape(version)}{hint}", policy.marks["version"])
            version = "0"
        meta = PosDict(policy.mark)
        _put(meta, "key", _slug(name or "unnamed", 64), policy, "name")
        _put(meta, "version", version, policy, "version")
        _put(meta, "name", name or "unnamed", policy, "name")
        _put(
            meta,
            "description",
            self.text(policy, "description", "the profile description") or "",
            policy,
            "description",
        )
        return meta

    def enforcement(self, policy: PosDict) -> PosDict:
        enforcement = PosDict(policy.mark)
        mode = policy.get("enforcement", "warning")
        if not isinstance(mode, str):
            self.error(f"enforcement must be 'blocking' or 'warning', not {_shape(mode)}", policy.marks["enforcement"])
        elif mode not in MODES:
            message = f"enforcement {mode!r} is not 'blocking' or 'warning'; using warn mode"
            self.warn(message, policy.marks["enforcement"])
        _put(enforcement, "mode", MODES.get(mode, "warn") if isinstance(mode, str) else "warn", policy, "enforcement")
        return enforcement

    def rules(self, policy: PosDict) -> PosList:
        converted = PosList(policy.marks.get("rules", policy.mark))
        if "rules" not in policy:
            self.warn("the profile has no 'rules'; it checks nothing", policy.mark)
            return converted
        rules = policy["rules"]
        if not isinstance(rules, PosList):
            self.error(f"'rules' must be a list of rules, not {_shape(rules)}", policy.marks["rules"])
            return converted
        if not rules:
            self.warn("'rules' is empty; the profile checks nothing", policy.marks["rules"])
        # Explicit ids first, so that no generated id takes one of them.
        self.ids.update(rule["id"] for rule in rules if isinstance(rule, PosDict) and isinstance(rule.get("id"), str))
        profile = str(self.result.data["meta"]["key"])
        scope = self.kinds(policy, MANIFESTS)
        for index, (rule, mark) in enumerate(zip(rules, rules.marks, strict=True)):
            if not isinstance(rule, PosDict):
                self.error(f"rule {index + 1} must be a mapping, not {_shape(rule)}", mark)
                continue
            native = self.rule(rule, index, profile, scope)
            if native is not None:
                converted.append(native)
                converted.marks.append(mark)
        return converted

    def rule_id(self, rule: PosDict, index: int, profile: str) -> str:
        given = self.text(rule, "id", f"rule {index + 1}: id")
        if given:
            return given
        if given == "":
            self.error(f"rule {index + 1}: id must not be empty", rule.marks["id"])
        labels = (rule.get(key) for key in ("description", "message"))
        label = next((text for text in labels if isinstance(text, str) and text), f"rule-{index + 1}")
        rule_id = f"{_slug(profile, 32)}.{_slug(label)}"
        if rule_id.startswith(RESERVED_RULE_PREFIXES):  # a profile named 'config' or 'commit'
            rule_id = f"betty-{rule_id}"
        while rule_id in self.ids:
            rule_id += "-2"
        self.ids.add(rule_id)
        return rule_id

    def rule(self, rule: PosDict, index: int, profile: str, scope: tuple[str, ...]) -> PosDict | None:
        """The native rule, or None after an error or a warning that says why not."""
        errors_before = len(self.result.errors)
        out = PosDict(rule.mark)
        rule_id = self.rule_id(rule, index, profile)
        _put(out, "id", rule_id, rule, "id")
        for key in rule:
            if key not in RULE_KEYS:
                self.warn(f"rule {rule_id}: key {key!r} has no meaning; ignored", rule.key_marks[key])
        if rule.get("type", "field_check") != "field_check":
            self.warn(
                f"rule {rule_id}: type {_shape(rule['type'])} is not 'field_check'; checked as one", rule.marks["type"]
            )
        field_path = self.text(rule, "field", f"rule {rule_id}: field")
        if field_path is not None and field_path != "content":
            _put(out, "field", field_path, rule, "field")
        self.checks(rule, out, rule_id, has_field="field" in out)
        texts = [
            (key, self.text(rule, source_key, f"rule {rule_id}: {source_key}"), source_key)
            for source_key, key in (("message", "message"), ("description", "summary"))
        ]
        if len(self.result.errors) > errors_before:
            return None  # reported; converting the rest would only repeat it
        if not any(key in checks.table().options for key in out):
            self.warn(
                f"rule {rule_id} checks nothing (no pattern, required: true, allowed_values or forbidden_values);"
                " skipped",
                rule.mark,
            )
            return None
        self.severity(rule, out, rule_id)
        _put(out, "applies_to", list(self.kinds(rule, scope)), rule, "scope")
        for key, text, source_key in texts:
            if text is not None:
                _put(out, key, text, rule, source_key)
        return out

    def checks(self, rule: PosDict, out: PosDict, rule_id: str, has_field: bool) -> None:
        check = self.text(rule, "check", f"rule {rule_id}: check")
        pattern = self.text(rule, "pattern", f"rule {rule_id}: pattern")
        if check in ("pattern", "forbidden_pattern"):
            if pattern is None:
                if "pattern" not in rule:
                    self.error(f"rule {rule_id}: check {check} needs a pattern", rule.mark)
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
            if key not in rule:
                continue
            if not isinstance(rule[key], list):
                self.error(f"rule {rule_id}: {key} must be a list of values, not {_shape(rule[key])}", rule.marks[key])
            elif check in (None, key):
                _put(out, key, rule[key], rule)
            elif check in CHECKS:
                self.warn(f"rule {rule_id}: {key} is not checked with check: {check}; ignored", rule.marks[key])
        self.required(rule, out, rule_id, check)

    def required(self, rule: PosDict, out: PosDict, rule_id: str, check: str | None) -> None:
        required = rule.get("required")
        if "required" in rule and not isinstance(required, bool):
            self.error(
                f"rule {rule_id}: required must be true or false, not {_shape(required)}", rule.marks["required"]
            )
        elif required is False and check == "required":
            self.warn(f"rule {rule_id}: required: false contradicts check: required; checked", rule.marks["required"])
        if required is True or check == "required":
            _put(out, "required", True, rule, "required" if "required" in rule else "check")

    def severity(self, rule: PosDict, out: PosDict, rule_id: str) -> None:
        given = rule.get("severity", "error")
        severity = SEVERITIES.get(given.lower()) if isinstance(given, str) else None
        if severity is None:
            shown = _shape(given.lower() if isinstance(given, str) else given)
            self.warn(f"rule {rule_id}: severity {shown} is unknown; using error", rule.marks["severity"])
            severity = "error"
        action = rule.get("action", "block")
        if action == "warn" and severity in ("error", "block"):
            severity = "warning"
        elif action not in ("warn", "block"):
            self.warn(
                f"rule {rule_id}: action {_shape(action)} is not 'block' or 'warn'; ignored", rule.marks["action"]
            )
        _put(out, "severity", severity, rule, "severity")


def convert(root: PosDict) -> Converted:
    """A native pack tree (positions kept) from a Betty profile, with warnings and errors."""
    return _Converter(root).convert()
