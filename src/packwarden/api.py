"""The Python API: resolve a policy, check files. Returns data; raises typed errors."""

from __future__ import annotations

import os
from collections.abc import Sequence

from packwarden.model import builtin_rules as R
from packwarden.model.errors import PolicyValidationError
from packwarden.model.finding import Finding, Severity
from packwarden.model.policy import EffectivePolicy
from packwarden.model.record import Record

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~3 ms)
if TYPE_CHECKING:
    from packwarden.cache.runs import RunMemo
    from packwarden.enforce import Verdict
    from packwarden.workspace import FileSource


class CheckResult(Record):
    findings: tuple[Finding, ...]
    files: int
    policy: EffectivePolicy
    verdict: Verdict

    @property
    def exit_code(self) -> int:
        return self.verdict.exit_code


def _source(cwd: str, staged: bool, all_files: bool, blob_ids: bool = False) -> tuple[str, FileSource]:
    """Where the run reads; ``blob_ids``: files on disk also record their git blob ids."""
    from packwarden.workspace import DiskFiles, IndexFiles, find_root

    root, in_git = find_root(cwd)
    if staged:
        return root, IndexFiles(root, staged_only=not all_files)
    return root, DiskFiles(root, in_git, blob_ids=blob_ids and in_git and root == cwd)


def _policy(
    source: FileSource, root: str, cwd: str, pack: str | None, strict: bool
) -> tuple[EffectivePolicy, dict[str, str]]:
    """The effective policy and the digests of its pack files."""
    from packwarden.cache.policy import cached_policy_and_packs
    from packwarden.load.document import Problem
    from packwarden.packs.inputs import CONFIG_PATH, PolicyInputs

    config = source.read_config()
    if isinstance(config, Problem):
        error = Finding(R.CONFIG_INVALID.id, Severity.ERROR, f"{CONFIG_PATH} {config.message}", CONFIG_PATH)
        raise PolicyValidationError([error])
    return cached_policy_and_packs(PolicyInputs(config, pack, strict, root, cwd))


def _run_memo(root: str, policy: EffectivePolicy, source: FileSource) -> RunMemo | None:
    """The memo of a whole-tree run on disk (see ``cache.runs``); staged runs read the index."""
    from packwarden.workspace import DiskFiles

    if not isinstance(source, DiskFiles):
        return None
    from packwarden.cache.runs import RunMemo

    return RunMemo(root, policy.digest, "all", source.watched)


def resolve(
    *, cwd: str | os.PathLike[str] | None = None, pack: str | None = None, strict: bool = False, staged: bool = False
) -> EffectivePolicy:
    """The effective policy for the repository at ``cwd`` (default: the current directory)."""
    here = os.path.realpath(cwd or os.getcwd())
    root, source = _source(here, staged, all_files=False)
    return _policy(source, root, here, pack, strict)[0]


def _relative(root: str, cwd: str, paths: Sequence[str]) -> list[str]:
    """Root-relative POSIX paths; ``../`` marks one outside the root."""
    return [os.path.relpath(os.path.normpath(os.path.join(cwd, path)), root).replace(os.sep, "/") for path in paths]


def check(
    paths: Sequence[str] = (),
    *,
    cwd: str | os.PathLike[str] | None = None,
    all_files: bool = False,
    staged: bool = False,
    strict: bool = False,
    pack: str | None = None,
    use_cache: bool = True,
    jobs: int | None = None,
) -> CheckResult:
    """Check ``paths`` (or every file, or the staged files) against the effective policy.

    ``use_cache`` reuses results for unchanged files; ``jobs`` caps worker processes for large
    runs (default: the usable cores, at most 8). Raises PolicyValidationError or
    PolicyNotFoundError when the policy itself is broken.
    """
    from packwarden.packs.inputs import CONFIG_PATH

    here = os.path.realpath(cwd or os.getcwd())
    for_gate = use_cache and not all_files and (staged or bool(paths))  # a hook's run: the gate may ask
    root, source = _source(here, staged, all_files, blob_ids=for_gate)
    if staged and not all_files and CONFIG_PATH in source.all_paths():
        # a staged change to the config re-checks everything it governs: the whole index
        root, source = _source(here, staged, all_files=True)
    policy, packs = _policy(source, root, here, pack, strict)
    wanted = _relative(root, here, paths)
    memo = _run_memo(root, policy, source) if use_cache and (all_files or not wanted) else None
    remembered = memo.load() if memo is not None else None
    if remembered is not None:
        return _result(policy, remembered[0], remembered[1])
    from packwarden.artifacts.kinds import ArtifactTable
    from packwarden.runner import default_jobs, run_checks

    if all_files or CONFIG_PATH in wanted or (not wanted and not staged):
        candidates = source.all_paths()
    else:
        candidates = source.expand(wanted) if wanted else source.all_paths()
    findings: list[Finding] = []
    outside = [path for path in candidates if path.startswith("../")]
    if outside:
        from packwarden.engine import builtin_finding

        findings.extend(builtin_finding(policy, R.PATH_OUTSIDE_REPO, "is outside the repository", p) for p in outside)
    artifacts = ArtifactTable(policy.artifacts).artifacts(p for p in candidates if not p.startswith("../"))
    checked, files = run_checks(
        policy, source, artifacts, use_cache=use_cache, jobs=default_jobs() if jobs is None else jobs
    )
    findings.extend(checked)
    timed_out = any(f.rule == R.PACK_REGEX_TIMEOUT.id for f in findings)  # may not time out next time
    result = _result(policy, findings, files)
    if memo is not None and not timed_out:
        memo.store(findings, files)
    if for_gate and source.blob_ids and root == here and not outside and not timed_out and result.exit_code != 2:
        _remember_for_gate(result, checked, source.blob_ids, packs, [a.path for a in artifacts], (root, pack, strict))
    return result


def _remember_for_gate(
    result: CheckResult,
    file_findings: list[Finding],
    blob_ids: dict[str, str],
    packs: dict[str, str],
    checked: list[str],
    request: tuple[str, str | None, bool],
) -> None:
    """Leave the commit-msg gate what it needs to answer without checking again (``cache.gate``).

    ``request``: the root, the pack argument and the strict flag, which the gate asks with.
    """
    from packwarden.cache import gate
    from packwarden.enforce import blocks
    from packwarden.packs.inputs import CONFIG_PATH

    policy = result.policy
    specs = gate.pathspecs(policy.artifacts)
    if specs is None or len(checked) > gate.MAX_FILES:
        return
    by_path: dict[str, list[tuple[bool, dict[str, object]]]] = {}
    for finding in file_findings:
        by_path.setdefault(finding.path, []).append((blocks(finding, policy.mode, policy.fail_on), finding.to_dict()))
    gate.store(
        gate.memo_path(*request),
        config_blob=blob_ids.get(CONFIG_PATH),
        dependencies=packs,
        specs=specs,
        blobs={path: blob_ids[path] for path in checked if path in blob_ids},
        findings=by_path,
        policy_findings=[(blocks(f, policy.mode, policy.fail_on), f.to_dict()) for f in policy.warnings],
    )


def _result(policy: EffectivePolicy, file_findings: list[Finding], files: int) -> CheckResult:
    """The findings about files, with the policy's own warnings, in report order, and the verdict."""
    from packwarden.enforce import decide

    findings = sorted([*policy.warnings, *file_findings], key=lambda finding: finding.sort_key)
    return CheckResult(tuple(findings), files, policy, decide(findings, policy))
