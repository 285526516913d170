"""The digest of a central pack's files: what the store is addressed by and the lock pins.

SHA-256 (not the BLAKE2b of ``model.digest``), because the lock file publishes it: anyone can
recompute it with standard tools. The canonical form is, for each path in sorted order, the
path in UTF-8, NUL, the length of its bytes in decimal, NUL, then the bytes. A path holds no
NUL and a length is digits, so the stream splits back into its entries one way only: two
different file maps never share a canonical form.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping


def tree_digest(files: Mapping[str, bytes]) -> str:
    """The hex SHA-256 of ``files``' canonical form; ValueError for a path holding NUL."""
    digest = hashlib.sha256()
    for path in sorted(files):
        if "\0" in path:
            raise ValueError(f"a path cannot hold NUL: {path!r}")
        data = files[path]
        digest.update(b"%s\0%d\0" % (path.encode("utf-8"), len(data)))
        digest.update(data)
    return digest.hexdigest()
