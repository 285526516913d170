"""``packwarden packs list|show|diff|test|new|lint|verify``: for people who write and choose packs."""

from __future__ import annotations

import argparse
import os
import sys

from packwarden.cli.options import add_color, use_color
from packwarden.packs.inputs import DEFAULT_PACK

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~3 ms)
if TYPE_CHECKING:
    from packwarden.api import CheckResult
    from packwarden.model.policy import EffectivePolicy


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    actions.add_parser("list", help="built-in packs, with their rule counts (own rules and inherited ones)")
    show = actions.add_parser("show", help="one pack with everything it extends, and its warnings")
    show.add_argument("pack", metavar="KEY[@VER]|FILE")
    show.add_argument("--json", action="store_true")
    diff = actions.add_parser("diff", help="rules added, removed and changed between two packs")
    diff.add_argument("old", metavar="A")
    diff.add_argument("new", metavar="B")
    test = actions.add_parser(
        "test",
        help="what a pack alone finds in files (the repository's config is ignored), "
        "with the verdict in warn and in strict mode; exits as the pack's own mode decides",
    )
    test.add_argument("pack", metavar="KEY[@VER]|FILE")
    test.add_argument("files", nargs="+")
    for sub in (show, diff, test):
        add_color(sub)
    new = actions.add_parser("new", help="a new pack folder KEY@1.0 with pass and fail examples; never overwrites")
    new.add_argument("key", metavar="KEY")
    new.add_argument("--dir", default=".", help="the folder of packs to make it in (default: here)")
    new.add_argument("--extends", default=DEFAULT_PACK, metavar="REF", help=f"its parent (default: {DEFAULT_PACK})")
    lint = actions.add_parser(
        "lint",
        help="schema problems, duplicate and unreachable rules, patterns RE2 cannot take, every warning; "
        "exits 1 on problems, 2 when a path cannot be read",
    )
    lint.add_argument(
        "packs", nargs="+", metavar="PACK", help="a pack file, a pack folder or a folder of KEY@VER/ packs"
    )
    lint.add_argument("--json", action="store_true")
    verify = actions.add_parser(
        "verify", help="run every KEY@VER/ pack of DIR over its examples/pass and examples/fail; exits 1 on a failure"
    )
    verify.add_argument("dir", metavar="DIR")
    verify.add_argument("--json", action="store_true")


def _policy(pack: str, root: str | None = None) -> EffectivePolicy:
    """The pack with everything it extends, alone: no repository config applies."""
    import os

    from packwarden.packs.inputs import PolicyInputs
    from packwarden.packs.resolve import build_policy

    cwd = os.getcwd()
    return build_policy(PolicyInputs(pack=pack, cwd=cwd, root=root or cwd))


def _list() -> int:
    from packwarden.model.errors import PolicyError
    from packwarden.packs import builtin
    from packwarden.packs.reader import read_pack

    for ref in builtin.builtin_refs():
        _, raw = builtin.read_builtin(ref)
        pack = read_pack(raw, ref)
        meta = pack.spec.meta
        own = len(pack.rules)
        try:
            effective = str(len(_policy(ref).rules))
        except PolicyError:  # a disabled pack, or one whose chain is broken: nothing applies
            effective = "?"
        extends = f" (extends {', '.join(pack.spec.extends)})" if pack.spec.extends else ""
        counts = f"{effective:>3} rules ({own} own)"
        print(f"{ref:<28} {meta.status:<10} {counts:<20} {meta.description}{extends}")
    return 0


def _show(pack: str, as_json: bool, color: bool) -> int:
    from packwarden.report.policy import effective_data, effective_lines
    from packwarden.report.styled import write_lines
    from packwarden.report.text import finding_lines

    policy = _policy(pack)
    if as_json:
        from packwarden.report.json import dump, finding_data

        dump({**effective_data(policy), "warnings": [finding_data(f) for f in policy.warnings]}, sys.stdout)
        return 0
    lines = effective_lines(policy, explain=True)
    if policy.warnings:
        count = len(policy.warnings)
        lines.append([(f"warnings ({count}):", "bold")])
        for finding in sorted(policy.warnings, key=lambda f: f.sort_key):
            lines.extend(finding_lines(finding))
    write_lines(lines, sys.stdout, color)
    return 0


def _test_result(pack: str, files: list[str]) -> CheckResult:
    """Check ``files`` against ``pack`` alone, as ``packwarden check`` checks paths, without the
    repository's ``.packwarden/policy.yml`` and without the result cache."""
    import os

    from packwarden.api import check_against
    from packwarden.workspace import find_root

    return check_against(_policy(pack, find_root(os.path.realpath(os.getcwd()))[0]), files)


def _test(pack: str, files: list[str], color: bool) -> int:
    from packwarden.enforce import decide
    from packwarden.report.text import render

    result = _test_result(pack, files)
    render(result, sys.stdout, color)
    for mode in ("warn", "block"):
        verdict = decide(result.findings, result.policy._replace(mode=mode))
        label = "strict" if mode == "block" else "warn"
        print(f"in {label} mode: exit {verdict.exit_code} ({len(verdict.blocking)} blocking)")
    return result.exit_code


def _new(key: str, folder: str, parent: str) -> int:
    from packwarden.packs.scaffold import create

    made = create(folder, key, parent)
    for path in made:
        print(f"made {path}")
    pack_folder = os.path.dirname(made[0])
    print(f"next: packwarden packs lint {pack_folder} && packwarden packs verify {os.path.dirname(pack_folder) or '.'}")
    return 0


def _lint(paths: list[str], as_json: bool) -> int:
    from packwarden.packs.lint import lint

    report = lint(paths)
    if as_json:
        from packwarden.report.json import dump

        dump({"packs": list(report.packs), "problems": [p.to_dict() for p in report.problems]}, sys.stdout)
        return report.exit_code
    from packwarden.report.styled import undecodable_escaped

    for problem in report.problems:
        print(undecodable_escaped(problem.text()))
    count = len(report.problems)
    print(f"{len(report.packs)} pack(s) linted, {count} problem(s)", file=sys.stderr)
    return report.exit_code


def _verify(folder: str, as_json: bool) -> int:
    from packwarden.pack_examples import verify_folder

    report = verify_folder(folder)
    if as_json:
        from packwarden.report.json import dump

        dump(report.to_dict(), sys.stdout)
        return report.exit_code
    from packwarden.report.styled import undecodable_escaped

    for problem in report.problems:
        print(undecodable_escaped(f"FAIL {problem.text()}"))
    for verdict in report.packs:
        if verdict.skipped:
            print(f"skip {verdict.ref}: {verdict.skipped}")
        elif not verdict.failures:
            print(f"ok   {verdict.ref}: {', '.join(f'examples/{tree}' for tree in verdict.trees)}")
        for failure in verdict.failures:
            print(undecodable_escaped(f"FAIL {failure.text()}"))
    failed = sum(1 for verdict in report.packs if verdict.failures)
    print(f"{len(report.packs)} pack(s), {failed} failed", file=sys.stderr)
    return report.exit_code


def run(args: argparse.Namespace) -> int:
    from packwarden.report.policy import diff_lines
    from packwarden.report.styled import write_lines

    if args.action == "list":
        return _list()
    if args.action == "new":
        return _new(args.key, args.dir, args.extends)
    if args.action == "lint":
        return _lint(args.packs, args.json)
    if args.action == "verify":
        return _verify(args.dir, args.json)
    color = use_color(args.color, sys.stdout)
    if args.action == "show":
        return _show(args.pack, args.json, color)
    if args.action == "diff":
        write_lines(diff_lines(_policy(args.old), _policy(args.new)), sys.stdout, color)
        return 0
    return _test(args.pack, args.files, color)
