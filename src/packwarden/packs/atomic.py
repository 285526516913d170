"""Replacing a file so that readers see the old bytes or the new, never a part of either.

Every temporary file or folder a writer makes is named ``<stem>.tmp-<pid>-<token>``: the pid
says whose it is, so a sweeper can tell one left by a killed writer from one still being
written (``writer_pid``).
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import stat

_TEMP = re.compile(r"\.tmp-([0-9]+)-[0-9a-f]{16}\Z")
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)


def temp_name(stem: str) -> str:
    """A fresh temporary name for ``stem``, owned by this process."""
    return f"{stem}.tmp-{os.getpid()}-{secrets.token_hex(8)}"


def writer_pid(name: str) -> int | None:
    """The pid of the process that made the temporary ``name``; None when it is not one."""
    found = _TEMP.search(name)
    return int(found.group(1)) if found else None


def fsync_dir(folder: str) -> None:
    """Make the entries of ``folder`` (a rename into it) durable, where the system allows it."""
    if os.name == "nt":  # pragma: no cover - Windows cannot open a folder; its renames are durable
        return
    descriptor = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def write_atomically(path: str, data: bytes) -> None:
    """Replace ``path`` by a file holding ``data``: written to a temporary file in the same
    folder, flushed to disk, then renamed over it. An existing regular file keeps its mode; a
    new file gets the usual mode (0o666 less the umask). A link at ``path`` is replaced, never
    written through."""
    folder = os.path.dirname(os.path.abspath(path))
    mode: int | None = None
    with contextlib.suppress(FileNotFoundError):
        info = os.lstat(path)
        if stat.S_ISREG(info.st_mode):
            mode = stat.S_IMODE(info.st_mode)
    temporary = os.path.join(folder, temp_name("." + os.path.basename(path)))
    descriptor = os.open(temporary, _CREATE, 0o666)
    try:
        with os.fdopen(descriptor, "wb") as out:
            if mode is not None and os.chmod in os.supports_fd:
                os.chmod(out.fileno(), mode)
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    fsync_dir(folder)
