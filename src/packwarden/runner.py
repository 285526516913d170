"""Run the engine over many artifacts: result cache first, then forked processes for large runs.

Small runs (a commit's few files) never fork. Runs over PARALLEL_THRESHOLD artifacts or more
split them among ``jobs`` processes (this one and forked children that inherit the compiled
policy and the imported engine; see ``parallel``), and each process does the whole per-file
pipeline for its share: read, hash, look up the result cache, check what it does not know.
Only this process writes the cache, once. Results are the same either way.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from packwarden.artifacts.kinds import Artifact
from packwarden.load.document import Document, Problem
from packwarden.model import builtin_rules as R
from packwarden.model.filestat import FileStat
from packwarden.model.finding import Finding
from packwarden.model.policy import EffectivePolicy
from packwarden.model.record import Record

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~3 ms)
if TYPE_CHECKING:
    from packwarden.workspace import FileSource

PARALLEL_THRESHOLD = 200


class Share(Record):
    """What one process found in its share of the artifacts."""

    findings: list[Finding]
    fresh: dict[str, list[Finding]]  # results to store, by result-cache key
    stale: list[str]  # cached results used now whose last use is old (the cache keeps recent ones)
    files: int  # the artifacts that exist
    watched: dict[str, FileStat | None]  # the stats its reads took, for the run memo
    blob_ids: dict[str, str] | None  # the git blob ids of what it read, when the source records them


def load_document(artifact: Artifact, raw: bytes | Problem) -> Document:
    if isinstance(raw, Problem):
        return Document("", None, (raw,))
    if artifact.path.endswith(".json"):
        from packwarden.load.json import load_json

        return load_json(raw)
    from packwarden.load.yaml import load_yaml

    return load_yaml(raw)


def _check_all(policy: EffectivePolicy, items: Sequence[tuple[Artifact, bytes | Problem]]) -> list[list[Finding]]:
    if not items:
        return []  # a run served from the cache never imports the engine
    from packwarden.engine import check_document

    return [check_document(policy, artifact, load_document(artifact, raw)) for artifact, raw in items]


def default_jobs() -> int:
    return max(1, min(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1, 8))


def _check_share(policy: EffectivePolicy, source: FileSource, artifacts: Sequence[Artifact], use_cache: bool) -> Share:
    """Read, look up and check one share of the artifacts (in this process or a forked one)."""
    items = [(artifact, raw) for artifact in artifacts if (raw := source.read(artifact.path)) is not None]
    keys: list[str | None] = [None] * len(items)  # read problems are never cached: they are cheap
    cached: dict[str, list[Finding]] = {}
    stale: list[str] = []
    if use_cache:
        from packwarden.cache.results import ResultCache, result_key

        digest = policy.digest
        for index, (artifact, raw) in enumerate(items):
            if not isinstance(raw, Problem):
                keys[index] = result_key(digest, artifact.path, artifact.kind, raw)
        cache = ResultCache()
        cached = cache.get_many([key for key in keys if key is not None])
        stale = cache.stale
        cache.close()
    findings: list[Finding] = []
    todo: list[int] = []
    for index, key in enumerate(keys):
        if key is not None and key in cached:
            findings.extend(cached[key])
        else:
            todo.append(index)
    fresh: dict[str, list[Finding]] = {}
    for index, result in zip(todo, _check_all(policy, [items[index] for index in todo]), strict=True):
        findings.extend(result)
        key = keys[index]
        if key is not None and not any(f.rule == R.PACK_REGEX_TIMEOUT.id for f in result):
            fresh[key] = result
    return Share(findings, fresh, stale, len(items), source.watched, source.blob_ids)


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
    import packwarden.load.yaml  # noqa: F401 - imported for the forked workers


def run_checks(
    policy: EffectivePolicy, source: FileSource, artifacts: Sequence[Artifact], *, use_cache: bool, jobs: int = 1
) -> tuple[list[Finding], int]:
    """Findings for every artifact, in no particular order, and how many of them exist."""
    source.prefetch([artifact.path for artifact in artifacts])
    if not _forking(jobs, len(artifacts)):
        shares = [_check_share(policy, source, artifacts, use_cache)]
    else:
        from packwarden import parallel

        _import_for_workers(use_cache)

        chunks = parallel.split(artifacts, jobs)
        shares = parallel.map_forked(lambda chunk: [_check_share(policy, source, chunk, use_cache)], chunks)
    findings: list[Finding] = []
    fresh: dict[str, list[Finding]] = {}
    stale: list[str] = []
    for share in shares:
        findings.extend(share.findings)
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
    return findings, sum(share.files for share in shares)
