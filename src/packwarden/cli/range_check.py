"""``packwarden check --from-ref A --to-ref B``: range mode, as CI and pre-push run it.

Asked for by the two options, or, when neither is given, by ``PRE_COMMIT_FROM_REF`` and
``PRE_COMMIT_TO_REF`` (pre-commit sets both for pre-push hooks and ``run --from-ref/--to-ref``):
then the file names pre-commit passes are the range's changes, which range mode finds itself.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~3 ms)
if TYPE_CHECKING:
    import argparse
    from types import SimpleNamespace


def range_requested(args: argparse.Namespace | SimpleNamespace) -> tuple[str | None, str] | None:
    """(from, to) when this run is a range's, else None; a UsageError for half a range."""
    from packwarden.model.errors import UsageError

    start, end = getattr(args, "from_ref", None), getattr(args, "to_ref", None)
    if start is None and end is None:
        from packwarden.ranges import refs_from_environment

        return refs_from_environment()
    if end is None:
        raise UsageError("--from-ref needs --to-ref: the commit whose content is checked")
    if start is None and not args.all_files:
        raise UsageError("--to-ref needs --from-ref (or --all-files: every unit at that commit)")
    if args.paths or args.staged:
        raise UsageError("range mode reads the commits: give no paths and no --staged with --from-ref/--to-ref")
    return start, end


def run_range(args: argparse.Namespace | SimpleNamespace, start: str | None, end: str) -> int:
    from packwarden.cli.options import use_color
    from packwarden.cli.outputs import planned, write_reports
    from packwarden.ranges import check_range

    reports = planned(args.outputs)  # a usage error before the check, not after it

    done = check_range(
        start,
        end,
        all_files=args.all_files,
        strict=args.strict,
        pack=args.pack,
        use_cache=not args.no_cache,
        jobs=args.jobs,
    )
    result = done.result
    write_reports(result, args, use_color(args.color, sys.stdout))
    # where each blocking finding came from: the commit a reviewer (or a trailer) answers for
    on_stdout = next(name for name, path in reports if path is None) if any(p is None for _, p in reports) else None
    said = sys.stdout if on_stdout == "text" else sys.stderr
    for path in dict.fromkeys(finding.path for finding in result.verdict.blocking):
        sha = done.changed_by.get(path)
        if sha is not None:
            print(f"{path}: last changed by commit {sha[:12]} ({done.subjects.get(sha, '')})", file=said)
    return result.exit_code
