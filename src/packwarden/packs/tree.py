"""A pack's files as a map of posix paths to bytes: the caps on it, and writing and reading it
as a folder of the store.

The store's folders are read as hostile input: never through a link, a FIFO or a device, and
never past the caps, so a planted link or a swollen file is a damaged pack, not a hang.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Mapping

from packwarden.load.limits import MAX_PACK_BYTES

MAX_PACK_FILES = 256
MAX_PACK_TOTAL_BYTES = 16 * 1024 * 1024
MAX_PATH_PARTS = 32  # folders deep; bounds the folders a read may walk
MAX_NAME_BYTES = 255  # the longest file name common file systems take
MAX_FOLDERS = MAX_PACK_FILES * MAX_PATH_PARTS  # more than the files of any pack can be in

_READ = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)


class TreeError(Exception):
    """A file map the store refuses, or a folder that is not a pack the store wrote."""


def refusal(files: Mapping[str, bytes]) -> str | None:
    """Why the store cannot hold ``files``; None when it can."""
    if len(files) > MAX_PACK_FILES:
        return f"it has {len(files)} files; the limit is {MAX_PACK_FILES}"
    total = 0
    seen: dict[str, str] = {}  # case-folded path -> path: two that differ in case clash on some systems
    folders: set[str] = set()
    for path, data in files.items():
        problem = _path_problem(path)
        if problem is not None:
            return f"file {path!r} {problem}"
        if not isinstance(data, bytes):
            return f"file {path!r} is not bytes"
        if len(data) > MAX_PACK_BYTES:
            return f"file {path} is {len(data)} bytes; the limit is {MAX_PACK_BYTES}"
        total += len(data)
        folded = path.casefold()
        if folded in seen:
            return f"files {seen[folded]} and {path} differ only in case"
        seen[folded] = path
        parts = folded.split("/")
        folders.update("/".join(parts[:end]) for end in range(1, len(parts)))
    if total > MAX_PACK_TOTAL_BYTES:
        return f"its files hold {total} bytes; the limit is {MAX_PACK_TOTAL_BYTES}"
    clash = sorted(folders & set(seen))
    if clash:
        return f"{seen[clash[0]]} is both a file and a folder"
    return None


def _path_problem(path: object) -> str | None:
    if not isinstance(path, str) or not path:
        return "is not a path"
    if "\0" in path or "\\" in path:
        return "holds NUL or a backslash"
    parts = path.split("/")
    if len(parts) > MAX_PATH_PARTS:
        return f"is more than {MAX_PATH_PARTS} folders deep"
    try:
        sizes = [len(part.encode("utf-8")) for part in parts]
    except UnicodeEncodeError:
        return "is not valid Unicode"
    if any(part in ("", ".", "..") for part in parts):
        return "is not a plain relative path"
    if max(sizes) > MAX_NAME_BYTES:
        return f"has a name longer than {MAX_NAME_BYTES} bytes"
    return None


def write_tree(folder: str, files: Mapping[str, bytes]) -> None:
    """Write ``files`` (as ``refusal`` accepts them) into the new empty ``folder``, read-only,
    each flushed to disk, then the folders themselves."""
    made = {folder}
    for path in sorted(files):
        parent = folder
        for part in path.split("/")[:-1]:
            parent = os.path.join(parent, part)
            if parent not in made:
                os.mkdir(parent)
                made.add(parent)
        # Read-only from the start: an editor opened on a cached pack cannot change it by
        # accident. The folders stay writable so that `rm -rf` of the cache works as expected.
        descriptor = os.open(os.path.join(folder, path), _CREATE, 0o444)
        with os.fdopen(descriptor, "wb") as out:
            out.write(files[path])
            out.flush()
            os.fsync(out.fileno())
    for made_folder in sorted(made, key=len, reverse=True):
        _fsync_folder(made_folder)


def _fsync_folder(folder: str) -> None:
    if os.name == "nt":  # pragma: no cover - Windows cannot open a folder
        return
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def read_tree(folder: str) -> dict[str, bytes]:
    """The files under ``folder``, by posix path; TreeError for a link, anything but files and
    folders, or more than the caps hold. FileNotFoundError when ``folder`` does not exist."""
    try:
        top = os.open(folder, _READ | getattr(os, "O_DIRECTORY", 0))
    except FileNotFoundError:
        raise
    except OSError as exc:  # a link (ELOOP) or a file (ENOTDIR) where the folder should be
        raise TreeError(f"{os.path.basename(folder)} is not a folder: {exc.strerror}") from exc
    files: dict[str, bytes] = {}
    budget = [MAX_PACK_TOTAL_BYTES]
    pending: list[tuple[int, str, int]] = [(top, "", 1)]  # open folder, its path, its depth
    walked = 0
    try:
        while pending:
            descriptor, prefix, depth = pending.pop()
            try:
                for entry in sorted(os.scandir(descriptor), key=lambda e: e.name):
                    path = prefix + entry.name
                    if entry.is_dir(follow_symlinks=False):
                        if depth >= MAX_PATH_PARTS or walked >= MAX_FOLDERS:
                            raise TreeError(f"{path} is one folder more than a pack can have")
                        walked += 1
                        pending.append((_open_at(descriptor, entry.name, path, stat.S_ISDIR), path + "/", depth + 1))
                    elif entry.is_file(follow_symlinks=False):
                        if len(files) >= MAX_PACK_FILES:
                            raise TreeError(f"it has more than {MAX_PACK_FILES} files")
                        files[path] = _read_at(descriptor, entry.name, path, budget)
                    else:
                        raise TreeError(f"{path} is a link or a special file")
            except OSError as exc:  # a folder that cannot be listed, a file that cannot be read
                raise TreeError(f"{prefix or './'} cannot be read: {exc.strerror}") from exc
            finally:
                os.close(descriptor)
    finally:
        for descriptor, _, _ in pending:
            os.close(descriptor)
    return files


def _open_at(folder: int, name: str, path: str, is_kind: Callable[[int], bool]) -> int:
    """``name`` in ``folder`` opened without following a link, checked on the open descriptor."""
    try:
        descriptor = os.open(name, _READ, dir_fd=folder)
    except OSError as exc:
        raise TreeError(f"{path} cannot be read: {exc.strerror}") from exc
    if not is_kind(os.fstat(descriptor).st_mode):
        os.close(descriptor)
        raise TreeError(f"{path} changed while it was read")
    return descriptor


def _read_at(folder: int, name: str, path: str, budget: list[int]) -> bytes:
    descriptor = _open_at(folder, name, path, stat.S_ISREG)
    try:
        cap = min(MAX_PACK_BYTES, budget[0])
        chunks: list[bytes] = []
        total = 0
        while total <= cap:
            chunk = os.read(descriptor, min(cap + 1 - total, 1 << 16))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    finally:
        os.close(descriptor)
    if total > cap:
        raise TreeError(f"{path} is larger than the caps allow")
    budget[0] -= total
    return b"".join(chunks)


def listing_digest(folder: str) -> str | None:
    """A digest of what ``folder`` holds (every entry's path, type and size, links not
    followed); None when it is not there. A cached policy records it for each central pack it
    read, so a file planted in a pack's folder later is seen without reading every file."""
    from packwarden.model.digest import hex_digest

    if not os.path.isdir(folder) or os.path.islink(folder):
        return None
    entries: list[str] = []
    for top, folders, names in os.walk(folder):
        for entry in [*folders, *names]:
            path = os.path.join(top, entry)
            info = os.lstat(path)
            kind = "d" if stat.S_ISDIR(info.st_mode) else "f" if stat.S_ISREG(info.st_mode) else "x"
            entries.append(f"{os.path.relpath(path, folder)}\0{kind}\0{info.st_size if kind == 'f' else 0}")
    return hex_digest("\n".join(sorted(entries)).encode("utf-8", "surrogateescape"))
