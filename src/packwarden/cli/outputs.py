"""``--format`` and ``--output`` of ``packwarden check``: which reports one run writes, where.

Each ``--output FILE`` belongs to the ``--format`` before it (``-``: standard output); a format
without one writes to standard output. ``--format text --format sarif --output results.sarif``
prints text and writes SARIF to ``results.sarif`` from a single check. An ``--output`` before
any ``--format`` is for the default format. At most one report goes to standard output, and
no file gets two.

With no ``--format`` at all, the format is ``github`` when ``GITHUB_ACTIONS=true`` (a GitHub
Actions job), else ``text``.
"""

from __future__ import annotations

import os
import sys

from packwarden.model.errors import UsageError

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~3 ms)
if TYPE_CHECKING:
    import argparse
    from collections.abc import Sequence
    from types import SimpleNamespace

    from packwarden.api import CheckResult

STDOUT = "-"
Output = tuple["str | None", "str | None"]  # format (None: the default), file (None: standard output)


def default_format() -> str:
    return "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"


def planned(outputs: Sequence[Output] | None) -> list[tuple[str, str | None]]:
    """Each report as (format, file or None for standard output); a UsageError for two reports
    to standard output or to one file."""
    chosen = [
        (name or default_format(), None if path in (None, STDOUT) else path) for name, path in outputs or [(None, None)]
    ]
    if sum(path is None for _, path in chosen) > 1:
        raise UsageError("more than one --format writes to standard output; give the others an --output FILE")
    files = [os.path.abspath(path) for _, path in chosen if path is not None]
    if len(set(files)) != len(files):
        raise UsageError("two --format options write to the same --output file")
    return chosen


def write_reports(result: CheckResult, args: argparse.Namespace | SimpleNamespace, color: bool) -> None:
    from packwarden.report import get_reporter

    for name, path in planned(args.outputs):
        render = get_reporter(name)
        options = {"show_waived": args.show_waived, "omit_suppressed": args.sarif_suppressed == "omit"}
        if path is None:
            render(result, sys.stdout, color, **options)
            continue
        try:
            with open(path, "w", encoding="utf-8", newline="\n") as out:
                render(result, out, False, **options)
        except OSError as exc:
            raise UsageError(f"cannot write --output {path}: {exc.strerror}") from None
