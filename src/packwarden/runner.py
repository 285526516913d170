"""Run the engine over many artifacts: result cache first, then forked processes for large runs.

Small runs (a commit's few files) never fork; runs with many uncached files split the work
among ``jobs`` processes (this one and forked children that inherit the compiled policy and the
imported engine; see ``parallel``). Results are the same either way.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from packwarden.artifacts.kinds import Artifact
from packwarden.load.document import Document, Problem
from packwarden.model import builtin_rules as R
from packwarden.model.finding import Finding
from packwarden.model.policy import EffectivePolicy

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~3 ms)
if TYPE_CHECKING:
    from packwarden.cache.results import ResultCache

PARALLEL_THRESHOLD = 200


def load_document(artifact: Artifact, raw: bytes | Problem) -> Document:
    if isinstance(raw, Problem):
        return Document("", None, (raw,))
    if artifact.path.endswith(".json"):
        from packwarden.load.json import load_json

        return load_json(raw)
    from packwarden.load.yaml import load_yaml

    return load_yaml(raw)


def _check_all(policy: EffectivePolicy, chunk: list[tuple[Artifact, bytes]]) -> list[list[Finding]]:
    from packwarden.engine import check_document  # a run served from the cache never imports it

    return [check_document(policy, artifact, load_document(artifact, raw)) for artifact, raw in chunk]


def default_jobs() -> int:
    return max(1, min(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1, 8))


def _evaluate(policy: EffectivePolicy, work: list[tuple[Artifact, bytes]], jobs: int) -> list[list[Finding]]:
    if not work:
        return []
    if jobs <= 1 or len(work) < PARALLEL_THRESHOLD or sys.platform == "win32" or not hasattr(os, "fork"):
        return _check_all(policy, work)
    # imported before forking, once, rather than in every child
    import packwarden.engine
    import packwarden.load.yaml  # noqa: F401
    from packwarden import parallel

    return parallel.map_forked(lambda chunk: _check_all(policy, chunk), parallel.split(work, jobs))


def run_checks(
    policy: EffectivePolicy,
    items: Sequence[tuple[Artifact, bytes | Problem]],
    cache: ResultCache | None = None,
    jobs: int = 1,
) -> list[Finding]:
    """Findings for every (artifact, bytes or read problem), in no particular order."""
    findings: list[Finding] = []
    work: list[tuple[Artifact, bytes]] = []
    for artifact, raw in items:
        if isinstance(raw, Problem):
            from packwarden.engine import check_document

            findings.extend(check_document(policy, artifact, load_document(artifact, raw)))
        else:
            work.append((artifact, raw))
    keys: list[str] = []
    if cache is not None:
        from packwarden.cache.results import result_key

        digest = policy.digest
        keys = [result_key(digest, artifact.path, artifact.kind, raw) for artifact, raw in work]
        cached = cache.get_many(keys)
        cache.close()  # never carry an open database into forked workers
        todo = [index for index, key in enumerate(keys) if key not in cached]
        for key in keys:
            findings.extend(cached.get(key, ()))
    else:
        todo = list(range(len(work)))
    results = _evaluate(policy, [work[index] for index in todo], jobs)
    fresh: dict[str, list[Finding]] = {}
    for index, result in zip(todo, results, strict=True):
        findings.extend(result)
        if cache is not None and not any(f.rule == R.PACK_REGEX_TIMEOUT.id for f in result):
            fresh[keys[index]] = result
    if cache is not None:
        cache.put_many(fresh)
        cache.close()
    return findings
