"""What a central source is (``SourceSpec``), what one fetch of it gives (``Snapshot``), and
the one error every source raises (``SourceError``)."""

from __future__ import annotations

from collections.abc import Mapping

from packwarden.model.errors import PolicyError
from packwarden.model.record import Record

KINDS = ("git", "http", "dir")


class SourceSpec(Record):
    name: str  # [a-z0-9][a-z0-9_.-]*
    kind: str  # "git" | "http" | "dir"
    location: str  # URL or path as written in policy.yml
    ref: str | None = None  # git only: tag, branch or commit (None: the remote's HEAD)
    allowed_signers: str | None = None  # git only: absolute path of an allowed_signers file


class Snapshot(Record):
    source: str  # the SourceSpec name
    # git: the full commit id; http and dir: "sha256:" + tree_digest of the content below
    # (every pack file as "key@version/path", every project as "projects/<id>.yml")
    resolved: str
    packs: Mapping[str, Mapping[str, bytes]]  # "key@version" -> {pack-relative posix path: bytes}
    projects: Mapping[str, bytes]  # project id -> bytes of projects/<id>.yml


class SourceError(PolicyError):
    """A source cannot be fetched or read: one line that names the source and says why."""
