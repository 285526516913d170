"""Severity and mode -> verdict and exit code (DESIGN.md, "Severity and mode", "Exit codes")."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from packwarden.enforce import (
    EXIT_BLOCKED,
    EXIT_CLEAN,
    EXIT_INPUT_ERROR,
    blocks,
    decide,
    decide_in,
    is_input_error,
)
from packwarden.model import builtin_rules as R
from packwarden.model.finding import Finding, Severity
from packwarden.model.policy import EffectivePolicy

INFO, W, E, B = Severity.INFO, Severity.WARNING, Severity.ERROR, Severity.BLOCK


def finding(severity: Severity, rule: str = "skill.x", pack: str = "packwarden") -> Finding:
    return Finding(rule, severity, "m", "skill.yaml", pack=pack)


def policy(mode: str = "warn", fail_on: Severity = E) -> EffectivePolicy:
    return EffectivePolicy(packs=("t@1",), mode=mode, fail_on=fail_on)


@pytest.mark.parametrize("mode", ["warn", "block"])
@pytest.mark.parametrize("severity", [INFO, W])
def test_info_and_warning_never_block(mode: str, severity: Severity) -> None:
    assert not blocks(finding(severity), mode, E)
    verdict = decide([finding(severity)] * 3, policy(mode))
    assert verdict.exit_code == EXIT_CLEAN
    assert not verdict.blocked
    assert verdict.blocking == ()


def test_error_blocks_only_in_block_mode() -> None:
    assert not blocks(finding(E), "warn", E)
    assert blocks(finding(E), "block", E)
    assert decide([finding(E)], policy("warn")).exit_code == EXIT_CLEAN
    verdict = decide([finding(E)], policy("block"))
    assert verdict.exit_code == EXIT_BLOCKED
    assert verdict.blocked
    assert verdict.blocking == (finding(E),)


def test_error_does_not_block_when_fail_on_is_block() -> None:
    assert not blocks(finding(E), "block", B)
    assert decide([finding(E)], policy("block", B)).exit_code == EXIT_CLEAN


@pytest.mark.parametrize("mode", ["warn", "block"])
@pytest.mark.parametrize("fail_on", [E, B])
def test_block_always_blocks(mode: str, fail_on: Severity) -> None:
    assert blocks(finding(B), mode, fail_on)
    verdict = decide([finding(W), finding(B)], policy(mode, fail_on))
    assert verdict.exit_code == EXIT_BLOCKED
    assert [f.severity for f in verdict.blocking] == [B]


def test_no_findings_is_clean_with_zero_counts() -> None:
    verdict = decide([], policy())
    assert verdict.exit_code == EXIT_CLEAN
    assert verdict.counts == {INFO: 0, W: 0, E: 0, B: 0}
    assert verdict.mode == "warn"


def test_counts_every_severity() -> None:
    verdict = decide(iter([finding(INFO), finding(W), finding(W), finding(E), finding(B)]), policy("block"))
    assert verdict.counts == {INFO: 1, W: 2, E: 1, B: 1}
    assert len(verdict.blocking) == 2
    assert verdict.mode == "block"


@pytest.mark.parametrize("rule", ["pack.invalid", "pack.regex-timeout", "config.invalid"])
@pytest.mark.parametrize("mode", ["warn", "block"])
def test_pack_and_config_errors_exit_2_in_every_mode(rule: str, mode: str) -> None:
    assert is_input_error(finding(E, rule))
    assert decide([finding(E, rule)], policy(mode)).exit_code == EXIT_INPUT_ERROR
    # even next to blocking findings
    assert decide([finding(B), finding(E, rule)], policy(mode)).exit_code == EXIT_INPUT_ERROR


def test_pack_warnings_are_not_input_errors() -> None:
    assert not is_input_error(finding(W, "pack.meaningless"))
    assert not is_input_error(finding(INFO, "config.invalid"))
    assert decide([finding(W, "pack.meaningless")], policy("block")).exit_code == EXIT_CLEAN


@pytest.mark.parametrize("rule", ["parse.syntax", "path.outside-repo", "packaging.x", "configure.y"])
def test_other_errors_are_not_input_errors(rule: str) -> None:
    assert not is_input_error(finding(E, rule))
    assert decide([finding(E, rule)], policy("warn")).exit_code == EXIT_CLEAN


@pytest.mark.parametrize("rule", ["pack.name-format", "pack.invalid", "config.invalid", "pack.regex-timeout"])
@pytest.mark.parametrize("severity", [E, B])
def test_a_packs_own_rule_is_never_an_input_error_whatever_its_id(rule: str, severity: Severity) -> None:
    """Only packwarden's own findings say the policy is broken; a pack's rule named like one
    of them reports on a checked file like any other rule."""
    from_pack = finding(severity, rule, pack="team@1.0")
    assert not is_input_error(from_pack)
    expected = EXIT_BLOCKED if severity is B else EXIT_CLEAN
    assert decide([from_pack], policy("warn")).exit_code == expected


def test_a_user_rule_named_pack_name_format_failing_on_a_skill_does_not_exit_2() -> None:
    from packwarden.artifacts.kinds import Artifact
    from packwarden.engine import check_document
    from packwarden.load.yaml import load_yaml_text
    from packwarden.model.rule import Rule

    rule = Rule(id="pack.name-format", severity=E, pack="team@1.0", params={"pattern": "^[a-z]+$"}, field="name")
    team = EffectivePolicy(packs=("team@1.0",), rules=(rule,))
    findings = check_document(team, Artifact("skills/x/skill.yaml", "skill"), load_yaml_text("name: Bad Name\n"))
    assert [(f.rule, f.pack, f.severity) for f in findings] == [("pack.name-format", "team@1.0", E)]
    assert decide(findings, team).exit_code == EXIT_CLEAN
    assert decide(findings, team._replace(mode="block")).exit_code == EXIT_BLOCKED


def test_input_errors_are_the_builtin_rules_flagged_so() -> None:
    flagged = {rule.id for rule in R.ALL if rule.input_error}
    assert flagged == {"pack.invalid", "pack.meaningless", "pack.regex-timeout", "config.invalid"}
    for rule in R.ALL:
        assert is_input_error(finding(E, rule.id)) is rule.input_error
        assert rule.adjustable is not (rule.input_error or rule.fixed)
    waivers = {"waiver.invalid", "waiver.expired", "waiver.expiring", "waiver.unused", "waiver.refused"}
    assert {rule.id for rule in R.ALL if rule.fixed} == {"pack.unavailable", "config.override-refused", *waivers}
    assert R.of(finding(E, "pack.invalid")) is R.PACK_INVALID
    assert R.of(finding(E, "pack.invalid", pack="team@1.0")) is None
    assert R.of(finding(E, "skill.x")) is None


_SEVERITIES = st.sampled_from(list(Severity))
_RULES = st.sampled_from(["pack.invalid", "config.invalid", "parse.syntax", "skill.name-format", "pack.invalid.x"])


@given(
    findings=st.lists(
        st.tuples(_RULES, _SEVERITIES, st.sampled_from(["packwarden", "team@1.0"]), st.booleans()), max_size=6
    ),
    mode=st.sampled_from(["warn", "block"]),
    fail_on=st.sampled_from([Severity.ERROR, Severity.BLOCK]),
)
def test_the_gate_memo_decides_as_check_does(
    findings: list[tuple[str, Severity, str, bool]], mode: str, fail_on: Severity
) -> None:
    """The memo keeps each finding as ``api._raw`` writes it, with whether a waiver covered it;
    ``model.decision`` on those gives the exit code ``enforce`` gives on the findings themselves."""
    from packwarden.api import _raw
    from packwarden.model.decision import exit_code
    from packwarden.model.waiver import Waiver

    waiver = Waiver("x", ("**",), "a reason of words", "me", "2099-01-01")
    records = [
        (Finding(rule, severity, f"m{i}", "p", pack=pack), w) for i, (rule, severity, pack, w) in enumerate(findings)
    ]
    raw = [_raw(finding, waived) for finding, waived in records]
    waived = {finding: waiver for finding, covered in records if covered}

    assert (
        exit_code([(str(s), bool(i), bool(w)) for s, i, _, w, _ in raw], mode, fail_on.value)
        == decide_in([finding for finding, _ in records], mode, fail_on, waived).exit_code
    )
