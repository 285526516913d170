"""forbidden_pattern: the value (or, without a field, the file) must not match a regex.

What it does: searches each string value (each item, for a list) and reports a match.
Without a ``field`` it scans the whole file's text and reports every match at its line and
column, without echoing the matched text: this is how packs look for secrets.

Why it matters: some things must never be committed at all: credentials, private keys,
internal host names, spaces in identifiers.

Example:
    rule:  {id: secrets.aws-access-key, forbidden_pattern: '(AKIA|ASIA)[A-Z0-9]{16}'}
    bad:   env: {AWS_KEY: AKIAABCDEFGHIJKLMNOP}
    good:  env: {AWS_KEY: ${AWS_KEY}}
"""

from __future__ import annotations

from collections.abc import Iterator

from packwarden.checks.fieldpath import items
from packwarden.checks.option import Option
from packwarden.checks.pattern import MAX_PATTERN, as_text, pattern_problem
from packwarden.checks.target import Hit, Target, hit_at, show
from packwarden.model.pattern import compile_pattern
from packwarden.model.rule import Rule

KEY = "forbidden_pattern"
OPTIONS = (Option(KEY, str, max_length=MAX_PATTERN, problem=pattern_problem),)
NEEDS_FIELD = False


def check(rule: Rule, target: Target) -> Iterator[Hit]:
    source = str(rule.params[KEY])
    pattern = compile_pattern(source)
    if target.resolution is None:
        whole = target.text
        # Lines are counted from the previous match on, so a file with many matches is read once.
        line, line_start, counted = 1, 0, 0
        for match in pattern.finditer(whole, target.budget):
            offset = match.start()
            newlines = whole.count("\n", counted, offset)
            if newlines:
                line += newlines
                line_start = whole.rfind("\n", counted, offset) + 1
            counted = offset
            yield Hit("the file contains text that matches a forbidden pattern", line, offset - line_start + 1)
        return
    for located in items(target.resolution.found):
        text = as_text(located.value)
        if text is not None and pattern.matches(text, target.budget):
            yield hit_at(located, f"'{located.path}' {show(located.value)} matches forbidden {source!r}")
