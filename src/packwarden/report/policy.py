"""Render policies and packs: ``effective``, ``packs show`` and ``packs diff``."""

from __future__ import annotations

from collections.abc import Mapping

from packwarden.model.policy import EffectivePolicy
from packwarden.model.rule import Rule
from packwarden.report.styled import SEVERITY_STYLE, Line, safe


def checks_text(rule: Rule) -> str:
    """What a rule checks, in one line: ``field: check=value, ...``."""
    from packwarden.checks import table

    options = table().options
    parts = []
    for key, value in rule.params.items():
        shown = options[key].shown if key in options else None
        parts.append(key if value is True else shown(value) if shown is not None else f"{key}={value!r}")
    unit = any(key in table().unit_keys for key in rule.params)
    target = rule.field if rule.field is not None else "<unit>" if unit else "<file text>"
    return f"{target}: {', '.join(parts)}"


def rule_line(rule: Rule, origin: str = "", severity_origin: str = "") -> Line:
    kinds = ",".join(rule.applies_to) or "all"
    line: Line = [
        (f"  {rule.id:<40}", "magenta"),
        (f" {rule.severity.value:<8}", SEVERITY_STYLE[rule.severity.value]),
        (f" [{kinds}] {safe(checks_text(rule))}", ""),
    ]
    if origin:
        note = f"defined by {origin}"
        if severity_origin and severity_origin != origin:
            note += f"; severity set by {severity_origin}"
        line.append((f"\n      {note}", "dim"))
    return line


def effective_lines(policy: EffectivePolicy, explain: bool) -> list[Line]:
    origins = policy.origins
    mode = "block (strict)" if policy.mode == "block" else "warn"
    lines: list[Line] = [
        [("packs: ", "bold"), (" -> ".join(policy.packs), "")],
        [("mode: ", "bold"), (mode, "")] + ([(f"  (set by {origins.get('mode')})", "dim")] if explain else []),
        [("fail_on: ", "bold"), (policy.fail_on.value, "")]
        + ([(f"  (set by {origins.get('fail_on')})", "dim")] if explain else []),
        [("waivers: ", "bold"), (f"max_days {policy.waiver_limits[0]}, notice_days {policy.waiver_limits[1]}", "")]
        + ([(f"  (set by {origins.get('waivers', 'default')})", "dim")] if explain else []),
        [("hash: ", "bold"), (f"sha256:{policy.sha256}", "")],
        [("artifacts:", "bold")],
    ]
    for kind, globs in policy.artifacts.items():
        origin = f"  (set by {origins.get(f'artifacts:{kind}', 'default')})" if explain else ""
        lines.append([(f"  {kind}: {', '.join(globs)}", ""), (origin, "dim")])
    lines.append([(f"rules ({len(policy.rules)}):", "bold")])
    for rule in sorted(policy.rules, key=lambda r: r.id):
        if explain:
            lines.append(rule_line(rule, origins.get(f"rule:{rule.id}", ""), origins.get(f"severity:{rule.id}", "")))
        else:
            lines.append(rule_line(rule))
    if policy.defaults:
        lines.append([("defaults:", "bold")])
        for path, value in flat_defaults(policy.defaults):
            origin = f"  (set by {default_origin(policy, path)})" if explain else ""
            lines.append([(f"  {path}: {safe(_shown(value))}", ""), (origin, "dim")])
    if policy.locked:
        lines.append([("locked against repo-local weakening:", "bold")])
        lines.extend([[(f"  {rule_id}: locked by {layer}", "")] for rule_id, layer in sorted(policy.locked.items())])
    if policy.builtin_severities:
        lines.append([("built-in rule severities:", "bold")])
        for rule_id, severity in sorted(policy.builtin_severities.items()):
            origin = f"  (set by {origins.get(f'severity:{rule_id}')})" if explain else ""
            lines.append([(f"  {rule_id}: {severity.value}", ""), (origin, "dim")])
    return lines


def flat_defaults(defaults: Mapping[str, object], prefix: str = "") -> list[tuple[str, object]]:
    """Every leaf of ``defaults`` by its dotted path (a mapping's values one by one)."""
    found: list[tuple[str, object]] = []
    for key, value in defaults.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            found.extend(flat_defaults(value, f"{path}."))
        else:
            found.append((path, value))
    return found


def default_origin(policy: EffectivePolicy, path: str) -> str:
    """The layer that set the default at ``path``: its own entry, or the nearest above it."""
    parts = path.split(".")
    for end in range(len(parts), 0, -1):
        origin = policy.origins.get(f"defaults:{'.'.join(parts[:end])}")
        if origin is not None:
            return origin
    return "default"


def _shown(value: object) -> str:
    import json

    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)


def effective_data(policy: EffectivePolicy) -> dict[str, object]:
    return {
        **policy.canonical(),
        "hash": f"sha256:{policy.sha256}",
        "defaults": dict(policy.defaults),
        "origins": dict(policy.origins),
    }


def diff_lines(old: EffectivePolicy, new: EffectivePolicy) -> list[Line]:
    """Rules added, removed and changed from ``old`` to ``new``, and mode changes."""
    before = {rule.id: rule for rule in old.rules}
    after = {rule.id: rule for rule in new.rules}
    lines: list[Line] = [[(f"--- {old.pack}", "red")], [(f"+++ {new.pack}", "green")]]
    if old.mode != new.mode:
        lines.append([(f"~ mode: {old.mode} -> {new.mode}", "yellow")])
    for rule_id in sorted(before.keys() | after.keys()):
        if rule_id not in after:
            lines.append([(f"- {rule_id} ({before[rule_id].severity.value})", "red")])
        elif rule_id not in before:
            lines.append([(f"+ {rule_id} ({after[rule_id].severity.value}) {checks_text(after[rule_id])}", "green")])
        else:
            a, b = before[rule_id], after[rule_id]
            if a.severity is not b.severity:
                lines.append([(f"~ {rule_id}: severity {a.severity.value} -> {b.severity.value}", "yellow")])
            if checks_text(a) != checks_text(b) or a.applies_to != b.applies_to:
                lines.append([(f"~ {rule_id}: checks {checks_text(a)} -> {checks_text(b)}", "yellow")])
            elif (a.message, a.fix) != (b.message, b.fix):
                lines.append([(f"~ {rule_id}: message or fix changed", "yellow")])
    for rule_id in sorted(old.builtin_severities.keys() | new.builtin_severities.keys()):
        was, now = old.builtin_severities.get(rule_id), new.builtin_severities.get(rule_id)
        if was is not now:
            shown = f"{was.value if was else 'default'} -> {now.value if now else 'default'}"
            lines.append([(f"~ {rule_id}: severity {shown}", "yellow")])
    if len(lines) == 2:
        lines.append([("(no differences in rules or mode)", "dim")])
    return lines
