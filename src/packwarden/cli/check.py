"""``packwarden check``: the hook's command."""

from __future__ import annotations

import sys

from packwarden.cli.options import add_color, add_pack, use_color

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~3 ms)
if TYPE_CHECKING:
    import argparse
    from types import SimpleNamespace

# What every option below defaults to: the hook's entry (``cli.policy_check``) builds its
# arguments from these without argparse, and a test holds them equal to argparse's.
DEFAULTS = {
    "paths": [],
    "all_files": False,
    "staged": False,
    "strict": False,
    "pack": None,
    "format": "text",
    "no_cache": False,
    "jobs": None,
    "color": "auto",
    "show_waived": False,
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", help="files or directories (default: every file)")
    scope = parser.add_mutually_exclusive_group()
    scope.add_argument("--all-files", action="store_true", help="check every file in the repository")
    parser.add_argument(
        "--staged", action="store_true", help="check what is staged in the git index, not the working tree"
    )
    parser.add_argument("--strict", action="store_true", help="strict mode: error findings block")
    add_pack(parser)
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("--no-cache", action="store_true", help="check every file again; do not use or fill the cache")
    parser.add_argument("--jobs", type=int, metavar="N", help="worker processes for large runs (default: usable cores)")
    parser.add_argument(
        "--show-waived", action="store_true", help="list the findings a waiver covers too, each with its waiver"
    )
    add_color(parser)


def run(args: argparse.Namespace | SimpleNamespace) -> int:
    from packwarden.api import check
    from packwarden.report import get_reporter

    result = check(
        args.paths,
        all_files=args.all_files,
        staged=args.staged,
        strict=args.strict,
        pack=args.pack,
        use_cache=not args.no_cache,
        jobs=args.jobs,
    )
    render = get_reporter(args.format)
    render(result, sys.stdout, use_color(args.color, sys.stdout), show_waived=args.show_waived)
    return result.exit_code
