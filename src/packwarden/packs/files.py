"""The pack files one resolution reads, and the record of each: what a cached policy depends on.

Packs are untrusted input like every file of the checked repository. A pack inside the
repository is read through the run's own view of it (the working tree, or the git index for
``--staged``), may be reached through links that stay inside the repository, and never through
one that leads out of it. A pack outside the repository (named on the command line) is read
from disk. Every read is capped and refuses FIFOs and devices.

Every file read is recorded as a ``PackFile``: the name it was asked by, where it was really
read (after links), the links on the way and a digest of its bytes. ``unchanged`` reads them
all again the same way: a compiled policy is valid only while every one of them is unchanged.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Callable, Iterable, Mapping

from packwarden.load.document import Problem
from packwarden.load.files import read_capped
from packwarden.load.limits import MAX_PACK_BYTES
from packwarden.model import builtin_rules as R
from packwarden.model.digest import git_blob_id
from packwarden.model.record import Record
from packwarden.packs.inputs import CONFIG_PATH

BUILTIN = "<builtin>/"
CENTRAL = "<central>/"  # a file of the central pack store (``packs.central``)
ABSENT = "absent"  # the digest recorded for a file that was looked for and not there
UNREADABLE = "unreadable"  # the digest recorded for a file there but unusable: never unchanged
EXTRA = "<extra>/"  # the recorded name of a pack read through ``PackFiles.extra``

# Maps a pack ref (``key@version`` or a bare ``key``) to where its pack.yaml was read (shown in
# messages and recorded) and its bytes, or None when it has no such pack. Asked before the
# built-in packs: a central repository's packs, and later the cache of central packs.
ExtraPacks = Callable[[str], "tuple[str, bytes] | None"]


class RepoFile(Record):
    """A repository file as read: where it really is (repository-relative), the links passed
    (each with its target) and its bytes."""

    resolved: str
    links: tuple[tuple[str, str], ...]
    data: bytes


# Reads a repository-relative path, following links that stay inside the repository.
ReadRepoFile = Callable[[str], "RepoFile | Problem | None"]


class PackFile(Record):
    name: str  # as asked: repository-relative, absolute (outside the repository), <builtin>/ref or <central>/...
    resolved: str  # where it was read, after links (for a built-in pack: its packaged pack.yaml)
    links: tuple[tuple[str, str], ...]  # repository-relative links on the way, with their targets
    digest: str  # the git blob id of its bytes (the gate compares it with the index), or ABSENT
    in_repo: bool


class PackFileError(Exception):
    """A pack file that cannot be used: ``problem`` says why (None: it does not exist)."""

    def __init__(self, name: str, problem: Problem | None) -> None:
        self.name = name
        self.problem = problem
        super().__init__(f"{name}: {problem.message if problem else 'no such file'}")


class PackFiles:
    def __init__(
        self,
        root: str,
        read_repo_file: ReadRepoFile | None = None,
        *,
        central_root: str | None = None,
        extra: ExtraPacks | None = None,
    ) -> None:
        self.root = os.path.realpath(root)
        self.read_repo_file = read_repo_file or DiskRepo(self.root).read
        self.central_root = central_root  # the central pack store; None: central packs are not read
        self.extra = extra
        self.read: list[PackFile] = []

    def repo_path(self, path: str) -> str | None:
        """``path`` (absolute) relative to the repository, or None when outside it."""
        relative = os.path.relpath(os.path.normpath(path), self.root).replace(os.sep, "/")
        return None if relative == ".." or relative.startswith("../") else relative

    def builtin(self, ref: str) -> tuple[str, bytes]:
        """The resolved ref and bytes of a built-in pack (PolicyNotFoundError when unknown)."""
        from packwarden.packs import builtin  # importlib.resources: only when a policy is built

        resolved, raw = builtin.read_builtin(ref)
        where = str(builtin.pack_dir(resolved) / "pack.yaml")
        self._record(PackFile(BUILTIN + ref, where, (), git_blob_id(raw), False))
        return resolved, raw

    def by_ref(self, ref: str) -> tuple[str, bytes]:
        """Where the pack ``ref`` was read (its source in messages) and its bytes: from ``extra``
        when that has it, else built in (PolicyNotFoundError when neither has it)."""
        found = self.extra(ref) if self.extra is not None else None
        if found is None:
            resolved, raw = self.builtin(ref)
            return f"{BUILTIN}{resolved}/pack.yaml", raw
        where, raw = found
        self._record(PackFile(EXTRA + ref, where, (), git_blob_id(raw), False))
        return where, raw

    def file(self, path: str) -> tuple[str, bytes]:
        """``path`` (absolute) read: where it really is (absolute) and its bytes."""
        pack_file, raw = self._read(path)
        self._record(pack_file)
        where = os.path.join(self.root, pack_file.resolved) if pack_file.in_repo else pack_file.resolved
        return where, raw

    def optional_repo_file(self, relative: str) -> bytes | None:
        """A repository file that may be absent (the lock): its bytes, or None; both are recorded,
        so the file appearing later changes the policy too."""
        try:
            return self.file(os.path.join(self.root, relative))[1]
        except PackFileError as exc:
            if exc.problem is not None:
                raise
            self._record(PackFile(relative, relative, (), ABSENT, True))
            return None

    def record_central_listing(self, name: str, folder: str, digest: str) -> None:
        """Record what a central pack's folder holds (``packs.tree.listing_digest``)."""
        self._record(PackFile(CENTRAL + name.removeprefix(CENTRAL).rstrip("/") + "/", folder, (), digest, False))

    def record_unreadable(self, relative: str) -> None:
        """Record a repository file that is there but cannot be used (a link out of the
        repository, too large): never the same again, so nothing built from it is cached."""
        self._record(PackFile(relative, relative, (), UNREADABLE, True))

    def record_central(self, name: str, path: str, data: bytes | None) -> None:
        """Record a file of the central store as it was read and verified (None: absent)."""
        self._record(
            PackFile(
                CENTRAL + name.removeprefix(CENTRAL), path, (), ABSENT if data is None else git_blob_id(data), False
            )
        )

    def _read(self, path: str) -> tuple[PackFile, bytes]:
        relative = self.repo_path(path)
        if relative is not None:
            found = self.read_repo_file(relative)
            if not isinstance(found, RepoFile):
                raise PackFileError(relative, found)
            return PackFile(relative, found.resolved, found.links, git_blob_id(found.data), True), found.data
        raw = read_capped(path, MAX_PACK_BYTES)
        if not isinstance(raw, bytes):
            raise PackFileError(path, raw)
        return PackFile(path, os.path.realpath(path), (), git_blob_id(raw), False), raw

    def _record(self, pack_file: PackFile) -> None:
        if pack_file not in self.read:
            self.read.append(pack_file)

    def unchanged(self, recorded: PackFile) -> bool:
        """Whether reading ``recorded.name`` again gives the same file with the same bytes."""
        try:
            if recorded.name.startswith(CENTRAL):
                if recorded.name.endswith("/"):
                    from packwarden.packs.tree import listing_digest

                    return listing_digest(recorded.resolved) == recorded.digest
                if recorded.digest == ABSENT:
                    return not os.path.lexists(recorded.resolved)
                raw = read_capped(recorded.resolved, MAX_PACK_BYTES, follow_links=False)
                return isinstance(raw, bytes) and git_blob_id(raw) == recorded.digest
            if recorded.digest == UNREADABLE:
                return False
            if recorded.digest == ABSENT:
                try:
                    self._read(os.path.join(self.root, recorded.name))
                except PackFileError as exc:
                    return exc.problem is None
                return False
            if recorded.name.startswith(EXTRA):  # asked again: the same place, the same bytes
                found = self.extra(recorded.name[len(EXTRA) :]) if self.extra is not None else None
                return found is not None and (found[0], git_blob_id(found[1])) == (recorded.resolved, recorded.digest)
            if recorded.name.startswith(BUILTIN):
                if "@" not in recorded.name:  # a bare key: the newest version may be another now
                    from packwarden.packs import builtin

                    ref = builtin.resolve_ref(recorded.name[len(BUILTIN) :])
                    if str(builtin.pack_dir(ref) / "pack.yaml") != recorded.resolved:
                        return False
                with open(recorded.resolved, "rb") as handle:  # the packaged file, read as it was
                    return git_blob_id(handle.read()) == recorded.digest
            absolute = os.path.join(self.root, recorded.name) if recorded.in_repo else recorded.name
            again, _ = self._read(absolute)
        except Exception:  # noqa: BLE001 - gone, unreadable or unknown: changed
            return False
        return again == recorded

    def repo_inputs(self) -> set[str]:
        """Every repository path the packs were read through: names, targets and links."""
        paths: set[str] = set()
        for pack_file in self.read:
            if pack_file.in_repo:  # an absent one too: it appearing changes the policy
                paths.update((pack_file.name, pack_file.resolved, *(link for link, _ in pack_file.links)))
        return paths

    def governs(self, attached: Mapping[str, Iterable[str]] | None = None) -> PolicyInputMap:
        """The policy inputs in the repository and what each governs (see ``PolicyInputMap``);
        ``attached``: files every unit of a kind reads, by kind (a contract governs plugins)."""
        governs: dict[str, frozenset[str] | None] = {}
        for kind, paths in (attached or {}).items():
            for path in paths:
                known = governs.get(path, frozenset())
                governs[path] = None if known is None else known | {kind}
        governs.update({CONFIG_PATH: None, **dict.fromkeys(self.repo_inputs())})
        return PolicyInputMap(governs)


class PolicyInputMap:
    """Every repository file the policy is built from, with the artifact kinds it governs.

    ``None`` governs everything: the config and the packs (with their ``extends`` chain and the
    links on the way) change every rule. Inputs that govern less (a plugin contract governs
    plugins) name their kinds. A change to an input re-checks what it governs, at every entry
    point; asking here is the one way any of them finds out.
    """

    def __init__(self, governs: dict[str, frozenset[str] | None]) -> None:
        self.governs = governs

    def paths(self) -> list[str]:
        return sorted(self.governs)

    def touched(self, changed: Iterable[str]) -> frozenset[str] | None:
        """What the ``changed`` paths re-check: None for everything, else the kinds (empty:
        nothing, when no input changed)."""
        kinds: set[str] = set()
        for path in changed:
            if path in self.governs:
                governed = self.governs[path]
                if governed is None:
                    return None
                kinds |= governed
        return frozenset(kinds)


class DiskRepo:
    """Repository files in the working tree, through links that stay inside it."""

    def __init__(self, root: str) -> None:
        self.root = os.path.realpath(root)

    def _link_target(self, relative: str) -> str | None:
        try:
            return os.readlink(os.path.join(self.root, relative))
        except OSError:  # not a link (or not there: the read below says so)
            return None

    def read(self, relative: str) -> RepoFile | Problem | None:
        """Every link on the way, and in the targets of links, is resolved here and recorded:
        each one is a policy input, and a change to any of them is a change to the policy."""
        resolved = resolve_links(relative, self._link_target)
        if isinstance(resolved, Problem):
            return resolved
        real, links = resolved
        data = read_capped(os.path.join(self.root, real), MAX_PACK_BYTES, follow_links=False)
        if not isinstance(data, bytes):
            return data
        return RepoFile(real, links, data)


def resolve_links(
    relative: str, link_target: Callable[[str], str | None], max_hops: int = 40
) -> tuple[str, tuple[tuple[str, str], ...]] | Problem:
    """``relative`` with every link on the way replaced by its target, and the links met.

    ``link_target(path)`` is the target of the link at ``path`` (in the working tree, or as
    staged in git's index), or None when ``path`` is not a link. A link leading out of the
    repository (an absolute target, or one that climbs above it), or more than ``max_hops`` of
    them, is a problem.
    """
    pending = relative.split("/")
    done: list[str] = []
    links: list[tuple[str, str]] = []
    while pending:
        head = pending.pop(0)
        candidate = "/".join([*done, head])
        target = link_target(candidate)
        if target is None:
            done.append(head)
            continue
        links.append((candidate, target))
        if len(links) > max_hops:
            return Problem(R.PATH_UNREADABLE, f"more than {max_hops} links on the way; not read")
        joined = posixpath.normpath(posixpath.join(posixpath.dirname(candidate), target))
        if posixpath.isabs(target) or joined == ".." or joined.startswith("../"):
            return Problem(R.PATH_OUTSIDE_REPO, "is a link to a path outside the repository; not read")
        pending = [part for part in joined.split("/") if part not in ("", ".")] + pending
        done = []
    return "/".join(done), tuple(links)
