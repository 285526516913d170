"""An id of the code that is running, for cache keys.

A cached result is only as good as the code that produced it. The version alone does not say
that: an editable install, a patched check or a reinstalled wheel keep it. So every cache key
also holds this id: a digest of the name, size and modification time of every Python file of
the package, as Python itself decides whether a ``.pyc`` still matches its source.
"""

# No ``from __future__ import annotations``: the commit-msg gate imports this module.

import os

from packwarden.model.digest import hex_digest
from packwarden.model.version import VERSION

_known: "list[str]" = []  # computed once per process


def code_id() -> str:
    if not _known:
        package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        listing = "\0".join(sorted(_python_files(package, "")))
        _known.append(hex_digest(f"{VERSION}\0{listing}".encode("utf-8", "surrogateescape")))
    return _known[0]


def _python_files(folder: str, prefix: str) -> "list[str]":
    """``path size mtime`` of every Python file below ``folder`` (``__pycache__`` left out)."""
    found: list[str] = []
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.name.endswith(".py"):
                info = entry.stat()
                found.append(f"{prefix}{entry.name} {info.st_size} {info.st_mtime_ns}")
            elif entry.name != "__pycache__" and entry.is_dir(follow_symlinks=False):
                found.extend(_python_files(entry.path, f"{prefix}{entry.name}/"))
    return found
