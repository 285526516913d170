"""The one hash behind every key and policy digest packwarden computes: BLAKE2b, 256 bits.

``hashlib`` loads OpenSSL on import (~3 ms, a tenth of a hook run). CPython's own BLAKE2
module, which hashlib also wraps, imports in a tenth of a millisecond; where a Python build
lacks it, hashlib's is used.
"""

# No ``from __future__ import annotations``: the commit-msg gate imports this module, and
# __future__ costs it ~0.8 M instructions (docs/performance.md); annotations are quoted instead.

try:
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - only Python builds without the module take this
    from hashlib import blake2b

SIZE = 32


def hasher() -> blake2b:
    return blake2b(digest_size=SIZE)


def hex_digest(data: bytes) -> str:
    return blake2b(data, digest_size=SIZE).hexdigest()


def short_digest(data: bytes) -> str:
    """16 hex digits (BLAKE2b, 64 bits): a finding's fingerprint, short enough to paste."""
    return blake2b(data, digest_size=8).hexdigest()


def git_blob_id(data: bytes) -> str:
    """The id git gives a blob holding ``data`` (SHA-1, git's default object format)."""
    try:
        from _sha1 import sha1  # type: ignore[import-not-found]  # CPython's own: no OpenSSL to load
    except ImportError:  # pragma: no cover - only Python builds without the module take this
        from hashlib import sha1
    blob_id: str = sha1(b"blob %d\0%s" % (len(data), data)).hexdigest()
    return blob_id
