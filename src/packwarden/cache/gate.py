"""The gate memo: the commit-msg gate answers from what ``policy-check`` found moments before.

The gate re-evaluates what the commit will contain, the staged files, right after the
pre-commit stage checked them. Re-reading and re-checking them would cost a whole hook run; the
gate's budget is little more than starting Python and asking git what is staged. So a check of
files in a git work tree leaves this memo: for each artifact unit it checked, the git blob id of
every member it read, the pathspecs that list the unit's members, and its raw findings (as
found, before any verdict); the blob id of every policy input in the repository (the config,
repository packs, the links to them); the blob id of every pack file outside it (built-in
packs); the artifact globs; and the policy's mode and ``fail_on``.

The gate asks git two things at once: what is staged among the artifacts and the policy inputs
(``git diff --cached`` limited to the globs as ``:(glob)`` pathspecs and the inputs as
``:(literal)`` ones), and the index entries of every unit's members and of the inputs
(``git ls-files -s``). The memo answers when no policy input is staged, the index holds every
input the policy was built from, every pack outside the repository still has its blob id, every
staged path is a member of a unit the check saw, and the index lists exactly the members the
check read, with the same blob ids: a unit's members are found from a listing, so a file added,
deleted or changed anywhere in a unit is seen. Anything else is ``None``: the full
re-evaluation decides. The answer is the raw findings of the units with a staged member and of
the policy; the gate decides on them with the same ``enforce`` step as ``check``.

Waivers: the waivers file is a policy input like the config (its blob id is among the inputs,
so a staged change to it means the memo does not answer). With the same file, what ``enforce``
decided about each raw finding (covered by a waiver in force, or not) changes only with the
date, so each raw finding keeps that flag and the memo keeps the UTC date it was decided on
(``model.decision.today``): on another day, the memo does not answer. It keeps the locked rules
too, which a ``Policy-Waiver:`` trailer may not cover.

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
from packwarden.model.decision import today as date_today
from packwarden.model.digest import git_blob_id, hasher

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~3 ms)
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from typing import Any

    # mode, fail_on, the raw findings, each as [severity, input rule, the finding as a dict,
    # waived by the waivers file, waivable by any waiver], and the locked rules
    Recalled = tuple[str, str, list[list[Any]], list[str]]

FORMAT = 6
MAX_FILES = 2000  # members of the checked units; a larger run (pre-commit run --all-files) leaves no memo
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


def _glob_spec(glob: str) -> "str | None":
    if any(char in glob for char in _GLOB_SPECIALS):
        return None
    return ":(glob)" + (glob.strip("/") + "/**" if glob.endswith("/") else glob)


def pathspecs(artifacts: "Mapping[str, Sequence[str]]", indexes: "Sequence[str]" = ()) -> "list[str] | None":
    """Git pathspecs that match what the artifact globs match (and the registry ``indexes``),
    or None when one cannot be said.

    packwarden's globs (``model.globs``) read ``*`` and ``**`` as git's ``:(glob)`` magic
    does; a glob with any of _GLOB_SPECIALS leaves no memo.
    """
    specs: list[str] = []
    for globs in artifacts.values():
        for glob in globs:
            spec = _glob_spec(glob)
            if spec is None:
                return None
            specs.append(spec)
    return [*specs, *(":(literal)" + index for index in indexes)]


def member_specs(shape: str, root: str, globs: "Sequence[str]" = (), reads: "Sequence[str]" = ()) -> "list[str] | None":
    """The pathspecs that list one unit's members in the index: the file, or everything below
    the folder, and the files it also ``reads`` (a plugin's contract); a registry's index and
    the manifests matching its ``globs``."""
    if shape != "registry":
        return [":(literal)" + root + ("/" if shape == "folder" else ""), *(":(literal)" + path for path in reads)]
    specs = [_glob_spec(glob) for glob in globs]
    if any(spec is None for spec in specs):
        return None
    return [":(literal)" + root, *(spec for spec in specs if spec is not None)]


def store(
    path: str,
    *,
    inputs: "Mapping[str, str | None]",
    outside: "Sequence[tuple[str, str, str]]",
    specs: "Sequence[str]",
    units: "Sequence[tuple[str, str, Sequence[str], Mapping[str, str], Sequence[list[Any]], Sequence[str]]]",
    policy_findings: "Sequence[list[Any]]",
    mode: str,
    fail_on: str,
    today: str = "",
    locked: "Sequence[str]" = (),
) -> bool:
    """Write the memo of one check; whether it was.

    ``inputs``: repository policy inputs -> blob id (None: absent); ``outside``: pack files
    outside the repository, as (name asked by, where it was read, blob id); ``units``: for each
    checked unit, its shape and root, the pathspecs listing its members, member -> blob id, its
    raw findings as [severity, input rule, the finding as a dict, waived, waivable] (``model.decision``), and
    the members it only reads (a registry's manifests: their own rules are their own units').
    ``today``: the date waivers were applied on (empty: none were); ``locked``: the locked rules.
    """
    entry = {
        "inputs": dict(inputs),
        "outside": [list(item) for item in outside],
        "specs": list(specs),
        "units": [
            [shape, root, list(listed), dict(blobs), list(found), list(reads)]
            for shape, root, listed, blobs, found, reads in units
        ],
        "policy": list(policy_findings),
        "mode": mode,
        "fail_on": fail_on,
        "today": today,
        "locked": list(locked),
    }
    return write_sealed(path, marshal.dumps(entry))


def recall(root: str, pack: "str | None", strict: bool) -> "Recalled | None":
    """The raw findings a full check of the staged files would find, from the memo, with the
    mode and ``fail_on`` to decide on them and the locked rules; None when the memo cannot say."""
    body = read_sealed(memo_path(root, pack, strict))
    if body is None:
        return None
    try:
        entry = marshal.loads(body)
        if entry["today"] and entry["today"] != date_today():
            return None  # waivers were applied on another day: one may have expired since
        if not _outside_unchanged(entry["outside"]):
            return None
        inputs: dict[str, str | None] = entry["inputs"]
        units: list[list[Any]] = entry["units"]
        listed = [spec for unit in units for spec in unit[2]]
        staged = _staged(root, entry["specs"], list(inputs), listed)
        if staged is None:
            return None
        changed, indexed = staged
        if any(name in inputs for name in changed) or any(indexed.get(n) != blob for n, blob in inputs.items()):
            return None  # a staged policy input (which re-checks what it governs), or another policy
        relevant = [unit for unit in units if not changed.isdisjoint(unit[3])]
        if any(all(name not in unit[3] or name in unit[5] for unit in relevant) for name in changed):
            return None  # a staged path whose own unit was not checked (a registry only read it)
        if any(unit[0] == "registry" for unit in relevant):
            everything: dict[str, str] = {}
            for unit in units:
                everything.update(unit[3])
            if {n: b for n, b in indexed.items() if n not in inputs or n in everything} != everything:
                return None  # see _same_members
        elif not all(_same_members(unit[0], unit[1], unit[3], indexed) for unit in relevant):
            return None  # the index lists other members, or other contents, than the check read
        raw = [*entry["policy"], *(item for unit in relevant for item in unit[4])]
        return entry["mode"], entry["fail_on"], raw, entry["locked"]
    except (OSError, ValueError, EOFError, KeyError, TypeError, AttributeError, IndexError):
        return None  # missing, stale or corrupt: the full re-evaluation decides


def _same_members(shape: str, root: str, read: "dict[str, str]", indexed: "dict[str, str]") -> bool:
    """Whether the index holds exactly the members a unit's check read, with the same blobs.

    A file's and a folder's members are told apart by their path. A registry's would need its
    globs, so a commit touching one is answered only when the index entries listed for all the
    units hold exactly what all of them read (``recall``).
    """
    if shape == "registry":
        return False
    prefix = root + "/"
    inside = {name: blob for name, blob in indexed.items() if name in read or name == root or name.startswith(prefix)}
    return inside == read


def _outside_unchanged(outside: "list[list[str]]") -> bool:
    """Whether every pack outside the repository, read by the name it was asked by, is still the
    same file (after links) with the same bytes. Read as packs are: no FIFO, no device, capped."""
    import stat

    for name, resolved, blob in outside:
        if name.endswith("/"):  # a central pack's folder: what it holds (packs.tree.listing_digest)
            from packwarden.packs.tree import listing_digest

            if os.path.realpath(name) != resolved or listing_digest(resolved) != blob:
                return False
            continue
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


def git_commands(
    root: str, specs: "Sequence[str]", inputs: "Sequence[str]", listed: "Sequence[str]"
) -> list[list[str]]:
    """The gate's two git calls: what is staged among artifacts and inputs, and the index
    entries of the inputs and of the checked units' members."""
    literal = [":(literal)" + name for name in inputs]
    return [
        ["git", "-C", root, *OPTIONS, *DIFF_CACHED, "--", *specs, *literal],
        ["git", "-C", root, *OPTIONS, "ls-files", "-s", "-z", "--", *literal, *listed],
    ]


def _staged(
    root: str, specs: "list[str]", inputs: "list[str]", listed: "list[str]"
) -> "tuple[set[str], dict[str, str]] | None":
    """The staged paths among artifacts and inputs, and the index entries (path -> blob id) of
    the inputs and the listed members, from two git calls side by side; None when git fails,
    or an entry is in conflict or neither a file nor a link."""
    from packwarden import spawn

    commands = git_commands(root, specs, inputs, listed)
    (diff_status, diff_out, _), (list_status, list_out, _) = spawn.run_all(commands, git_environment())
    if diff_status or list_status:
        return None
    parts = diff_out.split(b"\0")
    changed = {name.decode("utf-8", "surrogateescape") for name in parts[1::2]}
    indexed: dict[str, str] = {}
    for record in list_out.split(b"\0"):
        if record:
            meta, _, name = record.partition(b"\t")  # "mode id stage\tpath"
            mode, blob, stage = meta.decode("ascii").split(" ")
            if stage != "0" or (mode not in _REGULAR_MODES and mode != _LINK_MODE):
                return None
            indexed[name.decode("utf-8", "surrogateescape")] = blob
    return changed, indexed
