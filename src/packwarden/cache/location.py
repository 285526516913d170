"""Where packwarden keeps its caches."""

# No ``from __future__ import annotations``: the commit-msg gate imports this module, and
# __future__ costs it ~0.8 M instructions (docs/performance.md); annotations are quoted instead.

import os
import sys
import time

from packwarden.model.digest import hex_digest

APP = "packwarden"


def cache_dir() -> str:
    """``$PACKWARDEN_HOME/cache``, else the user cache folder platformdirs names."""
    home = os.environ.get("PACKWARDEN_HOME")
    if home:
        return os.path.join(home, "cache")
    return user_cache_dir()


def central_store_dir() -> str:
    """The store of central packs that ``packwarden pull`` fills (``packs.store``)."""
    return os.path.join(cache_dir(), "central")


def user_cache_dir() -> str:
    """platformdirs' ``user_cache_dir("packwarden")``.

    Importing platformdirs costs ~10 ms, a third of a hook run. On Linux, with an absolute
    ``$XDG_CACHE_HOME`` or ``$HOME``, its answer is the XDG rule, computed here without it;
    every other case asks platformdirs. A test holds the two answers equal.
    """
    if sys.platform == "linux":
        xdg = os.environ.get("XDG_CACHE_HOME", "")
        if os.path.isabs(xdg):
            return os.path.join(xdg, APP)
        if os.path.isabs(os.environ.get("HOME", "")):
            return os.path.join(os.path.expanduser("~/.cache"), APP)
    from platformdirs import user_cache_dir as platform_cache_dir

    return platform_cache_dir(APP)


def write_atomic(path: str, data: bytes) -> None:
    """Write through a temporary file and a rename: readers see the old or the new file."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    temporary = f"{path}.{os.getpid()}.{time.monotonic_ns()}.tmp"  # one writer per name: this process, now
    handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def write_sealed(path: str, body: bytes) -> bool:
    """Write ``body`` after a line holding its digest (see ``read_sealed``); whether it was written.

    A read-only or full cache folder only costs speed, so failing to write is not an error.
    """
    try:
        write_atomic(path, hex_digest(body).encode("ascii") + b"\n" + body)
    except OSError:
        return False
    return True


def read_sealed(path: str) -> "bytes | None":
    """The body ``write_sealed`` wrote, or None when the file is missing, cut short or changed
    since: every cache entry is checked against its own digest before it is trusted."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError:
        return None
    seal, _, body = data.partition(b"\n")
    return body if seal == hex_digest(body).encode("ascii") else None
