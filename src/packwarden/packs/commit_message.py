"""``requirements.commit_message``, compiled into ordinary rules on the ``commit`` document.

One evaluation mechanism: a commit message is a document of kind ``commit``
(``load.message.message_document``: ``subject``, ``body``, ``trailers``, ``kind``,
``touched``), and each key of the section is a rule with a stable id and a field path on it,
run by the same check kinds as any rule (``pattern``, ``max_length``, ``required``,
``allowed_values``) or by the ones only messages need (``absent``, ``required_when_touched``,
``agent_coauthor``). Every rule carries the section's ``skip`` list (``skip_kinds``). Ids:

- ``commit.subject-pattern``, ``commit.subject-length``, ``commit.body-line-length``;
- ``commit.signoff``, ``commit.trailer-required.<slug>``, ``commit.trailer-forbidden.<slug>``,
  ``commit.trailer-values.<slug>``, ``commit.trailer-when-touched.<slug>`` (slug: the trailer
  key in lower case, ``Assisted-by`` -> ``assisted-by``);
- ``commit.agent-co-author``.
"""

from __future__ import annotations

from typing import Any

from packwarden.load.message import trailer_key
from packwarden.model.finding import Severity
from packwarden.model.rule import Rule, RuleDoc
from packwarden.packs.locate import locate
from packwarden.packs.schema import CommitMessage

_EXAMPLE_SUBJECT = "Add the csv.convert skill"


def _rule(rid: str, field: str, params: dict[str, Any], where: tuple[str, str, tuple[int, int]], **text: str) -> Rule:
    ref, source, (line, column) = where
    return Rule(
        id=rid,
        severity=Severity.ERROR,
        pack=ref,
        params=params,
        field=field,
        applies_to=("commit",),
        message=text.get("message", ""),
        fix=text["fix"],
        doc=RuleDoc(text["summary"], text["why"], text["bad"], text["good"]),
        source=source,
        line=line,
        column=column,
    )


def _message(subject: str = _EXAMPLE_SUBJECT, body: str = "", trailers: str = "") -> str:
    return "\n\n".join(part for part in (subject, body, trailers) if part)


def compile_commit_message(spec: CommitMessage, data: Any, ref: str, source: str) -> list[Rule]:
    """The rules the section stands for; ``data`` is the positioned section."""
    skip = {"skip_kinds": list(spec.skip)} if spec.skip else {}
    skipped = f" ({', '.join(spec.skip)} messages are not checked)" if spec.skip else ""

    def at(*loc: str | int) -> tuple[str, str, tuple[int, int]]:
        return ref, source, locate(data, loc)

    rules: list[Rule] = []
    if spec.subject_pattern:
        rules.append(
            _rule(
                "commit.subject-pattern",
                "subject",
                {"pattern": spec.subject_pattern, **skip},
                at("subject_pattern"),
                message=f"the subject {{value}} does not match {spec.subject_pattern!r}",
                fix=f"reword the first line of the message to match {spec.subject_pattern!r} "
                "(git commit --amend, or edit the message and commit again)",
                summary=f"A commit's subject matches {spec.subject_pattern!r}{skipped}.",
                why="The subject is what `git log --oneline`, changelogs and release tools read; "
                "one shape makes them sortable and machine-readable.",
                bad="fixed stuff",
                good=_EXAMPLE_SUBJECT,
            )
        )
    if spec.subject_max_length is not None:
        limit = spec.subject_max_length
        rules.append(
            _rule(
                "commit.subject-length",
                "subject",
                {"max_length": limit, **skip},
                at("subject_max_length"),
                fix=f"shorten the subject to {limit} characters; move the details to the body, after an empty line",
                summary=f"A commit's subject (its first line) has at most {limit} characters{skipped}.",
                why="Long subjects are cut off by `git log --oneline`, forges and mail clients; the subject "
                "says what changed, the body says the rest.",
                bad="Add the csv.convert skill, which converts CSV, JSON and YAML files into each other, and its tests",
                good=_message(body="It converts CSV, JSON and YAML files into each other."),
            )
        )
    if spec.body_max_line_length is not None:
        limit = spec.body_max_line_length
        rules.append(
            _rule(
                "commit.body-line-length",
                "body[*]",
                {"max_length": limit, **skip},
                at("body_max_line_length"),
                fix=f"wrap the body at {limit} characters (trailers are not counted)",
                summary=f"Every line of a commit's body has at most {limit} characters{skipped}.",
                why="Commit bodies are read in terminals and in mail; unwrapped lines are hard to read there.",
                bad=_message(
                    body="This skill converts CSV, JSON and YAML files into each other and keeps the key order " * 2
                ),
                good=_message(
                    body="This skill converts CSV, JSON and YAML files into each other\nand keeps the key order."
                ),
            )
        )
    if spec.signoff:
        rules.append(
            _rule(
                "commit.signoff",
                "trailers.Signed-off-by",
                {"required": True, **skip},
                at("signoff"),
                message="the commit message has no 'Signed-off-by:' trailer",
                fix="commit with `git commit -s` (or `git commit --amend -s`): it adds 'Signed-off-by: <you>'",
                summary=f"Every commit is signed off (a 'Signed-off-by:' trailer){skipped}.",
                why="The sign-off certifies the Developer Certificate of Origin: the author may contribute the change.",
                bad=_message(),
                good=_message(trailers="Signed-off-by: Ada Lovelace <ada@example.com>"),
            )
        )
    rules.extend(_trailer_rules(spec, at, skip, skipped))
    if spec.agents_as_co_authors is not None:
        agents = spec.agents_as_co_authors
        rules.append(
            _rule(
                "commit.agent-co-author",
                "trailers.Co-authored-by",
                {"agent_coauthor": list(agents.names), "agent_trailer": agents.use, **skip},
                at("agents_as_co_authors"),
                fix=f"replace the line with '{agents.use}: <agent>'",
                summary=f"No agent ({', '.join(agents.names)}) is named in 'Co-authored-by:'; "
                f"an agent's help is recorded with '{agents.use}:'{skipped}.",
                why="Co-authored-by credits a person: forges count it as authorship and link it to an account. "
                f"An agent's part belongs in {agents.use}, where reviewers and tools look for it.",
                bad=_message(trailers=f"Co-authored-by: {agents.names[0].capitalize()} <agent@example.com>"),
                good=_message(trailers=f"{agents.use}: {agents.names[0]}"),
            )
        )
    return rules


def _trailer_rules(spec: CommitMessage, at: Any, skip: dict[str, Any], skipped: str) -> list[Rule]:
    rules: list[Rule] = []
    for index, written in enumerate(spec.trailers_required):
        key = trailer_key(written)
        rules.append(
            _rule(
                f"commit.trailer-required.{key.lower()}",
                f"trailers.{key}",
                {"required": True, **skip},
                at("trailers_required", index),
                message=f"the commit message has no '{key}:' trailer",
                fix=f"add a line '{key}: ...' at the end of the message, after an empty line",
                summary=f"Every commit carries a '{key}:' trailer{skipped}.",
                why="The pack asks every commit for it; tools read trailers from the last paragraph "
                "(`git interpret-trailers --parse`).",
                bad=_message(),
                good=_message(trailers=f"{key}: ..."),
            )
        )
    for index, written in enumerate(spec.trailers_forbidden):
        key = trailer_key(written)
        rules.append(
            _rule(
                f"commit.trailer-forbidden.{key.lower()}",
                f"trailers.{key}",
                {"absent": True, **skip},
                at("trailers_forbidden", index),
                message=f"the commit message has a '{key}:' trailer, which this project does not use",
                fix=f"remove the '{key}:' line from the message",
                summary=f"No commit carries a '{key}:' trailer{skipped}.",
                why="The pack forbids it: tools that read it would act on a stale or foreign value.",
                bad=_message(trailers=f"{key}: ..."),
                good=_message(),
            )
        )
    for written, values in spec.trailer_values.items():
        key = trailer_key(written)
        shown = ", ".join(values)
        rules.append(
            _rule(
                f"commit.trailer-values.{key.lower()}",
                f"trailers.{key}",
                {"allowed_values": list(values), **skip},
                at("trailer_values", written),
                message=f"'{key}:' {{value}} is not one of: {shown}",
                fix=f"write one of {shown} after '{key}:', one trailer line per value",
                summary=f"A '{key}:' trailer names one of: {shown}{skipped}.",
                why="A fixed vocabulary lets tools and reviewers count and search the trailer; "
                "free text ('Claude 3', 'claude-code', 'AI') cannot be counted.",
                bad=_message(trailers=f"{key}: something else"),
                good=_message(trailers=f"{key}: {values[0] if values else '...'}"),
            )
        )
    for index, entry in enumerate(spec.trailers_when_touched):
        key = trailer_key(entry.trailer)
        kinds = ", ".join(entry.kinds)
        rules.append(
            _rule(
                f"commit.trailer-when-touched.{key.lower()}",
                f"trailers.{key}",
                {"required_when_touched": list(entry.kinds), **skip},
                at("trailers_when_touched", index),
                fix=f"add a line '{key}: ...' at the end of the message, after an empty line",
                summary=f"A commit that touches a {kinds} artifact carries a '{key}:' trailer{skipped}.",
                why=f"Changes to {kinds} files shape what agents do; the pack asks such commits to record it.",
                bad=_message() + f"\n(the commit stages a {entry.kinds[0]} file)",
                good=_message(trailers=f"{key}: ...") + f"\n(the commit stages a {entry.kinds[0]} file)",
            )
        )
    return rules
