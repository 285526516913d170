"""Packs are untrusted input: every odd shape at every key gives located errors or warnings.

A pack either fails with PolicyValidationError whose every error has a place in the file, or
loads; when it loads, a value of a shape the key does not take must have left a warning that
says it was ignored. No other exception, and never a silent pass.
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from packwarden.model.errors import PolicyValidationError
from packwarden.packs.reader import LoadedPack, read_pack

SOURCE = "packs/hostile.yaml"

# YAML flow text for shapes a key might wrongly hold; each parses (the reader refuses none).
ODD = [
    "{a: 1}",
    "{}",
    "[1, [2]]",
    "[{}]",
    "[]",
    "null",
    "5",
    "1.5",
    "true",
    "false",
    "''",
    "x",
    "'strict'",
    "[x]",
]

BETTY_PROFILE = {
    "name": "p",
    "version": "'1.0'",
    "description": "d",
    "enforcement": "blocking",
    "scope": "skill",
    "type": "validation",
    "environments": "[prod]",
    "metadata": "{owner: me}",
    "tags": "[a]",
}
BETTY_RULE = {
    "id": "a.b",
    "field": "name",
    "check": "pattern",
    "pattern": "'^a'",
    "required": "true",
    "message": "m",
    "description": "d",
    "severity": "error",
    "action": "block",
    "scope": "skill",
    "type": "field_check",
}  # allowed_values and forbidden_values too, below; with check: pattern they would be ignored
NATIVE_TOP = {
    "meta": "{key: t, version: '1.0', name: n, description: d, status: active}",
    "extends": "[]",
    "enforcement": "{mode: warn, fail_on: error, severities: {}}",
    "defaults": "{}",
    "artifacts": "{skill: ['**/skill.yaml']}",
}
NATIVE_RULE = {
    "id": "a.b",
    "applies_to": "[skill]",
    "field": "name",
    "severity": "error",
    "message": "m",
    "fix": "f",
    "summary": "s",
    "why": "w",
    "example": "{bad: b, good: g}",
    "required": "true",
    "pattern": "'^a'",
    "forbidden_pattern": "'b'",
    "allowed_values": "[a]",
    "forbidden_values": "[b]",
    "type": "string",
    "semver": "true",
    "min_length": "1",
    "max_length": "9",
}

# What a key takes, for telling "accepted" from "ignored without a word". None: anything
# (information carried along, or a value the pack schema checks itself).
_TEXT = (str,)
BETTY_PROFILE_TAKES: dict[str, tuple[type, ...] | None] = {
    "name": _TEXT,
    "version": (str, int),
    "description": _TEXT,
    "enforcement": _TEXT,
    "scope": (str, list),
    "rules": (list,),
    "type": None,
    "environments": None,
    "metadata": None,
    "tags": None,
}
BETTY_RULE_TAKES: dict[str, tuple[type, ...] | None] = {
    "id": _TEXT,
    "field": _TEXT,
    "check": _TEXT,
    "pattern": _TEXT,
    "required": (bool,),
    "allowed_values": (list,),
    "forbidden_values": (list,),
    "message": _TEXT,
    "description": _TEXT,
    "severity": _TEXT,
    "action": _TEXT,
    "scope": (str, list),
    "type": _TEXT,
}


def load(text: str) -> LoadedPack | PolicyValidationError:
    """The pack, or its validation error with every error and warning checked for a place."""
    try:
        pack = read_pack(text.encode("utf-8"), SOURCE)
    except PolicyValidationError as exc:
        assert exc.errors, "a validation error names at least one error"
        for finding in (*exc.errors, *exc.warnings):
            assert finding.path == SOURCE
            assert finding.line >= 1 and finding.column >= 1, finding
            assert finding.message
        assert all(error.rule == "pack.invalid" or error.rule.startswith("parse.") for error in exc.errors)
        return exc
    for finding in pack.warnings:
        assert finding.path == SOURCE
        assert finding.line >= 1 and finding.column >= 1, finding
        assert finding.rule == "pack.meaningless"
    return pack


def _rules(indent: str, rule: dict[str, str], rules: str | None) -> list[str]:
    """``rules:`` as given, or a list holding ``rule`` in flow style, at ``indent``."""
    if rules is not None:
        return [f"{indent}rules: {rules}"]
    return [f"{indent}rules:", f"{indent}  - {{" + ", ".join(f"{key}: {value}" for key, value in rule.items()) + "}"]


def betty(profile: dict[str, str], rule: dict[str, str] | None = None, rules: str | None = None) -> str:
    lines = ["policy:", *(f"  {key}: {value}" for key, value in profile.items())]
    return "\n".join([*lines, *_rules("  ", rule or BETTY_RULE, rules)]) + "\n"


def native(top: dict[str, str], rule: dict[str, str] | None = None, rules: str | None = None) -> str:
    lines = [f"{key}: {value}" for key, value in top.items()]
    return "\n".join([*lines, *_rules("", rule or NATIVE_RULE, rules)]) + "\n"


def taken(value: Any, takes: tuple[type, ...] | None) -> bool:
    """Whether a key that takes ``takes`` takes ``value`` (true is no number here)."""
    if takes is None:
        return True
    if isinstance(value, bool):
        return bool in takes
    return isinstance(value, takes)


def assert_not_silent(outcome: LoadedPack | PolicyValidationError, value: Any, takes: tuple[type, ...] | None) -> None:
    """A value of a shape the key does not take was reported, as an error or a warning."""
    if not taken(value, takes) and isinstance(outcome, LoadedPack):
        assert outcome.warnings, f"{value!r} was ignored without a warning"


def test_the_baselines_load_cleanly() -> None:
    for text in (betty(BETTY_PROFILE), native(NATIVE_TOP)):
        pack = load(text)
        assert isinstance(pack, LoadedPack)
        assert pack.warnings == ()
        assert len(pack.rules) == 1


@pytest.mark.parametrize("odd", ODD)
@pytest.mark.parametrize("key", [*BETTY_PROFILE, "rules"])
def test_odd_shapes_at_every_key_of_a_betty_profile(key: str, odd: str) -> None:
    if key == "rules":
        outcome = load(betty(BETTY_PROFILE, rules=odd))
    else:
        outcome = load(betty({**BETTY_PROFILE, key: odd}))
    assert_not_silent(outcome, yaml.safe_load(odd), BETTY_PROFILE_TAKES[key])


@pytest.mark.parametrize("odd", ODD)
@pytest.mark.parametrize("key", list(BETTY_RULE_TAKES))
def test_odd_shapes_at_every_key_of_a_betty_rule(key: str, odd: str) -> None:
    outcome = load(betty(BETTY_PROFILE, {**BETTY_RULE, key: odd}))
    assert_not_silent(outcome, yaml.safe_load(odd), BETTY_RULE_TAKES[key])


@pytest.mark.parametrize("odd", ODD)
def test_odd_rules_of_a_betty_profile(odd: str) -> None:
    outcome = load(betty(BETTY_PROFILE, rules=f"[{odd}]"))
    if not odd.startswith("{"):
        assert isinstance(outcome, PolicyValidationError)


@pytest.mark.parametrize("odd", ODD)
@pytest.mark.parametrize("key", [*NATIVE_TOP, "rules"])
def test_odd_shapes_at_every_key_of_a_native_pack(key: str, odd: str) -> None:
    if key == "rules":
        load(native(NATIVE_TOP, rules=odd))
    else:
        load(native({**NATIVE_TOP, key: odd}))


@pytest.mark.parametrize("odd", ODD)
@pytest.mark.parametrize("key", list(NATIVE_RULE))
def test_odd_shapes_at_every_key_of_a_native_rule(key: str, odd: str) -> None:
    load(native(NATIVE_TOP, {**NATIVE_RULE, key: odd}))


@pytest.mark.parametrize("odd", ODD)
@pytest.mark.parametrize("key", ["mode", "fail_on", "severities"])
def test_odd_shapes_in_native_enforcement(key: str, odd: str) -> None:
    load(native({**NATIVE_TOP, "enforcement": f"{{{key}: {odd}}}"}))


@pytest.mark.parametrize("odd", ODD)
@pytest.mark.parametrize("key", ["key", "version", "name", "description", "status"])
def test_odd_shapes_in_native_meta(key: str, odd: str) -> None:
    meta = {"key": "t", "version": "'1'", key: odd}
    load(native({**NATIVE_TOP, "meta": "{" + ", ".join(f"{k}: {v}" for k, v in meta.items()) + "}"}))


@pytest.mark.parametrize("odd", ODD)
def test_odd_documents(odd: str) -> None:
    assert isinstance(load(f"{odd}\n"), PolicyValidationError)
    profile = load(f"policy: {odd}\n")
    assert isinstance(profile, PolicyValidationError) or profile.warnings


# --- generated shapes -------------------------------------------------------------------------------------

_KEYS = st.sampled_from(sorted({*BETTY_PROFILE, *BETTY_RULE, *NATIVE_TOP, *NATIVE_RULE, "rules", "mode", "x"}))
_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.text(max_size=8),
    st.sampled_from(["skill", "skil", "strict", "block", "blocking", "pattern", "required", "parse.x", "^a", "("]),
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(_KEYS, inner, max_size=3)),
    max_leaves=8,
)
_RULE = st.dictionaries(_KEYS, _VALUES, max_size=6)


def _dump(data: Any) -> str:
    return yaml.safe_dump(data, default_flow_style=False, allow_unicode=True, sort_keys=False)


_SETTINGS = settings(max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])


@_SETTINGS
@given(profile=st.dictionaries(_KEYS, _VALUES, max_size=6), rules=st.one_of(st.lists(_RULE, max_size=3), _VALUES))
def test_generated_betty_profiles_never_crash(profile: dict[str, Any], rules: Any) -> None:
    load(_dump({"policy": {**profile, "rules": rules}}))


@_SETTINGS
@given(
    top=st.fixed_dictionaries(
        {"meta": st.one_of(st.just({"key": "t", "version": "1"}), _VALUES)},
        optional={"enforcement": _VALUES, "artifacts": _VALUES, "extends": _VALUES},
    ),
    rules=st.one_of(st.lists(_RULE, max_size=3), _VALUES),
)
def test_generated_native_packs_never_crash(top: dict[str, Any], rules: Any) -> None:
    load(_dump({**top, "rules": rules}))


@_SETTINGS
@given(key=st.sampled_from(list(BETTY_RULE_TAKES)), value=_VALUES)
def test_one_generated_value_in_a_good_betty_rule_is_accepted_or_reported(key: str, value: Any) -> None:
    rule = {**yaml.safe_load("{" + ", ".join(f"{k}: {v}" for k, v in BETTY_RULE.items()) + "}"), key: value}
    profile = yaml.safe_load("{" + ", ".join(f"{k}: {v}" for k, v in BETTY_PROFILE.items()) + "}")
    assert_not_silent(load(_dump({"policy": {**profile, "rules": [rule]}})), value, BETTY_RULE_TAKES[key])
