"""The digest of a set of pack files: what the lock pins and the store files objects under.

sha256 over a canonical form: for each path, sorted, its UTF-8 bytes, NUL, the decimal length
of its content, NUL, the content. Paths never hold NUL (sources refuse such names), and the
length prefix keeps one file's bytes from running into the next path, so two different sets
of files never share a form. The store (packs/store.py) files objects under the same digest.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping


def tree_digest(files: Mapping[str, bytes]) -> str:
    """The hex sha256 of ``files`` (pack-relative posix path -> bytes) in canonical form."""
    digest = hashlib.sha256()
    for path in sorted(files):
        data = files[path]
        digest.update(b"%s\0%d\0" % (path.encode("utf-8"), len(data)))
        digest.update(data)
    return digest.hexdigest()
