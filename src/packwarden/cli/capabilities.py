"""``packwarden capabilities [--json]``: the capability registry of the effective policy, each
capability's risk, compensation and the permissions it covers, and the manifests that declare
it (every skill and agent manifest of the repository). ``--json``: ``report.capabilities``
documents the shape. Exit code 0; 2 for a broken policy.
"""

from __future__ import annotations

import argparse
import sys

from packwarden.cli.options import add_color, add_pack, use_color


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="the registry and its uses as one JSON object")
    add_pack(parser)
    add_color(parser)


def run(args: argparse.Namespace) -> int:
    import os

    from packwarden.api import resolve
    from packwarden.report.capabilities import listing, listing_lines, manifests

    policy = resolve(pack=args.pack)
    data = listing(policy, manifests(policy, os.path.realpath(os.getcwd())))
    if args.json:
        from packwarden.report.json import dump

        dump(data, sys.stdout)
        return 0
    from packwarden.report.styled import write_lines

    write_lines(listing_lines(data), sys.stdout, use_color(args.color, sys.stdout))
    return 0
