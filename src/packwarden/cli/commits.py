"""``packwarden commits A..B``: every commit message of a range against the message rules.

The ``policy-commit-msg-range`` hook (manual stage) runs it with pre-commit's
``PRE_COMMIT_FROM_REF``/``PRE_COMMIT_TO_REF`` when no range is given.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~3 ms)
if TYPE_CHECKING:
    import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from packwarden.cli.options import add_color, add_pack

    parser.add_argument(
        "range",
        nargs="?",
        metavar="FROM..TO",
        help="the commits to read (default: PRE_COMMIT_FROM_REF..PRE_COMMIT_TO_REF, as pre-commit sets them)",
    )
    parser.add_argument("--strict", action="store_true", help="strict mode: error findings block")
    add_pack(parser)
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("--no-cache", action="store_true", help="use and fill no cache")
    add_color(parser)
    parser.add_argument("files", nargs="*", help="==SUPPRESS==")  # what pre-commit passes: not read


def run(args: argparse.Namespace) -> int:
    from packwarden.cli.options import use_color
    from packwarden.model.errors import UsageError
    from packwarden.ranges import check_commits, refs_from_environment, split_range
    from packwarden.report import get_reporter

    if args.range is not None and ".." in args.range:
        start, end = split_range(args.range)
    else:
        refs = refs_from_environment()
        if refs is None:
            raise UsageError("give a range FROM..TO, or set PRE_COMMIT_FROM_REF and PRE_COMMIT_TO_REF")
        start, end = refs
    result = check_commits(start, end, strict=args.strict, pack=args.pack, use_cache=not args.no_cache)
    get_reporter(args.format)(result, sys.stdout, use_color(args.color, sys.stdout))
    return result.exit_code
