"""Central packs and project files, as ``.packwarden/lock.yml`` pins them, from the local store.

Never the network: ``packwarden pull`` fills the store; this only reads it. Every pinned pack
is verified against the lock's sha256 before it is used. What is not in the store is
``PackUnavailable`` (the caller reports ``pack.unavailable``, or exits 2 in strict mode); what
is in the store but does not match its pin is a ``PolicyValidationError`` (exit 2): the cache
was changed after ``pull`` wrote it, and nothing read from it can be trusted.

Every read goes through ``PackFiles``, which records it (the lock, each store file, and the
absence of what was missing), so a compiled policy is rebuilt as soon as any of them changes:
after a ``pull``, an edited lock, or a damaged store.
"""

from __future__ import annotations

import os

from packwarden.model import builtin_rules as R
from packwarden.model.errors import PackUnavailableError as PackUnavailable
from packwarden.model.errors import PolicyValidationError
from packwarden.model.finding import Finding, Severity
from packwarden.packs.files import PackFiles
from packwarden.packs.lock import LOCK_PATH, Lock, LockedPack, read_lock
from packwarden.packs.store import PackStore, StoreError
from packwarden.packs.tree import listing_digest
from packwarden.packs.unavailable import PULL

CENTRAL = "<central>/"
PACK_FILE = "pack.yaml"


def _newest(refs: list[str]) -> str:
    def version(ref: str) -> tuple[int, ...]:
        return tuple(int(part) for part in ref.partition("@")[2].split(".") if part.isdigit())

    return max(refs, key=version)


def _short(resolved: str) -> str:
    """A commit id, or ``sha256:``/``etag:`` and a digest, short enough to read."""
    kind, colon, rest = resolved.partition(":")
    return f"{kind}:{rest[:12]}" if colon else resolved[:12]


class CentralPacks:
    """The central layer of one resolution: the lock, read once, and the verified store."""

    def __init__(self, files: PackFiles, store_root: str | None) -> None:
        self.files = files
        self.store = PackStore(store_root) if store_root is not None else None  # None: no cache to read
        self._lock: Lock | None = None
        self._read = False

    def lock(self) -> Lock | None:
        """The lock (read through ``files``, so it is a policy input), None when there is none."""
        if not self._read:
            raw = self.files.optional_repo_file(LOCK_PATH)
            self._lock = read_lock(raw) if raw is not None else None
            self._read = True
        return self._lock

    def pinned(self, ref: str) -> str | None:
        """The locked ``key@version`` that ``ref`` names (a bare key: its newest), if any."""
        lock = self.lock()
        if lock is None:
            return None
        if ref in lock.packs:
            return ref
        versions = [pinned for pinned in lock.packs if "@" not in ref and pinned.partition("@")[0] == ref]
        return _newest(versions) if versions else None

    def describe(self, ref: str) -> str:
        """Where a pinned pack comes from, for messages and ``effective --explain``."""
        lock = self.lock()
        assert lock is not None and ref in lock.packs
        pinned = lock.packs[ref]
        source = lock.sources.get(pinned.source)
        at = f", {_short(source.resolved)}" if source is not None else ""
        return f"central {pinned.source}{at}"

    def pack(self, ref: str) -> tuple[str, str, bytes]:
        """A pinned pack: its ``key@version``, the name findings use, and its pack.yaml."""
        pinned = self.pinned(ref)
        lock = self.lock()
        if pinned is None or lock is None:
            where = "is neither built in nor pinned in"
            if lock is None:
                where = "is not built in, and the repository has no"
            raise PackUnavailable(f"pack {ref} {where} .packwarden/lock.yml; run `packwarden pull` if a source has it")
        files = self._verified(f"pack {pinned}", lock.packs[pinned], f"{CENTRAL}{pinned}")
        if PACK_FILE not in files:
            raise self._damaged(f"pack {pinned}", "it holds no pack.yaml")
        return pinned, f"{lock.packs[pinned].source}:{pinned}/{PACK_FILE}", files[PACK_FILE]

    def project(self, project_id: str) -> tuple[str, bytes]:
        """The project file: the name findings use, and its bytes."""
        lock = self.lock()
        if lock is None or project_id not in lock.projects:
            where = "is not pinned in" if lock is not None else "needs"
            raise PackUnavailable(f"project {project_id} {where} .packwarden/lock.yml; run `packwarden pull`")
        pinned = lock.projects[project_id]
        files = self._verified(f"project {project_id}", pinned, f"{CENTRAL}projects/{project_id}")
        name = f"{project_id}.yml"
        if list(files) != [name]:  # pull stores it under its own name: another project's file is not it
            raise self._damaged(f"project {project_id}", f"it is not the one file {name}")
        return f"{pinned.source}:projects/{name}", files[name]

    def _verified(self, what: str, pinned: LockedPack, name: str) -> dict[str, bytes]:
        """The object's files, verified by the store against their digest, which is the lock's pin
        (objects are named by it); each is recorded in ``files``, an absent object too."""
        if self.store is None:
            raise PackUnavailable(f"{what}: no central pack cache is set up for this run")
        folder = self.store.path(pinned.sha256)
        try:
            files = self.store.get(pinned.sha256)
        except StoreError as exc:
            if exc.reason != "missing":
                raise self._damaged(what, "the cached copy is damaged") from exc
            self.files.record_central(name, folder, None)  # absent: a pull changes the policy
            raise PackUnavailable(f"{what} is not in the local cache; {PULL}") from exc
        for relative, raw in sorted(files.items()):
            self.files.record_central(f"{name}/{relative}", os.path.join(folder, relative), raw)
        listing = listing_digest(folder)
        if listing is None:
            raise self._damaged(what, "its folder went away while it was read")
        self.files.record_central_listing(name, folder, listing)  # a file planted later is seen
        return files

    def _damaged(self, what: str, why: str) -> PolicyValidationError:
        message = (
            f"{what}: {why} (.packwarden/lock.yml pins sha256 of a different content); "
            "nothing from it is used. Run `packwarden pull` to fetch it again"
        )
        return PolicyValidationError([Finding(R.PACK_INVALID.id, Severity.ERROR, message, LOCK_PATH)])
