"""An id of the code that is running, for cache keys.

A cached result is only as good as the code that produced it. The version alone does not say
that: an editable install, a patched check or a reinstalled wheel keep it. So every cache key
also holds this id: a digest of the name, size and modification time of every Python file of
the package, as Python itself decides whether a ``.pyc`` still matches its source.
"""

# No ``from __future__ import annotations``: the commit-msg gate imports this module.

import os

from packwarden.model.digest import hasher
from packwarden.model.version import VERSION

_known: "list[str]" = []  # computed once per process


def code_id() -> str:
    if not _known:
        digest = hasher()
        digest.update(VERSION.encode())
        package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        for path, size, mtime in _python_files(package):
            digest.update(f"\0{path}\0{size}\0{mtime}".encode("utf-8", "surrogateescape"))
        _known.append(digest.hexdigest())
    return _known[0]


def _python_files(folder: str) -> "list[tuple[str, int, int]]":
    found: list[tuple[str, int, int]] = []
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False) and entry.name != "__pycache__":
                found.extend(_python_files(entry.path))
            elif entry.name.endswith(".py"):
                info = entry.stat()
                found.append((entry.path, info.st_size, info.st_mtime_ns))
    return sorted(found)
