"""The artifact table: which kind a path is, from the effective policy's globs.

Kinds that later checks add (plugin, protocol, commit, ...) arrive as new entries in the
policy's ``artifacts`` map; nothing here names a kind.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from packwarden.artifacts.globs import compile_globs
from packwarden.model.record import Record


class Artifact(Record):
    path: str
    kind: str


class ArtifactTable:
    def __init__(self, artifacts: Mapping[str, tuple[str, ...]]) -> None:
        self._matchers = [(kind, compile_globs(tuple(globs))) for kind, globs in artifacts.items()]

    def kind_of(self, path: str) -> str | None:
        """The first kind whose globs match ``path``, in the policy's order."""
        for kind, matcher in self._matchers:
            if matcher.match(path):
                return kind
        return None

    def artifacts(self, paths: Iterable[str]) -> list[Artifact]:
        found = []
        for path in paths:
            kind = self.kind_of(path)
            if kind is not None:
                found.append(Artifact(path, kind))
        return found
