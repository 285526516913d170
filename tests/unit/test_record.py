"""Records: frozen, defaulted, comparable, and picklable (forked workers send them back)."""

from __future__ import annotations

import pickle
from types import MappingProxyType

import pytest

from packwarden.model.finding import Finding, Severity
from packwarden.model.record import Record


class Point(Record):
    """A place."""

    x: int
    y: int = 0

    @property
    def total(self) -> int:
        return self.x + self.y


def test_a_record_has_its_fields_defaults_methods_and_docstring() -> None:
    point = Point(2)
    assert (point.x, point.y, point.total) == (2, 0, 2)
    assert point._replace(y=3) == Point(2, 3)
    assert Point.__doc__ == "A place."
    assert Point.__qualname__ == "Point"


def test_a_record_is_frozen() -> None:
    with pytest.raises(AttributeError):
        Point(1).x = 5  # type: ignore[misc]


def test_a_field_without_a_default_cannot_follow_one_with_a_default() -> None:
    with pytest.raises(TypeError, match="Broken: a field without a default follows one with a default"):

        class Broken(Record):
            a: int = 1
            b: int


def test_a_record_with_a_read_only_mapping_survives_pickling() -> None:
    plain = Finding("skill.name-format", Severity.ERROR, "bad", "skills/a/skill.yaml")
    tagged = plain._replace(metadata=MappingProxyType({"owner": "platform"}))
    for finding in (plain, tagged, Point(1, 2)):
        copy = pickle.loads(pickle.dumps(finding, protocol=pickle.HIGHEST_PROTOCOL))
        assert copy == finding
        assert type(copy) is type(finding)
    assert type(pickle.loads(pickle.dumps(tagged)).metadata) is MappingProxyType
