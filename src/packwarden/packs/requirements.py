"""The ``requirements`` section of a pack, compiled into ordinary rules with stable ids.

One evaluation mechanism: a required protocol file, a required step section and a registry
check are rules like any other (``checks.required_file``, ``checks.step_section``,
``checks.registry``), so their findings, severities (``enforcement.severities``), ``disable``
and ``packwarden explain`` work as for every rule. Ids:

- ``protocol.missing-file.<file>``, ``protocol.missing-artifact.<file>``;
- ``protocol.missing-step-section.<slug>`` (``Definition of Done`` -> ``definition-of-done``);
- ``registry.<list>.malformed``, ``.missing-manifest``, ``.missing-entry``, ``.mismatch.<field>``;
- ``commit.*``: ``commit_message``, compiled by ``packs.commit_message``.
"""

from __future__ import annotations

import re
from typing import Any

from packwarden.model.finding import Severity
from packwarden.model.rule import Rule, RuleDoc
from packwarden.packs.locate import locate, walk
from packwarden.packs.schema import Requirements

TYPE_CHECKING = False
if TYPE_CHECKING:
    from packwarden.packs.reader import Problems

DEFAULT_PROTOCOL_FILES = ("plan.md", "context.md", "log.md")
DEFAULT_STEP_FILES = ("step-*.md", "steps/*.md")
DEFAULT_STEP_SECTIONS = ("Sub-tasks", "Verification", "Rollback", "Definition of Done")

_FILE_WHY = {
    "plan.md": "what the run is for and the steps it takes, in order",
    "context.md": "what the run starts from: the repository, the constraints, the decisions already made",
    "log.md": "what happened, step by step, so that the run can be reviewed and resumed",
}
_SECTION_WHY = {
    "sub-tasks": "the concrete pieces of work the step is made of",
    "verification": "how to tell that the step did what it should",
    "rollback": "how to undo the step when it goes wrong",
    "definition-of-done": "when the step is finished",
}
_SECTION_REASON = {
    "sub-tasks": "Sub-tasks break the step into pieces a reviewer can check one by one; without them nobody "
    "can tell what the step was meant to change.",
    "verification": "Verification says how to confirm that the step worked; without it, a step counts as done "
    "as soon as it ran without an error.",
    "rollback": "Rollback says how to undo the step; when a step fails halfway, the way back must already be "
    "written down, not worked out during the incident.",
    "definition-of-done": "The Definition of Done says when the step is finished; without it, a step ends when "
    "someone stops working on it, and the next step starts from an unknown state.",
}
# One line of content per section, for the bad and good examples of the rules' docs.
_SECTION_EXAMPLE = {
    "sub-tasks": "- rename the column user_id to account_id in the orders table",
    "verification": "- the migration test passes; row counts match before and after",
    "rollback": "- run the down migration: alembic downgrade -1",
    "definition-of-done": "- the column is renamed in production and no query reads user_id",
}


def _step_example(section: str) -> tuple[str, str]:
    """A step file without ``section`` and the same file with it, for the rule's docs."""
    wanted = slug(section)
    names = list(DEFAULT_STEP_SECTIONS)
    if wanted not in {slug(name) for name in names}:
        names.append(section)

    def text(sections: list[str]) -> str:
        parts = [f"## {name}\n{_SECTION_EXAMPLE.get(slug(name), '- ...')}" for name in sections]
        return "\n".join(["# Step 2: rename the column", *parts])

    return text([name for name in names if slug(name) != wanted]), text(names)


def slug(text: str) -> str:
    """``Definition of Done`` -> ``definition-of-done``, ``Étape`` -> ``etape``: a rule id part
    from a name; empty when nothing of it can be written in a rule id (the reader says so)."""
    import unicodedata

    ascii_text = unicodedata.normalize("NFKD", text.replace("*", "any")).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9_.]+", "-", ascii_text.strip().lower()).strip("-.")


def _rule(rid: str, params: dict[str, Any], kind: str, where: tuple[str, str, tuple[int, int]], **doc: str) -> Rule:
    ref, source, (line, column) = where
    return Rule(
        id=rid,
        severity=Severity.ERROR,
        pack=ref,
        params=params,
        applies_to=(kind,),
        message=doc["message"],
        fix=doc["fix"],
        doc=RuleDoc(doc["summary"], doc["why"], doc["bad"], doc["good"]),
        source=source,
        line=line,
        column=column,
    )


# The lists of files a run must hold: the rule id's prefix, and its fix, summary and why, in
# which ``{name}`` is the file and ``{purpose}`` what it is for.
_FILE_LISTS = {
    "protocol_files": (
        "protocol.missing-file",
        "add {name} to the run's folder: {purpose}",
        "Every protocol run has {name}.",
        "{name} holds {purpose}; without it a reviewer cannot follow or resume the run.",
    ),
    "artifacts": (
        "protocol.missing-artifact",
        "write {name} in the run's folder (a run that produces none is not finished)",
        "Every protocol run holds the output {name}.",
        "A run's outputs are what the next run and the reviewer build on; a run without them cannot be checked.",
    ),
}


def _file_rule(listed: str, name: str, where: tuple[str, str, tuple[int, int]]) -> Rule:
    """A rule that a run holds the file (or a file matching the glob) ``name`` of ``listed``."""
    prefix, fix, summary, why = _FILE_LISTS[listed]
    purpose = _FILE_WHY.get(name, "what the pack asks every run to keep")
    texts = {
        key: text.format(name=name, purpose=purpose) for key, text in (("fix", fix), ("summary", summary), ("why", why))
    }
    bad, good = f".protocols/run1/ without {name}", f".protocols/run1/{name}"
    return _rule(
        f"{prefix}.{slug(name)}", {"required_file": name}, "protocol", where, message="", bad=bad, good=good, **texts
    )


def _protocol(spec: Requirements, data: Any, ref: str, source: str) -> list[Rule]:
    if spec.model_fields_set == {"commit_message"}:
        return []  # a section about commit messages only asks nothing of protocol runs
    files = DEFAULT_PROTOCOL_FILES if spec.protocol_files is None else spec.protocol_files
    rules = [
        _file_rule(listed, name, (ref, source, locate(data, (listed, index))))
        for listed, names in (("protocol_files", files), ("artifacts", spec.artifacts))
        for index, name in enumerate(names)
    ]
    step_files = list(DEFAULT_STEP_FILES if spec.step_files is None else spec.step_files)
    sections = DEFAULT_STEP_SECTIONS if spec.step_sections is None else spec.step_sections
    if not step_files:
        sections = []  # no step files: no section to ask of them
    for index, section in enumerate(sections):
        where = (ref, source, locate(data, ("step_sections", index)))
        purpose = f", saying {_SECTION_WHY[slug(section)]}" if slug(section) in _SECTION_WHY else ""
        reason = _SECTION_REASON.get(
            slug(section), f"The pack asks every step for a '{section}' section; reviewers look for it by name."
        )
        bad, good = _step_example(section)
        rules.append(
            _rule(
                f"protocol.missing-step-section.{slug(section)}",
                {"step_section": section, "step_files": step_files},
                "protocol",
                where,
                message="",
                fix=f"add a heading '## {section}' to the step{purpose} "
                "(a heading inside a code block or an HTML comment does not count)",
                summary=f"Every step file of a protocol run ({', '.join(step_files)}) has a '{section}' heading, "
                "at any level; case and spacing do not matter.",
                why=reason,
                bad=bad,
                good=good,
            )
        )
    return rules


def _registries(spec: Requirements, data: Any, ref: str, source: str, problems: Problems) -> list[Rule]:
    rules = []
    seen: dict[str, int] = {}
    for index, registry in enumerate(spec.registry):
        mark = locate(data, ("registry", index))
        name = slug(registry.list)
        if name in seen:
            problems.error(f"requirements.registry: list {registry.list!r} is also entry {seen[name]}", mark)
            continue
        seen[name] = index
        described = registry.model_dump(exclude_defaults=False)
        where = (ref, source, mark)
        base = {"registry": described}
        noun = f"{registry.kind} manifest"
        checks = [
            ("malformed", {}, f"{registry.path} must hold a list '{registry.list}' of entries, one per name"),
            ("missing-manifest", {}, f"every entry of {registry.path} names a {noun}"),
            ("missing-entry", {}, f"every {noun} is listed in {registry.path}"),
            *((f"mismatch.{slug(field)}", {"registry_field": field}, f"{field} agrees") for field in registry.match),
        ]
        for check, extra, summary in checks:
            which = "mismatch" if check.startswith("mismatch.") else check
            rules.append(
                _rule(
                    f"registry.{name}.{check}",
                    {**base, "registry_check": which, **extra},
                    "registry",
                    where,
                    message="",
                    fix=_REGISTRY_FIX.get(which, _REGISTRY_FIX[""]).format(
                        path=registry.path, list=registry.list, key=registry.key, kind=registry.kind
                    ),
                    summary=f"Registry {registry.path}: {summary}.",
                    why="Tools look manifests up in the registry: an entry without a manifest points nowhere, a "
                    "manifest without an entry cannot be found, and stale fields make tools run the wrong version.",
                    bad=f'{registry.path}: {{"{registry.list}": [{{"{registry.key}": "gone.skill"}}]}}',
                    good=f'{registry.path}: {{"{registry.list}": [{{"{registry.key}": "data.transform"}}]}}',
                )
            )
    return rules


def compile_requirements(spec: Requirements, data: Any, ref: str, source: str, problems: Problems) -> list[Rule]:
    """The rules ``requirements`` stands for; ``data`` is the positioned section."""
    from packwarden.packs.commit_message import compile_commit_message

    message = spec.commit_message
    commit = [] if message is None else compile_commit_message(message, walk(data, ("commit_message",)), ref, source)
    return [*_protocol(spec, data, ref, source), *_registries(spec, data, ref, source, problems), *commit]


def requirement_rules(spec: Requirements | None, raw: Any, ref: str, source: str, problems: Problems) -> list[Rule]:
    if spec is None:
        return []
    return compile_requirements(spec, walk(raw, ("requirements",)), ref, source, problems)


_REGISTRY_FIX = {
    "malformed": "make {path} a JSON mapping whose '{list}' is a list of entries, each with its own '{key}', "
    "and give every {kind} manifest a name of its own",
    "missing-manifest": "remove the entry from {path}, or add the {kind} manifest it names",
    "missing-entry": "add an entry for the {kind} to {path} (or regenerate the registry)",
    "": "make the registry and the manifests agree: edit one of them, or regenerate the registry",
}

# Each list of ``requirements`` and the rule ids it compiles into, by prefix.
LISTS = (
    ("protocol_files", "protocol.missing-file."),
    ("artifacts", "protocol.missing-artifact."),
    ("step_sections", "protocol.missing-step-section."),
    ("registry", "registry."),
    ("commit_message", "commit."),
)


def lists_of(spec: Requirements | None, ids: list[str]) -> tuple[tuple[str, bool, tuple[str, ...]], ...]:
    """Each list of the section: its name, whether the pack wrote it (else it took its default)
    and the compiled rule ids it stands for. A pack that extends another inherits each list it
    leaves out (``resolve``): a default applies only where no pack of the chain said otherwise."""
    if spec is None:
        return ()
    written = spec.model_fields_set | ({"step_sections"} if "step_files" in spec.model_fields_set else set())
    return tuple((name, name in written, tuple(rid for rid in ids if rid.startswith(prefix))) for name, prefix in LISTS)
