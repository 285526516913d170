"""Run the engine over many artifact units: result cache first, then forked processes for large runs.

Small runs (a commit's few files) never fork. Runs over PARALLEL_THRESHOLD units or more split
them among ``jobs`` processes (this one and forked children that inherit the compiled policy
and the imported engine; see ``parallel``), and each process does the whole per-unit pipeline
for its share: read every member, hash, look up the result cache, check what it does not know.
Only this process writes the cache, once. Results are the same either way.

Registry units are checked in two phases (``artifacts.projection``), both in this process. It
reads and looks them up at the start of its share; while the units of every share parse their
members, they keep a projection of each manifest a registry unit reads; once every share is
done, this process checks the registry units the cache did not know, parsing only the
manifests whose bytes no projection was kept for.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from packwarden.artifacts.members import Members, cost_of, load_member, load_members, load_registry
from packwarden.artifacts.projection import REGISTRY, Projection, Projections, wanted
from packwarden.artifacts.units import Unit
from packwarden.load.document import Document
from packwarden.model import builtin_rules as R
from packwarden.model.filestat import FileStat
from packwarden.model.finding import Finding
from packwarden.model.policy import EffectivePolicy
from packwarden.model.record import Record

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~3 ms)
if TYPE_CHECKING:
    from packwarden.workspace import FileSource

PARALLEL_THRESHOLD = 200
Todo = list[tuple[Unit, Members, "str | None"]]  # units to check, with their result-cache key (None: not cached)
Results = list[tuple[Unit, list[Finding]]]


class Share(Record):
    """What one process found in its share of the units."""

    results: Results  # each unit that exists, with its findings
    fresh: dict[str, list[Finding]]  # results to store, by result-cache key
    stale: list[str]  # cached results used now whose last use is old (the cache keeps recent ones)
    files: set[str]  # the member files that exist
    watched: dict[str, FileStat | None]  # the stats its reads took, for the run memo
    blob_ids: dict[str, str] | None  # the git blob ids of what it read, when the source records them
    projections: dict[str, Projection]  # the manifests registry units read, as they read them


class Lookup(Record):
    """Units read and looked up in the result cache, not checked yet."""

    served: Results  # each unit the cache knows, with its findings
    todo: Todo
    stale: list[str]
    files: set[str]  # the member files that exist


def default_jobs() -> int:
    return max(1, min(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1, 8))


def _read(source: FileSource, unit: Unit) -> Members:
    return {path: raw for path in unit.members if (raw := source.read(path)) is not None}


def _look_up(policy: EffectivePolicy, source: FileSource, units: Sequence[Unit], use_cache: bool) -> Lookup:
    """Read every unit's members and look the units up in the result cache."""
    items = [(unit, members) for unit in units if (members := _read(source, unit))]
    # a unit with a read problem is never cached: problems are cheap to find again
    keys: list[str | None] = [None] * len(items)
    cached: dict[str, list[Finding]] = {}
    stale: list[str] = []
    if use_cache and items:
        from packwarden.cache.results import ResultCache, result_key

        digest = policy.digest
        for index, (unit, members) in enumerate(items):
            contents = [(path, raw) for path, raw in members.items() if isinstance(raw, bytes)]
            if len(contents) == len(members):
                keys[index] = result_key(digest, unit, contents)
        cache = ResultCache()
        cached = cache.get_many([key for key in keys if key is not None])
        stale = cache.stale
        cache.close()
    lookup = Lookup([], [], stale, {path for _, members in items for path in members})
    for (unit, members), key in zip(items, keys, strict=True):
        if key is not None and key in cached:
            lookup.served.append((unit, cached[key]))
        else:
            lookup.todo.append((unit, members, key))
    return lookup


def _store(fresh: dict[str, list[Finding]], key: str | None, result: list[Finding]) -> None:
    if key is not None and not any(f.rule == R.PACK_REGEX_TIMEOUT.id for f in result):
        fresh[key] = result  # a timed-out pattern may not time out next time: never stored


def _check_share(
    policy: EffectivePolicy, source: FileSource, units: Sequence[Unit], use_cache: bool, keep: Projections | None
) -> Share:
    """Read, look up and check one share of the units (in this process or a forked one),
    keeping the projections ``keep`` asks for."""
    lookup = _look_up(policy, source, units, use_cache)
    fresh: dict[str, list[Finding]] = {}
    if lookup.todo:  # a run served from the cache never imports the engine
        from packwarden.engine import check_unit

        for unit, members, key in lookup.todo:
            result = check_unit(policy, unit, load_members(unit, members, keep))
            lookup.served.append((unit, result))
            _store(fresh, key, result)
    found = keep.found if keep is not None else {}
    return Share(lookup.served, fresh, lookup.stale, lookup.files, source.watched, source.blob_ids, found)


class _Registries:
    """The registry units of a run: read, looked up and their indexes loaded at the start of
    this process's share (phase 1), checked once every share is done (phase 2)."""

    def __init__(self, policy: EffectivePolicy, units: list[Unit], use_cache: bool) -> None:
        self.policy = policy
        self.units = units
        self.use_cache = use_cache
        self.lookup = Lookup([], [], [], set())
        self.ready: dict[str, Document | None] = {}  # the indexes of those to check, loaded

    def look_up(self, source: FileSource) -> Projections | None:
        """Read and look them up; the projections this process is to keep for those to check."""
        self.lookup = _look_up(self.policy, source, self.units, self.use_cache)
        for unit, members, _ in self.lookup.todo:
            if unit.root in members:
                self.ready[unit.root] = load_member(unit, unit.root, members[unit.root])
        want = wanted(unit for unit, _, _ in self.lookup.todo)
        return Projections(self.policy.rules, want) if want else None

    def cost(self) -> int:
        """What ``look_up`` costs, as ``members.cost_of`` counts (measured: reading and hashing a
        manifest, and its part of the index, take about a quarter of parsing and checking it)."""
        return sum(len(unit.members) for unit in self.units) * 5 // 2

    def check(self, found: dict[str, Projection]) -> Share:
        results = self.lookup.served
        fresh: dict[str, list[Finding]] = {}
        if self.lookup.todo:
            from packwarden.engine import check_unit

            for unit, members, key in self.lookup.todo:
                result = check_unit(self.policy, unit, load_registry(unit, members, found, self.ready))
                results.append((unit, result))
                _store(fresh, key, result)
        return Share(results, fresh, self.lookup.stale, self.lookup.files, {}, None, {})


def _forking(jobs: int, artifacts: int) -> bool:
    return jobs > 1 and artifacts >= PARALLEL_THRESHOLD and sys.platform != "win32" and hasattr(os, "fork")


def _import_for_workers(use_cache: bool) -> None:
    """Import, once and before forking, what every worker will need anyway.

    The result cache is looked up in every share. The engine and the YAML reader are imported
    only when every share will check files: the cache is off, or holds nothing yet (a first
    run, as in CI). Otherwise a worker whose share is all cached needs neither, and workers that
    do need them import them side by side.
    """
    if use_cache:
        from packwarden.cache.results import ResultCache

        if os.path.exists(ResultCache().path):
            return
    import packwarden.engine
    import packwarden.load.loaders
    import packwarden.load.yaml  # noqa: F401 - imported for the forked workers


def _shares(
    policy: EffectivePolicy,
    source: FileSource,
    units: Sequence[Unit],
    registries: _Registries,
    use_cache: bool,
    jobs: int,
) -> list[Share]:
    """Phase 1: every unit but the registry units, in shares, with the registries' phase 0 at
    the start of this process's share."""

    def here(chunk: list[Unit]) -> list[Share]:
        return [_check_share(policy, source, chunk, use_cache, registries.look_up(source))]

    if not _forking(jobs, len(units) + len(registries.units)):
        return here(list(units))
    from packwarden import parallel

    _import_for_workers(use_cache)
    # a worker starts before the registry units are looked up: it keeps projections of every
    # manifest any of them reads, and those of a registry the cache knows go unused
    every = wanted(registries.units)

    def there(chunk: list[Unit]) -> list[Share]:
        return [_check_share(policy, source, chunk, use_cache, Projections(policy.rules, every) if every else None)]

    chunks = parallel.balance(units, jobs, cost_of, head=registries.cost())
    return parallel.map_forked(there, chunks, here=here) if chunks else here([])


def run_checks(
    policy: EffectivePolicy, source: FileSource, units: Sequence[Unit], *, use_cache: bool, jobs: int = 1
) -> tuple[Results, int]:
    """Every unit that exists with its findings, in no particular order, and how many member
    files exist."""
    source.prefetch(list(dict.fromkeys(path for unit in units for path in unit.members)))
    registries = _Registries(policy, [unit for unit in units if unit.kind == REGISTRY], use_cache)
    others = [unit for unit in units if unit.kind != REGISTRY]
    shares = _shares(policy, source, others, registries, use_cache, jobs)
    found: dict[str, Projection] = {}
    for share in shares:
        found.update(share.projections)
    shares.append(registries.check(found))  # phase 2
    results: Results = []
    fresh: dict[str, list[Finding]] = {}
    stale: list[str] = []
    files: set[str] = set()
    for share in shares:
        files |= share.files
        results.extend(share.results)
        fresh.update(share.fresh)
        stale.extend(share.stale)
        source.watched.update(share.watched)  # a child's reads are this run's reads too
        if source.blob_ids is not None and share.blob_ids is not None:
            source.blob_ids.update(share.blob_ids)
    if fresh or stale:
        from packwarden.cache.results import ResultCache

        cache = ResultCache()
        cache.put_many(fresh, stale)
        cache.close()
    return results, len(files)
