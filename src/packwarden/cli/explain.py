"""``packwarden explain RULE``: what a rule checks, why it matters, a bad and a good example."""

from __future__ import annotations

import argparse
import sys

from packwarden.cli.options import add_color, add_pack, use_color
from packwarden.model.errors import UsageError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "rule", help="a rule id (skill.name-format), a built-in rule (parse.yaml-anchor) or a check (pattern)"
    )
    add_pack(parser)
    add_color(parser)


def run(args: argparse.Namespace) -> int:
    from packwarden.api import resolve
    from packwarden.report.explain import explain_lines, known_ids
    from packwarden.report.styled import write_lines

    policy = resolve(pack=args.pack)
    lines = explain_lines(args.rule, policy)
    if lines is None:
        import difflib

        close = difflib.get_close_matches(args.rule, known_ids(policy), n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else "; `packwarden effective` lists the rules"
        raise UsageError(f"no rule {args.rule!r} in the effective policy{hint}")
    write_lines(lines, sys.stdout, use_color(args.color, sys.stdout))
    return 0
