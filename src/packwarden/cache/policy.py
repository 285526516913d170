"""The compiled-policy cache: a validated effective policy without pydantic on the hot path.

Validating packs with pydantic costs more than the rest of a hook run. The result is a plain
record, so it is stored as JSON under a key made of every input (config bytes, pack argument,
strict flag, paths, whether packs come from the index, and the code that compiles them), with
the record of every pack file read to build it (``packs.files.PackFile``: its name, where it
really was after links, the links, its blob id). An entry is used only while reading each of
those names again gives the same file with the same bytes, and only when its own digest still
matches its content: a damaged or edited entry is rebuilt, never trusted. On a miss, the
policies of the built-in packs come from their shipped compiled form (``cache.shipped``).
``use_cache=False`` reads and writes neither.
"""

from __future__ import annotations

import json
import os

from packwarden.cache.location import cache_dir, read_sealed, write_sealed
from packwarden.model.code_id import code_id
from packwarden.model.digest import hasher
from packwarden.model.policy import EffectivePolicy
from packwarden.packs.files import PackFile, PackFiles
from packwarden.packs.inputs import PolicyInputs

FORMAT = 2


def _key(inputs: PolicyInputs) -> str:
    digest = hasher()
    parts = [str(FORMAT), code_id(), str(inputs.pack), str(inputs.strict), str(inputs.staged), inputs.root, inputs.cwd]
    digest.update("\0".join(parts).encode("utf-8", "surrogateescape"))
    digest.update(b"\0config\0" + (inputs.config if inputs.config is not None else b"<none>"))
    return digest.hexdigest()


def entry_path(inputs: PolicyInputs) -> str:
    return os.path.join(cache_dir(), "policies", f"{_key(inputs)}.json")


def compiled_policy(inputs: PolicyInputs, files: PackFiles, *, use_cache: bool = True) -> EffectivePolicy:
    """The effective policy for ``inputs``; ``files.read`` then lists every pack file behind it.

    From the cache while every pack file is unchanged, else built (and stored).
    """
    if not use_cache:
        from packwarden.packs.resolve import build_policy

        return _answered(build_policy(inputs, files), inputs, files)
    path = entry_path(inputs)
    cached = _load(path, files)
    if cached is not None:
        return cached
    from packwarden.cache.shipped import shipped_policy

    policy = shipped_policy(inputs, files)  # a first run with the built-in packs: compiled already
    if policy is None:
        from packwarden.packs.resolve import build_policy

        policy = build_policy(inputs, files)
    policy = _answered(policy, inputs, files)
    entry = {"files": [list(pack_file) for pack_file in files.read], "policy": policy.to_data()}
    write_sealed(path, json.dumps(entry, separators=(",", ":")).encode("utf-8"))
    return policy


def _answered(policy: EffectivePolicy, inputs: PolicyInputs, files: PackFiles) -> EffectivePolicy:
    """The repository's answers to the clarifications applied (``packs.answers``): a layer on
    top of the packs, kept out of the shipped compiled policies, which hold packs alone."""
    from packwarden.packs.answers import with_answers

    return with_answers(policy, files, has_config=inputs.config is not None)


def _load(path: str, files: PackFiles) -> EffectivePolicy | None:
    body = read_sealed(path)
    if body is None:
        return None
    try:
        entry = json.loads(body)
        recorded = [
            PackFile(name, resolved, tuple((link, target) for link, target in links), digest, bool(in_repo))
            for name, resolved, links, digest, in_repo in entry["files"]
        ]
        if not all(files.unchanged(pack_file) for pack_file in recorded):
            return None
        policy = EffectivePolicy.from_data(entry["policy"])
    except (ValueError, KeyError, TypeError, AttributeError):
        return None  # sealed but unreadable: written by other code; rebuilt
    files.read.extend(recorded)
    return policy
