"""The stat fields that say a file has not changed: what git's index compares, and the run memo."""

from __future__ import annotations

import os

FileStat = tuple[int, int, int, int, int, int]
UNKNOWN_STAT: FileStat = (-1, -1, -1, -1, -1, -1)  # equal to no real stat


def file_stat(info: os.stat_result) -> FileStat:
    """Type and mode, inode, device, size, mtime and ctime in nanoseconds."""
    return (info.st_mode, info.st_ino, info.st_dev, info.st_size, info.st_mtime_ns, info.st_ctime_ns)


def lstat_of(path: str) -> FileStat | None:
    """The ``lstat`` of ``path`` (never following a link), or None when it cannot be had."""
    try:
        return file_stat(os.lstat(path))
    except OSError:
        return None
