"""The compiled-policy cache: a validated effective policy without pydantic on the hot path.

Validating packs with pydantic costs more than the rest of a hook run. The result is a plain
record, so it is stored as JSON under a key made of every input (config bytes, pack argument,
strict flag, paths, packwarden version) together with the digest of every pack file read to
build it; an entry is used only while all of those files still have those digests.
"""

from __future__ import annotations

import json
import os

from packwarden.cache.location import cache_dir, write_atomic
from packwarden.model.digest import hasher, hex_digest
from packwarden.model.policy import EffectivePolicy
from packwarden.model.version import VERSION as __version__
from packwarden.packs.inputs import PolicyInputs

FORMAT = 1


def _key(inputs: PolicyInputs) -> str:
    digest = hasher()
    parts = [str(FORMAT), __version__, str(inputs.pack), str(inputs.strict), str(inputs.root), str(inputs.cwd)]
    digest.update("\0".join(parts).encode("utf-8", "surrogateescape"))
    digest.update(b"\0config\0" + (inputs.config if inputs.config is not None else b"<none>"))
    return digest.hexdigest()


def _still_valid(dependencies: dict[str, str]) -> bool:
    for path, digest in dependencies.items():
        try:
            with open(path, "rb") as handle:
                if hex_digest(handle.read()) != digest:
                    return False
        except OSError:
            return False
    return True


def entry_path(inputs: PolicyInputs) -> str:
    return os.path.join(cache_dir(), "policies", f"{_key(inputs)}.json")


def cached_policy(inputs: PolicyInputs) -> EffectivePolicy:
    """The effective policy for ``inputs``: from the cache when still valid, else built and stored."""
    return cached_policy_and_packs(inputs)[0]


def cached_policy_and_packs(inputs: PolicyInputs) -> tuple[EffectivePolicy, dict[str, str]]:
    """The effective policy, and the digest of every pack file it was built from (by path)."""
    path = entry_path(inputs)
    try:
        with open(path, "rb") as handle:
            entry = json.loads(handle.read())
        if _still_valid(entry["dependencies"]):
            return EffectivePolicy.from_data(entry["policy"]), dict(entry["dependencies"])
    except (OSError, ValueError, KeyError, TypeError):
        pass  # missing, stale or corrupt: rebuild below
    from packwarden.packs.resolve import build_policy

    dependencies: dict[str, str] = {}
    policy = build_policy(inputs, lambda file, raw: dependencies.__setitem__(file, hex_digest(raw)))
    data = {"dependencies": dependencies, "policy": policy.to_data()}
    import contextlib  # here, not at the top: a cached policy never needs it (~1 ms)

    with contextlib.suppress(OSError):  # a read-only cache folder only costs speed
        write_atomic(path, json.dumps(data, separators=(",", ":")).encode("utf-8"))
    return policy, dependencies
