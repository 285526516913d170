"""type: the value must be of a given type.

What it does: reports a value whose type is not the one named: ``string``, ``integer``,
``number`` (integer or decimal), ``boolean``, ``list``, ``mapping`` or ``null``. Types follow
the YAML 1.2 core schema: ``yes`` is a string, ``1.0`` is a number.

Why it matters: ``version: 1.0`` is a number to every YAML reader and loses its trailing
zeros (``1.10`` becomes ``1.1``); a list written as a string breaks every consumer.

Example:
    rule:  {id: skill.version-string, field: version, type: string}
    bad:   version: 1.10
    good:  version: "1.10.0"
"""

from __future__ import annotations

from collections.abc import Iterator

from packwarden.checks.option import Option
from packwarden.checks.target import Hit, Target, hit_at, show
from packwarden.model.rule import Rule

KEY = "type"
NEEDS_FIELD = True

_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "list": (list,),
    "mapping": (dict,),
    "null": (type(None),),
}
OPTIONS = (Option(KEY, str, choices=tuple(_TYPES)),)


def type_name(value: object) -> str:
    for name, types in _TYPES.items():
        if isinstance(value, types) and not (isinstance(value, bool) and name in ("integer", "number")):
            return name
    return type(value).__name__


def check(rule: Rule, target: Target) -> Iterator[Hit]:
    wanted = str(rule.params[KEY])
    if target.resolution is None:
        return
    for located in target.resolution.found:
        actual = type_name(located.value)
        if actual != wanted and not (wanted == "number" and actual == "integer"):
            yield hit_at(located, f"'{located.path}' {show(located.value)} is a {actual}, not a {wanted}")
