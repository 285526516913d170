"""``packwarden`` and its subcommands: one module per command, in one explicit table."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from packwarden.cli.errors import guarded
from packwarden.cli.options import help_formatter, use_color

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~3 ms)
if TYPE_CHECKING:
    from typing import Protocol

    class Command(Protocol):
        def add_arguments(self, parser: argparse.ArgumentParser) -> None: ...
        def run(self, args: argparse.Namespace) -> int: ...


COMMANDS = {
    "check": ("packwarden.cli.check", "check files against the effective policy"),
    "gate": ("packwarden.cli.gate", "the commit-msg gate: block a commit whose staged files have blocking findings"),
    "commits": ("packwarden.cli.commits", "check every commit message of a range FROM..TO against the message rules"),
    "packs": ("packwarden.cli.packs", "list, show, compare and try policy packs"),
    "effective": ("packwarden.cli.effective", "show the effective policy and where each value came from"),
    "explain": ("packwarden.cli.explain", "explain a rule: what it checks, why, bad and good examples"),
    "capabilities": ("packwarden.cli.capabilities", "the capability registry: each risk, and the manifests using it"),
    "plugin": ("packwarden.cli.plugin", "a plugin's generated files, its static checks, its sandboxed smoke run"),
    "inspect": ("packwarden.cli.inspect", "show what packwarden reads from a file, with every value's location"),
    "pull": (
        "packwarden.cli.pull",
        "fetch the central packs the config names, verify them, write .packwarden/lock.yml",
    ),
    "install-hooks": (
        "packwarden.cli.install_hooks",
        "write plain git hooks (pre-commit, commit-msg) that run packwarden",
    ),
    "uninstall-hooks": ("packwarden.cli.install_hooks", "remove the git hooks that install-hooks wrote, and no other"),
    "clarify": ("packwarden.cli.clarify", "answer the policy's questions in .packwarden/answers.yml"),
    "waivers": ("packwarden.cli.waivers", "list the waivers: owner, expiry, state, and the findings each covers"),
    "cache": ("packwarden.cli.cache", "show or clear packwarden's caches (compiled policies, results, central packs)"),
}


def _command(name: str) -> Command:
    module: Command = importlib.import_module(COMMANDS[name][0])
    return module


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser of one command (``only``), or of every command's name and summary alone.

    Each command costs a sub-parser and an import of its module; a run uses one command, so it
    pays for one. Without a command (``--version``, ``--help``, a mistyped name) no command
    module is imported.
    """
    from packwarden import __version__

    parser = argparse.ArgumentParser(
        prog="packwarden", description="Policy gate for AI-agent skills and agents.", formatter_class=help_formatter
    )
    parser.add_argument("--version", action="version", version=f"packwarden {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (_, summary) in COMMANDS.items():
        if only is None or name == only:
            sub = commands.add_parser(name, help=summary, description=summary, formatter_class=help_formatter)
            if name == only:
                _command(name).add_arguments(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    return guarded(lambda: _parse_and_run(arguments), arguments, use_color("auto", sys.stdout))


def _parse_and_run(arguments: list[str]) -> int:
    try:
        chosen = next((word for word in arguments if not word.startswith("-")), None)
        parser = build_parser(chosen if chosen in COMMANDS else None)
        args, unknown = parser.parse_known_args(arguments)
        if unknown:
            # argparse leaves these to the top-level parser, which would print its own usage
            _chosen_parser(parser, args).error(f"unrecognized arguments: {' '.join(unknown)}")
    except SystemExit as exit_:
        return 0 if exit_.code in (0, None) else 2
    return _command(args.command).run(args)


def _chosen_parser(parser: argparse.ArgumentParser, args: argparse.Namespace) -> argparse.ArgumentParser:
    """The innermost sub-parser that ``args`` went through (``packwarden packs show``)."""
    for action in parser._actions:  # argparse offers no public way to a parser's sub-parsers
        if isinstance(action, argparse._SubParsersAction):
            chosen = action.choices.get(getattr(args, action.dest, None) or "")
            if chosen is not None:
                return _chosen_parser(chosen, args)
    return parser
