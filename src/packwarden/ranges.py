"""Range mode: what CI re-runs, and what it must agree with the local gate on.

``check_range`` checks the artifact units a range of commits changed, at their content in its
last commit (read from git: the working tree never counts), under the policy of that commit, and
honours the ``Policy-Waiver:`` trailers the gate honoured: a finding is waived by a trailer of
the commit that last changed the finding's file (in the range; with ``all_files``, in the whole
history). ``check_commits`` checks every message of a range against the message rules.

History is read with two or three git processes, whatever the range's size (``git.commit_log``).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence

from packwarden.api import CheckResult, _here, _policy, _result, _units, jobs_for
from packwarden.model.errors import GitError, UsageError
from packwarden.model.finding import Finding
from packwarden.model.record import Record
from packwarden.model.waiver import TRAILER, Waiver

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing
if TYPE_CHECKING:
    from packwarden.git import LoggedCommit
    from packwarden.message_check import CommitMessage
    from packwarden.treefiles import TreeFiles

FROM_VARIABLE = "PRE_COMMIT_FROM_REF"
TO_VARIABLE = "PRE_COMMIT_TO_REF"


class RangeResult(Record):
    """``result``: as ``check`` returns it; ``changed_by``: for each finding's file, the commit
    (full id) that last changed it, whose trailers were the ones that could waive it;
    ``subjects``: each such commit's subject line."""

    result: CheckResult
    changed_by: dict[str, str]
    subjects: dict[str, str]


def refs_from_environment() -> tuple[str, str] | None:
    """The range pre-commit gives its hooks (pre-push, ``run --from-ref/--to-ref``), if both are set."""
    start, end = os.environ.get(FROM_VARIABLE, ""), os.environ.get(TO_VARIABLE, "")
    return (start, end) if start and end else None


def split_range(text: str) -> tuple[str, str]:
    """``A..B`` as (A, B); a UsageError for anything else (``A...B`` included)."""
    start, dots, end = text.partition("..")
    if not dots or not start or not end or end.startswith("."):
        raise UsageError(f"{text}: not a range; write FROM..TO (two commits, e.g. origin/main..HEAD)")
    return start, end


def _root(cwd: str | os.PathLike[str] | None) -> tuple[str, str]:
    from packwarden.workspace import find_root

    here = _here(cwd)
    root, in_git = find_root(here)
    if not in_git:
        raise GitError(f"not a git repository: {root} (range mode reads commits)")
    return here, root


def check_range(
    from_ref: str | None,
    to_ref: str,
    *,
    cwd: str | os.PathLike[str] | None = None,
    all_files: bool = False,
    strict: bool = False,
    pack: str | None = None,
    use_cache: bool = True,
    jobs: int | None = None,
) -> RangeResult:
    """Check the units changed in ``from_ref..to_ref`` (``all_files``: every unit; ``from_ref``
    may then be None) at ``to_ref``, with the policy and the waivers file of ``to_ref`` and the
    trailers of the commits that last changed each finding's file. GitError for a ref that
    names no commit; the policy's errors as ``check`` raises them."""
    from packwarden import git
    from packwarden.artifacts.units import attached_of
    from packwarden.packs.waivers import load_waivers
    from packwarden.runner import run_checks
    from packwarden.treefiles import TreeFiles

    here, root = _root(cwd)
    end = git.resolve_commit(root, to_ref)
    if from_ref is None and not all_files:
        raise UsageError("--to-ref needs --from-ref, or --all-files")
    start = None if from_ref is None else git.resolve_commit(root, from_ref)
    changed = None if all_files or start is None else git.changed_paths(root, start, end)
    source = TreeFiles(root, end, changed)
    policy, files, _ = _policy(source, root, here, pack, strict, use_cache)
    waivers = load_waivers(files)
    touched = None if changed is None else files.governs(attached_of(policy.rules)).touched(changed)
    candidates = source.listing(None) if touched is None else source.all_paths()
    findings, table, units = _units(policy, source, candidates)
    if touched:  # a changed contract re-checks every unit of the kinds it governs
        units.extend(unit for unit in table.units(source.listing(None), source.listing) if unit.kind in touched)
        units = list(dict.fromkeys(units))
    checked, count = run_checks(policy, source, units, use_cache=use_cache, jobs=jobs_for(jobs))
    findings.extend(finding for _, found in checked for finding in found)
    history = git.commit_log(root, [end] if start is None or all_files else [f"{start}..{end}"])
    last = _last_changes(history, {finding.path for finding in findings})
    trailers = _trailer_waivers(findings, last, {commit.sha: commit for commit in history})
    result = _result(policy, findings, count, waivers, trailers, whole=touched is None)
    subjects = {commit.sha: _subject(commit.message) for commit in history if commit.sha in last.values()}
    return RangeResult(result, last, subjects)


def _last_changes(history: Iterable[LoggedCommit], paths: set[str]) -> dict[str, str]:
    """For each of ``paths``, the newest commit of ``history`` (newest first) that changed it."""
    last: dict[str, str] = {}
    for commit in history:
        for path in commit.paths:
            if path in paths and path not in last:
                last[path] = commit.sha
    return last


def _trailer_waivers(
    findings: Sequence[Finding], last: dict[str, str], commits: dict[str, LoggedCommit]
) -> list[Waiver]:
    """A waiver for each finding that a trailer of the commit that last changed its file names:
    for that finding alone (its path and fingerprint), as the gate's trailer covered it then."""
    from packwarden.message_check import trailer_waivers

    said: dict[str, list[Waiver]] = {}
    out: dict[Waiver, None] = {}
    for finding in findings:
        sha = last.get(finding.path)
        if sha is None:
            continue
        if sha not in said:
            said[sha] = trailer_waivers(_message(commits[sha]))[0]
        for waiver in said[sha]:
            if waiver.covers_rule(finding.rule):
                owner = f"commit {sha[:12]}"
                one = Waiver(waiver.rule, (finding.path,), waiver.reason, owner, "", finding.fingerprint)
                out[one._replace(line=waiver.line, source=TRAILER)] = None
    return list(out)


def _message(commit: LoggedCommit) -> CommitMessage:
    from packwarden.message_check import CommitMessage

    # as git stored it: nothing left to clean up, no comment lines to drop
    return CommitMessage(f"commit {commit.sha[:12]}", commit.message, cleanup="verbatim", editor=False)


def _subject(message: str) -> str:
    return next((line.strip() for line in message.splitlines() if line.strip()), "")


def check_commits(
    from_ref: str,
    to_ref: str,
    *,
    cwd: str | os.PathLike[str] | None = None,
    strict: bool = False,
    pack: str | None = None,
    use_cache: bool = True,
) -> CheckResult:
    """Every commit message of ``from_ref..to_ref`` against the message rules of the policy at
    ``to_ref``, each with the kinds of the files its commit changed and its own ``Policy-Waiver``
    trailers (as the gate read it). Findings are located ``commit <short id>``, line N."""
    from packwarden import git
    from packwarden.artifacts.units import UnitTable, attached_of, registries_of
    from packwarden.message_check import check_message_of, trailer_waivers
    from packwarden.packs.waivers import load_waivers
    from packwarden.treefiles import TreeFiles

    here, root = _root(cwd)
    start, end = git.resolve_commit(root, from_ref), git.resolve_commit(root, to_ref)
    source: TreeFiles = TreeFiles(root, end, ())
    policy, files, _ = _policy(source, root, here, pack, strict, use_cache)
    table = UnitTable(policy.artifacts, registries_of(policy.rules), attached_of(policy.rules))
    findings: list[Finding] = []
    waivers: list[Waiver] = []
    for commit in git.commit_log(root, [f"{start}..{end}"]):
        message = _message(commit)
        said, problems = trailer_waivers(message)
        waivers.extend(waiver._replace(paths=(message.path,)) for waiver in said)
        kinds = {unit.kind for unit in table.units(list(commit.paths), source.listing)}
        findings.extend([*problems, *check_message_of(policy, message, kinds)])
    return _result(policy, findings, 0, load_waivers(files), waivers)
