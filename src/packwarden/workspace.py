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

from packwarden import git
from packwarden.load.document import Problem
from packwarden.load.files import read_capped
from packwarden.load.limits import MAX_CONFIG_BYTES, MAX_FILE_BYTES, MAX_PACK_BYTES
from packwarden.model import builtin_rules as R
from packwarden.model.digest import git_blob_id
from packwarden.model.errors import GitError
from packwarden.model.filestat import UNKNOWN_STAT, FileStat, file_stat, lstat_of
from packwarden.packs.files import DiskRepo, RepoFile, resolve_links
from packwarden.packs.inputs import CONFIG_PATH


def find_root(cwd: str) -> tuple[str, bool]:
    """The project root and whether it is inside a git work tree.

    The nearest directory from ``cwd`` up to the work tree's top (the first directory with a
    ``.git`` entry, a folder or a worktree's file) that holds ``.packwarden/``, else that top,
    else ``cwd``. Found by looking at the file system: no git process on the hook's path.
    """
    here = candidate = os.path.realpath(cwd)
    chosen: str | None = None
    while True:
        if chosen is None and os.path.isdir(os.path.join(candidate, ".packwarden")):
            chosen = candidate
        if os.path.exists(os.path.join(candidate, ".git")):
            return chosen or candidate, True
        parent = os.path.dirname(candidate)
        if parent == candidate:
            return chosen or here, False
        candidate = parent


_GIT_LOCATION_VARIABLES = ("GIT_DIR", "GIT_INDEX_FILE", "GIT_WORK_TREE", "GIT_COMMON_DIR")

# Folders a whole-tree walk outside git never enters: version control, environments, caches.
SKIPPED_FOLDERS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".venv",
        "venv",
        ".tox",
        ".nox",
        "node_modules",
        "__pycache__",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
    }
)


class DiskFiles:
    """Files in the working tree under ``root``."""

    def __init__(self, root: str, in_git: bool, blob_ids: bool = False, untracked: bool = False) -> None:
        """``blob_ids``: record the git blob id of every file read (the gate memo's input);
        ``untracked``: listings include files git does not track and does not ignore."""
        self.root = root
        self.in_git = in_git
        self.untracked = untracked
        self.unreadable: list[str] = []  # folders a walk could not list
        self._real_root = os.path.realpath(root)
        self._inside_cache: dict[str, bool] = {}
        self.watched: dict[str, FileStat | None] = {}  # the lstat of every path read (the run memo's input)
        self.blob_ids: dict[str, str] | None = {} if blob_ids else None
        self.deleted: list[str] = []  # the working tree has no deletions to report
        self._listing: list[str] | None = None

    def listing(self, below: Sequence[str] | None = None) -> list[str]:
        """The paths a unit's members are found among: all of them, or those below the
        folders (or at the paths) ``below`` names, which a large tree lists much faster."""
        if below is None or self._listing is not None or not self.in_git:
            return list(self.all_paths()) if below is None else below_folders(self.all_paths(), below)
        return git.tracked_files(self.root, list(below), untracked=self.untracked)

    def all_paths(self) -> list[str]:
        if self._listing is None:
            if self.in_git:
                self._watch_index()
                self._listing = git.tracked_files(self.root, untracked=self.untracked)
            else:
                self.watched["."] = UNKNOWN_STAT  # no one stat stands for a walked tree's listing
                self._listing = self._walk(self.root)
        return self._listing

    def _watch_index(self) -> None:
        """The index's stat stands for the list of tracked files, when it is where git keeps it
        by default (taken before listing, so a change during the listing is seen next time)."""
        redirected = any(os.environ.get(name) for name in _GIT_LOCATION_VARIABLES)
        if redirected or not os.path.isdir(f"{self.root}/.git"):
            self.watched[".git/index"] = UNKNOWN_STAT
        else:
            self.watched[".git/index"] = lstat_of(f"{self.root}/.git/index")

    def _walk(self, top: str) -> list[str]:
        """Every file below ``top`` outside git: the folders of tools and environments skipped,
        the folders that cannot be listed remembered (``unreadable``), links never followed."""
        found: list[str] = []

        def unreadable(error: OSError) -> None:
            where = os.path.relpath(error.filename, self.root).replace(os.sep, "/") if error.filename else "."
            self.unreadable.append(where)

        for directory, dirs, files in os.walk(top, onerror=unreadable):
            dirs[:] = sorted(d for d in dirs if d not in SKIPPED_FOLDERS)
            base = os.path.relpath(directory, self.root).replace(os.sep, "/")
            found.extend(name if base == "." else f"{base}/{name}" for name in sorted(files))
        return found

    def expand(self, paths: Iterable[str]) -> list[str]:
        """Repository-relative paths for the given ones; directories become their files."""
        out: list[str] = []
        for path in paths:
            full = os.path.join(self.root, path)
            if os.path.isdir(full) and not os.path.islink(full):
                listed = git.tracked_files(self.root, [path], untracked=True) if self.in_git else self._walk(full)
                out.extend(listed)
            else:
                out.append(path)
        return out

    def _contains(self, real: str) -> bool:
        return real == self._real_root or real.startswith(self._real_root + os.sep)

    def _inside(self, directory: str) -> bool:
        """Whether ``directory`` is reached without a link: one lstat per directory, cached."""
        known = self._inside_cache.get(directory)
        if known is None:
            if not directory:
                return True
            found = self.watched[directory] = lstat_of(f"{self.root}/{directory}")
            is_directory = found is not None and stat.S_ISDIR(found[0])
            known = self._inside_cache[directory] = is_directory and self._inside(directory.rpartition("/")[0])
        return known

    def read(self, path: str, max_bytes: int = MAX_FILE_BYTES) -> bytes | Problem | None:
        """The file's bytes, a problem, or None when it does not exist (deleted)."""
        full = f"{self.root}/{path}"  # ``path`` is repository-relative with ``/``, as every OS accepts
        try:
            info = os.lstat(full)
        except FileNotFoundError:
            self.watched[path] = None
            return None
        except OSError as exc:
            self.watched[path] = UNKNOWN_STAT  # no memo can vouch for this path
            return Problem(R.PATH_UNREADABLE, f"cannot read: {exc.strerror}")
        self.watched[path] = file_stat(info)
        if stat.S_ISLNK(info.st_mode) or not self._inside(path.rpartition("/")[0]):
            if not self._contains(os.path.realpath(full)):
                return Problem(R.PATH_OUTSIDE_REPO, "is a link to a path outside the repository; not read")
            return Problem(R.PATH_SYMLINK, "is a symbolic link; not followed (its target is checked on its own)")
        if not stat.S_ISREG(info.st_mode):
            return Problem(R.PATH_UNREADABLE, "is not a regular file")
        if info.st_size > max_bytes:
            return Problem(R.PARSE_TOO_LARGE, f"file is {info.st_size} bytes; the limit is {max_bytes}")
        data = read_capped(full, max_bytes, follow_links=False)  # never through a link swapped in
        if not isinstance(data, bytes):
            return data
        if self.blob_ids is not None:
            self.blob_ids[path] = git_blob_id(data)
        return data

    def read_config(self) -> bytes | Problem | None:
        return self.read(CONFIG_PATH, MAX_CONFIG_BYTES)

    def read_repo_file(self, path: str) -> RepoFile | Problem | None:
        """A policy input (a repository pack): through links that stay inside the repository."""
        return DiskRepo(self.root).read(path)

    def prefetch(self, paths: Sequence[str]) -> None:
        """Disk reads happen one by one; nothing to batch."""


class IndexFiles:
    """Files as staged in the git index (what the commit will contain)."""

    def __init__(self, root: str, in_git: bool, staged_only: bool) -> None:
        if not in_git:
            raise GitError(f"not a git repository: {root} (--staged and the gate read the git index)")
        self.root = root
        self.staged_only = staged_only
        self.unreadable: list[str] = []
        listed = git.staged_entries(root) if staged_only else git.index_entries(root)
        self._entries: dict[str, git.IndexEntry] = {e.path: e for e in listed if e.mode != git.MODE_DELETED}
        self.deleted = [entry.path for entry in listed if entry.mode == git.MODE_DELETED]  # staged deletions
        self._listing: list[str] | None = None
        self._blobs: dict[str, bytes | int] = {}
        self._others: dict[str, git.IndexEntry | None] = {}  # entries looked up that this run does not check
        self.watched: dict[str, FileStat | None] = {}  # stays empty: no run memo serves the index
        self.blob_ids: dict[str, str] = {}  # the id of every blob read, as git lists it

    def all_paths(self) -> list[str]:
        return list(self._entries)

    def listing(self, below: Sequence[str] | None = None) -> list[str]:
        """The paths in the index (all, or below ``below``): a unit's members are found among
        them, staged or not."""
        if self._listing is None:
            if self.staged_only:
                for entry in git.index_entries(self.root):
                    if entry.path not in self._entries:
                        self._others[entry.path] = entry
                self._listing = [*self._entries, *(p for p, e in self._others.items() if e is not None)]
            else:
                self._listing = list(self._entries)
        return list(self._listing) if below is None else below_folders(self._listing, below)

    def expand(self, paths: Iterable[str]) -> list[str]:
        wanted = list(paths)
        prefixes = tuple(p.rstrip("/") + "/" for p in wanted)
        return [path for path in self._entries if path in wanted or path.startswith(prefixes)]

    def prefetch(self, paths: Sequence[str]) -> None:
        """Read every regular blob among ``paths`` through one git process."""
        config = self._config_entry()
        entries = [self._entries.get(path) or self._others.get(path) for path in paths]
        oids = [entry.oid for entry in entries if entry is not None and self._is_blob(entry)]
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
        return self._entry(CONFIG_PATH)

    def read(self, path: str, max_bytes: int = MAX_FILE_BYTES) -> bytes | Problem | None:
        entry = self._entries.get(path) or self._others.get(path)
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
        self.blob_ids[path] = entry.oid
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
        """The config as staged; one reached through a staged link is refused, as on disk."""
        resolved = resolve_links(CONFIG_PATH, self._link_target)
        if isinstance(resolved, Problem) or resolved[1]:
            return Problem(R.PATH_SYMLINK, "is reached through a symbolic link; not read")
        if self._config_entry() is None:
            return None
        return self.read(CONFIG_PATH, MAX_CONFIG_BYTES)

    def _entry(self, path: str) -> git.IndexEntry | None:
        """The index entry at exactly ``path``, whether this run checks it or not."""
        if path in self._entries:
            return self._entries[path]
        if path not in self._others and self.staged_only:
            found = [entry for entry in git.index_entries(self.root, [path]) if entry.path == path]
            self._others[path] = found[0] if found else None
        return self._others.get(path)

    def _link_target(self, path: str) -> str | None:
        entry = self._entry(path)
        if entry is None or entry.mode != git.MODE_SYMLINK:
            return None
        blob = git.read_blobs(self.root, [entry.oid], 4096).get(entry.oid, b"")
        return blob.decode("utf-8", "surrogateescape") if isinstance(blob, bytes) else "/"

    def read_repo_file(self, path: str) -> RepoFile | Problem | None:
        """A policy input (a repository pack) as staged: through staged links inside the repository."""
        resolved = resolve_links(path, self._link_target)
        if isinstance(resolved, Problem):
            return resolved
        real, links = resolved
        entry = self._entry(real)
        if entry is None:
            return None
        if entry.mode == git.MODE_SUBMODULE:
            return Problem(R.PATH_SUBMODULE, "is a submodule; not read")
        blob = git.read_blobs(self.root, [entry.oid], MAX_PACK_BYTES)[entry.oid]
        if isinstance(blob, int):
            return Problem(R.PARSE_TOO_LARGE, f"file is {blob} bytes; the limit is {MAX_PACK_BYTES}")
        return RepoFile(real, links, blob)


FileSource = DiskFiles | IndexFiles


def below_folders(paths: Iterable[str], below: Sequence[str]) -> list[str]:
    """The paths that are one of ``below`` or inside one of them. A set lookup for each folder a
    path is in, not a scan of every folder for every path: the units of a whole-repository run
    name every protocol run's folder, and 400 folders against 10 000 paths took 0.6 s."""
    folders = frozenset(below)
    found: list[str] = []
    for path in paths:
        end = len(path) if path in folders else path.find("/")
        while end != -1:
            if end == len(path) or path[:end] in folders:
                found.append(path)
                break
            end = path.find("/", end + 1)
    return found
