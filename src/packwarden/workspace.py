"""Which files a run looks at, and their bytes: from disk or from the git index.

Reading is defensive: never through a symbolic link (a link inside the repository is
reported and its target checked on its own; one leading outside is an error), never from a
device or pipe, never more than the size cap.
"""

from __future__ import annotations

import os
import posixpath
import stat
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from packwarden import git
from packwarden.load.document import Problem
from packwarden.load.limits import MAX_CONFIG_BYTES, MAX_FILE_BYTES
from packwarden.model import builtin_rules as R
from packwarden.packs.inputs import CONFIG_PATH


def find_root(cwd: Path) -> tuple[Path, bool]:
    """The project root and whether it is inside a git work tree.

    The nearest directory from ``cwd`` up to the work tree's top (the first directory with a
    ``.git`` entry, a folder or a worktree's file) that holds ``.packwarden/``, else that top,
    else ``cwd``. Found by looking at the file system: no git process on the hook's path.
    """
    here = cwd.resolve()
    chosen: Path | None = None
    for candidate in (here, *here.parents):
        if chosen is None and (candidate / ".packwarden").is_dir():
            chosen = candidate
        if (candidate / ".git").exists():
            return chosen or candidate, True
    return chosen or here, False


@dataclass
class DiskFiles:
    """Files in the working tree under ``root``."""

    root: Path
    in_git: bool
    _real_root: str = field(init=False)
    _inside_cache: dict[str, bool] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self._real_root = os.path.realpath(self.root)

    def all_paths(self) -> list[str]:
        if self.in_git:
            return git.tracked_files(self.root)
        return self._walk(self.root)

    def _walk(self, top: Path) -> list[str]:
        found: list[str] = []
        for directory, dirs, files in os.walk(top):
            dirs[:] = sorted(d for d in dirs if d != ".git")
            base = Path(directory).relative_to(self.root).as_posix()
            found.extend(name if base == "." else f"{base}/{name}" for name in sorted(files))
        return found

    def expand(self, paths: Iterable[str]) -> list[str]:
        """Repository-relative paths for the given ones; directories become their files."""
        out: list[str] = []
        for path in paths:
            full = self.root / path
            if full.is_dir() and not full.is_symlink():
                listed = git.tracked_files(self.root, [path]) if self.in_git else self._walk(full)
                out.extend(listed)
            else:
                out.append(path)
        return out

    def _contains(self, real: str) -> bool:
        return real == self._real_root or real.startswith(self._real_root + os.sep)

    def _inside(self, directory: str) -> bool:
        """Whether ``directory`` is reached without leaving the root (one realpath per directory)."""
        known = self._inside_cache.get(directory)
        if known is None:
            real = os.path.realpath(self.root / directory)
            known = self._inside_cache[directory] = real == os.path.join(self._real_root, directory).rstrip(os.sep)
        return known

    def read(self, path: str, max_bytes: int = MAX_FILE_BYTES) -> bytes | Problem | None:
        """The file's bytes, a problem, or None when it does not exist (deleted)."""
        full = self.root / path
        try:
            info = os.lstat(full)
        except FileNotFoundError:
            return None
        except OSError as exc:
            return Problem(R.PATH_UNREADABLE, f"cannot read: {exc.strerror}")
        if stat.S_ISLNK(info.st_mode) or not self._inside(os.path.dirname(path)):
            if not self._contains(os.path.realpath(full)):
                return Problem(R.PATH_OUTSIDE_REPO, "is a link to a path outside the repository; not read")
            return Problem(R.PATH_SYMLINK, "is a symbolic link; not followed (its target is checked on its own)")
        if not stat.S_ISREG(info.st_mode):
            return Problem(R.PATH_UNREADABLE, "is not a regular file")
        if info.st_size > max_bytes:
            return Problem(R.PARSE_TOO_LARGE, f"file is {info.st_size} bytes; the limit is {max_bytes}")
        try:
            with open(full, "rb") as handle:
                return handle.read(max_bytes + 1)
        except OSError as exc:
            return Problem(R.PATH_UNREADABLE, f"cannot read: {exc.strerror}")

    def read_config(self) -> bytes | Problem | None:
        return self.read(CONFIG_PATH, MAX_CONFIG_BYTES)

    def prefetch(self, paths: Sequence[str]) -> None:
        """Disk reads happen one by one; nothing to batch."""


@dataclass
class IndexFiles:
    """Files as staged in the git index (what the commit will contain)."""

    root: Path
    staged_only: bool
    _entries: dict[str, git.IndexEntry] = field(init=False)
    _blobs: dict[str, bytes | int] = field(init=False, default_factory=dict)
    _config_looked_up: bool = field(init=False, default=False)

    def __post_init__(self) -> None:
        listed = git.staged_entries(self.root) if self.staged_only else git.index_entries(self.root)
        self._entries = {entry.path: entry for entry in listed}

    def all_paths(self) -> list[str]:
        return list(self._entries)

    def expand(self, paths: Iterable[str]) -> list[str]:
        wanted = list(paths)
        prefixes = tuple(p.rstrip("/") + "/" for p in wanted)
        return [path for path in self._entries if path in wanted or path.startswith(prefixes)]

    def prefetch(self, paths: Sequence[str]) -> None:
        """Read every regular blob among ``paths`` through one git process."""
        config = self._config_entry()
        oids = [self._entries[p].oid for p in paths if p in self._entries and self._is_blob(self._entries[p])]
        if config is not None:
            oids.append(config.oid)
        self._blobs.update(
            git.read_blobs(self.root, [o for o in dict.fromkeys(oids) if o not in self._blobs], MAX_FILE_BYTES)
        )

    @staticmethod
    def _is_blob(entry: git.IndexEntry) -> bool:
        return entry.mode not in (git.MODE_SYMLINK, git.MODE_SUBMODULE)

    def _config_entry(self) -> git.IndexEntry | None:
        """The config as staged: among the changes, or else unchanged in the index."""
        if CONFIG_PATH not in self._entries and self.staged_only and not self._config_looked_up:
            self._config_looked_up = True
            for entry in git.index_entries(self.root, [CONFIG_PATH]):
                self._entries[CONFIG_PATH] = entry
        return self._entries.get(CONFIG_PATH)

    def read(self, path: str, max_bytes: int = MAX_FILE_BYTES) -> bytes | Problem | None:
        entry = self._entries.get(path)
        if entry is None:
            return None
        if entry.mode == git.MODE_SYMLINK:
            return self._symlink_problem(entry)
        if entry.mode == git.MODE_SUBMODULE:
            return Problem(R.PATH_SUBMODULE, "is a submodule; its contents are not checked here")
        if entry.oid not in self._blobs:
            self._blobs.update(git.read_blobs(self.root, [entry.oid], MAX_FILE_BYTES))
        blob = self._blobs[entry.oid]
        if isinstance(blob, int) or len(blob) > max_bytes:
            size = blob if isinstance(blob, int) else len(blob)
            return Problem(R.PARSE_TOO_LARGE, f"file is {size} bytes; the limit is {max_bytes}")
        return blob

    def _symlink_problem(self, entry: git.IndexEntry) -> Problem:
        """A staged link is never followed; one whose target leaves the repository is an error.

        The blob of a link holds its target, so this needs no file system: the same verdict as
        DiskFiles gives for the same link in the working tree.
        """
        blob = git.read_blobs(self.root, [entry.oid], 4096).get(entry.oid, b"")
        target = blob.decode("utf-8", "surrogateescape") if isinstance(blob, bytes) else "/"
        joined = posixpath.normpath(posixpath.join(posixpath.dirname(entry.path), target))
        if posixpath.isabs(target) or joined == ".." or joined.startswith("../"):
            return Problem(R.PATH_OUTSIDE_REPO, "is staged as a link to a path outside the repository; not read")
        return Problem(R.PATH_SYMLINK, "is staged as a symbolic link; not followed (its target is checked on its own)")

    def read_config(self) -> bytes | Problem | None:
        if self._config_entry() is None:
            return None
        return self.read(CONFIG_PATH, MAX_CONFIG_BYTES)


FileSource = DiskFiles | IndexFiles
