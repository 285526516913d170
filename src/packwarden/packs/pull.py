"""``packwarden pull``: fetch the configured sources, verify, fill the store, and work out the lock.

The only code that reaches the network (through ``packs.sources``). Without ``update`` every
source the lock already pins (same kind, location and ref) is fetched at its pinned commit, so
a pull reproduces what the lock says; a source new to the lock, or whose config changed, is
resolved afresh. ``update`` resolves every source afresh. The caller writes the lock.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from packwarden.model.errors import UsageError
from packwarden.model.record import Record
from packwarden.packs.digest import tree_digest
from packwarden.packs.lock import Lock, LockedPack, LockedSource
from packwarden.packs.schema import ConfigSpec, SourceFields
from packwarden.packs.sources import fetch
from packwarden.packs.sources.spec import SourceError, SourceSpec
from packwarden.packs.store import PackStore


class Fetched(Record):
    source: str
    how: str  # "pinned" (at the lock's commit) or "resolved" (afresh)
    resolved: str
    packs: int


class PullPlan(Record):
    lock: Lock  # what .packwarden/lock.yml should say
    fetched: tuple[Fetched, ...]


def source_spec(source: SourceFields, root: str) -> SourceSpec:
    kind = next(kind for kind in ("git", "http", "dir") if getattr(source, kind) is not None)
    location = str(getattr(source, kind))
    signers = source.verify.allowed_signers if source.verify is not None else None
    return SourceSpec(source.name, kind, location, source.ref, os.path.join(root, signers) if signers else None)


def _work(work_root: str, spec: SourceSpec) -> str:
    from hashlib import sha256

    return os.path.join(work_root, sha256(f"{spec.kind}\0{spec.location}".encode()).hexdigest()[:24])


def _pinned(previous: Lock | None, spec: SourceSpec) -> str | None:
    if previous is None or spec.name not in previous.sources:
        return None
    locked = previous.sources[spec.name]
    same = (locked.kind, locked.location, locked.ref) == (spec.kind, spec.location, spec.ref)
    return locked.resolved if same else None


def plan(
    config: ConfigSpec,
    previous: Lock | None,
    *,
    root: str,
    store: PackStore | None,
    work_root: str,
    update: bool,
    builtin_refs: tuple[str, ...] = (),
) -> PullPlan:
    """Fetch every source and say what the lock should be; ``store`` None: fill nothing (--check).

    Raises SourceError (a source cannot be fetched or verified) and UsageError (nothing to pull,
    a pack two sources provide, a project no source has).
    """
    if not config.sources:
        raise UsageError(".packwarden/policy.yml names no sources; there is nothing to pull")
    sources: dict[str, LockedSource] = {}
    packs: dict[str, LockedPack] = {}
    projects: dict[str, LockedPack] = {}
    fetched: list[Fetched] = []
    wanted = (config.project,) if config.project is not None else ()
    for source in config.sources:
        spec = source_spec(source, root)
        pinned = None if update else _pinned(previous, spec)
        snapshot = fetch(spec, root=root, work=_work(work_root, spec), pinned=pinned, projects=wanted)
        sources[spec.name] = LockedSource(spec.kind, spec.location, spec.ref, snapshot.resolved)
        for ref, files in sorted(snapshot.packs.items()):
            _claim(packs, ref, spec.name, builtin_refs)
            packs[ref] = LockedPack(spec.name, _keep(store, files))
        for project_id in wanted:
            if project_id in snapshot.projects:
                if project_id in projects:
                    raise UsageError(
                        f"project {project_id} is in two sources: {projects[project_id].source} and {spec.name}"
                    )
                projects[project_id] = LockedPack(
                    spec.name, _keep(store, {f"{project_id}.yml": snapshot.projects[project_id]})
                )
        _same_as_pinned(previous, spec.name, pinned, packs)
        fetched.append(Fetched(spec.name, "pinned" if pinned else "resolved", snapshot.resolved, len(snapshot.packs)))
    missing = [project_id for project_id in wanted if project_id not in projects]
    if missing:
        raise UsageError(f"project {missing[0]}: no source has projects/{missing[0]}.yml")
    return PullPlan(Lock(sources, packs, projects), tuple(fetched))


def _claim(packs: Mapping[str, LockedPack], ref: str, source: str, builtin_refs: tuple[str, ...]) -> None:
    """One name, one pack: a second source with the same ``key@version`` would silently replace
    the first, and a central pack named like a built-in one would shadow it."""
    if ref in packs:
        raise UsageError(f"pack {ref} is in two sources: {packs[ref].source} and {source}; rename one")
    if ref in builtin_refs:
        raise UsageError(f"pack {ref} from source {source} has the name of a built-in pack; give it another key")


def _keep(store: PackStore | None, files: Mapping[str, bytes]) -> str:
    return store.put(files) if store is not None else tree_digest(files)


def _same_as_pinned(previous: Lock | None, name: str, pinned: str | None, packs: Mapping[str, LockedPack]) -> None:
    """A source fetched at its pin must give the packs the lock recorded (an HTTP source cannot
    be asked for an old version: when its content moved, only --update can say so)."""
    if previous is None or pinned is None:
        return
    before = {ref: pack.sha256 for ref, pack in previous.packs.items() if pack.source == name}
    after = {ref: pack.sha256 for ref, pack in packs.items() if pack.source == name}
    if before != after:
        changed = sorted(ref for ref in before.keys() | after.keys() if before.get(ref) != after.get(ref))
        raise SourceError(
            f"source {name}: at the pinned {pinned[:24]} it no longer gives what .packwarden/lock.yml "
            f"records ({', '.join(changed[:5])}); run `packwarden pull --update` to review and move the pins"
        )
