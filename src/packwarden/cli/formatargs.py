"""The argparse side of ``--format``/``--output`` (``cli.outputs`` says what they mean).

Apart from ``cli.outputs`` so that the hook's path, which never parses these, does not import
argparse.
"""

from __future__ import annotations

import argparse

from packwarden.report import REPORTERS

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~3 ms)
if TYPE_CHECKING:
    from packwarden.cli.outputs import Output


class _FormatAction(argparse.Action):
    def __call__(
        self, parser: argparse.ArgumentParser, ns: argparse.Namespace, value: object, opt: object = None
    ) -> None:
        ns.outputs = [*(ns.outputs or ()), (str(value), None)]


class _OutputAction(argparse.Action):
    def __call__(
        self, parser: argparse.ArgumentParser, ns: argparse.Namespace, value: object, opt: object = None
    ) -> None:
        outputs: list[Output] = list(ns.outputs or ())
        if outputs and outputs[-1][1] is None:
            outputs[-1] = (outputs[-1][0], str(value))
        elif not outputs:
            outputs.append((None, str(value)))
        else:
            parser.error(
                f"--output {value}: each --output follows the --format it writes, and {outputs[-1][0]} has one"
            )
        ns.outputs = outputs


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format",
        dest="outputs",
        action=_FormatAction,
        choices=REPORTERS,
        metavar="{" + ",".join(REPORTERS) + "}",
        help="output format; repeat for several reports from one run (default: text, github in GitHub Actions)",
    )
    parser.add_argument(
        "--output",
        dest="outputs",
        action=_OutputAction,
        metavar="FILE",
        help="write the report of the --format before it to FILE (-: standard output)",
    )
    parser.add_argument(
        "--sarif-suppressed",
        choices=("keep", "omit"),
        default="keep",
        help="waived findings in SARIF: results with a suppression (keep) or left out (omit)",
    )
