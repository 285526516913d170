"""Run the engine over many artifact units: result cache first, then forked processes for large runs.

Small runs (a commit's few files) never fork. Runs over PARALLEL_THRESHOLD units or more split
them among ``jobs`` processes (this one and forked children that inherit the compiled policy
and the imported engine; see ``parallel``), and each process does the whole per-unit pipeline
for its share: read every member, hash, look up the result cache, check what it does not know.
Only this process writes the cache, once. Results are the same either way.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from packwarden.artifacts.units import Unit
from packwarden.load.document import Document, Problem
from packwarden.model import builtin_rules as R
from packwarden.model.filestat import FileStat
from packwarden.model.finding import Finding
from packwarden.model.globs import compile_globs
from packwarden.model.kinds import spec_of
from packwarden.model.policy import EffectivePolicy
from packwarden.model.record import Record

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~3 ms)
if TYPE_CHECKING:
    from packwarden.workspace import FileSource

PARALLEL_THRESHOLD = 200


class Share(Record):
    """What one process found in its share of the units."""

    results: list[tuple[Unit, list[Finding]]]  # each unit that exists, with its findings
    fresh: dict[str, list[Finding]]  # results to store, by result-cache key
    stale: list[str]  # cached results used now whose last use is old (the cache keeps recent ones)
    files: set[str]  # the member files that exist
    watched: dict[str, FileStat | None]  # the stats its reads took, for the run memo
    blob_ids: dict[str, str] | None  # the git blob ids of what it read, when the source records them


Members = dict[str, "bytes | Problem"]  # the unit's members that exist, by path


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


def load_members(unit: Unit, members: Members) -> dict[str, Document | None]:
    """Every member loaded as its unit reads it (a read problem is always reported)."""
    from packwarden.load.loaders import load

    documents: dict[str, Document | None] = {}
    for path, raw in members.items():
        loader = loader_of(unit, path)
        if loader is None and (not isinstance(raw, Problem) or raw.rule is R.PARSE_TOO_LARGE):
            documents[path] = None  # only its presence counts: a large output is no problem
        else:
            documents[path] = load(loader or "text", raw)
    return documents


def _check_all(policy: EffectivePolicy, items: Sequence[tuple[Unit, Members]]) -> list[list[Finding]]:
    if not items:
        return []  # a run served from the cache never imports the engine
    from packwarden.engine import check_unit

    return [check_unit(policy, unit, load_members(unit, members)) for unit, members in items]


def default_jobs() -> int:
    return max(1, min(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1, 8))


def _read(source: FileSource, unit: Unit) -> Members:
    return {path: raw for path in unit.members if (raw := source.read(path)) is not None}


def _check_share(policy: EffectivePolicy, source: FileSource, units: Sequence[Unit], use_cache: bool) -> Share:
    """Read, look up and check one share of the units (in this process or a forked one)."""
    items = [(unit, members) for unit in units if (members := _read(source, unit))]
    # a unit with a read problem is never cached: problems are cheap to find again
    keys: list[str | None] = [None] * len(items)
    cached: dict[str, list[Finding]] = {}
    stale: list[str] = []
    if use_cache:
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
    results: list[tuple[Unit, list[Finding]]] = []
    todo: list[int] = []
    for index, key in enumerate(keys):
        if key is not None and key in cached:
            results.append((items[index][0], cached[key]))
        else:
            todo.append(index)
    fresh: dict[str, list[Finding]] = {}
    for index, result in zip(todo, _check_all(policy, [items[index] for index in todo]), strict=True):
        results.append((items[index][0], result))
        key = keys[index]
        if key is not None and not any(f.rule == R.PACK_REGEX_TIMEOUT.id for f in result):
            fresh[key] = result
    files = {path for _, members in items for path in members}
    return Share(results, fresh, stale, files, source.watched, source.blob_ids)


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


def run_checks(
    policy: EffectivePolicy, source: FileSource, units: Sequence[Unit], *, use_cache: bool, jobs: int = 1
) -> tuple[list[tuple[Unit, list[Finding]]], int]:
    """Every unit that exists with its findings, in no particular order, and how many member
    files exist."""
    source.prefetch(list(dict.fromkeys(path for unit in units for path in unit.members)))
    if not _forking(jobs, len(units)):
        shares = [_check_share(policy, source, units, use_cache)]
    else:
        from packwarden import parallel

        _import_for_workers(use_cache)

        chunks = parallel.balance(units, jobs, lambda unit: len(unit.members))
        shares = parallel.map_forked(lambda chunk: [_check_share(policy, source, chunk, use_cache)], chunks)
    results: list[tuple[Unit, list[Finding]]] = []
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
