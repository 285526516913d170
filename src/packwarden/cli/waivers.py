"""``packwarden waivers list``: every waiver with its owner, end date, state and what it covers."""

from __future__ import annotations

import argparse
import sys

from packwarden.cli.options import add_color, add_pack, use_color


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = actions.add_parser(
        "list", help="every waiver: owner, expiry, state, findings covered (checks every file)"
    )
    listing.add_argument("--json", action="store_true", help="machine-readable output")
    listing.add_argument("--staged", action="store_true", help="the waivers and files as staged in the git index")
    listing.add_argument("--no-cache", action="store_true", help="check every file again; use and fill no cache")
    add_pack(listing)
    add_color(listing)


def run(args: argparse.Namespace) -> int:
    from packwarden.api import list_waivers
    from packwarden.report.waivers import waiver_data, waiver_lines

    result, rows = list_waivers(pack=args.pack, staged=args.staged, use_cache=not args.no_cache)
    if args.json:
        from packwarden.report.json import dump

        dump(waiver_data(rows), sys.stdout)
    else:
        from packwarden.report.styled import write_lines

        write_lines(waiver_lines(rows), sys.stdout, use_color(args.color, sys.stdout))
    return 2 if result.exit_code == 2 else 0
