"""Files as a commit's tree holds them: what range mode (``check --from-ref/--to-ref``) reads.

The same reader as the index's (``workspace.IndexFiles``), over the entries of one commit's
tree instead: blobs through one ``git cat-file --batch`` under the same size caps, links never
followed (their target is read from the blob, without a file system), submodules not entered.
The working tree is never read, so what it holds does not change the result.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from packwarden import git
from packwarden.workspace import IndexFiles, below_folders


class TreeFiles(IndexFiles):
    """The tree of ``commit``; ``changed`` (None: every path) are the paths a run checks, those
    missing from the tree being deletions; the rest of the tree is where units find members."""

    def __init__(self, root: str, commit: str, changed: Iterable[str] | None = None) -> None:
        self.root = root
        self.commit = commit
        self.staged_only = changed is not None
        self.unreadable: list[str] = []
        tree = {entry.path: entry for entry in git.tree_entries(root, commit)}
        wanted = list(tree) if changed is None else list(dict.fromkeys(changed))
        self._entries = {path: tree[path] for path in wanted if path in tree}
        self.deleted = [path for path in wanted if path not in tree]
        self._others: dict[str, git.IndexEntry | None] = {p: e for p, e in tree.items() if p not in self._entries}
        self._listing = list(tree)
        self._blobs: dict[str, bytes | int] = {}
        self.watched = {}
        self.blob_ids: dict[str, str] = {}

    def listing(self, below: Sequence[str] | None = None) -> list[str]:
        assert self._listing is not None
        return list(self._listing) if below is None else below_folders(self._listing, below)

    def _entry(self, path: str) -> git.IndexEntry | None:
        return self._entries.get(path) or self._others.get(path)
