"""A pack's ``clarifications``: the schema, the rules they compile into, the answers file read
and applied, and the file ``clarify`` writes."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from packwarden.model.errors import PolicyValidationError
from packwarden.model.finding import Severity
from packwarden.model.policy import EffectivePolicy
from packwarden.packs.answers import apply_answers, read_answers
from packwarden.packs.answers_file import HEADER, render, scalar, set_answer
from packwarden.packs.reader import read_pack

HEAD = "meta: {key: t, version: '1'}\n"
QUESTIONS = """\
defaults: {ci: {provider: none}}
clarifications:
  - {key: ci_provider, question: Which CI?, options: [github, gitlab, none], recommended: github,
     default_path: ci.provider}
  - {key: plan_review, question: Who reviews?, options: [one, two], recommended: one, blocking: true,
     applies_to: planning}
"""


def _read(body: str) -> object:
    return read_pack((HEAD + textwrap.dedent(body)).encode(), "pack.yaml")


def _policy(body: str = QUESTIONS) -> EffectivePolicy:
    pack = read_pack((HEAD + body).encode(), "pack.yaml")
    return EffectivePolicy(packs=(pack.ref,), rules=pack.rules, defaults=dict(pack.spec.defaults))


def _errors(body: str) -> list[tuple[str, int, int, str]]:
    with pytest.raises(PolicyValidationError) as info:
        _read(body)
    return [(f.rule, f.line, f.column, f.message) for f in info.value.errors]


def test_each_question_compiles_into_a_rule_in_packwardens_namespace() -> None:
    rules = {rule.id: rule for rule in _policy().rules}
    onboarding, planning = rules["clarification.unanswered.ci_provider"], rules["clarification.unanswered.plan_review"]
    assert (onboarding.severity, onboarding.applies_to) == (Severity.WARNING, ())
    assert (planning.severity, planning.applies_to) == (Severity.ERROR, ("protocol",))
    assert (planning.source, planning.line, planning.column) == ("pack.yaml", 6, 5)
    assert dict(onboarding.params)["clarification"] == {
        "key": "ci_provider",
        "question": "Which CI?",
        "options": ["github", "gitlab", "none"],
        "recommended": "github",
        "blocking": False,
        "stage": "onboarding",
        "answered": False,
        "default_path": "ci.provider",
    }
    assert onboarding.doc.summary and onboarding.doc.why and onboarding.doc.bad and onboarding.doc.good
    assert "packwarden clarify ci_provider github" in onboarding.fix


@pytest.mark.parametrize(
    ("entry", "line", "column", "says"),
    [
        ("{key: a, question: q, options: [x, y], recommended: z}", 3, 5, "recommended 'z' is not one of the options"),
        ("{key: a, question: q, options: [x, x], recommended: x}", 3, 5, "options must be unique: x"),
        ("{key: A-b, question: q, options: [x, y], recommended: x}", 3, 11, "clarifications.0.key"),
        ("{key: a, question: q, options: [x], recommended: x}", 3, 36, "clarifications.0.options"),
        ("{key: a, question: q, options: [x, y], recommended: x, applies_to: review}", 3, 72, "applies_to"),
        ("{key: a, question: q, options: [x, y], recommended: x, colour: red}", 3, 60, "colour: unknown key"),
        ("{key: a, question: q, options: [x, y], recommended: x, default_path: a..b}", 3, 74, "default_path"),
    ],
)
def test_a_malformed_question_is_an_error_at_its_place(entry: str, line: int, column: int, says: str) -> None:
    errors = _errors(f"clarifications:\n  - {entry}\n")
    assert len(errors) == 1
    rule, at_line, at_column, message = errors[0]
    assert (rule, at_line, at_column) == ("pack.invalid", line, column) and says in message, errors


def test_a_key_asked_twice_is_an_error_at_the_second() -> None:
    errors = _errors(
        "clarifications:\n  - {key: a, question: q, options: [x, y], recommended: x}\n"
        "  - {key: a, question: r, options: [x, y], recommended: y}\n"
    )
    assert errors == [("pack.invalid", 4, 5, "clarifications: key 'a' is also entry 0")]


def test_a_default_path_through_a_value_that_is_no_mapping_is_an_error() -> None:
    errors = _errors(
        "defaults: {ci: github}\nclarifications:\n"
        "  - {key: a, question: q, options: [x, y], recommended: x, default_path: ci.provider}\n"
    )
    assert errors == [("pack.invalid", 4, 74, "clarifications: default_path ci.provider: defaults.ci is no mapping")]


def test_a_pack_cannot_write_the_check_in_its_rules() -> None:
    errors = _errors(
        "rules:\n  - {id: sneaky, applies_to: protocol, clarification: {key: a, stage: planning, answered: false}}\n"
    )
    assert errors == [("pack.invalid", 3, 5, "rule sneaky: write a question in the pack's clarifications section")]


def test_valid_answers_mark_the_rules_answered_and_fill_the_defaults() -> None:
    policy = _policy()
    answered = apply_answers(policy, read_answers(b"answers:\n  ci_provider: gitlab\n  plan_review: two\n"), True)
    assert answered.warnings == ()
    assert all(rule.params["clarification"]["answered"] for rule in answered.rules)  # type: ignore[index]
    assert answered.defaults == {"ci": {"provider": "gitlab"}}
    assert answered.origins["defaults:ci.provider"] == ".packwarden/answers.yml"
    assert policy.defaults == {"ci": {"provider": "none"}}  # the packs' own defaults are not changed
    assert answered.digest != apply_answers(policy, read_answers(None), True).digest


def test_unanswered_onboarding_stands_at_the_answers_file_or_else_the_config() -> None:
    policy = _policy()
    where = {
        (raw, config): [
            (f.rule, f.path, f.line, f.severity) for f in apply_answers(policy, read_answers(raw), config).warnings
        ]
        for raw, config in ((None, True), (None, False), (b"# ours\nanswers: {}\n", True))
    }
    rule = "clarification.unanswered.ci_provider"
    assert where[(None, True)] == [(rule, ".packwarden/policy.yml", 1, Severity.WARNING)]
    assert where[(None, False)] == [(rule, ".packwarden/answers.yml", 1, Severity.WARNING)]
    assert where[(b"# ours\nanswers: {}\n", True)] == [(rule, ".packwarden/answers.yml", 2, Severity.WARNING)]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"answers:\n  ci_provider: jenkins\n", [("clarification.invalid", 2, 16)]),
        (b"answers:\n  ci_provider: [github]\n", [("clarification.invalid", 2, 16)]),
        (b"answers:\n  ci_provdr: github\n", [("clarification.unknown", 2, 3)]),
        (b"answers: [ci_provider]\n", [("clarification.invalid", 1, 10)]),
        (b"ci_provider: github\n", [("clarification.invalid", 1, 1)]),
        (b"answers:\n  ci_provider: [\n", [("clarification.invalid", 3, 1)]),
        (b"- github\n", [("clarification.invalid", 1, 1)]),
    ],
)
def test_a_bad_answer_or_file_is_a_finding_at_its_line(raw: bytes, expected: list[tuple[str, int, int]]) -> None:
    applied = apply_answers(_policy(), read_answers(raw), True)
    found = [(f.rule, f.line, f.column) for f in applied.warnings if not f.rule.startswith("clarification.unanswered")]
    assert found == expected
    assert not any(rule.params["clarification"]["answered"] for rule in applied.rules)  # type: ignore[index]
    assert applied.defaults == {"ci": {"provider": "none"}}  # no answer fills nothing


def test_render_keeps_the_other_answers_and_the_leading_comments() -> None:
    existing = b"# why we chose these: see ADR 12\nanswers:\n  rollout: all\n  odd: 'true'\n"
    assert render(existing, "ci_provider", "github").decode() == (
        '# why we chose these: see ADR 12\nanswers:\n  rollout: all\n  odd: "true"\n  ci_provider: github\n'
    )
    assert render(existing, "rollout", "canary").decode().count("rollout") == 1
    assert render(None, "a", "b").decode() == f"{HEADER}\nanswers:\n  a: b\n"
    for broken in (b"answers: [a]\n", b"answers:\n  a: {b: c}\n", b"\xff\xfe"):
        with pytest.raises(ValueError, match=r"answers\.yml"):
            render(broken, "a", "b")


@given(st.dictionaries(st.from_regex(r"[a-z][a-z0-9_]{0,20}", fullmatch=True), st.text(min_size=1, max_size=40)))
def test_written_answers_read_back_as_written(answers: dict[str, str]) -> None:
    raw: bytes | None = None
    for key, value in answers.items():
        raw = render(raw, key, value)
    parsed = read_answers(raw)
    assert parsed.problems == ()
    assert {answer.key: answer.text for answer in parsed.answers} == answers


@pytest.mark.parametrize("text", ["github", "true", "no", "1.0", "3", "a b", "", "#x", "x: y", "é"])
def test_a_scalar_reads_back_as_the_same_text(text: str) -> None:
    parsed = read_answers(f"answers:\n  k: {scalar(text)}\n".encode())
    assert [answer.text for answer in parsed.answers] == [text]


def test_set_answer_replaces_the_file_atomically_and_keeps_its_mode(tmp_path: Path) -> None:
    folder = tmp_path / ".packwarden"
    folder.mkdir()
    target = folder / "answers.yml"
    target.write_text("answers:\n  a: b\n", "utf-8")
    target.chmod(0o600)
    before = target.stat().st_ino
    assert set_answer(str(tmp_path), "c", "d") == ".packwarden/answers.yml"
    assert target.read_text("utf-8").endswith("answers:\n  a: b\n  c: d\n")
    assert target.stat().st_mode & 0o777 == 0o600
    assert target.stat().st_ino != before  # a new file renamed over the old one
    assert [p.name for p in folder.iterdir()] == ["answers.yml"]  # no temporary file left
