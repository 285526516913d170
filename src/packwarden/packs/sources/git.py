"""A ``git`` source: a repository at a tag, branch or commit, read from git objects.

``work`` keeps a bare clone between pulls; each pull fetches every branch and tag of the source
into it (under ``refs/pw/``, pruned as the source changes) and reads the packs from the
commit's tree, so nothing is checked out, no filter or hook runs and a submodule stays an
entry that layout refuses. With a pin (the lock's commit), that exact commit is read even if
its tag has moved since; a source that no longer has it is an error naming the commit.

Only https://, ssh:// (and ``user@host:path``), file:// and local paths are accepted: a remote
helper (``ext::`` runs a command), plain http:// or git:// would let anyone on the way choose
the packs. The git processes themselves are set up in ``gitrun``.
"""

from __future__ import annotations

import os
import re
import shutil
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from packwarden.packs.sources import gitrun, layout
from packwarden.packs.sources.commit_tree import CommitTree
from packwarden.packs.sources.spec import Snapshot, SourceError, SourceSpec

if TYPE_CHECKING:
    from git import Repo

_HELPER = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*::")  # how git spells a remote helper: ext::, fd::
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*)://")
_SCP = re.compile(r"([^/@:]+)@([^/:]+):")  # user@host:path
_FULL_ID = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
# What git check-ref-format refuses, and a leading dash (an option to git).
_BAD_REF = re.compile(r"^-|\.\.|@\{|//|/\.|^/|/$|\.lock$|\.$|[\x00-\x20\x7f~^:?*\[\\]")
_HEAD = "refs/pw/HEAD"
_FETCHED = ("+refs/heads/*:refs/pw/heads/*", "+refs/tags/*:refs/pw/tags/*")


def git_location(source: str, location: str, root: str) -> tuple[str, str]:
    """What to hand git for ``location``, and its protocol; SourceError saying why when refused."""
    refused = f"source {source}: {location}: "
    if not location:
        raise SourceError(f"source {source}: an empty git location")
    if _HELPER.match(location):
        raise SourceError(refused + "remote helpers (ext::, fd::, ...) are not allowed; use https://, ssh:// or a path")
    scheme = _SCHEME.match(location)
    if scheme:
        name = scheme.group(1).lower()
        if name == "http":
            raise SourceError(
                refused + "plain http:// is not allowed (anyone on the way could change the packs); use https://"
            )
        if name not in ("https", "ssh", "file"):
            raise SourceError(refused + f"{name}:// is not allowed; use https://, ssh://, file:// or a path")
        if name != "file" and (urlsplit(location).hostname or "-").startswith("-"):
            raise SourceError(refused + "no host, or a host starting with '-'")
        return location, name
    scp = _SCP.match(location)
    if scp:
        if scp.group(1).startswith("-") or scp.group(2).startswith("-"):
            raise SourceError(refused + "a user or host starting with '-'")
        return location, "ssh"
    path = os.path.abspath(os.path.join(root, location))
    if not os.path.isdir(path):
        raise SourceError(refused + "no such repository (a local path is relative to the repository root)")
    return path, "file"


def fetch_git(spec: SourceSpec, *, root: str, work: str, pinned: str | None = None) -> Snapshot:
    address, protocol = git_location(spec.name, spec.location, root)
    if spec.ref is not None and (not spec.ref or _BAD_REF.search(spec.ref)):
        raise SourceError(f"source {spec.name}: ref {spec.ref!r} is not a tag, branch or commit name")
    if pinned is not None and not _FULL_ID.fullmatch(pinned):
        raise SourceError(f"source {spec.name}: the lock pins {pinned!r}, which is not a full commit id")
    if spec.allowed_signers is not None and not os.path.isfile(spec.allowed_signers):
        raise SourceError(f"source {spec.name}: allowed_signers file {spec.allowed_signers} does not exist")
    clone = os.path.join(work, "clone.git")
    with gitrun.without_git_variables(), _open(spec.name, clone) as repo:
        fetch = _Fetch(spec, clone, address, protocol)
        commit, tag = fetch.pinned(pinned) if pinned is not None else fetch.ref()
        if spec.allowed_signers is not None:
            fetch.verify(spec.allowed_signers, commit, tag)
        content = _read(spec, clone, repo, commit)
    return Snapshot(source=spec.name, resolved=commit, packs=content.packs, projects=content.projects)


def _read(spec: SourceSpec, clone: str, repo: Repo, commit: str) -> layout.Content:
    from git.exc import GitError, ODBError

    try:
        return layout.read_layout(spec.name, CommitTree(repo, commit))
    except (GitError, ODBError, ValueError) as error:  # a damaged clone: objects that do not read
        why = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise SourceError(
            f"source {spec.name}: cannot read commit {commit} in {clone} ({why}); delete that folder to fetch afresh"
        ) from None


def _open(source: str, clone: str) -> Repo:
    """The bare clone in ``clone``, made (again, when it is not a repository) as needed."""
    from git import Repo
    from git.exc import InvalidGitRepositoryError, NoSuchPathError

    if os.path.isdir(clone):
        try:
            return Repo(clone)
        except (InvalidGitRepositoryError, NoSuchPathError):
            shutil.rmtree(clone)  # only ever packwarden's own: made again below
    os.makedirs(clone)
    try:
        gitrun.run(clone, None, ["init", "--bare", "--quiet", "--template="])
    except gitrun.GitFailed as error:
        raise SourceError(f"source {source}: cannot make a git repository in {clone}: {error.reason}") from None
    return Repo(clone)


class _Fetch:
    def __init__(self, spec: SourceSpec, clone: str, address: str, protocol: str) -> None:
        self.spec, self.clone, self.address, self.protocol = spec, clone, address, protocol

    def _error(self, why: str) -> SourceError:
        return SourceError(f"source {self.spec.name}: {why}")

    def _fetch(self, refspecs: list[str]) -> None:
        arguments = ["fetch", "--quiet", "--prune", "--no-tags", "--no-recurse-submodules", "--no-write-fetch-head"]
        try:
            gitrun.run(
                self.clone, self.protocol, [*arguments, "--", self.address, *refspecs], timeout=gitrun.NETWORK_TIMEOUT
            )
        except gitrun.GitFailed as error:
            raise self._error(f"cannot fetch from {self.spec.location}: {error.reason}") from None

    def _fetch_all(self) -> None:
        self._fetch([*_FETCHED, f"+HEAD:{_HEAD}"] if self.spec.ref is None else list(_FETCHED))

    def _commit_of(self, name: str) -> str | None:
        try:
            return gitrun.run(self.clone, None, ["rev-parse", "--verify", "--quiet", f"{name}^{{commit}}"]).strip()
        except gitrun.GitFailed:
            return None

    def _local_refs(self) -> list[str]:
        ref = self.spec.ref
        if ref is None:
            return [_HEAD]
        for kind in ("tags", "heads"):
            if ref.startswith(f"refs/{kind}/"):
                return [f"refs/pw/{kind}/{ref.removeprefix(f'refs/{kind}/')}"]
        return [f"refs/pw/tags/{ref}", f"refs/pw/heads/{ref}"]  # git's own order: a tag first

    def _tag(self, local_ref: str) -> str | None:
        """``local_ref`` when it names an annotated tag (whose own signature is then checked)."""
        if not local_ref.startswith("refs/pw/tags/"):
            return None
        try:
            kind = gitrun.run(self.clone, None, ["cat-file", "-t", local_ref]).strip()
        except gitrun.GitFailed:  # no such tag
            return None
        return local_ref if kind == "tag" else None

    def ref(self) -> tuple[str, str | None]:
        """The commit the ref names now, and the annotated tag on the way (if any)."""
        self._fetch_all()
        for local_ref in self._local_refs():
            if gitrun.succeeds(self.clone, ["rev-parse", "--verify", "--quiet", local_ref]):
                commit = self._commit_of(local_ref)
                if commit is None:
                    raise self._error(f"{self.spec.ref or 'HEAD'} does not point at a commit")
                return commit, self._tag(local_ref)
        ref = self.spec.ref or "HEAD"
        if not _FULL_ID.fullmatch(ref):
            raise self._error(f"no tag or branch {ref} at {self.spec.location} (a commit is given by its full id)")
        return self._commit(ref, f"no commit {ref} at {self.spec.location}"), None

    def pinned(self, commit: str) -> tuple[str, str | None]:
        """``commit`` (fetched when the clone lacks it), and the ref's annotated tag if it still
        points at it."""
        if self._commit_of(commit) != commit:
            self._fetch_all()
        commit = self._commit(
            commit,
            f"{self.spec.location} no longer has commit {commit}, which the lock pins;"
            " run `packwarden pull --update` to pin what the source has now",
        )
        for local_ref in self._local_refs():
            if self._commit_of(local_ref) == commit:
                return commit, self._tag(local_ref)
        return commit, None

    def _commit(self, commit: str, missing: str) -> str:
        if self._commit_of(commit) != commit:
            try:  # not on any branch or tag: a server may still hand it out by id
                self._fetch([commit])
            except SourceError:
                raise self._error(missing) from None
            if self._commit_of(commit) != commit:
                raise self._error(missing)
        return commit

    def verify(self, allowed_signers: str, commit: str, tag: str | None) -> None:
        """A valid ssh signature by an allowed signer on ``tag`` (an annotated tag) or else on
        ``commit``, checked by git; anything else fails closed."""
        settings = (
            "gpg.format=ssh",
            f"gpg.ssh.allowedSignersFile={allowed_signers}",
            # only ssh signatures count: an OpenPGP or X.509 one is checked by `false`
            "gpg.program=false",
            "gpg.openpgp.program=false",
            "gpg.x509.program=false",
        )
        options = [argument for setting in settings for argument in ("-c", setting)]
        what = f"tag {self.spec.ref}" if tag else f"commit {commit}"
        if tag is None and self.spec.ref is not None and self._tag(self._local_refs()[0]) is not None:
            what += f" (tag {self.spec.ref} no longer points at it)"
        command = ["verify-tag", tag] if tag else ["verify-commit", commit]
        try:
            gitrun.run(self.clone, None, [*options, *command])
        except gitrun.GitFailed as error:
            raise self._error(f"{what} carries no valid signature by an allowed signer ({error.reason})") from None
