"""The ``clarifications`` section of a pack, compiled into ordinary rules with stable ids.

Each question becomes the rule ``clarification.unanswered.<key>`` (packwarden's namespace: a
pack writes the question, never the rule), run by the ``clarification`` check kind. A blocking
question is an ``error`` (it blocks in strict mode); any other a ``warning``, which informs and
never blocks. ``enforcement.severities`` and the config's overrides change either, as for every
rule. The answers (``.packwarden/answers.yml``) are applied to the compiled policy by
``packs.answers``: until then every question is unanswered.
"""

from __future__ import annotations

from typing import Any

from packwarden.checks.clarification import KEY, unanswered_fix
from packwarden.model.finding import Severity
from packwarden.model.rule import Rule, RuleDoc
from packwarden.packs.locate import locate, walk
from packwarden.packs.schema import Clarification

TYPE_CHECKING = False
if TYPE_CHECKING:
    from packwarden.packs.reader import Problems

PREFIX = "clarification.unanswered."

_WHERE = {
    "onboarding": "on every run, at .packwarden/answers.yml (or the config when there is none)",
    "planning": "when a protocol run's plan.md is checked, at the plan",
    "execution": "when a protocol run's step files are checked, at its first step file",
    "qa": "when a protocol run's log.md is checked, at the log",
}

_WHO = {"onboarding": "contributor", "planning": "plan", "execution": "step", "qa": "log"}


def rule_id(key: str) -> str:
    return PREFIX + key


def spec_of(question: Clarification) -> dict[str, Any]:
    """The question as the rule's params carry it (what ``clarify`` and the answers layer read)."""
    spec: dict[str, Any] = {
        "key": question.key,
        "question": question.question,
        "options": list(question.options),
        "recommended": question.recommended,
        "blocking": question.blocking,
        "stage": question.applies_to,
        "answered": False,
    }
    if question.default_path is not None:
        spec["default_path"] = question.default_path
    return spec


def _rule(question: Clarification, ref: str, source: str, mark: tuple[int, int]) -> Rule:
    spec = spec_of(question)
    blocks = "It blocks a commit in strict mode until it is answered." if question.blocking else "It never blocks."
    fills = f" The answer fills the pack's default {question.default_path}." if question.default_path else ""
    return Rule(
        id=rule_id(question.key),
        severity=Severity.ERROR if question.blocking else Severity.WARNING,
        pack=ref,
        params={KEY: spec},
        applies_to=() if question.applies_to == "onboarding" else ("protocol",),
        fix=unanswered_fix(spec),
        doc=RuleDoc(
            f"The pack asks: {question.question} ({', '.join(question.options)}; recommended: "
            f"{question.recommended}). Unanswered, it is reported {_WHERE[question.applies_to]}.",
            f"The answer is a decision the team makes once and reviews, in .packwarden/answers.yml, instead of "
            f"every {_WHO[question.applies_to]} guessing it. {blocks}{fills}",
            f"answers: {{}}   # {question.key} not answered",
            f"answers:\n  {question.key}: {question.recommended}",
        ),
        source=source,
        line=mark[0],
        column=mark[1],
    )


def _path_problem(defaults: dict[str, Any], path: str) -> str | None:
    """Why the answer cannot fill ``path`` of the pack's defaults (a value on the way that is no
    mapping); None when it can."""
    node: Any = defaults
    parts = path.split(".")
    for depth, part in enumerate(parts[:-1]):
        node = node.get(part) if isinstance(node, dict) else None
        if node is not None and not isinstance(node, dict):
            return f"default_path {path}: defaults.{'.'.join(parts[: depth + 1])} is no mapping"
    return None


def compile_clarifications(
    questions: list[Clarification] | None,
    defaults: dict[str, Any],
    data: Any,
    ref: str,
    source: str,
    problems: Problems,
) -> list[Rule]:
    """The rules ``clarifications`` stands for; ``data`` is the positioned pack."""
    rules: list[Rule] = []
    seen: dict[str, int] = {}
    section = walk(data, ("clarifications",))
    for index, question in enumerate(questions or ()):
        mark = locate(section, (index,))
        if question.key in seen:
            problems.error(f"clarifications: key {question.key!r} is also entry {seen[question.key]}", mark)
            continue
        seen[question.key] = index
        problem = _path_problem(defaults, question.default_path) if question.default_path else None
        if problem is not None:
            problems.error(f"clarifications: {problem}", locate(section, (index, "default_path")))
            continue
        rules.append(_rule(question, ref, source, mark))
    return rules
