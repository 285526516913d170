"""Plain and tagged scalars resolved by the YAML 1.2 core schema, for the YAML reader.

``MAYBE_NOT_STRING`` lets the reader's hot path take a scalar that starts with any other
character as a string without calling ``plain``.
"""

from __future__ import annotations

import math
import re

from packwarden.load import yaml12
from packwarden.load.document import Mark, Problem
from packwarden.load.limits import MAX_INT_DIGITS
from packwarden.model import builtin_rules as R

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~3 ms)
if TYPE_CHECKING:
    from typing import Any

_CORE = "tag:yaml.org,2002:"
_STRING_TAGS = {"!", _CORE + "str"}
_PLAIN_TAGS = {_CORE + "int", _CORE + "float", _CORE + "bool", _CORE + "null"}
_TAG_TYPES = {"int": "int", "float": "float", "bool": "bool", "null": "NoneType"}
COLLECTION_TAGS = {_CORE + "map", _CORE + "seq"}
_NULL = {"", "~", "null", "Null", "NULL"}
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT = re.compile(r"[-+]?[0-9]+\Z")
_INT_BASE = re.compile(r"0(o[0-7]+|x[0-9a-fA-F]+)\Z")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?\Z")
_SPECIAL_FLOAT = re.compile(r"([-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN))\Z")
MAYBE_NOT_STRING = frozenset("-+.0123456789~nNtTfF")
_MAYBE_NUMBER = frozenset("-+.0123456789")


class Stop(Exception):
    def __init__(self, problem: Problem) -> None:
        self.problem = problem


def mark_of(event: Any) -> Mark:
    return event.start_mark.line + 1, event.start_mark.column + 1


def plain(value: str, mark: Mark) -> Any:
    """Resolve an untagged plain scalar by the YAML 1.2 core schema."""
    if value in _NULL:
        return None
    if value in _BOOL:
        return _BOOL[value]
    if value[0] not in _MAYBE_NUMBER:  # "name", "true-ish": words are strings
        return value
    if _INT.match(value):
        digits = len(value.lstrip("+-"))
        if digits > MAX_INT_DIGITS:
            raise Stop(Problem(R.PARSE_NUMBER, f"integer with {digits} digits", *mark))
        return int(value)
    if _INT_BASE.match(value):
        if len(value) - 2 > MAX_INT_DIGITS:
            raise Stop(Problem(R.PARSE_NUMBER, f"integer with {len(value) - 2} digits", *mark))
        return int(value, 0)
    if _SPECIAL_FLOAT.match(value):
        raise Stop(Problem(R.PARSE_NUMBER, f"{value!r} is not a finite number", *mark))
    if _FLOAT.match(value):
        number = float(value)
        if math.isinf(number):
            raise Stop(Problem(R.PARSE_NUMBER, f"{value!r} is not a finite number", *mark))
        return number
    if value == "-":  # libyaml reads a plain '-' only where YAML 1.2 refuses it: `[-]`
        raise Stop(yaml12.plain_dash(*mark))
    return value


def scalar(event: Any) -> Any:
    mark = mark_of(event)
    tag = event.tag
    if tag is None:
        return plain(event.value, mark) if event.implicit[0] else event.value
    if tag in _STRING_TAGS:
        if event.value == "-" and not event.style:  # `[!!str -]`: a plain '-' still, as in `plain`
            raise Stop(yaml12.plain_dash(*mark))
        return event.value
    if tag in _PLAIN_TAGS:
        return tagged(tag, event.value, mark)
    raise Stop(Problem(R.PARSE_TAG, f"tag {tag!r} is not allowed", *mark))


def tagged(tag: str, text: str, mark: Mark) -> Any:
    """A scalar with a core tag (``!!int 1``): resolved by the schema, and it must fit the tag."""
    value = plain(text, mark)
    name = tag.removeprefix(_CORE)
    if name == "float" and type(value) is int:
        return float(value)
    if type(value).__name__ != _TAG_TYPES[name]:
        raise Stop(Problem(R.PARSE_TAG, f"{text!r} is not a valid !!{name}", *mark))
    return value
