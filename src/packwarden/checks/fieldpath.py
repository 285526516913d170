"""Resolving field paths (grammar in ``model.field``) against documents.

Resolving a path against a document yields every value it reaches, with its position, and
every place where a key it names is missing (what ``required`` reports).
"""

from __future__ import annotations

from packwarden.load.document import Mark, PosDict, PosList
from packwarden.model.field import parse_field
from packwarden.model.record import Record

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~3 ms)
if TYPE_CHECKING:
    from typing import Any


class Located(Record):
    value: Any
    line: int
    column: int
    path: str


class Resolution(Record):
    found: tuple[Located, ...]
    missing: tuple[Located, ...]  # value: the parent; path: the missing field


def _join(prefix: str, key: Any, index: bool) -> str:
    """The path of a child: ``a[0]`` for a list item, ``a.b`` (also ``a.200``) for a mapping key."""
    if index:
        return f"{prefix}[{key}]"
    return f"{prefix}.{key}" if prefix else str(key)


def resolve(root: Any, field: str) -> Resolution:
    """Every value ``field`` reaches in ``root``, and every place a named key is missing."""
    segments = parse_field(field)
    if len(segments) == 1 and type(segments[0]) is str and isinstance(root, PosDict):
        # One top-level key (`name`, `version`): most rules ask for nothing else.
        key = segments[0]
        if key in root:
            line, column = root.marks[key]
            return Resolution((Located(root[key], line, column, key),), ())
        return Resolution((), (Located(root, root.mark[0], root.mark[1], key),))
    start = root.mark if isinstance(root, (PosDict, PosList)) else (1, 1)
    frontier: list[tuple[Any, Mark, str]] = [(root, start, "")]
    missing: list[Located] = []
    for position, segment in enumerate(segments):
        # A key missing before a wildcard is not reported: `entrypoints[*].handler` asks every
        # entrypoint for a handler, and holds when there are no entrypoints.
        report_missing = None not in segments[position + 1 :]
        following: list[tuple[Any, Mark, str]] = []
        for node, mark, prefix in frontier:
            if segment is None:
                if isinstance(node, PosDict):
                    following.extend((v, node.marks[k], _join(prefix, k, False)) for k, v in node.items())
                elif isinstance(node, PosList):
                    following.extend((v, node.marks[i], _join(prefix, i, True)) for i, v in enumerate(node))
            elif isinstance(segment, int):
                if isinstance(node, PosList) and segment < len(node):
                    following.append((node[segment], node.marks[segment], _join(prefix, segment, True)))
            elif isinstance(node, PosDict) and segment in node:
                following.append((node[segment], node.marks[segment], _join(prefix, segment, False)))
            elif report_missing:  # absent, or its parent is not a mapping at all
                missing.append(Located(node, mark[0], mark[1], _join(prefix, segment, False)))
        frontier = following
    found = tuple(Located(v, m[0], m[1], p) for v, m, p in frontier)
    return Resolution(found, tuple(missing))


def items(found: tuple[Located, ...]) -> list[Located]:
    """Values, with lists opened one level: value checks apply to each item of a list."""
    flat: list[Located] = []
    for located in found:
        value = located.value
        if isinstance(value, PosList):
            flat.extend(
                Located(v, m[0], m[1], f"{located.path}[{i}]")
                for i, (v, m) in enumerate(zip(value, value.marks, strict=True))
            )
        else:
            flat.append(located)
    return flat
