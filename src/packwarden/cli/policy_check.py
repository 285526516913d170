"""The ``policy-check`` console script: ``packwarden check`` with the hook's arguments.

pre-commit runs it with the names of the changed files after the ``args`` of the user's
config. A word that names an existing file is never read as an option (``protect_paths``).
When that command line is file names with ``--strict`` or ``--pack``, it is read by hand
(``hookargs``: argparse would be a tenth of a 10-file run); anything else is
``packwarden check`` through argparse.
"""

from __future__ import annotations

import sys


def main() -> int:
    from packwarden.cli.hookargs import AmbiguousPath, protect_paths, read_hook_arguments

    try:
        argv = protect_paths(sys.argv[1:])
    except AmbiguousPath as exc:
        print(
            f"policy-check: error: {exc} is both a file in the repository and an option of policy-check; "
            "rename the file (packwarden never guesses which was meant)",
            file=sys.stderr,
        )
        return 2
    request = read_hook_arguments(argv)
    if request is None:
        from packwarden.cli.main import main as full_command

        return full_command(["check", "--hook", *argv])
    from types import SimpleNamespace

    from packwarden.cli import check
    from packwarden.cli.errors import guarded
    from packwarden.cli.options import use_color

    paths, pack, strict = request
    args = SimpleNamespace(**{**check.DEFAULTS, "paths": paths, "pack": pack, "strict": strict, "hook": True})
    return guarded(lambda: check.run(args), ["check", *argv], use_color("auto", sys.stdout))
