"""Packs and everything they extend: built-in, central (pinned by the lock) and pack files.

Each pack is read and validated once, however many packs extend it; the chain is bounded in
depth and size, and a cycle, an unknown pack or an unreadable file is an error located at the
line that named it.
"""

from __future__ import annotations

import os
from pathlib import Path

from packwarden.load.document import Mark
from packwarden.load.limits import MAX_EXTENDS_DEPTH, MAX_PACKS
from packwarden.model import builtin_rules as R
from packwarden.model.errors import PackUnavailableError, PolicyNotFoundError, PolicyValidationError
from packwarden.model.finding import Finding, Severity
from packwarden.packs.files import BUILTIN, PackFileError, PackFiles
from packwarden.packs.inputs import is_pack_file
from packwarden.packs.reader import LoadedPack, read_pack
from packwarden.packs.unavailable import unavailable_finding

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~3 ms)
if TYPE_CHECKING:
    from packwarden.packs.central import CentralPacks

Referrer = tuple[str, Mark]  # the file and position that named a pack (config line, extends entry)


def _where(referrer: Referrer | None) -> str:
    return f"{referrer[0]}:{referrer[1][0]}:{referrer[1][1]}: " if referrer else ""


def _invalid(message: str, referrer: Referrer | None, fallback: str) -> PolicyValidationError:
    path, (line, column) = referrer or (fallback, (1, 1))
    return PolicyValidationError([Finding(R.PACK_INVALID.id, Severity.ERROR, message, path, line, column)])


class ChainLoader:
    """Resolves ``extends``: each pack read and validated once, however many packs extend it.

    The chain is bounded in depth (MAX_EXTENDS_DEPTH) and in size (MAX_PACKS); a cycle, an
    unknown pack or a file that cannot be read is an error located at the line that named it.
    """

    def __init__(self, files: PackFiles, central: CentralPacks | None = None, *, degrade: bool = False) -> None:
        self.files = files
        self.central = central
        self.degrade = degrade  # an unavailable central pack that is extended: skipped, and said (warn mode)
        self.chains: dict[str, list[LoadedPack]] = {}
        self.active: list[tuple[str, str]] = []  # the requests being resolved and their names, outermost first
        self.layers: dict[str, str] = {}  # pack ref -> where it came from, for `effective --explain`
        self.central_requests: set[str] = set()
        self.warnings: list[Finding] = []  # deprecated packs, unavailable ones skipped

    def chain(self, ref: str, base: str, referrer: Referrer | None = None) -> list[LoadedPack]:
        """The pack ``ref`` after everything it extends, base first (file refs relative to ``base``)."""
        request = os.path.normpath(os.path.join(base, ref)) if is_pack_file(ref) else f"{BUILTIN}{ref}"
        if is_pack_file(ref) and self.active and self.active[-1][0] in self.central_requests:
            raise _invalid(f"a central pack extends packs by key@version, not by file: {ref}", referrer, ref)
        known = self.chains.get(request)
        if known is not None:
            return known
        shown = self.files.repo_path(request) or ref if is_pack_file(ref) else ref
        if is_pack_file(ref) and self._from_repository(referrer) and self.files.repo_path(request) is None:
            message = f"pack file {ref} is outside the repository; a repository's packs stay inside it"
            raise _invalid(message, referrer, ref)
        if request in [active for active, _ in self.active]:
            cycle = " -> ".join([*(name for _, name in self.active), shown])
            raise _invalid(f"extends cycle: {cycle}", referrer, ref)
        if len(self.active) >= MAX_EXTENDS_DEPTH:
            raise _invalid(f"extends is nested deeper than {MAX_EXTENDS_DEPTH} packs", referrer, ref)
        if len(self.chains) >= MAX_PACKS:
            raise _invalid(f"the policy is built from more than {MAX_PACKS} packs", referrer, ref)
        pack, folder = self._read(ref, request, referrer)
        parent_base = base if folder is None else folder
        if pack.spec.meta.status == "disabled":
            raise _invalid(f"pack {pack.ref} is disabled and cannot be used", referrer, pack.source)
        if pack.spec.meta.status == "deprecated":
            self._deprecated(pack, referrer)
        if self.layers.get(pack.ref, "").startswith("central "):
            self.central_requests.add(request)
        self.active.append((request, shown))
        try:
            chain: list[LoadedPack] = []
            for parent, mark in zip(pack.spec.extends, pack.extends_marks, strict=False):
                refs = {loaded.ref for loaded in chain}
                chain.extend(p for p in self._parent(parent, parent_base, (pack.source, mark)) if p.ref not in refs)
        finally:
            self.active.pop()
        if pack.ref in {loaded.ref for loaded in chain}:
            raise _invalid(f"extends cycle: {pack.ref} extends itself", referrer, pack.source)
        self.chains[request] = [*chain, pack]
        return self.chains[request]

    def _parent(self, ref: str, base: str, referrer: Referrer) -> list[LoadedPack]:
        """The chain of one ``extends`` entry; an unavailable central one is skipped when degrading."""
        try:
            return self.chain(ref, base, referrer)
        except PackUnavailableError as exc:
            if not self.degrade:  # located here, at the extends entry, not where the chain began
                raise PolicyValidationError([unavailable_finding(str(exc), referrer[0], referrer[1])]) from exc
            self.warnings.append(unavailable_finding(f"{exc}; checked without it", referrer[0], referrer[1]))
            return []

    def _deprecated(self, pack: LoadedPack, referrer: Referrer | None) -> None:
        successor = pack.spec.meta.successor
        message = f"pack {pack.ref} is deprecated" + (f"; its successor is {successor}" if successor else "")
        path, (line, column) = referrer or (pack.source, (1, 1))
        fix = f"select {successor}" if successor else "ask the pack's authors what replaces it"
        self.warnings.append(Finding(R.PACK_DEPRECATED.id, Severity.WARNING, message, path, line, column, fix=fix))

    def _from_repository(self, referrer: Referrer | None) -> bool:
        """Whether the pack is named by the repository (its config, or one of its packs), which
        may not reach outside it; a pack named on the command line may live anywhere."""
        if not self.active:
            return referrer is not None
        parent = self.active[-1][0]
        return not parent.startswith(BUILTIN) and self.files.repo_path(parent) is not None

    def _read(self, ref: str, request: str, referrer: Referrer | None) -> tuple[LoadedPack, str | None]:
        """The pack and the folder its own file refs are relative to (None: the referrer's)."""
        if not is_pack_file(ref):
            if self.central is not None and self.central.pinned(ref) is not None:
                return self._central(ref, referrer), None
            try:
                where, raw = self.files.by_ref(ref)
            except PolicyNotFoundError as exc:
                if self.central is not None:
                    return self._central(ref, referrer), None  # says what to pull
                raise PolicyNotFoundError(f"{_where(referrer)}{exc}") from exc
            pack = read_pack(raw, where)
            self.layers[pack.ref] = "built-in" if where.startswith(BUILTIN) else f"pack folder, {where}"
            return pack, None
        if not ref.endswith((".yaml", ".yml")):
            raise _invalid(f"pack file {ref!r} must end in .yaml or .yml", referrer, ref)
        try:
            where, raw = self.files.file(request)
        except PackFileError as exc:
            shown = self.files.repo_path(request) or request
            if exc.problem is None:
                raise PolicyNotFoundError(f"{_where(referrer)}cannot read pack file {shown}: no such file") from exc
            raise _invalid(f"pack file {shown} {exc.problem.message}", referrer, shown) from exc
        in_repo = self.files.repo_path(request)
        pack = read_pack(raw, in_repo or request)
        self.layers[pack.ref] = f"repository, {in_repo}" if in_repo is not None else f"file, {request}"
        return pack, os.path.dirname(where)

    def _central(self, ref: str, referrer: Referrer | None) -> LoadedPack:
        """A pinned central pack (PackUnavailable when the cache does not hold it)."""
        assert self.central is not None
        pinned, shown, raw = self.central.pack(ref)
        pack = read_pack(raw, shown)
        if pack.ref != pinned:
            raise _invalid(f"central pack {pinned} says it is {pack.ref} (meta.key and meta.version)", referrer, shown)
        self.layers[pack.ref] = self.central.describe(pinned)
        return pack


def load_chain(ref: str, base: Path | str, files: PackFiles | None = None) -> list[LoadedPack]:
    """The pack ``ref`` after everything it extends, base first (``files`` records every read)."""
    return ChainLoader(files or PackFiles(str(base))).chain(ref, os.path.realpath(base))
