"""The arguments pre-commit gives packwarden's hooks, read without argparse.

argparse, the message catalogue it looks up and ``locale`` cost ~24 M instructions (~4 ms) to
import and run: a tenth of a 10-file ``policy-check`` run, and more than the commit-msg gate's
whole budget. A hook's command line is file names (or the message file) after the ``args`` of
the user's config, and those are nearly always ``--strict`` or ``--pack``. That shape is read
here; anything else (``--help``, ``--format``, a mistake) returns None and goes to argparse,
which gives the full behaviour and the usual error messages.
"""

# No ``from __future__ import annotations``: the commit-msg gate imports this module, and
# __future__ costs it ~0.8 M instructions (docs/performance.md); annotations are quoted instead.

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~3 ms)
if TYPE_CHECKING:
    from collections.abc import Sequence

HookArguments = tuple[list[str], "str | None", bool]  # positional arguments, --pack, --strict


def read_hook_arguments(argv: "Sequence[str]") -> "HookArguments | None":
    """Positional arguments, ``--pack`` and ``--strict``; None for anything else."""
    positional: list[str] = []
    pack: str | None = None
    strict = False
    words = iter(argv)
    for word in words:
        if word == "--strict":
            strict = True
        elif word == "--pack":
            pack = next(words, None)
            if pack is None:
                return None
        elif word.startswith("--pack="):
            pack = word.partition("=")[2]
        elif word.startswith("-"):
            return None
        else:
            positional.append(word)
    return positional, pack, strict


# Every spelling ``packwarden check`` reads as an option (a test holds these equal to argparse's).
CHECK_FLAGS = ("--all-files", "--staged", "--strict", "--no-cache", "-h", "--help")
CHECK_VALUED = ("--pack", "--format", "--output", "--sarif-suppressed", "--jobs", "--color")


def is_check_option(word: str) -> bool:
    return word in CHECK_FLAGS or word in CHECK_VALUED or word.startswith(tuple(f"{o}=" for o in CHECK_VALUED))


class AmbiguousPath(Exception):
    """A word that is both an option and the name of a file in the repository."""


def protect_paths(argv: "Sequence[str]") -> list[str]:
    """``argv`` with every word that names an existing file marked as a path (``./`` before it).

    pre-commit puts the names of the changed files after the hook's ``args``, with nothing
    between them, so a file named ``--pack=evil/skill.yaml`` would read as an option. A word
    that names a path is a path; one that is also one of packwarden's own options is refused
    (AmbiguousPath), because either reading could be what was meant and a gate must not guess.
    """
    import os
    import stat

    protected: list[str] = []
    for word in argv:
        try:
            is_file = not stat.S_ISDIR(os.lstat(word).st_mode) if word.startswith("-") else False
        except OSError:  # names nothing: an option, or a mistake argparse reports
            is_file = False
        if is_file:  # pre-commit passes files and links, never folders
            if is_check_option(word):
                raise AmbiguousPath(word)
            word = "./" + word
        protected.append(word)
    return protected
