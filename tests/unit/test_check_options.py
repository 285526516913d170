"""Check kinds own their options: a new kind is one module and one line in ``checks.KINDS``.

The pack schema, the pack reader and the engine read the registry when they run, so a kind
added here (a module object standing in for ``checks/divisible_by.py``) is validated, compiled
and run without a change anywhere else.
"""

from __future__ import annotations

import types
from collections.abc import Iterator

import pytest

from packwarden import checks
from packwarden.artifacts.kinds import Artifact
from packwarden.checks.fieldpath import items
from packwarden.checks.option import Option
from packwarden.checks.target import Hit, Target, hit_at, show
from packwarden.engine import check_document
from packwarden.load.yaml import load_yaml_text
from packwarden.model.errors import PolicyValidationError
from packwarden.model.policy import EffectivePolicy
from packwarden.model.rule import Rule
from packwarden.packs import betty, schema
from packwarden.packs.reader import LoadedPack, read_pack

SOURCE = "packs/team.yaml"


def _check_divisible_by(rule: Rule, target: Target) -> Iterator[Hit]:
    divisor = rule.params["divisible_by"]
    assert isinstance(divisor, int)
    if target.resolution is None:
        return
    for located in items(target.resolution.found):
        if isinstance(located.value, int) and located.value % divisor:
            yield hit_at(located, f"'{located.path}' {show(located.value)} is not a multiple of {divisor}")


def divisible_by_module() -> types.ModuleType:
    """What ``checks/divisible_by.py`` would hold."""
    module = types.ModuleType(
        "divisible_by",
        "divisible_by: a whole number must be a multiple of another.\n\nExample:\n"
        "    rule:  {id: skill.even-workers, field: workers, divisible_by: 2}\n",
    )
    module.KEY = "divisible_by"
    module.OPTIONS = (Option("divisible_by", int, ge=1, inert=(1,)),)
    module.NEEDS_FIELD = True
    module.check = _check_divisible_by
    return module


@pytest.fixture
def divisible_by(monkeypatch: pytest.MonkeyPatch) -> types.ModuleType:
    module = divisible_by_module()
    monkeypatch.setattr(checks, "KINDS", (*checks.KINDS, module))  # the one registry line
    return module


def read(rules: str) -> LoadedPack:
    text = "meta: {key: team, version: '1.0'}\nrules:\n" + rules
    return read_pack(text.encode(), SOURCE)


def errors(rules: str) -> list[tuple[int, int, str]]:
    with pytest.raises(PolicyValidationError) as info:
        read(rules)
    return [(error.line, error.column, error.message) for error in info.value.errors]


def test_a_registered_kind_is_validated_compiled_and_run(divisible_by: types.ModuleType) -> None:
    pack = read("  - {id: skill.even-workers, field: workers, divisible_by: 2, applies_to: skill}\n")
    (rule,) = pack.rules
    assert dict(rule.params) == {"divisible_by": 2}
    assert [kind.module for kind in checks.kinds_for(rule.params)] == [divisible_by]

    policy = EffectivePolicy(packs=(pack.ref,), rules=pack.rules)
    skill = Artifact("skills/x/skill.yaml", "skill")
    found = check_document(policy, skill, load_yaml_text("name: x\nworkers: 3\n"))
    assert [(f.rule, f.line, f.column, f.message) for f in found] == [
        ("skill.even-workers", 2, 10, "'workers' 3 is not a multiple of 2")
    ]
    assert check_document(policy, skill, load_yaml_text("name: x\nworkers: 4\n")) == []


def test_a_registered_kinds_option_is_validated_by_its_declared_type(divisible_by: types.ModuleType) -> None:
    assert errors("  - {id: a, field: n, divisible_by: 0}\n") == [
        (3, 37, "rules.0.divisible_by: Input should be greater than or equal to 1")
    ]
    assert errors("  - {id: a, field: n, divisible_by: two}\n") == [
        (3, 37, "rules.0.divisible_by: Input should be a valid integer")
    ]


def test_a_registered_kind_gets_what_the_reader_derives_from_its_declaration(divisible_by: types.ModuleType) -> None:
    found = errors("  - {id: a, divisible_by: 2}\n")
    assert found == [(3, 5, f"rule a: only {' and '.join(checks.table().text_keys)} work without a field")]
    assert "divisible_by" in errors("  - {id: a, field: n}\n")[0][2]  # "has no check (..., divisible_by)"
    pack = read("  - {id: a, field: n, divisible_by: 1}\n")
    assert pack.rules == ()
    assert [w.message for w in pack.warnings] == ["rule a can never find anything (divisible_by: 1); skipped"]


def test_a_registered_kind_is_an_override_rule_option_too(divisible_by: types.ModuleType) -> None:
    config = schema.models().config.model_validate(
        {"overrides": {"rules": [{"id": "a", "field": "n", "divisible_by": 3}]}}
    )
    assert config.overrides.rules[0].model_dump()["divisible_by"] == 3


def test_an_unregistered_kind_is_an_unknown_key() -> None:
    assert "divisible_by" not in schema.models().rule.model_fields
    assert errors("  - {id: a, field: n, divisible_by: 2}\n") == [(3, 23, "rules.0.divisible_by: unknown key")]


def test_two_kinds_cannot_declare_the_same_option(monkeypatch: pytest.MonkeyPatch) -> None:
    twin = divisible_by_module()
    twin.OPTIONS = (Option("pattern", str),)
    with pytest.raises(ValueError, match="check option 'pattern' is declared twice"):
        checks.table_of((*checks.KINDS, twin))


def test_bettys_check_vocabulary_converts_to_registered_options() -> None:
    assert set(betty.CHECKS) <= set(checks.table().options)
