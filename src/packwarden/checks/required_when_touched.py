"""required_when_touched: the field is required when the commit touches one of these kinds.

What it does: on a commit message (kind ``commit``), reports the field (a trailer:
``trailers.Assisted-by``) missing or empty when the commit's staged files include an artifact
of one of the listed kinds (``skill``, ``agent``, ``plugin``...; the document's ``touched``).
A commit that touches none of them is not asked.

Why it matters: some changes need a record that others do not: who or what helped write an
agent's instructions, which ticket approved a new capability. Asking every commit for it is
noise; asking none lets the ones that matter through.

Example:
    rule:  {id: team.assisted-by, applies_to: commit, field: trailers.Assisted-by,
            required_when_touched: [skill, agent, plugin]}
    bad:   Add the csv skill              (touches skills/csv/skill.yaml)
    good:  Add the csv skill
           (blank line)
           Assisted-by: none
"""

from __future__ import annotations

from collections.abc import Iterator

from packwarden.checks.option import Option
from packwarden.checks.target import Hit, Target
from packwarden.model.rule import Rule

KEY = "required_when_touched"
OPTIONS = (Option(KEY, list[str], inert=([],)),)
NEEDS_FIELD = True


def check(rule: Rule, target: Target) -> Iterator[Hit]:
    kinds = list(rule.params[KEY])  # type: ignore[call-overload]
    data = target.data
    touched = data.get("touched") if isinstance(data, dict) else None
    hit = [kind for kind in kinds if isinstance(touched, list) and kind in touched]
    if not hit or target.resolution is None:
        return
    because = f"the commit touches {' and '.join(hit)} files"
    for parent in target.resolution.missing:
        message = f"'{parent.path}' is required: {because}"
        yield Hit(message, parent.line, parent.column, parent.path, None, f"{parent.path} is missing")
    for located in target.resolution.found:
        if located.value in (None, "") or located.value == []:
            yield Hit(f"'{located.path}' is empty: {because}", located.line, located.column, located.path)
