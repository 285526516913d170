"""The run memo: a whole-repository run over files that have not changed prints what it printed.

The result cache still reads and hashes every file. A repeated ``check --all-files`` need not:
like git's index, the memo records the ``lstat`` of every file the run read, of every folder
above them and of the git index (whose stat stands for the list of tracked files), with the
findings. A later run with the same request under the same policy digest and packwarden version
re-stats those paths; if every stat is unchanged, the findings are the memo's. Any difference
(content, size, times, inode, a folder swapped for a link, a file staged or removed) falls back
to the full run.

Stats are only trusted when older than RACY_NANOSECONDS before the run began: a file changed
again within the same timestamp tick would otherwise look unchanged, so a run that saw such a
fresh file writes no memo (git treats "racily clean" entries the same way).

Folders are compared by identity (type, inode, device), not times: an editor's swap file changes
a folder's times without changing a file in it. Identity takes one ``lstat`` per folder, as many
as there are files when each manifest has a folder of its own, so a folder whose own full stat is
unchanged (and was trusted) vouches for the identity of the folders in it: replacing one of them
(by a link, or by another folder) is a change to the parent's entries, which moves its times.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import time

from packwarden.cache.location import cache_dir, read_sealed, write_sealed
from packwarden.model.code_id import code_id
from packwarden.model.digest import hasher
from packwarden.model.filestat import UNKNOWN_STAT, FileStat, file_stat
from packwarden.model.finding import Finding

FORMAT = 2
RACY_NANOSECONDS = 2_000_000_000
MAX_MEMOS = 64

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~3 ms)
if TYPE_CHECKING:
    from typing import Any


class RunMemo:
    """The memo of one request (``all_files`` or the default) in one root under one policy."""

    def __init__(self, root: str, policy_digest: str, request: str, watched: dict[str, FileStat | None]) -> None:
        """``watched``: filled by the run with the stat of every path it reads; ``store`` records it."""
        self.root = root
        self.watched = watched
        self.horizon = time.time_ns() - RACY_NANOSECONDS  # before the run reads anything
        key = hasher()
        key.update("\0".join((str(FORMAT), code_id(), root, policy_digest, request)).encode("utf-8", "surrogateescape"))
        self.folder = os.path.join(cache_dir(), "runs")
        self.path = os.path.join(self.folder, f"{key.hexdigest()}.json")

    def load(self) -> tuple[list[Finding], int] | None:
        """The findings and file count of the memo, if every path it watches is unchanged."""
        body = read_sealed(self.path)  # damaged or edited: not trusted
        if body is None:
            return None
        try:
            entry = json.loads(body)
            if not self._unchanged(entry):
                return None
            return [Finding.from_dict(item) for item in entry["findings"]], int(entry["count"])
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None  # missing, changed, stale or corrupt: the full run decides

    def _unchanged(self, entry: dict[str, Any]) -> bool:
        """Raises OSError when a watched path is gone. ``folders`` lists parents before children;
        each holds its full stat when trusted to vouch for the folders in it, else its identity."""
        root = self.root
        if any(os.path.lexists(f"{root}/{path}") for path in entry["absent"]):
            return False
        folders: dict[str, list[int]] = entry["folders"]
        parents = {path.rpartition("/")[0] for path in folders}
        listed: set[str] = set()  # folders whose entries have not changed since that run
        for path, recorded in folders.items():
            if path not in parents and path.rpartition("/")[0] in listed:
                continue  # its identity is vouched for by its parent's unchanged entries
            now = list(file_stat(os.lstat(f"{root}/{path}")))
            if now == recorded:
                listed.add(path)
            elif now[:3] != recorded[:3]:
                return False
        return all(list(file_stat(os.lstat(f"{root}/{path}"))) == recorded for path, recorded in entry["files"].items())

    def store(self, findings: list[Finding], files: int) -> bool:
        """Write the memo, unless a watched path is unknown or too fresh to trust; whether it was."""
        horizon = self.horizon
        regular: dict[str, FileStat] = {}
        folders: list[tuple[str, tuple[int, ...]]] = []
        absent: list[str] = []
        for path, found in self.watched.items():
            if found is None:
                absent.append(path)
            elif found == UNKNOWN_STAT:
                return False
            elif stat.S_ISDIR(found[0]):
                folders.append((path, found if max(found[4], found[5]) < horizon else found[:3]))
            elif max(found[4], found[5]) >= horizon:
                return False
            else:
                regular[path] = found
        entry = {
            "files": regular,
            "folders": dict(sorted(folders, key=lambda item: item[0].count("/"))),
            "absent": absent,
            "findings": [finding.to_dict() for finding in findings],
            "count": files,
        }
        if not write_sealed(self.path, json.dumps(entry, separators=(",", ":")).encode("utf-8")):
            return False  # a read-only cache folder only costs speed
        with contextlib.suppress(OSError):
            self._prune()
        return True

    def _prune(self) -> None:
        """Keep the MAX_MEMOS most recently written memos."""
        with os.scandir(self.folder) as listing:
            entries = sorted((entry.stat().st_mtime_ns, entry.path) for entry in listing if entry.is_file())
        for _, path in entries[:-MAX_MEMOS]:
            with contextlib.suppress(OSError):  # gone already: another run pruned it
                os.unlink(path)
