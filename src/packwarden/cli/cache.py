"""``packwarden cache dir|clear``: the caches live outside the repository and can always go."""

from __future__ import annotations

import argparse
import os
import shutil


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    actions.add_parser("dir", help="print the cache folder")
    actions.add_parser("clear", help="delete every cached policy and result")


def run(args: argparse.Namespace) -> int:
    from packwarden.cache.location import cache_dir

    folder = cache_dir()
    if args.action == "dir":
        print(folder)
        return 0
    existed = os.path.isdir(folder)
    shutil.rmtree(folder, onerror=_writable_again)
    print(f"removed {folder}" if existed else f"nothing to remove at {folder}")
    return 0


def _writable_again(function: object, path: str, _: object) -> None:
    """The central pack store makes its objects read-only; clearing the cache removes them too."""
    try:
        os.chmod(os.path.dirname(path), 0o700)
        if os.path.isdir(path) and not os.path.islink(path):
            os.chmod(path, 0o700)
            shutil.rmtree(path, onerror=_writable_again)
        else:
            os.unlink(path)
    except FileNotFoundError:
        pass  # another process removed it first
