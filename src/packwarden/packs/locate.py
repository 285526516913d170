"""Point a schema error at the line and column of the value it is about."""

from __future__ import annotations

from collections.abc import Sequence

from packwarden.load.document import Mark, PosDict, PosList

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~3 ms)
if TYPE_CHECKING:
    from typing import Any


def locate(data: Any, loc: Sequence[str | int]) -> Mark:
    """The position of ``data[loc[0]][loc[1]]...``, or of the deepest part that exists."""
    mark: Mark = data.mark if isinstance(data, (PosDict, PosList)) else (1, 1)
    node = data
    for step in loc:
        child = _child(node, step)
        if child is None:
            if isinstance(node, PosDict) and step in node.key_marks:
                mark = node.key_marks[step]
            break
        node, mark = child
    return mark


def _child(node: Any, step: str | int) -> tuple[Any, Mark] | None:
    if isinstance(node, PosDict) and step in node:
        return node[step], node.marks[step]
    if isinstance(node, PosList) and isinstance(step, int) and 0 <= step < len(node):
        return node[step], node.marks[step]
    return None


def key_mark(data: Any, key: str) -> Mark:
    """Where ``key`` itself is written in a mapping (for unknown-key messages)."""
    if isinstance(data, PosDict) and key in data.key_marks:
        return data.key_marks[key]
    return data.mark if isinstance(data, (PosDict, PosList)) else (1, 1)


def walk(data: Any, loc: Sequence[str | int]) -> Any:
    """The node at ``loc``, or None where the path leaves the data."""
    node = data
    for step in loc:
        child = _child(node, step)
        if child is None:
            return None
        node = child[0]
    return node
