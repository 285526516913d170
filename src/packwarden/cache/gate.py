"""The gate memo: the commit-msg gate answers from what ``policy-check`` found moments before.

The gate re-evaluates what the commit will contain, the staged files, right after the
pre-commit stage checked them. Re-reading and re-checking them would cost a whole hook run; the
gate's budget is little more than starting Python and asking git what is staged. So a check of
files in a git work tree leaves this memo: for each artifact it checked, the git blob id of the
bytes it read and its findings (each marked blocking or not), with the blob id of the config the
policy was built from, the digest of every pack file behind it, and the artifact globs.

The gate asks git two things at once: the staged artifacts (``git diff --cached`` limited to the
globs as ``:(glob)`` pathspecs) and the config as staged (``git ls-files -s``). Its answer is
the memo's when every staged artifact was checked with the same bytes, the staged config is the
one the policy was built from, and every pack file still has its digest. Anything else (a file
staged after the check, a changed pack, the config itself staged) is ``None``: the full
re-evaluation decides. Blob ids compare contents, so no timestamp can fool the memo.

This module is the gate's whole fast path: besides what ``python -c pass`` already has, it
imports ``marshal`` (built in), BLAKE2, and ``spawn`` with ``select`` to run git.
"""

# No ``from __future__ import annotations``: the commit-msg gate imports this module, and
# __future__ costs it ~0.8 M instructions (docs/performance.md); annotations are quoted instead.

import marshal
import os

from packwarden.cache.location import cache_dir, write_atomic
from packwarden.model.digest import hasher, hex_digest
from packwarden.model.version import VERSION

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~3 ms)
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from typing import Any

    Answer = tuple[int, list[dict[str, Any]]]  # exit code and the blocking findings (as dicts)

FORMAT = 1
MAX_FILES = 2000  # a commit rarely stages more; a larger run (pre-commit run --all-files) leaves no memo
CONFIG_PATH = ".packwarden/policy.yml"  # packs.inputs.CONFIG_PATH; importing it costs ~7 M instructions
_REGULAR_MODES = ("100644", "100755")
_GLOB_SPECIALS = "[]\\"  # characters git's glob pathspecs treat specially and packwarden's globs do not


def memo_path(root: str, pack: str | None, strict: bool) -> str:
    """One memo per project root and gate arguments: the last check of files there."""
    key = hasher()
    key.update("\0".join((str(FORMAT), VERSION, root, str(pack), str(strict))).encode("utf-8", "surrogateescape"))
    return os.path.join(cache_dir(), "gate", f"{key.hexdigest()}.marshal")


def pathspecs(artifacts: "Mapping[str, Sequence[str]]") -> list[str] | None:
    """Git pathspecs that match what the artifact globs match, or None when one cannot be said.

    packwarden's globs (``artifacts.globs``) read ``*``, ``?`` and ``**`` as git's ``:(glob)``
    magic does; ``[``, ``]`` and ``\\`` are literal to packwarden but special to git.
    """
    specs: list[str] = []
    for globs in artifacts.values():
        for glob in globs:
            if any(char in glob for char in _GLOB_SPECIALS):
                return None
            specs.append(":(glob)" + (glob.strip("/") + "/**" if glob.endswith("/") else glob))
    return specs


def store(
    path: str,
    *,
    config_blob: str | None,
    dependencies: "Mapping[str, str]",
    specs: "Sequence[str]",
    blobs: "Mapping[str, str]",
    findings: "Mapping[str, list[tuple[bool, dict[str, Any]]]]",
    policy_findings: "Sequence[tuple[bool, dict[str, Any]]]",
) -> bool:
    """Write the memo of one check (``blobs``: artifact path -> blob id); whether it was."""
    entry = {
        "format": FORMAT,
        "config": config_blob,
        "dependencies": dict(dependencies),
        "specs": list(specs),
        "blobs": dict(blobs),
        "findings": {name: [list(item) for item in items] for name, items in findings.items()},
        "policy": [list(item) for item in policy_findings],
    }
    try:
        write_atomic(path, marshal.dumps(entry))
    except OSError:
        return False  # a read-only cache folder only costs speed
    return True


def answer(root: str, pack: str | None, strict: bool) -> "Answer | None":
    """The gate's verdict on the staged files from the memo, or None when the memo cannot say."""
    try:
        with open(memo_path(root, pack, strict), "rb") as handle:
            entry = marshal.loads(handle.read())
        if entry["format"] != FORMAT or not _packs_unchanged(entry["dependencies"]):
            return None
        staged = _staged(root, entry["specs"])
        if staged is None:
            return None
        artifacts, config_blob = staged
        blobs: dict[str, str] = entry["blobs"]
        if config_blob != entry["config"] or CONFIG_PATH in artifacts:
            return None  # another policy, or a staged config, which re-checks the whole index
        if any(blob is None or blobs.get(name) != blob for name, blob in artifacts.items()):
            return None  # staged after the check, or never checked
        found: dict[str, list[list[Any]]] = entry["findings"]
        relevant = [*entry["policy"], *(item for name in artifacts for item in found.get(name, ()))]
        blocking = [finding for blocks, finding in relevant if blocks]
        return (1 if blocking else 0), blocking
    except (OSError, ValueError, EOFError, KeyError, TypeError, AttributeError):
        return None  # missing, stale or corrupt: the full re-evaluation decides


def _packs_unchanged(dependencies: dict[str, str]) -> bool:
    for name, digest in dependencies.items():
        with open(name, "rb") as handle:  # OSError: gone, so changed
            if hex_digest(handle.read()) != digest:
                return False
    return True


def git_commands(root: str, specs: "Sequence[str]") -> list[list[str]]:
    """The gate's two git calls: the staged artifacts (and config), and the config as staged."""
    diff = ["diff", "--cached", "--raw", "-z", "--no-abbrev", "--no-renames", "--diff-filter=ACMT"]
    return [
        ["git", "-C", root, *diff, "--", *specs, CONFIG_PATH],
        ["git", "-C", root, "ls-files", "-s", "-z", "--", CONFIG_PATH],
    ]


def _staged(root: str, specs: list[str]) -> tuple[dict[str, str | None], str | None] | None:
    """The staged artifacts (path -> blob id, None when not a regular file) and the staged
    config's blob id, from two git calls run side by side; None when git fails."""
    from packwarden import spawn

    (diff_status, diff_out, _), (list_status, list_out, _) = spawn.run_all(git_commands(root, specs))
    if diff_status or list_status:
        return None
    parts = diff_out.split(b"\0")
    artifacts: dict[str, str | None] = {}
    for meta, name in zip(parts[0::2], parts[1::2], strict=False):
        fields = meta.decode("ascii").split(" ")  # ":old-mode new-mode old-id new-id status"
        artifacts[name.decode("utf-8", "surrogateescape")] = fields[3] if fields[1] in _REGULAR_MODES else None
    config_blob = None
    if list_out:
        meta, _, _ = list_out.partition(b"\t")  # "mode id stage\tpath"
        mode, blob, stage = meta.decode("ascii").split(" ")
        if stage != "0" or mode not in _REGULAR_MODES:
            return None
        config_blob = blob
    return artifacts, config_blob
