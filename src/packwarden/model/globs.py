"""Repository path globs: ``*`` within one path segment, ``**`` across segments.

``**/skill.yaml`` matches ``skill.yaml`` at the top too, as in gitignore and pre-commit users'
expectations; a trailing ``/`` matches everything below a directory.
"""

from __future__ import annotations

import functools
import re


def _segment(segment: str) -> str:
    out = []
    for char in segment:
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        else:
            out.append(re.escape(char))
    return "".join(out)


def glob_to_regex(glob: str) -> str:
    """The regex source (without anchors) for one glob."""
    directory = glob.endswith("/")
    parts = glob.strip("/").split("/")
    pieces: list[str] = []
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        if part == "**":
            pieces.append(".*" if last else "(?:[^/]+/)*")
        else:
            pieces.append(_segment(part) + ("" if last else "/"))
    return "".join(pieces) + ("/.*" if directory else "")


@functools.lru_cache(maxsize=256)
def compile_globs(globs: tuple[str, ...]) -> re.Pattern[str]:
    """One regex matching any of ``globs`` against a whole repo-relative path."""
    if not globs:
        return re.compile(r"(?!)")
    return re.compile("(?:" + "|".join(glob_to_regex(glob) for glob in globs) + r")\Z")
