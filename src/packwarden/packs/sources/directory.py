"""A ``dir`` source: a local folder with the layout of a central source (layout.py).

Its ``resolved`` is ``sha256:`` and the tree digest of what was read, so the lock pins the
content itself: a pull with a pin refuses a folder whose packs have changed since.
"""

from __future__ import annotations

import os

from packwarden.load.files import read_capped
from packwarden.packs.sources import layout
from packwarden.packs.sources.spec import Snapshot, SourceError, SourceSpec


class FolderTree:
    """A folder on disk as a layout ``Tree``: entries by ``lstat`` (links are never followed
    here; layout decides), files read capped and only when regular."""

    def __init__(self, top: str) -> None:
        self.top = top

    def _path(self, path: str) -> str:
        return os.path.join(self.top, *path.split("/")) if path else self.top

    def entries(self, folder: str) -> list[tuple[str, str]]:
        try:
            with os.scandir(self._path(folder)) as found:
                return [(entry.name, _kind(entry)) for entry in found]
        except OSError as error:
            raise layout.TreeError(f"cannot list the folder: {error.strerror}") from None

    def size(self, path: str) -> int:
        try:
            return os.lstat(self._path(path)).st_size
        except OSError as error:
            raise layout.TreeError(f"cannot read: {error.strerror}") from None

    def read(self, path: str, limit: int) -> bytes:
        data = read_capped(self._path(path), limit, follow_links=False)
        if data is None:
            raise layout.TreeError("vanished while it was read")
        if not isinstance(data, bytes):
            raise layout.TreeError(data.message)
        return data

    def target(self, path: str) -> str:
        try:
            return os.readlink(self._path(path))
        except OSError as error:
            raise layout.TreeError(f"cannot read the link: {error.strerror}") from None


def _kind(entry: os.DirEntry[str]) -> str:
    if entry.is_symlink():
        return "link"
    if entry.is_dir(follow_symlinks=False):
        return "dir"
    return "file" if entry.is_file(follow_symlinks=False) else "other"


def fetch_dir(spec: SourceSpec, *, root: str, pinned: str | None = None) -> Snapshot:
    """Read the folder ``spec.location`` (relative to ``root`` unless absolute)."""
    top = os.path.join(root, spec.location)
    if not os.path.isdir(top):
        raise SourceError(f"source {spec.name}: {spec.location}: no such folder")
    content = layout.read_layout(spec.name, FolderTree(top))
    resolved = layout.content_digest(content)
    if pinned is not None and pinned != resolved:
        raise SourceError(
            f"source {spec.name}: {spec.location} no longer holds what the lock pinned ({pinned}, now {resolved});"
            " run `packwarden pull --update` to take the new content"
        )
    return Snapshot(source=spec.name, resolved=resolved, packs=content.packs, projects=content.projects)
