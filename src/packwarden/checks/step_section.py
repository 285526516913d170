"""step_section: every step file of a unit must have a section.

What it does: reads the headings of each step file of the unit (``step_files``: globs below
the unit's folder, default ``[step-*.md, steps/*.md]``) and reports a file with no heading,
at any level, named ``step_section``. Names compare ignoring case and runs of spaces; a
heading that is nearly the name (``Rolback``) is reported where it stands, with the rename.
Headings inside code blocks or HTML comments do not count. ``step_files`` alone checks
nothing.

Why it matters: a step without its rollback or verification is a step nobody can undo or
confirm; reviewers look for those sections by name.

Example:
    rule:  {id: protocol.step-rollback, applies_to: protocol, step_section: Rollback}
    bad:   ## Sub-tasks
           ## Rolback
    good:  ## Sub-tasks
           ## Rollback
"""

from __future__ import annotations

from collections.abc import Iterator

from packwarden.checks.option import Option
from packwarden.checks.required_file import below, glob_problem
from packwarden.checks.target import Hit, UnitTarget
from packwarden.load.document import Heading
from packwarden.model.globs import compile_globs
from packwarden.model.rule import Rule

KEY = "step_section"
FILES = "step_files"
NEEDS_FIELD = False
SCOPE = "unit"
DEFAULT_FILES = ("step-*.md", "steps/*.md")
NEAR_MISS = 0.8  # difflib ratio from which a heading is taken for a misspelt section


def section_problem(value: object) -> str | None:
    return "a section name must not be empty" if not str(value).strip() else None


def files_problem(value: object) -> str | None:
    globs = value if isinstance(value, list) else [value]
    if not globs:
        return "step_files must name at least one glob"
    for glob in globs:
        problem = glob_problem(glob)
        if problem is not None:
            return f"step_files: {problem}"
    return None


OPTIONS = (
    Option(KEY, str, max_length=256, problem=section_problem),
    Option(FILES, list[str], problem=files_problem),
)


def normal(text: str) -> str:
    """A heading as names compare: case folded, runs of white space as one space, trimmed."""
    return " ".join(text.split()).casefold()


def near_miss(wanted: str, headings: tuple[Heading, ...]) -> Heading | None:
    """The heading most like ``wanted`` (normalised), if it is like enough."""
    import difflib  # only for a file that lacks the section: most have it

    best: Heading | None = None
    best_ratio = NEAR_MISS
    for heading in headings:
        ratio = difflib.SequenceMatcher(None, normal(heading.text), wanted).ratio()
        if ratio >= best_ratio and (best is None or ratio > best_ratio):
            best, best_ratio = heading, ratio
    return best


def check(rule: Rule, target: UnitTarget) -> Iterator[Hit]:
    section = rule.params.get(KEY)
    if not isinstance(section, str):  # step_files alone
        return
    files = rule.params.get(FILES)
    matcher = compile_globs(tuple(files) if isinstance(files, list) else DEFAULT_FILES)
    wanted = normal(section)
    section = " ".join(section.split())  # as messages show it
    for path, relative in below(target.root, target.members):
        document = target.members[path]
        if document is None or document.problems or not matcher.match(relative):
            continue
        if any(normal(heading.text) == wanted for heading in document.headings):
            continue
        close = near_miss(wanted, document.headings)
        if close is None:
            name = relative.rsplit("/", 1)[-1]
            yield Hit(f"{name} has no {section!r} section", 1, 1, field=section, path=path)
        else:
            marks = "#" * close.level
            message = f"heading {close.text!r} looks like the required section {section!r}"
            fix = f"rename '{marks} {close.text}' to '{marks} {section}'"
            yield Hit(message, close.line, close.column, section, close.text, f"heading {close.text!r}", path, fix)
