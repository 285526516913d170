"""``.packwarden/answers.yml``: the answers to the policy's clarifications, applied to a policy.

The file is reviewed with the code and is a policy input: it is read through ``PackFiles``
(the run's view: the working tree, or the index with ``--staged``), so it is recorded with the
pack files, and a change to it rebuilds the policy and re-checks what it governs. Its shape::

    answers:
      ci_provider: github

Applying it (``with_answers``) marks each validly answered question's rule answered (its
check then finds nothing), fills the pack's ``defaults`` where a question names a
``default_path`` (origin ``.packwarden/answers.yml``), and adds findings to the policy's own:
an answer outside its options or a malformed file (``clarification.invalid``, at its line), an
answer to a question nobody asks (``clarification.unknown``), and every unanswered
``onboarding`` question (reported on every run). An invalid answer is no answer.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from types import MappingProxyType

from packwarden.checks.clarification import KEY, unanswered_message
from packwarden.load.document import PosDict
from packwarden.model import builtin_rules as R
from packwarden.model.finding import BUILTIN_PACK, Finding
from packwarden.model.policy import EffectivePolicy
from packwarden.model.record import Record
from packwarden.model.rule import Rule
from packwarden.packs.files import PackFileError, PackFiles
from packwarden.packs.inputs import ANSWERS_PATH, CONFIG_PATH

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

SECTION = "answers"
DEFAULT_STEP_FILES = ["step-*.md", "steps/*.md"]


class Answer(Record):
    key: str
    text: str | None  # the answer as text; None when it is no scalar an option could be
    line: int  # where the answer stands
    column: int
    key_mark: tuple[int, int] = (1, 1)  # where its key stands


class AnswersFile(Record):
    """The file as read: whether it exists, its answers in order, and what is wrong with it."""

    exists: bool
    answers: tuple[Answer, ...] = ()
    problems: tuple[tuple[str, int, int], ...] = ()  # (message, line, column)
    section: tuple[int, int] = (1, 1)  # where ``answers:`` stands (onboarding findings point there)


def answer_text(value: object) -> str | None:
    """An answer as text: a string as written; ``true``/``false`` and whole numbers as YAML
    writes them (an option may be ``"true"`` or ``"3"``); anything else is no answer."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int)):
        return str(value)
    return None


def read_answers(raw: bytes | None) -> AnswersFile:
    """Parse the file (None: there is none); never raises for what the file holds."""
    if raw is None:
        return AnswersFile(False)
    from packwarden.load.yaml import load_yaml

    document = load_yaml(raw)
    if document.problems:
        return AnswersFile(True, (), tuple((p.message, p.line, p.column) for p in document.problems))
    data = document.data
    if data is None:
        return AnswersFile(True)
    if not isinstance(data, PosDict):
        return AnswersFile(True, (), ((f"the file must be a mapping with '{SECTION}:'", 1, 1),))
    problems = [
        (f"unknown key {key!r}: the file holds '{SECTION}:' only", *data.key_marks[key])
        for key in data
        if key != SECTION
    ]
    section = data.get(SECTION)
    mark = data.key_marks.get(SECTION, (1, 1))
    if section is None:
        return AnswersFile(True, (), tuple(problems), mark)
    if not isinstance(section, PosDict):
        problems.append((f"'{SECTION}' must be a mapping of question keys to answers", *data.marks[SECTION]))
        return AnswersFile(True, (), tuple(problems), mark)
    answers = tuple(
        Answer(str(key), answer_text(value), *section.marks[key], section.key_marks.get(key, section.marks[key]))
        for key, value in section.items()
    )
    return AnswersFile(True, answers, tuple(problems), mark)


def questions_of(rules: tuple[Rule, ...]) -> dict[str, Rule]:
    """The policy's clarification rules by question key, in the policy's order."""
    return {str(rule.params[KEY]["key"]): rule for rule in rules if isinstance(rule.params.get(KEY), Mapping)}  # type: ignore[index]


def spec(rule: Rule) -> Mapping[str, Any]:
    found = rule.params[KEY]
    assert isinstance(found, Mapping)
    return found


def _step_files(rules: tuple[Rule, ...]) -> list[str]:
    """The step files of the policy's step-section rules (execution questions stand at one)."""
    for rule in rules:
        files = rule.params.get("step_files")
        if isinstance(files, list) and rule.params.get("step_section"):
            return [str(glob) for glob in files]
    return DEFAULT_STEP_FILES


class Applied(Record):
    """What the answers make of the policy's questions: the valid answers and the findings."""

    valid: dict[str, str]
    findings: list[Finding]


def judge(policy: EffectivePolicy, answers: AnswersFile) -> Applied:
    """The valid answers, and a finding for each problem of the file and each bad answer."""
    questions = questions_of(policy.rules)
    invalid = policy.severity_of(R.CLARIFICATION_INVALID)
    findings = [
        Finding(R.CLARIFICATION_INVALID.id, invalid, message, ANSWERS_PATH, line, column, BUILTIN_PACK)
        for message, line, column in answers.problems
    ]
    valid: dict[str, str] = {}
    for answer in answers.answers:
        rule = questions.get(answer.key)
        if rule is None:
            close = difflib.get_close_matches(answer.key, list(questions), n=1)
            hint = f"did you mean {close[0]!r}?" if close else "no pack of the policy asks it"
            message = f"answer to {answer.key!r}, which no question of the policy has: {hint}"
            fix = f"rename it to {close[0]}" if close else "remove the answer"
            severity = policy.severity_of(R.CLARIFICATION_UNKNOWN)
            findings.append(
                Finding(R.CLARIFICATION_UNKNOWN.id, severity, message, ANSWERS_PATH, *answer.key_mark, fix=fix)
            )
            continue
        options = [str(option) for option in spec(rule)["options"]]
        if answer.text is None or answer.text not in options:
            shown = "a value that is no text" if answer.text is None else repr(answer.text)
            message = f"answer {shown} to {answer.key} is not one of its options: {', '.join(options)}"
            fix = f"packwarden clarify {answer.key} {spec(rule)['recommended']}   (or another of the options)"
            findings.append(
                Finding(
                    R.CLARIFICATION_INVALID.id,
                    invalid,
                    message,
                    ANSWERS_PATH,
                    answer.line,
                    answer.column,
                    fix=fix,
                    metadata=MappingProxyType({"field": answer.key}),
                )
            )
            continue
        valid[answer.key] = answer.text
    return Applied(valid, findings)


def _fill(defaults: dict[str, Any], path: str, value: str) -> bool:
    """Set ``path`` (dotted) of ``defaults`` to ``value``, copying each mapping on the way (the
    packs' own are never changed); False when a value on the way is no mapping."""
    parts = path.split(".")
    node = defaults
    for part in parts[:-1]:
        child = node.get(part)
        if child is None:
            child = {}
        elif not isinstance(child, Mapping):
            return False
        node[part] = dict(child)
        node = node[part]
    node[parts[-1]] = value
    return True


def apply_answers(policy: EffectivePolicy, answers: AnswersFile, has_config: bool) -> EffectivePolicy:
    """The policy with ``answers`` applied (see the module's docstring)."""
    applied = judge(policy, answers)
    findings = applied.findings
    steps = _step_files(policy.rules)
    defaults = dict(policy.defaults)
    origins = dict(policy.origins)
    rules: list[Rule] = []
    onboarding_at = (ANSWERS_PATH, *answers.section) if answers.exists or not has_config else (CONFIG_PATH, 1, 1)
    for rule in policy.rules:
        question = rule.params.get(KEY)
        if not isinstance(question, Mapping):
            rules.append(rule)
            continue
        key = str(question["key"])
        answer = applied.valid.get(key)
        changed = {**question, "answered": answer is not None}
        if question["stage"] == "execution":
            changed["step_files"] = steps
        rules.append(rule._replace(params={**rule.params, KEY: changed}))
        path = question.get("default_path")
        if answer is not None and isinstance(path, str):
            if _fill(defaults, path, answer):
                origins[f"defaults:{path}"] = ANSWERS_PATH
            else:
                message = f"answer to {key} cannot fill defaults.{path}: a value on the way is no mapping"
                findings.append(Finding(R.PACK_WARNING.id, R.PACK_WARNING.severity, message, rule.source, rule.line))
        if answer is None and question["stage"] == "onboarding":
            findings.append(
                Finding(
                    rule=rule.id,
                    severity=rule.severity,
                    message=unanswered_message(question),
                    path=onboarding_at[0],
                    line=onboarding_at[1],
                    column=onboarding_at[2],
                    pack=rule.pack,
                    fix=rule.fix,
                    metadata=MappingProxyType({"field": key}),
                )
            )
    return policy._replace(
        rules=tuple(rules), defaults=defaults, origins=origins, warnings=(*policy.warnings, *findings)
    )


def read_file(files: PackFiles) -> AnswersFile:
    """The answers file through ``files`` (recorded there, its absence too); one that cannot be
    read (a link out of the repository, too large) is a problem of the file."""
    try:
        raw = files.optional_repo_file(ANSWERS_PATH)
    except PackFileError as exc:
        files.record_unreadable(ANSWERS_PATH)
        message = exc.problem.message if exc.problem is not None else "cannot be read"
        return AnswersFile(True, (), ((message, 1, 1),))
    return read_answers(raw)


def with_answers(policy: EffectivePolicy, files: PackFiles, has_config: bool) -> EffectivePolicy:
    """``policy`` with the repository's answers applied; ``has_config``: the repository has a
    ``.packwarden/policy.yml`` (where onboarding questions stand while there is no answers file)."""
    return apply_answers(policy, read_file(files), has_config)


def survey(policy: EffectivePolicy, answers: AnswersFile) -> dict[str, list[dict[str, object]]]:
    """Every question of ``policy`` with its state (``answered`` with its value, ``unanswered``,
    ``invalid`` with the value written), the answers to questions nobody asks, and what is wrong
    with the file itself: JSON-able."""
    given = {answer.key: answer for answer in answers.answers}
    valid = judge(policy, answers).valid
    known = questions_of(policy.rules)
    questions: list[dict[str, object]] = []
    for key, rule in known.items():
        question = spec(rule)
        answer = given.get(key)
        state = "answered" if key in valid else "invalid" if answer is not None else "unanswered"
        questions.append(
            {
                "key": key,
                "question": question["question"],
                "options": list(question["options"]),
                "recommended": question["recommended"],
                "blocking": question["blocking"],
                "applies_to": question["stage"],
                "default_path": question.get("default_path"),
                "rule": rule.id,
                "pack": rule.pack,
                "state": state,
                "value": answer.text if answer is not None else None,
                "line": answer.line if answer is not None else None,
            }
        )
    unknown: list[dict[str, object]] = [
        {"key": answer.key, "value": answer.text, "line": answer.line}
        for answer in answers.answers
        if answer.key not in known
    ]
    problems: list[dict[str, object]] = [
        {"message": message, "line": line, "column": column} for message, line, column in answers.problems
    ]
    return {"questions": questions, "unknown": unknown, "problems": problems}
