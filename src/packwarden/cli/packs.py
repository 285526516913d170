"""``packwarden packs list|show|diff|test``: for people who write and choose packs."""

from __future__ import annotations

import argparse
import json
import sys

from packwarden.cli.options import add_color, use_color

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~3 ms)
if TYPE_CHECKING:
    from packwarden.model.policy import EffectivePolicy


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    actions.add_parser("list", help="built-in packs")
    show = actions.add_parser("show", help="one pack with everything it extends")
    show.add_argument("pack", metavar="KEY[@VER]|FILE")
    show.add_argument("--json", action="store_true")
    diff = actions.add_parser("diff", help="rules added, removed and changed between two packs")
    diff.add_argument("old", metavar="A")
    diff.add_argument("new", metavar="B")
    test = actions.add_parser("test", help="dry run: what a pack finds in files, in warn and in strict mode")
    test.add_argument("pack", metavar="KEY[@VER]|FILE")
    test.add_argument("files", nargs="+")
    for sub in (show, diff, test):
        add_color(sub)


def _policy(pack: str) -> EffectivePolicy:
    import os

    from packwarden.packs.inputs import PolicyInputs
    from packwarden.packs.resolve import build_policy

    return build_policy(PolicyInputs(pack=pack, cwd=os.getcwd(), root=os.getcwd()))


def _list() -> int:
    from packwarden.packs import builtin
    from packwarden.packs.reader import read_pack

    for ref in builtin.builtin_refs():
        _, raw = builtin.read_builtin(ref)
        pack = read_pack(raw, ref)
        meta = pack.spec.meta
        extends = f" (extends {', '.join(pack.spec.extends)})" if pack.spec.extends else ""
        print(f"{ref:<28} {meta.status:<10} {len(pack.rules):>3} rules  {meta.description}{extends}")
    return 0


def _test(args: argparse.Namespace, color: bool) -> int:

    from packwarden.api import check
    from packwarden.enforce import decide
    from packwarden.report.text import render

    result = check(args.files, pack=args.pack)
    render(result, sys.stdout, color)
    for mode in ("warn", "block"):
        verdict = decide(result.findings, result.policy._replace(mode=mode))
        label = "strict" if mode == "block" else "warn"
        print(f"in {label} mode: exit {verdict.exit_code} ({len(verdict.blocking)} blocking)")
    return 0 if result.exit_code != 2 else 2


def run(args: argparse.Namespace) -> int:
    from packwarden.report.policy import diff_lines, effective_data, effective_lines
    from packwarden.report.styled import write_lines

    if args.action == "list":
        return _list()
    color = use_color(args.color, sys.stdout)
    if args.action == "show":
        policy = _policy(args.pack)
        if args.json:
            json.dump(effective_data(policy), sys.stdout, indent=2, ensure_ascii=False)
            sys.stdout.write("\n")
        else:
            write_lines(effective_lines(policy, explain=True), sys.stdout, color)
        return 0
    if args.action == "diff":
        write_lines(diff_lines(_policy(args.old), _policy(args.new)), sys.stdout, color)
        return 0
    return _test(args, color)
