"""required_file: a unit must hold a file.

What it does: looks for a member file of the unit (a protocol run's folder) whose path below
the unit's folder matches the name or glob (``plan.md``, ``outputs/*.json``; ``*`` stays
within one folder, ``**`` crosses folders). With no such file, reports the unit once, at its
folder.

Why it matters: a run without its plan, context or log cannot be reviewed or resumed; the
files the process promises are what the next person reads first.

Example:
    rule:  {id: protocol.plan-required, applies_to: protocol, required_file: plan.md}
    bad:   .protocols/run1/context.md
    good:  .protocols/run1/context.md
           .protocols/run1/plan.md
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from packwarden.checks.option import Option
from packwarden.checks.target import Hit, UnitTarget
from packwarden.model.globs import compile_globs
from packwarden.model.rule import Rule

KEY = "required_file"
NEEDS_FIELD = False
SCOPE = "unit"
MAX_GLOB = 512
NOUNS = {"protocol": "run"}  # what a message calls a unit of this kind; else the kind itself


def glob_problem(value: object) -> str | None:
    """Why ``value`` is no usable glob relative to a unit's folder; None when it is one."""
    glob = str(value)
    if not glob.strip():
        return "a file name or glob must not be empty"
    if glob.startswith(("/", "\\")) or (glob[:1].isalpha() and glob[1:2] == ":" and glob[2:3] in ("", "/", "\\")):
        return f"{glob!r} is absolute; write it relative to the unit's folder"
    segments = glob.rstrip("/").replace("\\", "/").split("/")
    if ".." in segments:
        return f"{glob!r} leaves the unit's folder ('..'); name a file inside it"
    if "" in segments or "." in segments:
        # member paths are normalised: `./plan.md` or `a//b` could never match one
        return f"{glob!r} has an empty or '.' segment; write it as a plain relative path"
    return None


def file_problem(value: object) -> str | None:
    problem = glob_problem(value)
    return None if problem is None else f"{KEY}: {problem}"


OPTIONS = (Option(KEY, str, max_length=MAX_GLOB, problem=file_problem),)


def below(root: str, paths: Iterable[str]) -> Iterator[tuple[str, str]]:
    """Each path under the folder ``root`` with its path relative to it."""
    prefix = root.rstrip("/") + "/"
    for path in paths:
        if path.startswith(prefix):
            yield path, path[len(prefix) :]


def check(rule: Rule, target: UnitTarget) -> Iterator[Hit]:
    glob = str(rule.params[KEY])
    matcher = compile_globs((glob,))
    if any(matcher.match(relative) for _, relative in below(target.root, target.members)):
        return
    noun = NOUNS.get(target.kind, target.kind)
    yield Hit(f"{noun} {target.root} has no {glob}", 1, 1, field=glob, path=target.root)
