"""``packwarden clarify``: answer the policy's questions in ``.packwarden/answers.yml``.

packwarden clarify                  ask every open question on a terminal
packwarden clarify KEY              ask that one on a terminal
packwarden clarify KEY VALUE        answer it without asking (scripts, CI, no terminal)
packwarden clarify --list [--json]  every question with its state
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from packwarden.cli.options import add_color, add_pack, use_color
from packwarden.model.errors import UsageError

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~3 ms)
if TYPE_CHECKING:
    from rich.console import Console

    from packwarden.model.policy import EffectivePolicy

NO_TTY = (
    "clarify asks on a terminal, and this is none; answer each question with "
    "`packwarden clarify KEY VALUE` (`packwarden clarify --list` shows them)"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("key", nargs="?", help="a question's key; alone, ask that question on a terminal")
    parser.add_argument("value", nargs="?", help="the answer to write: one of the question's options")
    parser.add_argument("--list", action="store_true", help="show every question with its state; write nothing")
    parser.add_argument("--json", action="store_true", help="with --list: machine-readable output")
    add_pack(parser)
    add_color(parser)


def run(args: argparse.Namespace) -> int:
    from packwarden.api import resolve
    from packwarden.workspace import find_root

    if args.json and not args.list:
        raise UsageError("--json goes with --list")
    if args.list and args.key is not None:
        raise UsageError("--list shows every question; leave out KEY and VALUE")
    root, _ = find_root(os.getcwd())
    policy = resolve(pack=args.pack)
    state = _survey(root, policy)
    if args.list:
        return _list(state, args)
    questions = {str(q["key"]): q for q in state["questions"]}
    if args.key is not None and args.key not in questions:
        raise UsageError(_unknown(args.key, list(questions)))
    if args.value is not None:
        return _set(root, questions[args.key], args.value)
    wanted = (
        [questions[args.key]] if args.key is not None else [q for q in questions.values() if q["state"] != "answered"]
    )
    if not wanted:
        print("every question of the policy is answered" if questions else "the policy asks no questions")
        return 0
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        keys = ", ".join(str(q["key"]) for q in wanted)
        print(f"packwarden: {NO_TTY}; open: {keys}", file=sys.stderr)
        return 2
    return _ask(root, wanted, use_color(args.color, sys.stdout))


def _survey(root: str, policy: EffectivePolicy) -> dict[str, list[dict[str, object]]]:
    """The questions' states, from the answers file as a check reads it in the working tree."""
    from packwarden.packs.answers import read_file, survey
    from packwarden.packs.files import PackFiles

    return survey(policy, read_file(PackFiles(root)))


def _unknown(key: str, known: list[str]) -> str:
    import difflib

    close = difflib.get_close_matches(key, known, n=1)
    hint = f"; did you mean {close[0]}?" if close else f"; the questions are: {', '.join(known) or 'none'}"
    return f"no question {key!r} in the effective policy{hint}"


def _set(root: str, question: dict[str, object], value: str) -> int:
    from packwarden.packs.answers_file import set_answer

    key, options = str(question["key"]), [str(option) for option in question["options"]]  # type: ignore[attr-defined]
    if value not in options:
        raise UsageError(f"{value!r} is not an answer to {key}; its options are: {', '.join(options)}")
    if question["state"] == "answered" and question["value"] == value:
        print(f"{key} is already answered {value}; nothing written")
        return 0
    written = set_answer(root, key, value)
    print(f"wrote {written}: {key}: {value}")
    return 0


def _list(state: dict[str, list[dict[str, object]]], args: argparse.Namespace) -> int:
    if args.json:
        json.dump(state, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
        return 0
    from packwarden.report.styled import Line, safe, write_lines

    lines: list[Line] = []
    styles = {"answered": "green", "unanswered": "yellow", "invalid": "red"}
    for question in state["questions"]:
        shown = str(question["state"])
        if question["state"] != "unanswered":
            shown += f": {question['value']}"
        blocking = ", blocking" if question["blocking"] else ""
        lines.append(
            [
                (f"{question['key']}", "bold"),
                (f"  ({question['applies_to']}{blocking})  ", "dim"),
                (safe(shown), styles[str(question["state"])]),
            ]
        )
        options = ", ".join(str(option) for option in question["options"])  # type: ignore[attr-defined]
        lines.append(
            [
                (f"    {safe(str(question['question']))} [{safe(options)}; recommended: ", ""),
                (safe(str(question["recommended"])), "green"),
                ("]", ""),
            ]
        )
    for answer in state["unknown"]:
        lines.append([(f"{answer['key']}", "bold"), ("  answer to no question of the policy", "red")])
    for problem in state["problems"]:
        where = f".packwarden/answers.yml:{problem['line']}:{problem['column']}: "
        lines.append([(where, "bold"), (safe(str(problem["message"])), "red")])
    if not lines:
        lines.append([("the policy asks no questions", "dim")])
    write_lines(lines, sys.stdout, use_color(args.color, sys.stdout))
    return 0


def _ask(root: str, wanted: list[dict[str, object]], color: bool) -> int:
    from rich.console import Console
    from rich.markup import escape

    from packwarden.packs.answers_file import set_answer

    console = Console(file=sys.stdout, no_color=not color, highlight=False)
    answered = 0
    for question in wanted:
        key = str(question["key"])
        blocking = ", blocking" if question["blocking"] else ""
        console.print(f"[bold]{escape(key)}[/bold] [dim]({question['applies_to']}{blocking})[/dim]")
        value = _prompt(console, question)
        if value is None:
            console.print(f"stopped; {answered} answer(s) written")
            return 2
        if question["state"] == "answered" and question["value"] == value:
            console.print(f"{escape(key)} is already answered {escape(value)}; nothing written")
            continue
        written = set_answer(root, key, value)
        answered += 1
        console.print(f"wrote {written}: {escape(key)}: {escape(value)}")
    if answered:
        console.print("commit .packwarden/answers.yml so that the answers are reviewed with the code")
    return 0


def _prompt(console: Console, question: dict[str, object]) -> str | None:
    """The answer chosen, the recommended one offered first and taken on Enter; None on end
    of input."""
    from rich.markup import escape
    from rich.prompt import Prompt

    recommended = str(question["recommended"])
    options = [str(option) for option in question["options"]]  # type: ignore[attr-defined]
    choices = [recommended, *(option for option in options if option != recommended)]
    try:
        return Prompt.ask(
            f"  {escape(str(question['question']))}", choices=choices, default=recommended, console=console
        )
    except EOFError:
        return None
