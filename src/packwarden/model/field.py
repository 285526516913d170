"""The field path grammar: ``entrypoints[*].permissions[*]``, ``a.b[0]``, Betty's ``a.*.b``."""

from __future__ import annotations

import functools
import re

Segment = str | int | None  # None is a wildcard: every item of a list or value of a mapping
_TOKEN = re.compile(r"\[(\*|[0-9]+)\]|\.?([^.\[\]]+)")


class FieldPathError(ValueError):
    pass


@functools.lru_cache(maxsize=512)
def parse_field(path: str) -> tuple[Segment, ...]:
    segments: list[Segment] = []
    pos = 0
    while pos < len(path):
        match = _TOKEN.match(path, pos)
        if match is None or match.end() == pos:
            raise FieldPathError(f"invalid field path {path!r} at character {pos + 1}")
        index, key = match.groups()
        if index is not None:
            segments.append(None if index == "*" else int(index))
        else:
            segments.append(None if key == "*" else key)
        pos = match.end()
    if not segments:
        raise FieldPathError("empty field path")
    return tuple(segments)
