"""``packwarden install-hooks`` / ``uninstall-hooks``: plain git hooks, for repositories that do
not use the pre-commit framework. Never touches a hook packwarden did not write."""

from __future__ import annotations

import argparse
import os
import sys


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--hook",
        action="append",
        choices=("pre-commit", "commit-msg"),
        help="which hook (default: both); may be given twice",
    )


def run(args: argparse.Namespace) -> int:
    from packwarden.hookfiles import hook_files, script, write_hook
    from packwarden.model.errors import UsageError
    from packwarden.workspace import find_root

    root, in_git = find_root(os.getcwd())
    if not in_git:
        raise UsageError("not inside a git work tree: there are no git hooks to install")
    wanted = set(args.hook or ("pre-commit", "commit-msg"))
    refused = 0
    for hook in hook_files(root):
        if hook.name not in wanted:
            continue
        if args.command == "uninstall-hooks":
            if hook.state == "ours":
                os.unlink(hook.path)
                print(f"removed {hook.path}")
            elif hook.state != "absent":
                print(f"left {hook.path}: packwarden did not write it")
            continue
        if hook.state in ("framework", "foreign"):
            who = "pre-commit's" if hook.state == "framework" else "another tool's or yours"
            print(f"not overwritten: {hook.path} is {who}; remove it first, or add packwarden to it", file=sys.stderr)
            refused += 1
            continue
        write_hook(hook.path, script(hook.name, sys.executable))
        print(f"{'replaced' if hook.state == 'ours' else 'wrote'} {hook.path}")
    return 2 if refused else 0
