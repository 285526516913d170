"""How a unit reads its members: which reader each member gets, and the loaded documents.

A registry unit's manifests may come from projections (``artifacts.projection``) that other
units of the run kept while they parsed the same bytes; every other member is parsed here.
"""

from __future__ import annotations

from collections.abc import Mapping

from packwarden.artifacts.projection import Projection, Projections, reuse
from packwarden.artifacts.units import Unit
from packwarden.load.document import Document, Problem
from packwarden.model import builtin_rules as R
from packwarden.model.globs import compile_globs
from packwarden.model.kinds import spec_of

Members = dict[str, "bytes | Problem"]  # the unit's members that exist, by path

# What parsing and checking one member costs, roughly, by its reader (a YAML manifest ~150 us
# here, a protocol run's markdown file ~750 us: 2.4 KB of block parsing), for sharing units
# out between processes; None: a member only present, never read.
COST = {"yaml": 10, "json": 10, "markdown": 50, "text": 2, None: 1}


def loader_of(unit: Unit, path: str) -> str | None:
    """How the unit reads one member: its kind's loader, the index of a registry as JSON and
    its manifests as their kind; None for a member of a folder unit that is only present."""
    spec = spec_of(unit.kind)
    if spec.shape == "registry":
        return "json" if path == unit.root else spec_of(unit.refers).loader
    if path in unit.reads:
        return spec.attached
    if spec.shape == "folder":
        relative = path[len(unit.root) + 1 :]
        return next((loader for glob, loader in spec.members if compile_globs((glob,)).match(relative)), None)
    return spec.loader


def cost_of(unit: Unit) -> int:
    """A unit's members' ``COST``: the weight ``parallel.balance`` shares units out by."""
    if len(unit.members) == 1:
        return COST.get(loader_of(unit, unit.members[0]), 10)
    return sum(COST.get(loader_of(unit, path), 10) for path in unit.members)


def load_member(unit: Unit, path: str, raw: bytes | Problem, keep: Projections | None = None) -> Document | None:
    """One member loaded as its unit reads it (a read problem is always reported); ``keep``
    takes a projection of it when a registry unit of the run reads it too."""
    from packwarden.load.loaders import load

    loader = loader_of(unit, path)
    if loader is None and (not isinstance(raw, Problem) or raw.rule is R.PARSE_TOO_LARGE):
        return None  # only its presence counts: a large output is no problem
    document = load(loader or "text", raw)
    if keep is not None and isinstance(raw, bytes):
        keep.keep(path, loader or "text", raw, document)
    return document


def load_members(unit: Unit, members: Members, keep: Projections | None = None) -> dict[str, Document | None]:
    """Every member that exists, loaded as its unit reads it, in the order of ``members``."""
    return {path: load_member(unit, path, raw, keep) for path, raw in members.items()}


def load_registry(
    unit: Unit, members: Members, found: Mapping[str, Projection], ready: Mapping[str, Document | None]
) -> dict[str, Document | None]:
    """A registry unit's members, in the order of ``members``: each manifest from its projection
    when one stands for exactly the bytes read now, a member in ``ready`` (its index, loaded
    earlier) as it is there, every other one loaded as ``load_members`` loads it."""
    from packwarden.load.loaders import load

    documents: dict[str, Document | None] = {}
    for path, raw in members.items():
        if path in ready:
            documents[path] = ready[path]
            continue
        loader = loader_of(unit, path) or "text"  # a registry unit reads every member
        document = reuse(found, unit, path, loader, raw) if isinstance(raw, bytes) else None
        documents[path] = document if document is not None else load(loader, raw)
    return documents
