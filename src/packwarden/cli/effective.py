"""``packwarden effective``: the effective policy, its hash, and (--explain) its layers."""

from __future__ import annotations

import argparse
import json
import sys

from packwarden.cli.options import add_color, add_pack, use_color


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--explain", action="store_true", help="show the layer that set every value")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument("--strict", action="store_true", help="as `check --strict` would resolve it")
    parser.add_argument("--staged", action="store_true", help="read .packwarden/policy.yml from the index")
    add_pack(parser)
    add_color(parser)


def run(args: argparse.Namespace) -> int:
    from packwarden.api import resolve
    from packwarden.report.policy import effective_data, effective_lines
    from packwarden.report.styled import write_lines

    policy = resolve(pack=args.pack, strict=args.strict, staged=args.staged)
    if args.json:
        json.dump(effective_data(policy), sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        write_lines(effective_lines(policy, args.explain), sys.stdout, use_color(args.color, sys.stdout))
    return 0
