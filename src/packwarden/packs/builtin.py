"""Packs shipped with packwarden: ``policies/<key>@<version>/pack.yaml``.

In a wheel the folder is package data (``packwarden/policies``); in a source checkout it is
the top-level ``policies/`` folder.
"""

from __future__ import annotations

import functools
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from packwarden.model.errors import PolicyNotFoundError


@functools.cache
def policies_root() -> Traversable:
    packaged = resources.files("packwarden") / "policies"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3] / "policies"


def _version_key(ref: str) -> tuple[int, ...]:
    version = ref.partition("@")[2]
    return tuple(int(part) for part in version.split(".") if part.isdigit())


@functools.cache
def builtin_refs() -> tuple[str, ...]:
    """Every built-in ``key@version``, sorted by key then version."""
    root = policies_root()
    refs = [entry.name for entry in root.iterdir() if "@" in entry.name and (entry / "pack.yaml").is_file()]
    return tuple(sorted(refs, key=lambda ref: (ref.partition("@")[0], _version_key(ref))))


def resolve_ref(ref: str) -> str:
    """``key@version`` as given, or the newest version for a bare ``key``."""
    refs = builtin_refs()
    if ref in refs:
        return ref
    if "@" not in ref:
        versions = [r for r in refs if r.partition("@")[0] == ref]
        if versions:
            return versions[-1]
    known = ", ".join(refs) or "none"
    raise PolicyNotFoundError(f"no built-in pack {ref!r} (built-in packs: {known})")


def pack_dir(ref: str) -> Traversable:
    return policies_root() / resolve_ref(ref)


def read_builtin(ref: str) -> tuple[str, bytes]:
    """The resolved ref and the raw bytes of its pack.yaml."""
    resolved = resolve_ref(ref)
    return resolved, (policies_root() / resolved / "pack.yaml").read_bytes()
