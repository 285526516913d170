"""The environment and flags of packwarden's own git calls.

A git hook inherits the user's environment, and git reads much of its behaviour from it:
``GIT_LITERAL_PATHSPECS=1`` makes the gate's ``:(glob)`` pathspecs match nothing, an external
diff driver or colour would change what ``git diff`` prints. packwarden's calls drop every such
variable and pin the options that shape their output, so what git answers depends only on the
repository. Variables that say *which* repository, index and objects to use (``GIT_DIR``,
``GIT_WORK_TREE``, ``GIT_INDEX_FILE`` of ``git commit -a``, ...) are kept: git sets them for
its hooks, and honouring them is what makes the gate see what will be committed.
"""

# No ``from __future__ import annotations``: the commit-msg gate imports this module.

import os

# Where the repository, its index and its objects are: kept as git gave them.
KEPT = frozenset(
    {
        "GIT_DIR",
        "GIT_WORK_TREE",
        "GIT_INDEX_FILE",
        "GIT_COMMON_DIR",
        "GIT_OBJECT_DIRECTORY",
        "GIT_ALTERNATE_OBJECT_DIRECTORIES",
        "GIT_CEILING_DIRECTORIES",
        "GIT_DISCOVERY_ACROSS_FILESYSTEM",
        "GIT_QUARANTINE_PATH",
        # which config files git reads: the user's own choice, and tests isolate with them
        "GIT_CONFIG_GLOBAL",
        "GIT_CONFIG_NOSYSTEM",
        "GIT_CONFIG_SYSTEM",
    }
)

# Options that pin what packwarden's git calls print, whatever the user's config says (diff
# calls add --no-ext-diff, --no-textconv, --no-color and --no-renames themselves).
OPTIONS = ("--no-pager", "-c", "core.quotePath=false", "-c", "color.ui=never")

# ``git diff --cached`` as packwarden reads it: raw, NUL-separated, full ids, no renames, no
# external or text-converting drivers.
DIFF_CACHED = (
    "diff",
    "--cached",
    "--raw",
    "-z",
    "--no-abbrev",
    "--no-renames",
    "--no-ext-diff",
    "--no-textconv",
    "--no-color",
    "--diff-filter=ACMTD",  # deletions too: a deleted plan.md changes its protocol run
)


def git_environment() -> "dict[str, str]":
    """This process's environment without the GIT_* variables that change git's answers."""
    environment = {name: value for name, value in os.environ.items() if not name.startswith("GIT_") or name in KEPT}
    environment["GIT_OPTIONAL_LOCKS"] = "0"  # a read never rewrites the user's index
    environment["GIT_TERMINAL_PROMPT"] = "0"
    environment["LC_ALL"] = "C"  # messages and sorting that do not depend on the locale
    return environment
