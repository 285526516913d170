"""Turn the folder tree of a git or dir source into packs and projects, under caps.

```
<key>@<version>/...          a pack: every file except those under its examples/ folder
projects/<id>.yml            a project's selection and governance
```
Top-level names without ``@`` (README.md, .github, ...) are not the source's business and are
skipped; a top-level name with ``@`` must be a valid pack folder, so ``-rf@1.0`` or a pack
that is a link is an error rather than a silently missing pack.

The tree is read through a ``Tree`` (a git commit or a folder on disk) that only lists and
reads; every decision is made here. A link inside a pack is stored as its target's bytes when
the target is a file of the same pack; a link that leads anywhere else (out of the pack, to
an absolute path, to a folder, to nothing) is an error naming it. Files are counted and sized
before they are read, so a hostile source costs at most the caps.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping
from typing import NoReturn, Protocol

from packwarden.load.limits import MAX_PACK_BYTES
from packwarden.model.record import Record
from packwarden.packs.digest import tree_digest
from packwarden.packs.sources.spec import SourceError

MAX_PACK_FILES = 256
MAX_PACK_TOTAL = 16 * 1024 * 1024
MAX_PACKS = 1000
MAX_PROJECTS = 10_000
MAX_LINK_HOPS = 40

PROJECTS = "projects"
PACK_FILE = "pack.yaml"
EXAMPLES = "examples"  # not cached: only `packs verify` runs them, from the source itself

# The pack schema's own patterns (packs/schema.py: PACK_KEY, VERSION and their lengths).
_PACK_NAME = re.compile(r"[a-z0-9][a-z0-9_.-]{0,63}@[0-9]+(\.[0-9]+)*")
_MAX_VERSION = 32
_PROJECT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}")
# Names a cache folder on any system can hold: no control characters, no backslash.
_ODD_NAME = re.compile(r"[\x00-\x1f\x7f\\]")


class TreeError(Exception):
    """An entry of a tree cannot be read; the message says why (layout adds where)."""


class Tree(Protocol):
    """A source's folder tree, read-only. Paths are posix, relative to the source's top."""

    def entries(self, folder: str) -> list[tuple[str, str]]:
        """(name, kind) of each entry of ``folder``; kind: dir, file, link, submodule or other."""

    def size(self, path: str) -> int:
        """The byte size of the file at ``path``."""

    def read(self, path: str, limit: int) -> bytes:
        """The bytes of the file at ``path``; TreeError when it holds more than ``limit``."""

    def target(self, path: str) -> str:
        """What the link at ``path`` points at, as written."""


class Content(Record):
    packs: Mapping[str, Mapping[str, bytes]]
    projects: Mapping[str, bytes]


def is_pack_name(name: str) -> bool:
    return bool(_PACK_NAME.fullmatch(name)) and len(name.partition("@")[2]) <= _MAX_VERSION


def is_project_id(name: str) -> bool:
    return bool(_PROJECT_ID.fullmatch(name))


def read_layout(source: str, tree: Tree) -> Content:
    """The packs and projects of ``tree``; SourceError names the first thing that is wrong."""
    packs: dict[str, dict[str, bytes]] = {}
    projects: dict[str, bytes] = {}
    for name, kind in sorted(_entries(source, tree, "")):
        if name == PROJECTS:
            if kind != "dir":
                _fail(source, name, f"projects must be a folder, not a {_KIND_NAMES.get(kind, kind)}")
            projects = _projects(source, tree)
        elif "@" in name:
            if not is_pack_name(name):
                _fail(source, name, "not a pack name: a pack folder is <key>@<version>, key [a-z0-9][a-z0-9_.-]*")
            if kind != "dir":
                _fail(source, name, f"a pack must be a folder, not a {_KIND_NAMES.get(kind, kind)}")
            if len(packs) == MAX_PACKS:
                _fail(source, name, f"more than {MAX_PACKS} packs in one source")
            packs[name] = _pack(source, tree, name)
    return Content(packs=packs, projects=projects)


def flatten(content: Content) -> dict[str, bytes]:
    """Every file of ``content`` under one path: ``key@version/...`` and ``projects/<id>.yml``."""
    files = {f"{pack}/{path}": data for pack, pack_files in content.packs.items() for path, data in pack_files.items()}
    files.update({f"{PROJECTS}/{project}.yml": data for project, data in content.projects.items()})
    return files


def content_digest(content: Content) -> str:
    """``sha256:`` and the tree digest of everything ``content`` holds (a dir or http source's
    ``resolved``)."""
    return "sha256:" + tree_digest(flatten(content))


_KIND_NAMES = {"link": "link", "file": "file", "submodule": "submodule (submodules are not followed)"}


def _fail(source: str, where: str, why: str) -> NoReturn:
    shown = where if where.isprintable() else repr(where)[1:-1]  # one line, whatever the name holds
    raise SourceError(f"source {source}: {shown}: {why}")


def _entries(source: str, tree: Tree, folder: str) -> list[tuple[str, str]]:
    try:
        return tree.entries(folder)
    except TreeError as error:
        raise SourceError(f"source {source}: {folder or '.'}: {error}") from None


def _pack(source: str, tree: Tree, top: str) -> dict[str, bytes]:
    sizes: dict[str, int] = {}  # pack-relative path -> size, of every regular file
    links: dict[str, str] = {}  # pack-relative path -> target as written
    folders, seen_folders = [""], 0
    while folders:
        folder = folders.pop()
        for name, kind in _entries(source, tree, posixpath.join(top, folder).rstrip("/")):
            path = posixpath.join(folder, name)
            where = f"{top}/{path}"
            if _ODD_NAME.search(name) or not _encodable(name):
                _fail(source, where, "a name with control characters, a backslash or invalid UTF-8")
            if kind == "dir":
                if path != EXAMPLES:
                    seen_folders += 1
                    if seen_folders > MAX_PACK_FILES:  # empty folders cost a walk too
                        _fail(source, top, f"more than {MAX_PACK_FILES} folders in one pack")
                    folders.append(path)
                continue
            if kind not in ("file", "link"):
                _fail(source, where, f"a {_KIND_NAMES.get(kind, 'special file (FIFO, socket or device)')}")
            if len(sizes) + len(links) == MAX_PACK_FILES:
                _fail(source, top, f"more than {MAX_PACK_FILES} files in one pack")
            if kind == "link":
                links[path] = _target(source, tree, where)
            else:
                sizes[path] = _size(source, tree, where)
    if PACK_FILE not in sizes and PACK_FILE not in links:
        _fail(source, top, f"no {PACK_FILE} in the pack folder")
    if sum(sizes.values()) > MAX_PACK_TOTAL:  # before reading any of it
        _fail(source, top, f"the pack holds more than {MAX_PACK_TOTAL} bytes")
    files = {path: _read(source, tree, f"{top}/{path}") for path in sorted(sizes)}
    for path in sorted(links):
        files[path] = _follow(source, top, path, files, links)
    if sum(len(data) for data in files.values()) > MAX_PACK_TOTAL:
        _fail(source, top, f"the pack holds more than {MAX_PACK_TOTAL} bytes")
    return dict(sorted(files.items()))


def _projects(source: str, tree: Tree) -> dict[str, bytes]:
    """``projects/<id>.yml`` files, directly in projects/ (anything else there is skipped)."""
    files: dict[str, bytes] = {}
    links: dict[str, str] = {}
    for name, kind in sorted(_entries(source, tree, PROJECTS)):
        where = f"{PROJECTS}/{name}"
        if not name.endswith(".yml") or kind == "dir":
            continue
        if not is_project_id(name[: -len(".yml")]):
            _fail(source, where, "not a project file name: <id>.yml, id [A-Za-z0-9][A-Za-z0-9_.-]*")
        if kind not in ("file", "link"):
            _fail(source, where, f"a {_KIND_NAMES.get(kind, 'special file (FIFO, socket or device)')}")
        if len(files) + len(links) == MAX_PROJECTS:
            _fail(source, PROJECTS, f"more than {MAX_PROJECTS} project files")
        if kind == "link":
            links[name] = _target(source, tree, where)
        else:
            _size(source, tree, where)
            files[name] = _read(source, tree, where)
    for name in sorted(links):
        files[name] = _follow(source, PROJECTS, name, files, links)
    return {name[: -len(".yml")]: data for name, data in sorted(files.items())}


def _size(source: str, tree: Tree, where: str) -> int:
    try:
        size = tree.size(where)
    except TreeError as error:
        raise SourceError(f"source {source}: {where}: {error}") from None
    if size > MAX_PACK_BYTES:
        _fail(source, where, f"the file is {size} bytes; the limit is {MAX_PACK_BYTES}")
    return size


def _read(source: str, tree: Tree, where: str) -> bytes:
    try:
        return tree.read(where, MAX_PACK_BYTES)
    except TreeError as error:
        raise SourceError(f"source {source}: {where}: {error}") from None


def _target(source: str, tree: Tree, where: str) -> str:
    try:
        target = tree.target(where)
    except TreeError as error:
        raise SourceError(f"source {source}: {where}: {error}") from None
    if _ODD_NAME.search(target) or not _encodable(target):
        _fail(source, where, "a link whose target has control characters, a backslash or invalid UTF-8")
    return target


def _follow(source: str, top: str, path: str, files: Mapping[str, bytes], links: Mapping[str, str]) -> bytes:
    """The bytes a link inside ``top`` leads to, through links that all stay inside ``top``."""
    current = path
    for _ in range(MAX_LINK_HOPS):
        target = links[current]
        if target.startswith("/"):
            _fail(source, f"{top}/{path}", f"a link to an absolute path ({target}), not inside {top}")
        landed = posixpath.normpath(posixpath.join(posixpath.dirname(current), target))
        if landed == ".." or landed.startswith("../"):
            _fail(source, f"{top}/{path}", f"a link that leads out of {top} ({target})")
        if landed in files:
            return files[landed]
        if landed not in links:
            _fail(source, f"{top}/{path}", f"a link to {target}, which is not a file of {top} (a folder, or nothing)")
        current = landed
    _fail(source, f"{top}/{path}", f"more than {MAX_LINK_HOPS} links in a row (a loop?)")


def _encodable(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:  # a surrogate: bytes that were not UTF-8 on disk
        return False
    return True
