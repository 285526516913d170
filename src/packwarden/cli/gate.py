"""``packwarden gate``, the ``policy-commit-msg`` hook: the final gate on what the commit contains.

The gate re-evaluates the staged files and blocks the commit when they have blocking findings.
Right after ``policy-check`` it answers from the gate memo (``cache.gate``) with two git calls
and no checking; otherwise it checks the staged files (``packwarden check --staged``) and
prints what blocks.

``main`` is the hook's entry (``python -c`` in ``.pre-commit-hooks.yaml``): a console script
written by pip imports ``re``, and argparse costs more than the rest of a memo answer, so the
hook's own arguments are read by hand (``hookargs``) and anything else goes to the full
command line.
"""

# No ``from __future__ import annotations``: the commit-msg gate imports this module, and
# __future__ costs it ~0.8 M instructions (docs/performance.md); annotations are quoted instead.

import os
import sys

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~3 ms)
if TYPE_CHECKING:
    import argparse

    from packwarden.message_check import CommitMessage
    from packwarden.model.finding import Finding


def add_arguments(parser: "argparse.ArgumentParser") -> None:
    from packwarden.cli.options import add_color, add_pack

    parser.add_argument(
        "message_file",
        nargs="?",
        metavar="MESSAGE_FILE",
        help="the commit message file git gives commit-msg hooks (read, capped; missing or unreadable: an error)",
    )
    parser.add_argument("--strict", action="store_true", help="strict mode: error findings block")
    parser.add_argument("--no-cache", action="store_true", help="check the staged files again; use and fill no cache")
    add_pack(parser)
    add_color(parser)


_memo_asked = False  # set by ``main`` once it has asked the memo, so ``run`` need not ask again


MAX_MESSAGE_BYTES = 1_048_576


def read_message(path: str) -> str:
    """The commit message git wrote for this commit, read as every untrusted file is (capped,
    never a FIFO or a device); UsageError when it cannot be read. Policy trailers will read it."""
    from packwarden.load.document import Problem
    from packwarden.load.files import read_capped
    from packwarden.model.errors import UsageError

    raw = read_capped(path, MAX_MESSAGE_BYTES)
    if raw is None:
        raise UsageError(f"{path}: no such file (the commit message file)")
    if isinstance(raw, Problem):
        raise UsageError(f"{path}: {raw.message} (the commit message file)")
    return raw.decode("utf-8", "replace")


def run(args: "argparse.Namespace") -> int:
    args.message = None if args.message_file is None else read_message(args.message_file)
    if not args.no_cache and not _memo_asked and passes_from_memo(args.pack, args.strict):
        return 0
    from packwarden.api import check
    from packwarden.cli.options import use_color
    from packwarden.enforce import EXIT_INPUT_ERROR, is_input_error
    from packwarden.report.text import render_findings

    message = None if args.message is None else _commit_message(args.message_file, args.message)
    result = check(staged=True, strict=args.strict, pack=args.pack, use_cache=not args.no_cache, message=message)
    mode = "strict" if result.policy.mode == "block" else "warn"
    if result.exit_code == EXIT_INPUT_ERROR:
        shown = tuple(finding for finding in result.findings if is_input_error(finding))
        verdict = "the policy itself is broken; commit blocked"
    else:
        shown = result.verdict.blocking
        verdict = f"commit blocked by {len(shown)} finding(s) in the staged files ({mode} mode)"
        if shown:  # why a finding a waiver once covered is back: the waiver's own finding says
            own = [finding for finding in result.findings if _own(finding) and finding not in shown]
            shown = tuple(sorted((*shown, *own), key=lambda finding: finding.sort_key))
    render_findings(shown, sys.stdout, use_color(args.color, sys.stdout))
    if result.exit_code != 0:
        print(f"packwarden gate: {verdict}")
        if args.message_file is not None and args.message:
            # git keeps the message of a commit a hook stopped; say how to use it again
            again = f"git commit -e -F {args.message_file}"
            print(f"packwarden gate: your message is kept; to commit with it again: {again}")
    elif result.policy.provenance and args.message_file is not None:
        from packwarden.cli.provenance import record_provenance

        record_provenance(args.message_file, result)
    return result.exit_code


def _commit_message(path: str, text: str) -> "CommitMessage":
    """The message with the settings git reads it by (one ``git config`` call), and whether git
    ran an editor (it gives the hook ``GIT_EDITOR=:`` when it did not)."""
    from packwarden.git import run_git
    from packwarden.message_check import CommitMessage

    settings: dict[str, str] = {}
    try:
        listed = run_git(
            ["config", "-z", "--get-regexp", r"^(core\.commentchar|commit\.cleanup|trailer\.separators)$"], "."
        )
        for item in listed.decode("utf-8", "replace").split("\0"):
            key, _, value = item.partition("\n")
            if key:
                settings[key.lower()] = value
    except Exception:  # noqa: BLE001 - none set (git exits 1), or no git: git's defaults
        pass
    return CommitMessage(
        path,
        text,
        comment_char=settings.get("core.commentchar", "#"),
        cleanup=settings.get("commit.cleanup", "default"),
        editor=os.environ.get("GIT_EDITOR") != ":",
        separators=settings.get("trailer.separators", ":"),
    )


def _own(finding: "Finding") -> bool:
    """A finding of packwarden's waiver rules that says why a waiver does not hold."""
    from packwarden.model import builtin_rules as R

    return R.of(finding) in (R.WAIVER_EXPIRED, R.WAIVER_INVALID, R.WAIVER_REFUSED)


def passes_from_memo(pack: "str | None", strict: bool) -> bool:
    """Whether the gate memo's raw findings pass, decided by ``model.decision`` as ``check``'s
    ``enforce`` decides, each with what ``enforce`` found about the waivers the memo was written
    under (a memo that blocks is checked in full, which prints what blocks). Only
    from a work tree's top, where git and pre-commit run hooks; anywhere else the full check
    decides."""
    if not os.path.exists(".git"):
        return False
    from packwarden.cache.gate import recall

    root = os.path.realpath(".")
    found = recall(root, pack, strict)
    if found is None and strict:
        # ``--strict`` only makes the mode ``block``: what a check without it found decides the same
        found = recall(root, pack, False)
        found = None if found is None else ("block", found[1], found[2], found[3])
    if found is None:
        return False
    from packwarden.model.decision import EXIT_CLEAN, exit_code

    mode, fail_on, raw, _ = found
    decided = [(severity, input_rule, waived) for severity, input_rule, _, waived, _ in raw]
    return exit_code(decided, mode, fail_on) == EXIT_CLEAN


def main() -> int:
    """The hook: a passing answer from the memo, or the full ``packwarden gate``."""
    global _memo_asked  # noqa: PLW0603 - one flag for this process's one run
    from packwarden.cli.hookargs import read_hook_arguments

    argv = sys.argv[1:]
    request = read_hook_arguments(argv)
    try:
        # at most the message file, and one that can be read: the full command says why not
        if request is not None and len(request[0]) <= 1 and all(os.path.isfile(p) for p in request[0]):
            _memo_asked = True
            if passes_from_memo(request[1], request[2]):
                return 0
    except Exception:  # noqa: BLE001  # pragma: no cover - defensive: answer() already returns None on bad data
        pass  # the full command below decides, and reports any error
    from packwarden.cli.main import main as full_command

    return full_command(["gate", *argv])
