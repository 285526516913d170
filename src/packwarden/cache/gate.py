"""The gate memo: the commit-msg gate answers from what ``policy-check`` found moments before.

The gate re-evaluates what the commit will contain, the staged files, right after the
pre-commit stage checked them. Re-reading and re-checking them would cost a whole hook run; the
gate's budget is little more than starting Python and asking git what is staged. So a check of
files in a git work tree leaves this memo: for each artifact it checked, the git blob id of the
bytes it read and its findings (each marked blocking or not); the blob id of every policy input
in the repository it read (the config, repository packs, the links to them); the blob id of
every pack file outside it (built-in packs); and the artifact globs.

The gate asks git two things at once: what is staged among the artifacts and the policy inputs
(``git diff --cached`` limited to the globs as ``:(glob)`` pathspecs and the inputs as
``:(literal)`` ones), and the policy inputs as the index holds them (``git ls-files -s``). Its
answer is the memo's when every staged artifact was checked with the same bytes, no policy input
is staged, the index holds every input the policy was built from, and every pack outside the
repository still has its blob id. Anything else is ``None``: the full re-evaluation decides.
Blob ids compare contents, so no timestamp can fool the memo. The memo is keyed on the code
that wrote it (``code_id``) and sealed with a digest of its content (``read_sealed``), so an
entry damaged or edited on disk is never trusted.

This module is the gate's whole fast path: besides what ``python -c pass`` already has, it
imports ``marshal`` (built in), BLAKE2, SHA-1, and ``spawn`` with ``select`` to run git.
"""

# No ``from __future__ import annotations``: the commit-msg gate imports this module, and
# __future__ costs it ~0.8 M instructions (docs/performance.md); annotations are quoted instead.

import marshal
import os

from packwarden.cache.location import cache_dir, read_sealed, write_sealed
from packwarden.gitenv import DIFF_CACHED, OPTIONS, git_environment
from packwarden.model.code_id import code_id
from packwarden.model.digest import git_blob_id, hasher

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~3 ms)
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from typing import Any

    Answer = tuple[int, list[dict[str, Any]]]  # exit code and the blocking findings (as dicts)

FORMAT = 2
MAX_FILES = 2000  # a commit rarely stages more; a larger run (pre-commit run --all-files) leaves no memo
MAX_OUTSIDE_BYTES = 1_048_576  # load.limits.MAX_PACK_BYTES: a pack file larger is not the one read
_REGULAR_MODES = ("100644", "100755")
_LINK_MODE = "120000"
# Characters git's glob pathspecs read otherwise than packwarden's globs: ``[``, ``]`` and ``\\``
# are literal to packwarden; ``?`` is one character to packwarden but one byte to git (``é``).
_GLOB_SPECIALS = "[]\\?"


def memo_path(root: str, pack: str | None, strict: bool) -> str:
    """One memo per project root and gate arguments: the last check of files there."""
    key = hasher()
    key.update("\0".join((str(FORMAT), code_id(), root, str(pack), str(strict))).encode("utf-8", "surrogateescape"))
    return os.path.join(cache_dir(), "gate", f"{key.hexdigest()}.marshal")


def pathspecs(artifacts: "Mapping[str, Sequence[str]]") -> list[str] | None:
    """Git pathspecs that match what the artifact globs match, or None when one cannot be said.

    packwarden's globs (``artifacts.globs``) read ``*`` and ``**`` as git's ``:(glob)`` magic
    does; a glob with any of _GLOB_SPECIALS leaves no memo.
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
    inputs: "Mapping[str, str | None]",
    outside: "Sequence[tuple[str, str, str]]",
    specs: "Sequence[str]",
    blobs: "Mapping[str, str]",
    findings: "Mapping[str, list[tuple[bool, dict[str, Any]]]]",
    policy_findings: "Sequence[tuple[bool, dict[str, Any]]]",
) -> bool:
    """Write the memo of one check; whether it was.

    ``inputs``: repository policy inputs -> blob id (None: absent); ``outside``: pack files
    outside the repository, as (name asked by, where it was read, blob id); ``blobs``: checked
    artifact -> blob id.
    """
    entry = {
        "inputs": dict(inputs),
        "outside": [list(item) for item in outside],
        "specs": list(specs),
        "blobs": dict(blobs),
        "findings": {name: [list(item) for item in items] for name, items in findings.items()},
        "policy": [list(item) for item in policy_findings],
    }
    return write_sealed(path, marshal.dumps(entry))


def answer(root: str, pack: "str | None", strict: bool) -> "Answer | None":
    """The gate's verdict on the staged files from the memo, or None when the memo cannot say."""
    body = read_sealed(memo_path(root, pack, strict))
    if body is None:
        return None
    try:
        entry = marshal.loads(body)
        if not _outside_unchanged(entry["outside"]):
            return None
        inputs: dict[str, str | None] = entry["inputs"]
        staged = _staged(root, entry["specs"], list(inputs))
        if staged is None:
            return None
        artifacts, indexed = staged
        if any(name in inputs for name in artifacts) or any(indexed.get(name) != blob for name, blob in inputs.items()):
            return None  # a staged policy input (which re-checks everything), or another policy
        blobs: dict[str, str] = entry["blobs"]
        if any(blob is None or blobs.get(name) != blob for name, blob in artifacts.items()):
            return None  # staged after the check, or never checked
        found: dict[str, list[list[Any]]] = entry["findings"]
        relevant = [*entry["policy"], *(item for name in artifacts for item in found.get(name, ()))]
        blocking = [finding for blocks, finding in relevant if blocks]
        return (1 if blocking else 0), blocking
    except (OSError, ValueError, EOFError, KeyError, TypeError, AttributeError):
        return None  # missing, stale or corrupt: the full re-evaluation decides


def _outside_unchanged(outside: "list[list[str]]") -> bool:
    """Whether every pack outside the repository, read by the name it was asked by, is still the
    same file (after links) with the same bytes. Read as packs are: no FIFO, no device, capped."""
    import stat

    for name, resolved, blob in outside:
        if os.path.realpath(name) != resolved:
            return False  # a link switched to another target
        descriptor = os.open(name, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))  # OSError: gone
        try:
            info = os.fstat(descriptor)
            if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_OUTSIDE_BYTES:
                return False
            if git_blob_id(os.read(descriptor, info.st_size + 1)) != blob:
                return False
        finally:
            os.close(descriptor)
    return True


def git_commands(root: str, specs: "Sequence[str]", inputs: "Sequence[str]") -> list[list[str]]:
    """The gate's two git calls: what is staged among artifacts and inputs, and the inputs as indexed."""
    literal = [":(literal)" + name for name in inputs]
    return [
        ["git", "-C", root, *OPTIONS, *DIFF_CACHED, "--", *specs, *literal],
        ["git", "-C", root, *OPTIONS, "ls-files", "-s", "-z", "--", *literal],
    ]


def _staged(
    root: str, specs: "list[str]", inputs: "list[str]"
) -> "tuple[dict[str, str | None], dict[str, str]] | None":
    """The staged artifacts and inputs (path -> blob id, None when not a regular file) and the
    index entries of the inputs (path -> blob id), from two git calls side by side; None when
    git fails or an input is in conflict."""
    from packwarden import spawn

    commands = git_commands(root, specs, inputs)
    (diff_status, diff_out, _), (list_status, list_out, _) = spawn.run_all(commands, git_environment())
    if diff_status or list_status:
        return None
    parts = diff_out.split(b"\0")
    artifacts: dict[str, str | None] = {}
    for meta, name in zip(parts[0::2], parts[1::2], strict=False):
        fields = meta.decode("ascii").split(" ")  # ":old-mode new-mode old-id new-id status"
        artifacts[name.decode("utf-8", "surrogateescape")] = fields[3] if fields[1] in _REGULAR_MODES else None
    indexed: dict[str, str] = {}
    for record in list_out.split(b"\0"):
        if record:
            meta, _, name = record.partition(b"\t")  # "mode id stage\tpath"
            mode, blob, stage = meta.decode("ascii").split(" ")
            if stage != "0" or (mode not in _REGULAR_MODES and mode != _LINK_MODE):
                return None
            indexed[name.decode("utf-8", "surrogateescape")] = blob
    return artifacts, indexed
