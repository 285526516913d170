"""Where packwarden keeps its caches."""

# No ``from __future__ import annotations``: the commit-msg gate imports this module, and
# __future__ costs it ~0.8 M instructions (docs/performance.md); annotations are quoted instead.

import os
import sys
import time

APP = "packwarden"


def cache_dir() -> str:
    """``$PACKWARDEN_HOME/cache``, else the user cache folder platformdirs names."""
    home = os.environ.get("PACKWARDEN_HOME")
    if home:
        return os.path.join(home, "cache")
    return user_cache_dir()


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
