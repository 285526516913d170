"""Paths -> artifact units: a root and the member files a check of it reads.

A path may belong to several units: ``skills/a/skill.yaml`` is a skill's unit and, when a
registry lists skills, a member of that registry's unit. A changed member re-checks its whole
unit, and a unit's members are found from the run's listing of the repository (the working
tree, or the index with ``--staged``), never from the paths a run was given, so the result for a
unit is the same whichever of its members pre-commit handed to which process.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

from packwarden.model.globs import compile_globs
from packwarden.model.kinds import spec_of
from packwarden.model.record import Record

Listing = Callable[["Sequence[str] | None"], "Sequence[str]"]  # paths below those folders (None: all)


class Unit(Record):
    kind: str
    root: str  # the manifest, the run's folder, the registry's index
    members: tuple[str, ...]  # every file it reads, sorted; the root itself for a file unit
    refers: str = ""  # a registry unit: the kind of the manifests it lists
    reads: tuple[str, ...] = ()  # members it only reads (a registry's manifests, a plugin's contract)


class Registry(Record):
    """Where one registry unit is: its index and the manifests it must list."""

    path: str  # the index file
    kind: str
    manifests: tuple[str, ...]  # globs; empty: every artifact of ``kind``


def attached_of(rules: Iterable[object]) -> dict[str, tuple[str, ...]]:
    """Files every unit of a kind also reads, by kind: the ``contract`` a rule names (a plugin's
    operating contract) for each kind the rule applies to."""
    found: dict[str, dict[str, None]] = {}
    for rule in rules:
        params: Mapping[str, object] = getattr(rule, "params", {})
        contract = params.get("contract")
        if isinstance(contract, str):
            for kind in getattr(rule, "applies_to", ()):
                found.setdefault(kind, {})[contract] = None
    return {kind: tuple(paths) for kind, paths in found.items()}


def registries_of(rules: Iterable[object]) -> list[Registry]:
    """The registry units the policy's registry rules ask for, each once."""
    found: dict[Registry, None] = {}
    for rule in rules:
        params: Mapping[str, object] = getattr(rule, "params", {})
        spec = params.get("registry")
        if isinstance(spec, Mapping):
            globs = tuple(str(glob) for glob in spec.get("manifests") or ())
            found[Registry(str(spec["path"]), str(spec["kind"]), globs)] = None
    return list(found)


class UnitTable:
    """The policy's artifact globs and registries, answering which units a path belongs to."""

    def __init__(
        self,
        artifacts: Mapping[str, Sequence[str]],
        registries: Sequence[Registry] = (),
        attached: Mapping[str, tuple[str, ...]] | None = None,
    ) -> None:
        """``attached``: files every unit of a kind also reads (``attached_of``)."""
        self._artifacts = {kind: tuple(globs) for kind, globs in artifacts.items()}
        self._attached = {kind: frozenset(paths) for kind, paths in (attached or {}).items()}
        self._files = []
        self._folders = []
        for kind, globs in artifacts.items():
            shape = spec_of(kind).shape
            if shape == "folder":
                self._folders.append((kind, compile_globs(tuple(glob.rstrip("/") for glob in globs))))
            elif shape == "file":
                self._files.append((kind, compile_globs(tuple(globs))))
        self._registries = [
            (registry, compile_globs(registry.manifests or tuple(artifacts.get(registry.kind, ()))))
            for registry in registries
        ]

    def registry_indexes(self) -> list[str]:
        return [registry.path for registry, _ in self._registries]

    def manifest_globs(self, unit: Unit) -> tuple[str, ...]:
        """A registry unit's manifest globs (the kind's globs when it names none); () otherwise."""
        for registry, _ in self._registries:
            if unit.kind == "registry" and registry.path == unit.root:
                return self._globs(registry)
        return ()

    def kind_of(self, path: str) -> str | None:
        """The first file kind whose globs match ``path``, in the policy's order."""
        for kind, matcher in self._files:
            if matcher.match(path):
                return kind
        return None

    def folder_of(self, path: str) -> tuple[str, str] | None:
        """The folder unit ``path`` is inside, as (kind, root): the outermost matching folder."""
        if not self._folders:
            return None
        end = path.find("/")
        while end != -1:
            folder = path[:end]
            for kind, matcher in self._folders:
                if matcher.match(folder):
                    return kind, folder
            end = path.find("/", end + 1)
        return None

    def units(self, paths: Iterable[str], listing: Listing) -> list[Unit]:
        """Every unit any of ``paths`` belongs to; ``listing`` gives the paths the run can see
        below some folders, or all of them (called only when a folder or a registry unit needs
        its members, and only for the folders they can be in)."""
        given = list(dict.fromkeys(paths))
        units = self._units(given, listing)
        governed = {kind for kind, attached in self._attached.items() if not attached.isdisjoint(given)}
        if governed:  # a changed contract re-checks every unit of the kinds it governs
            units.extend(u for u in self._units(list(listing(None)), listing) if u.kind in governed and u not in units)
        return units

    def _units(self, given: list[str], listing: Listing) -> list[Unit]:
        units = [self._with_attached(Unit(kind, path, (path,))) for path in given if (kind := self.kind_of(path))]
        folders = {found[1]: found[0] for path in given if (found := self.folder_of(path)) is not None}
        registries = [
            (registry, matcher)
            for registry, matcher in self._registries
            if any(path == registry.path or matcher.match(path) for path in given)
        ]
        if not folders and not registries:
            return units
        below = [*folders, *(_folder_of_glob(glob) for registry, _ in registries for glob in self._globs(registry))]
        below += [registry.path for registry, _ in registries]
        everything = list(dict.fromkeys([*listing(None if "" in below else below), *given]))
        members: dict[str, list[str]] = {root: [] for root in folders}
        for path in everything:
            found = self.folder_of(path)
            if found is not None and found[1] in members:
                members[found[1]].append(path)
        units.extend(
            self._with_attached(Unit(kind, root, tuple(sorted(members[root])))) for root, kind in folders.items()
        )
        for registry, matcher in registries:
            manifests = sorted(path for path in everything if matcher.match(path))
            listed = tuple(sorted({registry.path, *manifests}))
            units.append(Unit("registry", registry.path, listed, registry.kind, tuple(manifests)))
        return units

    def _globs(self, registry: Registry) -> tuple[str, ...]:
        return registry.manifests or self._artifacts.get(registry.kind, ())

    def _with_attached(self, unit: Unit) -> Unit:
        attached = tuple(sorted(self._attached.get(unit.kind, ())))
        if not attached:
            return unit
        return unit._replace(members=tuple(sorted({*unit.members, *attached})), reads=attached)


def _folder_of_glob(glob: str) -> str:
    """The folder below which every match of ``glob`` lies: its leading segments without a
    wildcard (``skills/*/skill.yaml`` -> ``skills``; ``**/skill.yaml`` -> the whole tree, "")."""
    fixed = []
    for segment in glob.strip("/").split("/")[:-1]:
        if any(char in segment for char in "*?"):
            break
        fixed.append(segment)
    return "/".join(fixed)
