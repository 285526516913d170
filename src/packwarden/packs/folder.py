"""A folder of packs as a central repository holds them: ``<key>@<version>/pack.yaml`` each.

The packs of one folder extend each other by ``key@version``; ``FolderPacks.extra`` serves them
to ``PackFiles`` (asked before the built-in packs). The folder is untrusted input like every
pack: its ``pack.yaml`` files are read with the pack cap, through links that stay inside their
pack folder only, never from a FIFO or a device; a pack folder that is itself a link is not
entered; at most ``MAX_FOLDER_PACKS`` packs are read.
"""

from __future__ import annotations

import os
import re

from packwarden.load.document import Problem
from packwarden.model import builtin_rules as R
from packwarden.model.errors import PolicyValidationError, UsageError
from packwarden.model.finding import Finding, Severity
from packwarden.model.record import Record
from packwarden.packs.files import DiskRepo

PACK_FILE = "pack.yaml"
MAX_FOLDER_PACKS = 1000  # a central source holds at most this many packs (CENTRAL.md)
_REF = re.compile(r"(?P<key>[a-z0-9][a-z0-9_.-]{0,63})@(?P<version>[0-9]+(?:\.[0-9]+){0,15})")


def split_ref(name: str) -> tuple[str, tuple[int, ...]] | None:
    """The key and version numbers of a pack folder's name ``key@version``; None for any other name."""
    match = _REF.fullmatch(name)
    if match is None or len(match["version"]) > 32:
        return None
    return match["key"], tuple(int(part) for part in match["version"].split("."))


class FolderProblem(Record):
    """An entry of the folder that is no usable pack, and why."""

    path: str  # as the user names it
    problem: Problem


class FolderPacks:
    """The ``<key>@<version>/`` packs of ``folder``; ``shown`` is the folder as the user names it."""

    def __init__(self, folder: str, shown: str | None = None) -> None:
        self.folder = os.path.realpath(folder)
        self.shown = os.path.normpath(shown if shown is not None else folder)
        self.refs: list[str] = []  # sorted by key, then version
        self.problems: list[FolderProblem] = []
        try:
            with os.scandir(self.folder) as listing:
                entries = sorted(
                    (entry.name, entry.is_symlink(), entry.is_dir(follow_symlinks=False)) for entry in listing
                )
        except OSError as exc:
            raise UsageError(f"{self.shown}: cannot list the folder: {exc.strerror}") from exc
        for name, is_link, is_dir in entries:
            self._entry(name, is_link, is_dir)
        if len(self.refs) > MAX_FOLDER_PACKS:
            raise UsageError(
                f"{self.shown}: holds {len(self.refs)} packs; a folder of packs holds at most {MAX_FOLDER_PACKS}"
            )
        self.refs.sort(key=lambda ref: split_ref(ref) or ("", ()))

    def _entry(self, name: str, is_link: bool, is_dir: bool) -> None:
        if "@" not in name:
            return  # other files of the repository (README.md, projects/, .git)
        where = self.path_of(name)
        if split_ref(name) is None:
            message = "is not a pack folder name: <key>@<version>, the key in lowercase letters, digits and . _ -"
            self.problems.append(FolderProblem(where, Problem(R.PACK_INVALID, message)))
        elif is_link:
            message = "is a link; a pack folder is read where it is, never through a link"
            self.problems.append(FolderProblem(where, Problem(R.PATH_SYMLINK, message)))
        elif not is_dir:
            self.problems.append(FolderProblem(where, Problem(R.PACK_INVALID, "is not a folder; a pack is a folder")))
        else:
            self.refs.append(name)

    def path_of(self, ref: str, *parts: str) -> str:
        """A path inside the folder, as the user names it."""
        return os.path.normpath(os.path.join(self.shown, ref, *parts))

    def pack_folder(self, ref: str) -> str:
        return os.path.join(self.folder, ref)

    def read(self, ref: str) -> bytes | Problem:
        """The bytes of ``ref``'s pack.yaml, or why it cannot be read."""
        found = DiskRepo(self.pack_folder(ref)).read(PACK_FILE)
        if found is None:
            return Problem(R.PACK_INVALID, f"is missing: every <key>@<version>/ folder holds its {PACK_FILE}")
        if isinstance(found, Problem):
            if found.rule is R.PATH_OUTSIDE_REPO:
                return found._replace(message="is a link out of its pack folder; not read")
            return found
        return found.data

    def resolve(self, ref: str) -> str | None:
        """``key@version`` as held here, or the newest version held for a bare ``key``."""
        if ref in self.refs:
            return ref
        if "@" in ref:
            return None
        versions = [held for held in self.refs if held.partition("@")[0] == ref]
        return versions[-1] if versions else None

    def extra(self, ref: str) -> tuple[str, bytes] | None:
        """``PackFiles.extra``: the pack ``ref`` of this folder (where, bytes), None when it has none.

        A pack it holds but cannot read is an error, never a fall back to a built-in pack of the
        same name."""
        held = self.resolve(ref)
        if held is None:
            return None
        where = self.path_of(held, PACK_FILE)
        raw = self.read(held)
        if isinstance(raw, Problem):
            finding = Finding(R.PACK_INVALID.id, Severity.ERROR, f"pack {held}: {PACK_FILE} {raw.message}", where)
            raise PolicyValidationError([finding])
        return where, raw
