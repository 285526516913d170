"""The Python API: resolve a policy, check files. Returns data; raises typed errors."""

from __future__ import annotations

import os
from collections.abc import Sequence

from packwarden.model import builtin_rules as R
from packwarden.model.errors import PolicyValidationError, UsageError
from packwarden.model.finding import Finding, Severity
from packwarden.model.policy import EffectivePolicy
from packwarden.model.record import Record
from packwarden.model.waiver import NO_WAIVERS, Waiver, WaiverFile
from packwarden.packs.inputs import CONFIG_PATH

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~3 ms)
if TYPE_CHECKING:
    from packwarden.artifacts.units import Unit, UnitTable
    from packwarden.cache.runs import RunMemo
    from packwarden.enforce import Verdict
    from packwarden.message_check import CommitMessage
    from packwarden.model.waiving import WaiverRow
    from packwarden.packs.files import PackFiles
    from packwarden.workspace import FileSource


class CheckResult(Record):
    """``findings``: every finding, those a waiver covers too (``verdict.waived`` says which,
    with the waiver); ``waivers``: the waivers file the run read."""

    findings: tuple[Finding, ...]
    files: int
    policy: EffectivePolicy
    verdict: Verdict
    waivers: WaiverFile = NO_WAIVERS

    @property
    def exit_code(self) -> int:
        return self.verdict.exit_code


def _source(
    cwd: str, staged: bool, all_files: bool, *, blob_ids: bool = False, untracked: bool = False
) -> tuple[str, FileSource]:
    """Where the run reads; ``blob_ids``: files on disk also record their git blob ids;
    ``untracked``: listings include files git does not ignore but does not track yet."""
    from packwarden.workspace import DiskFiles, IndexFiles, find_root

    root, in_git = find_root(cwd)
    if staged:
        return root, IndexFiles(root, in_git, staged_only=not all_files)
    return root, DiskFiles(root, in_git, blob_ids=blob_ids and in_git and root == cwd, untracked=untracked)


def _policy(
    source: FileSource, root: str, cwd: str, pack: str | None, strict: bool, use_cache: bool
) -> tuple[EffectivePolicy, PackFiles, bytes | None]:
    """The effective policy, the record of every pack file it was built from, and the config."""
    from packwarden.cache.location import central_store_dir
    from packwarden.cache.policy import compiled_policy
    from packwarden.load.document import Problem
    from packwarden.packs.files import PackFiles
    from packwarden.packs.inputs import PolicyInputs
    from packwarden.workspace import IndexFiles

    config = source.read_config()
    if isinstance(config, Problem):
        error = Finding(R.CONFIG_INVALID.id, Severity.ERROR, f"{CONFIG_PATH} {config.message}", CONFIG_PATH)
        raise PolicyValidationError([error])
    files = PackFiles(root, source.read_repo_file, central_root=central_store_dir())
    inputs = PolicyInputs(config, pack, strict, root, cwd, staged=isinstance(source, IndexFiles))
    return compiled_policy(inputs, files, use_cache=use_cache), files, config


def _run_memo(root: str, policy: EffectivePolicy, source: FileSource) -> RunMemo | None:
    """The memo of a whole-tree run on disk (see ``cache.runs``); staged runs read the index."""
    from packwarden.workspace import DiskFiles

    if not isinstance(source, DiskFiles):
        return None
    from packwarden.cache.runs import RunMemo

    return RunMemo(root, policy.digest, "all", source.watched)


def _here(cwd: str | os.PathLike[str] | None) -> str:
    here = os.path.realpath(cwd or os.getcwd())
    if not os.path.isdir(here):
        raise UsageError(f"no such directory: {os.fspath(cwd or here)}")
    return here


def resolve(
    *,
    cwd: str | os.PathLike[str] | None = None,
    pack: str | None = None,
    strict: bool = False,
    staged: bool = False,
    use_cache: bool = True,
) -> EffectivePolicy:
    """The effective policy for the repository at ``cwd`` (default: the current directory)."""
    here = _here(cwd)
    root, source = _source(here, staged, all_files=False)
    return _policy(source, root, here, pack, strict, use_cache)[0]


def _relative(root: str, cwd: str, paths: Sequence[str]) -> list[str]:
    """Root-relative POSIX paths; ``../`` marks one outside the root."""
    return [os.path.relpath(os.path.normpath(os.path.join(cwd, path)), root).replace(os.sep, "/") for path in paths]


def _missing(root: str, source: FileSource, wanted: Sequence[str], given: Sequence[str]) -> None:
    """A path that names nothing (on disk, nor staged) is a mistake to say, not a run to pass."""
    from packwarden.workspace import IndexFiles

    for relative, shown in zip(wanted, given, strict=True):
        if os.path.lexists(os.path.join(root, relative)):
            continue
        if not isinstance(source, IndexFiles) or not source.expand([relative]):
            raise UsageError(f"{shown}: no such file or directory")


def check(
    paths: str | os.PathLike[str] | Sequence[str | os.PathLike[str]] = (),
    *,
    cwd: str | os.PathLike[str] | None = None,
    all_files: bool = False,
    staged: bool = False,
    strict: bool = False,
    pack: str | None = None,
    use_cache: bool = True,
    jobs: int | None = None,
    extra_waivers: Sequence[Waiver] = (),
    message: CommitMessage | None = None,
) -> CheckResult:
    """Check ``paths`` (a path or several; default: every file git does not ignore), every
    tracked file (``all_files``) or the staged files against the effective policy.

    ``use_cache`` reuses compiled policies and results for unchanged inputs; ``jobs`` caps
    worker processes for large runs (default and maximum: the usable cores, at most 8);
    ``extra_waivers``: waivers besides the waivers file (``Policy-Waiver:`` trailers, as
    ``Waiver(..., source=model.waiver.TRAILER)``), applied by the same decision step. Raises
    PolicyValidationError or PolicyNotFoundError when the policy itself is broken, UsageError
    for a path or directory that does not exist.
    """
    given = [os.fspath(paths)] if isinstance(paths, (str, os.PathLike)) else [os.fspath(p) for p in paths]
    here = _here(cwd)
    for_gate = use_cache and not all_files and (staged or bool(given))  # a hook's run: the gate may ask
    root, source = _source(here, staged, all_files, blob_ids=for_gate, untracked=not all_files)
    policy, files, config = _policy(source, root, here, pack, strict, use_cache)
    wanted = _relative(root, here, given)
    _missing(root, source, wanted, given)
    from packwarden.artifacts.units import attached_of
    from packwarden.packs.waivers import load_waivers

    waivers = load_waivers(files)  # a policy input: recorded in ``files``, so it governs every unit
    inputs = files.governs(attached_of(policy.rules))
    changed = [*wanted, *source.deleted] if wanted or not staged else [*source.all_paths(), *source.deleted]
    touched = inputs.touched(changed)
    if staged and not all_files and (touched is None or touched):
        # a staged policy input re-checks what it governs: the whole index
        root, source = _source(here, staged, all_files=True)
    memo = _run_memo(root, policy, source) if use_cache and all_files else None
    remembered = memo.load() if memo is not None else None
    if remembered is not None:
        return _result(policy, remembered[0], remembered[1], waivers, extra_waivers, whole=True)
    from packwarden.runner import run_checks

    if all_files or touched is None or not wanted:
        candidates = source.all_paths()
    else:
        candidates = source.expand(wanted)
    findings, table, units = _units(policy, source, candidates)
    if touched:  # inputs that govern some kinds: every unit of those kinds
        units.extend(unit for unit in table.units(source.listing(None), source.listing) if unit.kind in touched)
        units = list(dict.fromkeys(units))
    checked, count = run_checks(policy, source, units, use_cache=use_cache, jobs=jobs_for(jobs))
    findings.extend(finding for _, found in checked for finding in found)
    timed_out = any(f.rule == R.PACK_REGEX_TIMEOUT.id for f in findings)  # may not time out next time
    # every file was a candidate: only then does a waiver that covers nothing mean it is unused
    whole = all_files or touched is None or (not wanted and not staged)
    if message is not None:  # the gate: the message's rules, and its Policy-Waiver trailers
        from packwarden.message_check import check_message_of, trailer_waivers

        said, problems = trailer_waivers(message)
        extra_waivers = [*extra_waivers, *said]
        kinds = {unit.kind for unit in units}
        findings = [*findings, *problems, *check_message_of(policy, message, kinds)]
    result = _result(policy, findings, count, waivers, extra_waivers, whole=whole)
    if memo is not None and not timed_out:
        memo.store(findings, count)
    outside = any(path.startswith("../") for path in candidates)
    if for_gate and source.blob_ids and root == here and not outside and not timed_out and result.exit_code != 2:
        request = (root, pack, strict)
        _remember_for_gate(result, checked, table, source.blob_ids, files, config, request)
    return result


def _units(
    policy: EffectivePolicy, source: FileSource, candidates: list[str]
) -> tuple[list[Finding], UnitTable, list[Unit]]:
    """The units ``candidates`` (and the source's staged deletions) belong to, with findings for
    the paths outside the repository and the folders that could not be listed."""
    from packwarden.artifacts.units import UnitTable, attached_of, registries_of

    findings: list[Finding] = []
    outside = [path for path in candidates if path.startswith("../")]
    if outside or source.unreadable:
        from packwarden.engine import builtin_finding

        findings.extend(builtin_finding(policy, R.PATH_OUTSIDE_REPO, "is outside the repository", p) for p in outside)
        findings.extend(
            builtin_finding(policy, R.PATH_UNREADABLE, "is a folder that cannot be listed; not checked", p)
            for p in source.unreadable
        )
    table = UnitTable(policy.artifacts, registries_of(policy.rules), attached_of(policy.rules))
    inside = [path for path in candidates if not path.startswith("../")]
    return findings, table, table.units([*inside, *source.deleted], source.listing)


def list_waivers(
    *,
    cwd: str | os.PathLike[str] | None = None,
    pack: str | None = None,
    staged: bool = False,
    use_cache: bool = True,
) -> tuple[CheckResult, list[WaiverRow]]:
    """Every entry of the waivers file with its state today and how many findings it covers:
    a check of every file (the working tree, or the index with ``staged``), then the entries."""
    from packwarden.model.decision import today
    from packwarden.model.waiving import rows

    result = check(cwd=cwd, all_files=True, staged=staged, pack=pack, use_cache=use_cache)
    return result, rows(result.findings, result.policy, result.waivers, result.verdict.today or today())


def check_against(
    policy: EffectivePolicy, paths: Sequence[str], *, cwd: str | os.PathLike[str] | None = None, alone: bool = False
) -> CheckResult:
    """Check ``paths`` against ``policy`` alone (``packwarden packs test``): as ``check`` checks
    paths, but without the repository's config and without any cache. ``alone``: ``cwd`` is a
    project of its own, whatever git repository holds it (a pack's examples)."""
    from packwarden.runner import run_checks
    from packwarden.workspace import DiskFiles, find_root

    here = _here(cwd)
    root, in_git = (here, False) if alone else find_root(here)
    source = DiskFiles(root, in_git, untracked=True)
    wanted = _relative(root, here, paths)
    _missing(root, source, wanted, paths)
    findings, _, units = _units(policy, source, source.expand(wanted))
    checked, count = run_checks(policy, source, units, use_cache=False, jobs=jobs_for(None))
    findings.extend(finding for _, found in checked for finding in found)
    return _result(policy, findings, count)


def jobs_for(asked: int | None) -> int:
    """Worker processes: as asked, but never more than the usable cores (nor fewer than one)."""
    from packwarden.runner import default_jobs

    usable = default_jobs()
    return usable if asked is None else max(1, min(asked, usable))


def _remember_for_gate(
    result: CheckResult,
    checked: list[tuple[Unit, list[Finding]]],
    table: UnitTable,
    blob_ids: dict[str, str],
    files: PackFiles,
    config: bytes | None,
    request: tuple[str, str | None, bool],
) -> None:
    """Leave the commit-msg gate what it needs to answer without checking again (``cache.gate``):
    raw findings per unit, the blob ids of every member and every policy input.

    ``request``: the root, the pack argument and the strict flag, which the gate asks with.
    """
    from packwarden.cache import gate
    from packwarden.model.digest import git_blob_id
    from packwarden.model.kinds import spec_of
    from packwarden.packs.files import ABSENT, BUILTIN, CENTRAL

    policy = result.policy
    from packwarden.message_check import has_message_rules

    if has_message_rules(policy):
        return  # the message decides too: the gate checks each message in full (from the caches)
    waived = result.verdict.waived
    specs = gate.pathspecs(policy.artifacts, table.registry_indexes())
    if specs is None or sum(len(unit.members) for unit, _ in checked) > gate.MAX_FILES:
        return
    units = []
    for unit, found in checked:
        shape = spec_of(unit.kind).shape
        listed = gate.member_specs(shape, unit.root, table.manifest_globs(unit), unit.reads)
        if listed is None:
            return
        blobs = {path: blob_ids[path] for path in unit.members if path in blob_ids}
        # what the file waived; never what a trailer of this one commit did
        raw = [_raw(finding, finding in waived and not waived[finding].trailer) for finding in found]
        units.append((shape, unit.root, listed, blobs, raw, unit.reads))
    from packwarden.artifacts.units import attached_of

    # a contract is read as a member of the units it governs: its blob id is the one read
    inputs: dict[str, str | None] = {
        path: blob_ids.get(path) for path in files.governs(attached_of(policy.rules)).paths()
    }
    inputs[CONFIG_PATH] = None if config is None else git_blob_id(config)
    outside: list[tuple[str, str, str]] = []
    for pack_file in files.read:
        if pack_file.in_repo:
            inputs[pack_file.resolved] = None if pack_file.digest == ABSENT else pack_file.digest
            inputs.update((link, git_blob_id(os.fsencode(target))) for link, target in pack_file.links)
        elif pack_file.name.startswith(BUILTIN):
            if "@" not in pack_file.name:
                return  # a bare key: which version it names is not the gate's to work out
            outside.append((pack_file.resolved, os.path.realpath(pack_file.resolved), pack_file.digest))
        elif pack_file.name.startswith(CENTRAL):
            if pack_file.digest == ABSENT:
                return  # a central pack missing from the cache: the gate evaluates again each time
            listing = "/" if pack_file.name.endswith("/") else ""  # the gate compares a folder's listing
            outside.append((pack_file.resolved + listing, os.path.realpath(pack_file.resolved), pack_file.digest))
        else:  # a pack named on the command line, outside the repository
            outside.append((pack_file.name, pack_file.resolved, pack_file.digest))
    gate.store(
        gate.memo_path(*request),
        inputs=inputs,
        outside=outside,
        specs=specs,
        units=units,
        policy_findings=[_raw(finding, False) for finding in (*policy.warnings, *_waivers_own(result))],
        mode=policy.mode,
        fail_on=policy.fail_on.value,
        today=result.verdict.today,
        locked=sorted(policy.locked),
    )


def _waivers_own(result: CheckResult) -> list[Finding]:
    """The waivers file's own findings in ``result``, but ``waiver.unused`` (only a whole run says
    it) and those about a trailer (of one commit)."""
    from packwarden.model.waiver import WAIVERS_PATH

    own = (R.WAIVER_INVALID, R.WAIVER_EXPIRED, R.WAIVER_EXPIRING, R.WAIVER_REFUSED)
    return [finding for finding in result.findings if R.of(finding) in own and finding.path == WAIVERS_PATH]


def _raw(finding: Finding, waived: bool) -> list[object]:
    """A finding as the gate memo keeps it: what ``model.decision`` decides on (its severity,
    whether it is about packwarden's inputs, whether the waivers file covered it), the finding,
    and whether any waiver may cover it (``decision.trailer_waives`` asks)."""
    from packwarden.enforce import input_rule
    from packwarden.model.waiving import waivable

    return [finding.severity.value, input_rule(finding), finding.to_dict(), waived, waivable(finding)]


def _result(
    policy: EffectivePolicy,
    file_findings: list[Finding],
    files: int,
    waivers: WaiverFile | None = None,
    extra_waivers: Sequence[Waiver] = (),
    *,
    whole: bool = False,
) -> CheckResult:
    """The findings about files, with the policy's own warnings and the waivers' own findings, in
    report order, and the verdict (``enforce.decide``, which applies the waivers)."""
    from packwarden.enforce import decide

    # one finding found by several units (a contract every plugin reads) is reported once
    findings = list(dict.fromkeys([*policy.warnings, *file_findings]))
    verdict = decide(findings, policy, waivers, extra_waivers=extra_waivers, whole=whole)
    return CheckResult(verdict.findings, files, policy, verdict, waivers or NO_WAIVERS)
