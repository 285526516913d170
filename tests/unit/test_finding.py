"""Finding is a value record: equal, hashable and ordered as a Finding, never as a tuple."""

from __future__ import annotations

import pickle
from types import MappingProxyType

import pytest

from packwarden.model.finding import Finding, Severity

FINDING = Finding(
    rule="skill.name-format",
    severity=Severity.ERROR,
    message="bad",
    path="skills/a/skill.yaml",
    line=2,
    column=7,
    pack="default@1.0",
    fix="rename it",
    scope="skill",
    metadata={"field": "name"},
)


def test_a_finding_is_not_equal_to_a_tuple_of_its_fields() -> None:
    fields = tuple(FINDING)
    # both operand orders: Python tries the tuple's comparison when the Finding's declines
    assert FINDING != fields  # noqa: SIM300
    assert fields != FINDING
    assert not FINDING == fields  # noqa: SIM201, SIM300 - the == operator itself is under test
    assert not fields == FINDING  # noqa: SIM201
    assert FINDING not in [fields]


def test_a_finding_with_metadata_is_hashable_whatever_the_mapping() -> None:
    plain = FINDING._replace(metadata={"field": "name"})
    proxied = FINDING._replace(metadata=MappingProxyType({"field": "name"}))
    assert plain == proxied
    assert hash(plain) == hash(proxied)
    assert len({plain, proxied, FINDING._replace(metadata={})}) == 2
    assert {plain: 1}[proxied] == 1


@pytest.mark.parametrize(
    "change",
    [
        {"rule": "other"},
        {"severity": Severity.BLOCK},
        {"message": "worse"},
        {"path": "b"},
        {"line": 3},
        {"column": 1},
        {"pack": "team@1.0"},
        {"fix": ""},
        {"scope": "agent"},
        {"metadata": {"field": "other"}},
        {"metadata": {}},
    ],
)
def test_findings_differ_when_any_field_differs(change: dict[str, object]) -> None:
    other = FINDING._replace(**change)
    assert other != FINDING
    assert len({other, FINDING}) == 2


def test_findings_sort_in_report_order_even_when_only_severity_or_metadata_differ() -> None:
    later = FINDING._replace(line=9)
    warning = FINDING._replace(severity=Severity.WARNING)
    bare = FINDING._replace(metadata={})
    assert sorted([later, FINDING, bare, warning]) == [warning, bare, FINDING, later]
    with pytest.raises(TypeError):
        assert FINDING < tuple(FINDING)  # noqa: SIM300
    with pytest.raises(TypeError):
        assert tuple(FINDING) < FINDING


def test_pickling_and_plain_data_keep_the_value() -> None:
    proxied = FINDING._replace(metadata=MappingProxyType({"field": "name"}))
    for finding in (FINDING, proxied, Finding("r", Severity.INFO, "m", "p")):
        copy = pickle.loads(pickle.dumps(finding, protocol=pickle.HIGHEST_PROTOCOL))
        assert copy == finding
        assert hash(copy) == hash(finding)
        assert type(copy) is Finding
        assert Finding.from_dict(finding.to_dict()) == finding
    restored = Finding.from_dict(FINDING.to_dict())
    assert hash(restored) == hash(FINDING)
    assert isinstance(restored.metadata, MappingProxyType)
