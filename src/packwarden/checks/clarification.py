"""clarification: a question of the pack is answered before the stage it is about.

What it does: a pack's ``clarifications`` compile into one rule each
(``clarification.unanswered.<key>``, see ``packs.clarifications``); answers come from
``.packwarden/answers.yml``. An unanswered question about a protocol run's stage is reported
when a run holding that stage's file is checked: ``planning`` at the run's ``plan.md``,
``execution`` at its first step file, ``qa`` at its ``log.md``. ``onboarding`` questions are
about the repository, not a run: they are reported on every run, at
``.packwarden/answers.yml`` (or the config when there is none). A pack cannot write this check
in ``rules``; it writes ``clarifications``.

Why it matters: some decisions (which CI runs, who reviews) change what a good plan, step or
log looks like; a question answered once, in a reviewed file, keeps every run from guessing.

Example:
    pack:  clarifications: [{key: review_policy, question: Who reviews a run's plan?,
             options: [one-reviewer, two-reviewers], recommended: one-reviewer,
             blocking: true, applies_to: planning}]
    bad:   .protocols/run1/plan.md with no answer to review_policy
    good:  .packwarden/answers.yml: "answers: {review_policy: one-reviewer}"
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from packwarden.checks.option import Option
from packwarden.checks.required_file import below
from packwarden.checks.target import Hit, UnitTarget
from packwarden.model.globs import compile_globs
from packwarden.model.rule import Rule

KEY = "clarification"
NEEDS_FIELD = False
SCOPE = "unit"
STAGE_FILES = {"planning": "plan.md", "qa": "log.md"}  # execution: the run's step files
DEFAULT_STEP_FILES = ("step-*.md", "steps/*.md")


def spec_problem(value: object) -> str | None:
    if not isinstance(value, Mapping) or not isinstance(value.get("key"), str) or "stage" not in value:
        return "clarification is compiled from a pack's clarifications section; write the question there"
    return None


def shown(value: object) -> str:
    spec = value if isinstance(value, Mapping) else {}
    state = "answered" if spec.get("answered") else "unanswered"
    return f"clarification={spec.get('key')} ({spec.get('stage')}, {state})"


OPTIONS = (Option(KEY, dict, problem=spec_problem, shown=shown),)


def unanswered_message(spec: Mapping[str, object]) -> str:
    """What a finding of an unanswered question says: the question and its options."""
    options = spec.get("options")
    listed = ", ".join(str(option) for option in options) if isinstance(options, list) else ""
    return (
        f"unanswered question {spec.get('key')} ({spec.get('stage')}): {spec.get('question')} "
        f"[{listed}; recommended: {spec.get('recommended')}]"
    )


def unanswered_fix(spec: Mapping[str, object]) -> str:
    return (
        f"run `packwarden clarify {spec.get('key')} {spec.get('recommended')}` (or another option), "
        "or `packwarden clarify` on a terminal, and commit .packwarden/answers.yml"
    )


def _stage_file(spec: Mapping[str, object], target: UnitTarget) -> str | None:
    """The member the stage is about, where the finding stands; None when the run has none."""
    stage = spec.get("stage")
    members = sorted(below(target.root, target.members))
    if stage in STAGE_FILES:
        return next((path for path, relative in members if relative == STAGE_FILES[str(stage)]), None)
    if stage == "execution":
        globs = spec.get("step_files")
        matcher = compile_globs(tuple(globs) if isinstance(globs, list) else DEFAULT_STEP_FILES)
        return next((path for path, relative in members if matcher.match(relative)), None)
    return None  # onboarding: the answers layer reports it on every run


def check(rule: Rule, target: UnitTarget) -> Iterator[Hit]:
    spec = rule.params.get(KEY)
    if not isinstance(spec, Mapping) or spec.get("answered"):
        return
    path = _stage_file(spec, target)
    if path is not None:
        yield Hit(unanswered_message(spec), 1, 1, field=str(spec.get("key")), path=path, fix=unanswered_fix(spec))
