"""Governance: what a central project lets the repository's config change, and what it refuses."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from packwarden.model.errors import PolicyValidationError
from packwarden.model.finding import Severity
from packwarden.packs.chain import load_chain
from packwarden.packs.fold import Fold
from packwarden.packs.governance import ALLOW_ALL, Governance
from packwarden.packs.overrides import Layer, apply_overrides, read_config
from packwarden.packs.project import read_project

SEVERITIES = ["info", "warning", "error", "block"]


def _fold() -> Fold:
    fold = Fold()
    for pack in load_chain("default@1.0", "."):
        fold.pack(pack)
    return fold


RULES = sorted(_fold().rules)


def _apply(config: str, governance: Governance) -> Fold:
    fold = _fold()
    spec, data = read_config(config.encode())
    apply_overrides(fold, Layer(spec.mode, spec.overrides, data, "cfg", "cfg", "local"), governance, degraded=False)
    return fold


def test_locks_match_ids_and_prefixes() -> None:
    governance = Governance("central", locked=("skill.name-format", "secrets.*"))

    assert governance.locks("skill.name-format")
    assert governance.locks("secrets.plain")
    assert not governance.locks("skill.name")
    assert not governance.locks("secret.plain")


def test_allowed_refuses_only_locked_rules() -> None:
    governance = Governance("project p", locked=(RULES[0],))
    config = f"overrides:\n  disable: [{RULES[0]}, {RULES[1]}]\n"

    fold = _apply(config, governance)

    assert RULES[0] in fold.rules and RULES[1] not in fold.rules
    [refused] = [f for f in fold.warnings if f.rule == "config.override-refused"]
    assert f"{RULES[0]} is locked by project p" in refused.message
    assert (refused.path, refused.line) == ("cfg", 2)


def test_disabled_refuses_even_tightening() -> None:
    governance = Governance("project p", repo_overrides="disabled")

    fold = _apply(f"mode: block\noverrides:\n  severities: {{{RULES[0]}: block}}\n", governance)

    assert fold.mode == "warn"
    assert fold.rules[RULES[0]].severity != Severity.BLOCK
    assert len([f for f in fold.warnings if f.rule == "config.override-refused"]) == 2


def test_min_severity_is_a_floor_under_every_layer() -> None:
    governance = Governance("project p", min_severity={RULES[0]: Severity.ERROR})

    fold = _apply(f"overrides:\n  severities: {{{RULES[0]}: warning}}\n", governance)

    assert fold.rules[RULES[0]].severity == _fold().rules[RULES[0]].severity  # the lowering did not apply
    assert any("minimum severity of error" in f.message for f in fold.warnings)


def test_a_redefined_locked_rule_is_refused_and_the_original_kept() -> None:
    governance = Governance("project p", locked=(RULES[0],))
    original = _fold().rules[RULES[0]]
    config = f"overrides:\n  rules:\n    - {{id: {RULES[0]}, applies_to: [agent], field: nothing, required: true}}\n"

    fold = _apply(config, governance)

    assert fold.rules[RULES[0]] == original
    assert any(f.rule == "config.override-refused" for f in fold.warnings)


def test_an_unknown_rule_is_still_a_config_error_under_governance() -> None:
    with pytest.raises(PolicyValidationError):
        _apply("overrides:\n  disable: [no.such-rule]\n", Governance("project p", locked=("x",)))


overrides = st.fixed_dictionaries(
    {
        "disable": st.lists(st.sampled_from(RULES), unique=True, max_size=4),
        "severities": st.dictionaries(st.sampled_from(RULES), st.sampled_from(SEVERITIES), max_size=4),
        "mode": st.sampled_from([None, "warn", "block"]),
    }
).filter(lambda written: not set(written["disable"]) & set(written["severities"]))  # both: a config error of its own


def _config(written: dict[str, object]) -> str:
    lines = [f"mode: {written['mode']}"] if written["mode"] else []
    lines.append("overrides:")
    lines.append(f"  disable: [{', '.join(written['disable'])}]")  # type: ignore[arg-type]
    severities = ", ".join(f"{k}: {v}" for k, v in written["severities"].items())  # type: ignore[attr-defined]
    lines.append(f"  severities: {{{severities}}}")
    return "\n".join(lines) + "\n"


@settings(max_examples=150, deadline=None)
@given(written=overrides, locked=st.lists(st.sampled_from(RULES), max_size=4), floor=st.sampled_from(SEVERITIES))
def test_tighten_only_is_never_looser_than_the_central_policy(
    written: dict[str, object], locked: list[str], floor: str
) -> None:
    """Whatever the config writes under tighten-only, every central rule is still there, at its
    central severity or higher (and at least its minimum); refused overrides are said."""
    central = _fold()
    governance = Governance("project p", "tighten-only", tuple(locked), {RULES[0]: Severity(floor)})

    fold = _apply(_config(written), governance)
    for rule_id in governance.min_severity:
        current = fold.severity(rule_id)
        assert current is not None
        fold.set_severity(rule_id, governance.raise_to_minimum(rule_id, current), "floor")

    for rule_id, rule in central.rules.items():
        assert rule_id in fold.rules
        assert fold.rules[rule_id].severity.rank >= rule.severity.rank
    assert fold.rules[RULES[0]].severity.rank >= Severity(floor).rank
    if written["disable"]:
        assert any(f.rule == "config.override-refused" for f in fold.warnings)


@settings(max_examples=100, deadline=None)
@given(written=overrides, locked=st.lists(st.sampled_from(RULES), min_size=1, max_size=4))
def test_allowed_keeps_every_locked_rule_at_least_as_strict(written: dict[str, object], locked: list[str]) -> None:
    central = _fold()

    fold = _apply(_config(written), Governance("project p", "allowed", tuple(locked)))

    for rule_id in locked:
        assert rule_id in fold.rules
        assert fold.rules[rule_id].severity.rank >= central.rules[rule_id].severity.rank


def test_without_governance_everything_applies() -> None:
    fold = _apply(f"overrides:\n  disable: [{RULES[0]}]\n", ALLOW_ALL)

    assert RULES[0] not in fold.rules
    assert not fold.warnings


def test_a_project_file_reads_and_rejects_bad_locks() -> None:
    project = read_project(
        b"pack: a@1.0\nrepo_overrides: tighten-only\nlocked: [a.b, 'c.*']\n", "s:projects/p.yml", "project p"
    )
    assert project.governance.locks("c.d") and project.governance.repo_overrides == "tighten-only"

    with pytest.raises(PolicyValidationError) as raised:
        read_project(b"locked: ['*a*']\n", "s:projects/p.yml", "project p")
    assert raised.value.errors[0].line == 1
    with pytest.raises(PolicyValidationError):
        read_project(b"repo_overrides: sometimes\n", "s:projects/p.yml", "project p")
