"""capability_ids: every capability a manifest declares is written as a capability id.

What it does: reads the manifest's ``capabilities`` and each entrypoint's
``entrypoints[*].capabilities`` and reports each entry that is not a list item holding an id
(dot-separated lower-case words, ``io.net.http``) or a mapping ``{id, risk, compensation}``
with one; a ``risk`` that is not ``low``, ``medium``, ``high`` or ``critical``; and an empty
``compensation``. An id written in capitals or with spaces around it is reported and judged as
the id it names; an entry that names no id is judged at the pack's default risk.

Why it matters: decisions and risk rules match capabilities by id. Prose, a typo in a mapping
or a list nested in a list would otherwise be an unknown capability, judged at the default
risk, with nothing to say why.

Example:
    rule:  {id: capability.malformed, applies_to: [skill, agent], capability_ids: true}
    bad:   capabilities: [Calls the GitHub API, {id: io.net.http, risk: huge}]
    good:  capabilities: [{id: io.net.http, risk: high}]
"""

from __future__ import annotations

from collections.abc import Iterator

from packwarden.checks.capabilities import declarations
from packwarden.checks.option import Option
from packwarden.checks.target import Hit, Target
from packwarden.load.document import PosDict
from packwarden.model.rule import Rule

KEY = "capability_ids"
OPTIONS = (Option(KEY, bool, inert=(False,)),)
NEEDS_FIELD = False
FIX = (
    "write each capability as an id such as io.net.http, or as {id: io.net.http, risk: high}; move prose to description"
)


def check(rule: Rule, target: Target) -> Iterator[Hit]:
    if not isinstance(target.data, PosDict):
        return
    for declared in declarations(target.data):
        if declared.problem:
            yield Hit(declared.problem, declared.line, declared.column, declared.field, declared.written, fix=FIX)
