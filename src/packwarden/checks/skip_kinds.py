"""skip_kinds: the rule does not apply to documents of these kinds (commit messages).

What it does: nothing by itself. A rule with ``skip_kinds`` is not run on a document whose
top-level ``kind`` is one of the list; the engine leaves it out before any check runs. A
commit document's ``kind`` is ``normal``, ``merge``, ``revert``, ``fixup``, ``squash`` or
``amend`` (``load.message``), so a commit-message rule can leave out what git or a tool wrote.
The rules ``requirements.commit_message`` compiles into carry the section's ``skip`` list.

Why it matters: ``Merge branch 'main'``, ``Revert "..."`` and ``fixup! ...`` subjects are
written by git; asking them for a ticket number or a trailer only teaches people to bypass
the hook.

Example:
    rule:  {id: team.subject-ticket, applies_to: commit, field: subject, pattern: '^[A-Z]+-[0-9]+ ',
            skip_kinds: [merge, revert, fixup, squash, amend]}
    bad:   Fix the parser      (a normal commit: checked)
    good:  Merge branch 'main'  (a merge: skipped)
"""

from __future__ import annotations

from collections.abc import Iterator

from packwarden.checks.option import Option
from packwarden.checks.target import Hit, Target
from packwarden.model.rule import Rule

KEY = "skip_kinds"
KINDS = ("normal", "merge", "revert", "fixup", "squash", "amend")


def _problem(value: object) -> str | None:
    unknown = [kind for kind in value if kind not in KINDS] if isinstance(value, list) else []
    return (
        f"skip_kinds: unknown message kind(s) {', '.join(map(repr, unknown))}; use {', '.join(KINDS)}"
        if unknown
        else None
    )


OPTIONS = (Option(KEY, list[str], inert=([],), problem=_problem),)
NEEDS_FIELD = False


def skips(rule: Rule, data: object) -> bool:
    """Whether ``rule`` leaves out a document with this data (the engine asks)."""
    skipped = rule.params.get(KEY)
    return bool(skipped) and isinstance(data, dict) and data.get("kind") in skipped  # type: ignore[operator]


def check(rule: Rule, target: Target) -> Iterator[Hit]:
    return iter(())
