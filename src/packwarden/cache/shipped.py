"""Compiled forms of the built-in policies, shipped in the package (``policies/compiled.json``).

Validating packs with pydantic costs several times a whole hook run, and a first run (a new
clone, a CI runner, a new cache folder) has no compiled policy yet. The policies of a repository
without a config are the same everywhere, so ``python scripts/compile_builtin.py`` compiles
them once, for every built-in pack and both modes, and packwarden ships the result.

An entry is used only when every pack file of its chain, read from the installed package, has
the git blob id the entry records, and every module of packwarden that compiling imports has the
content digest it records: a changed pack or a changed compiler is never answered from here.
``--no-cache`` never reads it. A test holds every entry equal to a fresh compile, and CI fails
when the file is stale. What is not checked here, as for the compiled-policy cache: the versions
of pydantic and PyYAML, within the range pyproject.toml allows (CI runs both ends of it).
"""

from __future__ import annotations

import json
import os

from packwarden.model.digest import git_blob_id, hex_digest
from packwarden.model.policy import EffectivePolicy
from packwarden.packs.files import BUILTIN, PackFile, PackFiles
from packwarden.packs.inputs import DEFAULT_PACK, PolicyInputs, is_pack_file

FILE_NAME = "compiled.json"
PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def entry_key(pack: str, strict: bool) -> str:
    return f"{pack}|{'strict' if strict else 'mode of the pack'}"


def shipped_policy(inputs: PolicyInputs, files: PackFiles) -> EffectivePolicy | None:
    """The shipped compiled policy for ``inputs``, or None when there is none or it is stale."""
    pack = inputs.pack or DEFAULT_PACK
    if inputs.config is not None or is_pack_file(pack):
        return None  # a repository config or a pack file: compiled from what the repository holds
    root = _policies_folder()
    try:
        with open(os.path.join(root, FILE_NAME), "rb") as handle:
            shipped = json.loads(handle.read())
        entry = shipped["policies"].get(entry_key(pack, inputs.strict))
        if entry is None or not _compiler_unchanged(shipped["compiler"]):
            return None
        read: list[PackFile] = []
        for name, ref, blob in entry["files"]:
            path = os.path.join(root, ref, "pack.yaml")
            with open(path, "rb") as handle:
                if git_blob_id(handle.read()) != blob:
                    return None
            read.append(PackFile(BUILTIN + name, path, (), blob, False))
        policy = EffectivePolicy.from_data(entry["policy"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    files.read.extend(read)
    return policy


def _policies_folder() -> str:
    """``packs.builtin.policies_root()`` without importlib.resources (a test holds them equal)."""
    packaged = os.path.join(PACKAGE, "policies")
    return packaged if os.path.isdir(packaged) else os.path.join(os.path.dirname(os.path.dirname(PACKAGE)), "policies")


def _compiler_unchanged(modules: dict[str, str]) -> bool:
    for relative, digest in modules.items():
        with open(os.path.join(PACKAGE, relative), "rb") as handle:  # OSError: gone, so changed
            if hex_digest(handle.read()) != digest:
                return False
    return True


def compiler_modules(paths: list[str]) -> dict[str, str]:
    """Content digests of the given module files of packwarden, by package-relative path."""
    found = {}
    for path in sorted(paths):
        relative = os.path.relpath(path, PACKAGE).replace(os.sep, "/")
        with open(path, "rb") as handle:
            found[relative] = hex_digest(handle.read())
    return found


def compile_entry(pack: str, strict: bool) -> dict[str, object]:
    """One entry: the policy compiled fresh, and the built-in pack files it was built from."""
    from packwarden.packs.resolve import build_policy

    files = PackFiles(PACKAGE)
    policy = build_policy(PolicyInputs(pack=None if pack == DEFAULT_PACK else pack, strict=strict), files)
    chain = [
        [pack_file.name[len(BUILTIN) :], os.path.basename(os.path.dirname(pack_file.resolved)), pack_file.digest]
        for pack_file in files.read
    ]
    return {"files": chain, "policy": policy.to_data()}
