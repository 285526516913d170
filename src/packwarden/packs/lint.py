"""``packwarden packs lint``: what a pack's author should see before publishing the pack.

Besides every error and warning of the pack reader (each at its file, line and column), lint
says what an author cannot see otherwise: a rule that silently replaces a rule of a pack it
extends, a rule no artifact glob of the effective pack ever hands a file (and an empty
``artifacts`` entry that does that to inherited rules), a pattern RE2 cannot take (it runs on
the back-tracking fallback under a time budget, and can time out on a large file), and a pack
folder whose name is not the pack's own ``key@version`` (sources find packs by folder name).

A path that cannot be read at all raises UsageError; everything about a pack's content is a
problem in the report.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Sequence
from typing import Any

from packwarden.load.document import Problem
from packwarden.load.files import read_capped
from packwarden.load.limits import MAX_PACK_BYTES
from packwarden.load.yaml import load_yaml
from packwarden.model import builtin_rules as R
from packwarden.model.errors import PolicyNotFoundError, PolicyValidationError, UsageError
from packwarden.model.finding import Finding
from packwarden.model.policy import EffectivePolicy
from packwarden.model.record import Record
from packwarden.packs import betty
from packwarden.packs.files import DiskRepo, PackFiles
from packwarden.packs.folder import PACK_FILE, FolderPacks, split_ref
from packwarden.packs.inputs import PolicyInputs
from packwarden.packs.lint_checks import MISNAMED, LintProblem, at, not_re2, replaced, unreachable
from packwarden.packs.locate import locate
from packwarden.packs.reader import LoadedPack, read_pack
from packwarden.packs.resolve import ChainLoader, build_policy

__all__ = ["LintProblem", "LintReport", "PackSource", "lint", "lint_pack"]


class LintReport(Record):
    packs: tuple[str, ...]  # every pack file linted, as the user names it
    problems: tuple[LintProblem, ...]  # sorted by file, line and column

    @property
    def exit_code(self) -> int:
        return 1 if self.problems else 0


class PackSource(Record):
    """One pack file to lint."""

    shown: str  # its path as the user names it
    raw: bytes | Problem
    central: FolderPacks | None  # the folder of packs it sits in, whose packs it may extend
    folder_name: str | None  # its folder's name, when that is a pack folder's ``key@version``


def lint(paths: Sequence[str]) -> LintReport:
    """Lint every pack ``paths`` name: a pack file, a pack folder or a folder of packs."""
    problems: list[LintProblem] = []
    linted: list[str] = []
    for path in paths:
        sources, found = _sources(path)
        problems.extend(found)
        for source in sources:
            linted.append(source.shown)
            problems.extend(lint_pack(source))
    unique = dict.fromkeys(problems)
    ordered = sorted(unique, key=lambda p: (p.path, p.line, p.column, p.code, p.message))
    return LintReport(tuple(linted), tuple(ordered))


def _sources(path: str) -> tuple[list[PackSource], list[LintProblem]]:
    shown = os.path.normpath(path)
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        raise UsageError(f"{path}: cannot read: {exc.strerror}") from exc
    if stat.S_ISREG(mode):
        raw = read_capped(path, MAX_PACK_BYTES)
        if raw is None or (isinstance(raw, Problem) and raw.rule is R.PATH_UNREADABLE):
            raise UsageError(f"{path}: {raw.message if raw else 'no such file'}")
        return [_in_folder(shown, raw, os.path.dirname(os.path.abspath(path)))], []
    if not stat.S_ISDIR(mode):
        raise UsageError(f"{path}: is not a file or a folder (a FIFO, socket or device); not read")
    if os.path.lexists(os.path.join(path, PACK_FILE)):  # a pack folder: links inside it only
        found = DiskRepo(path).read(PACK_FILE)
        raw = found.data if found is not None and not isinstance(found, Problem) else found
        if raw is None:
            raise UsageError(f"{path}: cannot read {PACK_FILE}")
        if isinstance(raw, Problem) and raw.rule is R.PATH_OUTSIDE_REPO:
            raw = raw._replace(message="is a link out of its pack folder; not read")
        return [_in_folder(os.path.join(shown, PACK_FILE), raw, os.path.abspath(path))], []
    folder = FolderPacks(path, shown)
    if not folder.refs and not folder.problems:
        raise UsageError(f"{path}: neither a pack (no {PACK_FILE}) nor a folder of <key>@<version>/ packs")
    sources = [PackSource(folder.path_of(ref, PACK_FILE), folder.read(ref), folder, ref) for ref in folder.refs]
    problems = [LintProblem(e.path, 1, 1, e.problem.message, e.problem.rule.id) for e in folder.problems]
    return sources, problems


def _in_folder(shown: str, raw: bytes | Problem, folder: str) -> PackSource:
    """A pack read on its own; in a ``<key>@<version>/`` folder, the packs beside it are its peers."""
    name = os.path.basename(folder)
    if split_ref(name) is None:
        return PackSource(shown, raw, None, None)
    above = os.path.dirname(folder)
    try:
        central = FolderPacks(above, above if os.path.isabs(shown) else os.path.relpath(above))
    except UsageError:  # the folder above cannot be listed: the pack is linted on its own
        central = None
    return PackSource(shown, raw, central, name)


def lint_pack(source: PackSource) -> list[LintProblem]:
    """Every problem of one pack file."""
    if isinstance(source.raw, Problem):
        return [LintProblem(source.shown, source.raw.line, source.raw.column, source.raw.message, source.raw.rule.id)]
    try:
        pack = read_pack(source.raw, source.shown)
    except PolicyValidationError as exc:
        return [_from_finding(finding) for finding in (*exc.errors, *exc.warnings)]
    problems = [_from_finding(finding) for finding in pack.warnings]
    data = _positioned(source.raw)
    if source.folder_name is not None and source.folder_name != pack.ref:
        message = (
            f"the folder is {source.folder_name} but the pack says {pack.ref}: a source finds a pack by its "
            f"folder's name; name the folder {pack.ref} or change meta"
        )
        problems.append(at(source.shown, locate(data, ("meta", "key")), message, MISNAMED))
    built = _effective(source, pack)
    if isinstance(built, list):
        return problems + built
    chain, policy = built
    problems.extend(replaced(source.shown, pack, chain[:-1], data))
    problems.extend(unreachable(source.shown, pack, policy, data))
    problems.extend(not_re2(source.shown, pack, data))
    return problems


def _effective(source: PackSource, pack: LoadedPack) -> tuple[list[LoadedPack], EffectivePolicy] | list[LintProblem]:
    """The pack's chain and its effective policy alone, or the problems building them."""
    central = source.central
    raw = source.raw

    def extra(ref: str) -> tuple[str, bytes] | None:
        if ref == pack.ref and isinstance(raw, bytes):  # this file, even beside a folder of the same name
            return source.shown, raw
        return central.extra(ref) if central is not None else None

    base = os.path.dirname(os.path.abspath(source.shown))
    files = PackFiles(base, extra=extra)
    try:
        chain = ChainLoader(files).chain(pack.ref, base)
        return chain, build_policy(PolicyInputs(pack=pack.ref, cwd=base, root=base), files)
    except PolicyValidationError as exc:
        return [_from_finding(finding) for finding in exc.errors]
    except PolicyNotFoundError as exc:
        return [_not_found(str(exc), source.shown)]


_LOCATED = re.compile(r"(?P<path>.+?):(?P<line>[0-9]+):(?P<column>[0-9]+): (?P<message>.*)", re.DOTALL)


def _not_found(message: str, fallback: str) -> LintProblem:
    """A PolicyNotFoundError's message, at the ``extends`` entry it names when it says one."""
    located = _LOCATED.fullmatch(message)
    if located is None:
        return LintProblem(fallback, 1, 1, message, R.PACK_INVALID.id)
    where = (int(located["line"]), int(located["column"]))
    return at(located["path"], where, located["message"], R.PACK_INVALID.id)


def _positioned(raw: bytes) -> Any:
    """The pack's data with positions, as the reader validated it (a Betty profile converted)."""
    data = load_yaml(raw).data
    return betty.convert(data).data if betty.is_profile(data) else data


def _from_finding(finding: Finding) -> LintProblem:
    return LintProblem(finding.path, finding.line, finding.column, finding.message, finding.rule)
