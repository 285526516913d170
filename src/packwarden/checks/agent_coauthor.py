"""agent_coauthor: a coding agent named where people are (``Co-authored-by:``).

What it does: reports each value of the field (``trailers.Co-authored-by``) whose name or
email names one of the listed agents, as a whole word and in any case (``Claude
<noreply@anthropic.com>``, ``copilot``); the fix gives the trailer line to write instead,
``<agent_trailer>: <agent>`` (``agent_trailer``, default ``Assisted-by``).

Why it matters: ``Co-authored-by`` credits a person: forges count it as authorship and link
it to an account. An agent's part in a change belongs in its own trailer, where tools and
reviewers can find it and where it does not claim authorship.

Example:
    rule:  {id: team.agent-co-author, applies_to: commit, field: trailers.Co-authored-by,
            agent_coauthor: [claude, copilot, cursor]}
    bad:   Co-authored-by: Claude <noreply@anthropic.com>
    good:  Assisted-by: claude
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from packwarden.checks.fieldpath import items
from packwarden.checks.option import Option
from packwarden.checks.target import Hit, Target, hit_at, show
from packwarden.model.rule import Rule

KEY = "agent_coauthor"
TRAILER = "agent_trailer"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def _problem(value: object) -> str | None:
    bad = [name for name in value if not _NAME.match(str(name))] if isinstance(value, list) else []
    return (
        f"agent_coauthor: {', '.join(map(repr, bad))} is no agent name (letters, digits, '.', '_', '-')"
        if bad
        else None
    )


OPTIONS = (
    Option(KEY, list[str], inert=([],), problem=_problem),
    Option(TRAILER, str, max_length=128),
)
NEEDS_FIELD = True


def named(value: str, agents: list[str]) -> str | None:
    """The first agent ``value`` names as a whole word, in any case."""
    words = {word.lower() for word in re.findall(r"[A-Za-z0-9]+", value)}
    return next((agent for agent in agents if agent.lower() in words or _spans(agent, value)), None)


def _spans(agent: str, value: str) -> bool:
    """A name with punctuation (``gpt-4o``) as a whole word of ``value``."""
    return (
        not agent.isalnum()
        and re.search(rf"(?<![A-Za-z0-9]){re.escape(agent)}(?![A-Za-z0-9])", value, re.I) is not None
    )


def check(rule: Rule, target: Target) -> Iterator[Hit]:
    agents = [str(agent) for agent in rule.params[KEY]]  # type: ignore[attr-defined]
    trailer = str(rule.params.get(TRAILER) or "Assisted-by")
    if target.resolution is None:
        return
    for located in items(target.resolution.found):
        agent = named(located.value, agents) if isinstance(located.value, str) else None
        if agent is not None:
            found = hit_at(located, f"'{located.path}' {show(located.value)} names the agent {agent}, not a person")
            yield found._replace(fix=f"replace the line with '{trailer}: {agent}': {trailer} records an agent's help")
