"""The tree of one commit of a git source's clone as a layout ``Tree``, read from git objects
through GitPython (nothing is checked out, so no filter, hook or submodule runs)."""

from __future__ import annotations

import posixpath
import stat
from typing import TYPE_CHECKING

from packwarden.packs.sources import layout

if TYPE_CHECKING:
    from git import Repo
    from git.objects.base import IndexObject

_MAX_LINK_TARGET = 4096


class CommitTree:
    """The tree of one commit as a layout ``Tree``, read from git objects."""

    def __init__(self, repo: Repo, commit: str) -> None:
        self.objects: dict[str, IndexObject] = {"": repo.commit(commit).tree}

    def entries(self, folder: str) -> list[tuple[str, str]]:
        from git.objects.tree import Tree

        tree = self.objects[folder]
        if not isinstance(tree, Tree):
            raise layout.TreeError("not a folder")
        found = []
        for item in tree:
            name = posixpath.basename(item.path)  # a submodule's .name is its .gitmodules entry
            self.objects[f"{folder}/{name}" if folder else name] = item
            found.append((name, _kind(item)))
        return found

    def size(self, path: str) -> int:
        return int(self.objects[path].size)

    def read(self, path: str, limit: int) -> bytes:
        data = self.objects[path].data_stream.read()
        if len(data) > limit:
            raise layout.TreeError(f"the file is larger than the limit of {limit} bytes")
        return bytes(data)

    def target(self, path: str) -> str:
        item = self.objects[path]
        if item.size > _MAX_LINK_TARGET:
            raise layout.TreeError("a link with a target longer than 4096 bytes")
        return bytes(item.data_stream.read()).decode("utf-8", "surrogateescape")


def _kind(item: IndexObject) -> str:
    from git.objects import Blob, Submodule, Tree

    if isinstance(item, Tree):
        return "dir"
    if isinstance(item, Blob):
        return "link" if stat.S_ISLNK(item.mode) else "file"
    return "submodule" if isinstance(item, Submodule) else "other"
