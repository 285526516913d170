"""``packwarden check``: the hook's command."""

from __future__ import annotations

import sys

from packwarden.cli.options import add_color, add_pack, use_color

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~3 ms)
if TYPE_CHECKING:
    import argparse
    from types import SimpleNamespace

    from packwarden.api import CheckResult

# What every option below defaults to: the hook's entry (``cli.policy_check``) builds its
# arguments from these without argparse, and a test holds them equal to argparse's.
DEFAULTS = {
    "paths": [],
    "all_files": False,
    "staged": False,
    "strict": False,
    "pack": None,
    "outputs": None,
    "sarif_suppressed": "keep",
    "no_cache": False,
    "jobs": None,
    "color": "auto",
    "hook": False,
    "show_waived": False,
    "from_ref": None,
    "to_ref": None,
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from packwarden.cli import formatargs

    parser.add_argument("paths", nargs="*", help="files or directories (default: every file)")
    scope = parser.add_mutually_exclusive_group()
    scope.add_argument("--all-files", action="store_true", help="check every file in the repository")
    parser.add_argument(
        "--staged", action="store_true", help="check what is staged in the git index, not the working tree"
    )
    parser.add_argument("--strict", action="store_true", help="strict mode: error findings block")
    add_pack(parser)
    formatargs.add_arguments(parser)
    parser.add_argument("--no-cache", action="store_true", help="check every file again; do not use or fill the cache")
    parser.add_argument("--jobs", type=int, metavar="N", help="worker processes for large runs (default: usable cores)")
    parser.add_argument(
        "--show-waived", action="store_true", help="list the findings a waiver covers too, each with its waiver"
    )
    parser.add_argument(
        "--from-ref", metavar="REF", help="range mode: check what changed after this commit (with --to-ref)"
    )
    parser.add_argument(
        "--to-ref", metavar="REF", help="range mode: check the changed units as this commit holds them, read from git"
    )
    add_color(parser)
    parser.add_argument("--hook", action="store_true", help="==SUPPRESS==")  # argparse.SUPPRESS: policy-check's


def run(args: argparse.Namespace | SimpleNamespace) -> int:
    from packwarden.cli.range_check import range_requested, run_range

    refs = range_requested(args)
    if refs is not None:
        return run_range(args, *refs)
    from packwarden.api import check
    from packwarden.cli.outputs import planned, write_reports

    planned(args.outputs)  # a usage error before the check, not after it
    result = check(
        args.paths,
        all_files=args.all_files,
        staged=args.staged,
        strict=args.strict,
        pack=args.pack,
        use_cache=not args.no_cache,
        jobs=args.jobs,
    )
    write_reports(result, args, use_color(args.color, sys.stdout))
    if args.hook and _left_to_the_gate(result):
        print(
            f"policy-check: {len(result.verdict.blocking)} error finding(s) left to the commit-msg gate, which blocks "
            "them unless the commit message acknowledges each with a `Policy-Waiver: <rule-id> <reason>` trailer"
        )
        return 0
    return result.exit_code


def _left_to_the_gate(result: CheckResult) -> bool:
    """In strict mode the hook blocks ``block`` findings itself and leaves ``error`` ones to the
    commit-msg gate, where a trailer can acknowledge them, when that gate will run; without it
    the hook blocks them (otherwise a trailer could never be used, nor anything block them)."""
    import os

    from packwarden.enforce import EXIT_BLOCKED
    from packwarden.model.finding import Severity

    if result.exit_code != EXIT_BLOCKED or result.policy.mode != "block":
        return False
    if any(finding.severity is not Severity.ERROR for finding in result.verdict.blocking):
        return False
    from packwarden.hookfiles import gate_installed
    from packwarden.workspace import find_root

    root, in_git = find_root(os.getcwd())
    return in_git and gate_installed(root)
