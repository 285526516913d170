"""The one hash behind every key and policy digest packwarden computes: BLAKE2b, 256 bits.

``hashlib`` loads OpenSSL on import (~3 ms, a tenth of a hook run). CPython's own BLAKE2
module, which hashlib also wraps, imports in a tenth of a millisecond; where a Python build
lacks it, hashlib's is used.
"""

from __future__ import annotations

try:
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - only Python builds without the module take this
    from hashlib import blake2b

SIZE = 32


def hasher() -> blake2b:
    return blake2b(digest_size=SIZE)


def hex_digest(data: bytes) -> str:
    return blake2b(data, digest_size=SIZE).hexdigest()
