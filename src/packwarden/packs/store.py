"""The content-addressed store of central packs: ``objects/<sha256>/`` and an index.

Hook processes read it while `pull`s write it, so every step is safe to run side by side:

- An object is written into a temporary folder beside the objects, flushed to disk and
  renamed into place in one step; an object in place is never written again. Two writers of
  the same pack race harmlessly: the second rename fails and the first one's object stays.
- Every read walks the folder again (never through a link) and recomputes the digest: a
  tampered, half-deleted or planted object is ``damaged``, never read as another pack.
- The index is replaced by a rename, and its writers take turns under a file lock, so two
  `pull`s never lose each other's entries; readers need no lock.
- A temporary name carries its writer's pid (``packs.atomic``): ``sweep`` removes those of
  writers that died, and any older than an hour.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import time
from collections.abc import Iterator, Mapping

from packwarden.load.files import read_capped
from packwarden.packs.atomic import fsync_dir, temp_name, write_atomically, writer_pid
from packwarden.packs.digest import tree_digest
from packwarden.packs.store_index import (
    DIGEST,
    MAX_INDEX_BYTES,
    IndexEntry,
    IndexKey,
    decode_index,
    encode_index,
    entry_problem,
)
from packwarden.packs.tree import TreeError, read_tree, refusal, write_tree

__all__ = ["IndexEntry", "PackStore", "StoreError"]

STALE_SECONDS = 3600  # a temporary name this old is stale even when its pid is alive (reused)
LOCK_TIMEOUT_SECONDS = 600.0
_TAKEN = {errno.EEXIST, errno.ENOTEMPTY, errno.ENOTDIR, errno.EISDIR}  # rename onto something there


_SAID = {
    "missing": "cached pack {digest} is missing",
    "damaged": "cached pack {digest} is damaged",
    "refused": "a pack cannot be cached",
    "unwritable": "the pack cache cannot be written",
}


class StoreError(Exception):
    """The store cannot give (or take) pack ``digest``; ``reason`` says why in one word:
    ``missing`` and ``damaged`` (reading); ``refused`` (a pack over the caps), ``unwritable``
    (the cache folder cannot be written) and ``busy`` (another writer holds the lock too long)."""

    def __init__(self, digest: str, reason: str, detail: str = "") -> None:
        self.digest = digest
        self.reason = reason
        self.detail = detail
        said = _SAID.get(reason, "the pack cache is {reason}").format(digest=digest, reason=reason)
        super().__init__(said + (f": {detail}" if detail else ""))


class PackStore:
    def __init__(self, root: str, lock_timeout: float = LOCK_TIMEOUT_SECONDS) -> None:
        self.root = root
        self.lock_timeout = lock_timeout
        self.objects = os.path.join(root, "objects")
        self.index_path = os.path.join(root, "index.json")

    def path(self, digest: str) -> str:
        """The folder of object ``digest``, unverified: read it with ``get``."""
        if not isinstance(digest, str) or not DIGEST.match(digest):
            raise StoreError(str(digest), "missing", "not a sha256 digest")
        return os.path.join(self.objects, digest)

    def get(self, digest: str) -> dict[str, bytes]:
        """The files of object ``digest``, read again and verified against it."""
        try:
            files = read_tree(self.path(digest))
        except FileNotFoundError:
            raise StoreError(digest, "missing") from None
        except TreeError as exc:
            raise StoreError(digest, "damaged", str(exc)) from None
        if tree_digest(files) != digest:
            raise StoreError(digest, "damaged", "its files do not match its digest")
        return files

    def intact(self, digest: str) -> bool:
        """Whether ``get(digest)`` gives the object."""
        try:
            self.get(digest)
        except StoreError:
            return False
        return True

    def put(self, files: Mapping[str, bytes]) -> str:
        """Store ``files`` (if not already there) and return their digest. A damaged object
        with that digest is replaced."""
        refused = refusal(files)
        if refused is not None:
            raise StoreError("", "refused", refused)
        digest = tree_digest(files)
        if self.intact(digest):
            return digest
        target = self.path(digest)
        temporary = os.path.join(self.objects, temp_name(""))
        with _writing(digest):
            os.makedirs(self.objects, exist_ok=True)
            os.mkdir(temporary)
            try:
                write_tree(temporary, files)
                if not self._install(temporary, target, digest):
                    with self._locked():  # one repair at a time: none moves aside another's good copy
                        if not self.intact(digest):
                            self._discard(target)
                            if not self._install(temporary, target, digest):
                                raise StoreError(digest, "damaged", "it cannot be replaced")
                fsync_dir(self.objects)
            finally:
                self._discard(temporary)
        return digest

    def _install(self, temporary: str, target: str, digest: str) -> bool:
        """Rename ``temporary`` to ``target``; whether a good object is there afterwards."""
        try:
            os.rename(temporary, target)
        except OSError as exc:
            if exc.errno not in _TAKEN:
                raise
            return self.intact(digest)  # another writer's, or a damaged one
        return True

    def _discard(self, path: str) -> None:
        """Remove ``path`` (moved aside first, so readers never see part of a folder)."""
        try:
            if os.path.isdir(path) and not os.path.islink(path):
                aside = os.path.join(os.path.dirname(path), temp_name(""))
                os.rename(path, aside)
                shutil.rmtree(aside, ignore_errors=True)
            else:
                os.unlink(path)
        except FileNotFoundError:
            pass

    def sweep(self) -> None:
        """Remove the temporary files and folders of writers that died (or older than an hour)."""
        now = time.time()
        for folder in (self.root, self.objects):
            try:
                names = os.listdir(folder)
            except OSError:
                continue
            for name in names:
                pid = writer_pid(name)
                path = os.path.join(folder, name)
                if pid is None:
                    continue
                try:
                    age = now - os.lstat(path).st_mtime
                except FileNotFoundError:
                    continue
                if age < STALE_SECONDS and _alive(pid):
                    continue
                if os.path.isdir(path) and not os.path.islink(path):
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(path)

    def entries(self) -> dict[IndexKey, IndexEntry]:
        """The index; empty when it is missing or cannot be read."""
        raw = read_capped(self.index_path, MAX_INDEX_BYTES, follow_links=False)
        return decode_index(raw) if isinstance(raw, bytes) else {}

    def lookup(self, source: str, location: str, ref: str | None) -> IndexEntry | None:
        """What the source at ``location`` and ``ref`` last resolved to, if the index knows."""
        return self.entries().get((source, location, ref))

    def record(self, source: str, location: str, ref: str | None, entry: IndexEntry) -> None:
        """Set the index entry of a source, keeping every other writer's entries."""
        problem = entry_problem((source, location, ref), entry)
        if problem is not None:
            raise ValueError(problem)
        with _writing(""), self._locked():
            entries = self.entries()
            entries[(source, location, ref)] = entry
            write_atomically(self.index_path, encode_index(entries))
        self.sweep()

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        from filelock import FileLock, Timeout  # only writers take the lock: off the hook's path

        os.makedirs(self.root, exist_ok=True)
        lock = FileLock(os.path.join(self.root, "index.lock"), timeout=self.lock_timeout)
        try:
            lock.acquire()
        except Timeout:
            held = f"another `packwarden pull` has held its lock for {self.lock_timeout:g} seconds"
            raise StoreError("", "busy", held) from None
        try:
            yield
        finally:
            lock.release()


@contextlib.contextmanager
def _writing(digest: str) -> Iterator[None]:
    """A full disk or a read-only cache folder as a StoreError naming what could not be written."""
    try:
        yield
    except OSError as exc:
        where = f" ({exc.filename})" if exc.filename else ""
        raise StoreError(digest, "unwritable", f"{exc.strerror or exc}{where}") from exc


def _alive(pid: int) -> bool:
    """Whether process ``pid`` exists (one of another user's counts too)."""
    if pid <= 0:
        return False
    if os.name == "nt":  # pragma: no cover - on Windows os.kill would end the process
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
