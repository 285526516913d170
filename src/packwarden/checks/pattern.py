"""pattern: the value must match a regular expression.

What it does: searches each string value (each item, for a list) with the pattern; a value
that does not match is reported. Anchor the pattern (``^...$``) to match the whole value.
Without a ``field``, the pattern must occur somewhere in the file's text. Patterns run on RE2
(linear time); look-arounds and back-references fall back to ``regex``, where a rule may
spend a fixed time budget per file (``pack.regex-timeout`` when it runs out).

Why it matters: names, versions and ids are read by other tools; a consistent format keeps
registries sortable, URLs valid and lookups exact.

Example:
    rule:  {id: skill.name-format, field: name, pattern: '^[a-z][a-z0-9.]*[a-z0-9]$'}
    bad:   name: Data Transform
    good:  name: data.transform
"""

from __future__ import annotations

from collections.abc import Iterator

from packwarden.checks.fieldpath import items
from packwarden.checks.option import Option
from packwarden.checks.target import Hit, Target, hit_at, show
from packwarden.model.pattern import InvalidPattern, compile_pattern
from packwarden.model.rule import Rule

KEY = "pattern"
NEEDS_FIELD = False
MAX_PATTERN = 4096


def pattern_problem(source: object) -> str | None:
    """Why neither regex engine takes ``source``; None when one does."""
    try:
        compile_pattern(str(source))
    except InvalidPattern as exc:
        return str(exc)
    return None


OPTIONS = (Option(KEY, str, max_length=MAX_PATTERN, inert=("",), problem=pattern_problem),)


def as_text(value: object) -> str | None:
    """The text a pattern sees: strings as they are, numbers and booleans as written."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return None


def check(rule: Rule, target: Target) -> Iterator[Hit]:
    source = str(rule.params[KEY])
    pattern = compile_pattern(source)
    if target.resolution is None:
        if not pattern.matches(target.text, target.budget):
            yield Hit(f"the file does not match {source!r}", 1, 1)
        return
    for located in items(target.resolution.found):
        text = as_text(located.value)
        if text is None:
            yield hit_at(located, f"'{located.path}' is {show(located.value)}, not text to match {source!r}")
        elif not pattern.matches(text, target.budget):
            yield hit_at(located, f"'{located.path}' {show(located.value)} does not match {source!r}")
