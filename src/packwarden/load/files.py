"""Reading one file whose bytes an untrusted repository controls: capped, regular files only.

The file is opened without blocking and checked on the open descriptor, so a FIFO never
hangs the reader and a device (``/dev/zero``) is never read; no more than one byte over the
cap is read, whatever the file claims its size is.
"""

from __future__ import annotations

import os
import stat

from packwarden.load.document import Problem
from packwarden.model import builtin_rules as R

_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
NO_FOLLOW = getattr(os, "O_NOFOLLOW", 0)


def read_capped(path: str, max_bytes: int, *, follow_links: bool = True) -> bytes | Problem | None:
    """The bytes of the regular file at ``path``, a problem, or None when it does not exist."""
    try:
        descriptor = os.open(path, _OPEN_FLAGS | (0 if follow_links else NO_FOLLOW))
    except FileNotFoundError:
        return None
    except OSError as exc:
        return Problem(R.PATH_UNREADABLE, f"cannot read: {exc.strerror}")
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            return Problem(R.PATH_UNREADABLE, "is not a regular file (a folder, FIFO, socket or device); not read")
        if info.st_size > max_bytes:
            return Problem(R.PARSE_TOO_LARGE, f"file is {info.st_size} bytes; the limit is {max_bytes}")
        chunks: list[bytes] = []
        total, want = 0, info.st_size + 1  # one more than its size shows a file that grew
        while total <= max_bytes:
            chunk = os.read(descriptor, want)
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            want = min(max_bytes + 1 - total, 1 << 16) or 1
        data = b"".join(chunks)
    except OSError as exc:
        return Problem(R.PATH_UNREADABLE, f"cannot read: {exc.strerror}")
    finally:
        os.close(descriptor)
    if len(data) > max_bytes:
        return Problem(R.PARSE_TOO_LARGE, f"file is larger than the limit of {max_bytes} bytes")
    return data
