"""What lint adds to the pack reader: checks of one pack that reads, in its effective policy.

Each says what an author cannot see otherwise: a rule that silently replaces an inherited one,
a rule no artifact glob ever hands a file, a pattern that only the back-tracking fallback takes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from packwarden.checks import table
from packwarden.checks.pattern import pattern_problem
from packwarden.load.document import Mark, PosDict
from packwarden.model.kinds import spec_of
from packwarden.model.pattern import BUDGET_SECONDS, compile_pattern
from packwarden.model.policy import EffectivePolicy
from packwarden.model.record import Record
from packwarden.model.rule import Rule
from packwarden.packs.locate import key_mark, locate, walk
from packwarden.packs.reader import LoadedPack

DUPLICATE = "lint.duplicate-rule"
UNREACHABLE = "lint.unreachable-rule"
NOT_RE2 = "lint.not-re2"
MISNAMED = "lint.misnamed"


class LintProblem(Record):
    path: str  # as the user names it
    line: int
    column: int
    message: str
    code: str  # a lint.* code, or the reader's rule id (pack.invalid, pack.warning, parse.*)

    def text(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.message} [{self.code}]"

    def to_dict(self) -> dict[str, object]:
        return dict(self._asdict())


def own_rule_nodes(data: Any) -> dict[str, int]:
    """The index of each rule id written under ``rules``, first writing first."""
    rules = walk(data, ("rules",))
    indexes: dict[str, int] = {}
    for index, node in enumerate(rules if isinstance(rules, list) else []):
        if isinstance(node, PosDict) and isinstance(node.get("id"), str):
            indexes.setdefault(node["id"], index)
    return indexes


def replaced(shown: str, pack: LoadedPack, parents: list[LoadedPack], data: Any) -> list[LintProblem]:
    """Rules written under ``rules`` whose id a pack it extends already defines."""
    defined = {rule.id: (parent, rule) for parent in parents for rule in parent.rules}
    nodes = own_rule_nodes(data)
    problems = []
    for spec in pack.spec.rules:
        if spec.id not in defined:
            continue
        parent, rule = defined[spec.id]
        message = (
            f"rule {spec.id} is also defined by {parent.ref} ({rule.source}:{rule.line}); this definition "
            "replaces it whole: give the rule an id of its own, or change only its severity under "
            "enforcement.severities"
        )
        mark = locate(data, ("rules", nodes[spec.id], "id")) if spec.id in nodes else (1, 1)
        problems.append(at(shown, mark, message, DUPLICATE))
    return problems


def _reachable(kind: str, policy: EffectivePolicy) -> bool:
    """Whether any unit of ``kind`` can be found under the policy."""
    if spec_of(kind).shape == "registry":
        return any(isinstance(rule.params.get("registry"), Mapping) for rule in policy.rules)
    return bool(policy.artifacts.get(kind))


def _never_runs(rule: Rule, policy: EffectivePolicy) -> bool:
    return bool(rule.applies_to) and not any(_reachable(kind, policy) for kind in rule.applies_to)


def unreachable(shown: str, pack: LoadedPack, policy: EffectivePolicy, data: Any) -> list[LintProblem]:
    """Own rules that never run, and inherited ones that this pack's empty ``artifacts`` stop."""
    problems = []
    nodes = own_rule_nodes(data)
    for rule in pack.rules:
        if _never_runs(rule, policy):
            kinds = ", ".join(rule.applies_to)
            message = (
                f"rule {rule.id} never runs: it applies to {kinds}, and no artifact glob of the effective "
                "pack finds one (add globs under artifacts, or a requirements.registry for a registry)"
            )
            mark = (
                locate(data, ("rules", nodes[rule.id], "applies_to")) if rule.id in nodes else (rule.line, rule.column)
            )
            problems.append(at(shown, mark, message, UNREACHABLE))
    own = {rule.id for rule in pack.rules}
    for kind, globs in pack.spec.artifacts.items():
        stopped = [r.id for r in policy.rules if r.id not in own and kind in r.applies_to and _never_runs(r, policy)]
        if not globs and stopped:
            named = ", ".join(stopped[:3]) + (f" and {len(stopped) - 3} more" if len(stopped) > 3 else "")
            message = f"artifacts.{kind} is empty: the inherited rules {named} never run"
            problems.append(at(shown, key_mark(walk(data, ("artifacts",)), kind), message, UNREACHABLE))
    return problems


def _re2_refusal(source: str) -> str:
    """Why RE2 refuses ``source``, in its own words."""
    import re2

    options = re2.Options()
    options.log_errors = False
    try:
        re2.compile(source, options)
    except re2.error as exc:
        reason = exc.args[0] if exc.args else exc
        return reason.decode("utf-8", "replace") if isinstance(reason, bytes) else str(reason)
    return "RE2 refuses it"  # pragma: no cover - compile_pattern chose the fallback


def not_re2(shown: str, pack: LoadedPack, data: Any) -> list[LintProblem]:
    """Patterns that only the back-tracking fallback takes."""
    options = table().options
    nodes = own_rule_nodes(data)
    problems = []
    for rule in pack.rules:
        for key, value in rule.params.items():
            option = options.get(key)
            if option is None or option.problem is not pattern_problem or not isinstance(value, str):
                continue
            if compile_pattern(value).engine == "re2":
                continue
            message = (
                f"rule {rule.id}: {key} {value!r} is not RE2 ({_re2_refusal(value)}): it runs on the "
                f"back-tracking fallback, at most {BUDGET_SECONDS} s per rule and file, and a large file "
                "can time out (pack.regex-timeout); write it without look-arounds and back-references"
            )
            mark = locate(data, ("rules", nodes[rule.id], key)) if rule.id in nodes else (rule.line, rule.column)
            problems.append(at(shown, mark, message, NOT_RE2))
    return problems


def at(path: str, mark: Mark, message: str, code: str) -> LintProblem:
    return LintProblem(path, mark[0], mark[1], message, code)
