"""Projections: a manifest cut down to what the registry units of a run read of it.

A skill manifest is a unit of its own and a member of the registry unit that lists it; when
each unit parsed its members itself, a cold run parsed every skill manifest twice, and the
registry unit, a third of the work, could not be shared between processes. So the runner checks
registry units last, in the parent process (``runner``). While the other units load their
members, in whichever process, they keep a ``Projection`` of each manifest a registry unit of
the run still has to check: the parsed mapping with only the top-level keys the registry rules
read (each key's whole subtree, positions kept), the document's problems, the reader that
parsed it and a digest of the exact bytes it came from. A registry unit then takes the
projection of each manifest whose bytes, as it reads them itself, have that digest and were
read by the same reader; it parses the others, as before.

What a registry rule reads of a manifest is ``checks.registry.manifest_keys``: the key, the
match fields, the field, whether the manifest is a mapping, whether it has problems. A policy
with another unit check on registries that may read more (``registry_keys`` answers None) gets
no projections: its registry units load every manifest whole.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from packwarden.load.document import Document, Mark, PosDict, Problem
from packwarden.model.digest import hasher
from packwarden.model.record import Record

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~3 ms)
if TYPE_CHECKING:
    from typing import Any

    from packwarden.artifacts.units import Unit
    from packwarden.model.rule import Rule

REGISTRY = "registry"
Keys = dict[str, frozenset[str]]  # the top-level manifest keys to keep, by registry index


class Projection(Record):
    """One manifest as a registry rule sees it: flat and small, as forked workers send it back."""

    loader: str  # the reader that parsed it
    digest: bytes  # of the exact bytes it was parsed from
    mark: Mark | None  # where its top-level mapping starts; None: it is not a mapping
    kept: tuple[tuple[Any, Any, Mark | None, Mark | None], ...]  # each key kept: value, mark, key mark
    problems: tuple[Problem, ...]


def registry_keys(rules: Iterable[Rule]) -> Keys | None:
    """The top-level manifest keys the rules on each registry read, by the registry's index;
    None when a unit rule on registries may read more of a manifest than its keys."""
    from packwarden.checks import kinds_for, registry, required_file

    # required_file only asks whether a member exists, which a projection does not change
    narrow = (registry, required_file)
    keys: dict[str, set[str]] = {}
    for rule in rules:
        kinds = kinds_for(rule.params) if rule.applies(REGISTRY) else ()
        if not kinds or kinds[0].scope != "unit":
            continue  # a document rule on a registry unit reads its index, never a manifest
        if any(kind.module not in narrow for kind in kinds):
            return None
        spec = rule.params.get(registry.KEY)
        if isinstance(spec, Mapping):
            named = registry.manifest_keys(rule.params)
            # a name that reads like a field path keeps its first segment's subtree as well
            heads = {name.split(".", 1)[0].split("[", 1)[0] for name in named}
            keys.setdefault(str(spec.get("path")), set()).update(named, heads)
    return {index: frozenset(found) for index, found in keys.items()}


def wanted(units: Iterable[Unit]) -> dict[str, tuple[str, ...]]:
    """The manifests these registry units read (never an index), with the indexes reading each."""
    found: dict[str, tuple[str, ...]] = {}
    for unit in units:
        for path in unit.reads:
            if path != unit.root:
                found[path] = (*found.get(path, ()), unit.root)
    return found


def digest_of(raw: bytes) -> bytes:
    digest = hasher()
    digest.update(raw)
    return digest.digest()


def project(loader: str, raw: bytes, document: Document, keys: frozenset[str]) -> Projection:
    data = document.data
    if not isinstance(data, PosDict):
        return Projection(loader, digest_of(raw), None, (), document.problems)
    marks, key_marks = data.marks, data.key_marks
    kept = tuple((key, value, marks.get(key), key_marks.get(key)) for key, value in data.items() if key in keys)
    return Projection(loader, digest_of(raw), data.mark, kept, document.problems)


def restore(projection: Projection) -> Document:
    data = None
    if projection.mark is not None:
        data = PosDict(projection.mark)
        for key, value, mark, key_mark in projection.kept:
            data[key] = value
            if mark is not None:
                data.marks[key] = mark
            if key_mark is not None:
                data.key_marks[key] = key_mark
    return Document("", data, projection.problems)


class Projections:
    """The projections one process keeps: of the manifests in ``want`` (by path, the indexes
    of the registry units that read each), with the keys ``rules`` read of them."""

    def __init__(self, rules: Sequence[Rule], want: Mapping[str, tuple[str, ...]]) -> None:
        self.want = want
        self.found: dict[str, Projection] = {}
        self._rules = rules
        self._keys: Keys | None = {}
        self._resolved = False

    def keep(self, path: str, loader: str, raw: bytes, document: Document) -> None:
        indexes = self.want.get(path)
        if indexes is None or path in self.found:
            return
        if not self._resolved:  # here, not before forking: a run served from the cache needs no checks
            self._keys, self._resolved = registry_keys(self._rules), True
        if self._keys is not None:
            keys = frozenset().union(*(self._keys.get(index, frozenset()) for index in indexes))
            self.found[path] = project(loader, raw, document, keys)


def reuse(found: Mapping[str, Projection], unit: Unit, path: str, loader: str, raw: bytes) -> Document | None:
    """The projection of a manifest the registry ``unit`` reads as ``raw`` with ``loader``, as a
    document; None when there is none for exactly these bytes and this reader."""
    projection = found.get(path)
    if projection is None or path == unit.root or projection.loader != loader:
        return None
    if projection.digest != digest_of(raw):
        return None  # changed since the unit that kept it read it: parsed again, as read now
    return restore(projection)
