"""One pack file: parse safely, convert Betty profiles, validate, compile its rules."""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence

from pydantic import ValidationError

from packwarden import checks
from packwarden.checks.option import Option
from packwarden.load.document import Mark, PosDict
from packwarden.load.yaml import load_yaml
from packwarden.model import builtin_rules as R
from packwarden.model.errors import PolicyValidationError
from packwarden.model.field import FieldPathError, parse_field
from packwarden.model.finding import Finding, Severity
from packwarden.model.kinds import spec_of
from packwarden.model.record import Record
from packwarden.model.rule import Rule, RuleDoc
from packwarden.packs import betty
from packwarden.packs.capabilities import Sections, capability_rules, read_sections
from packwarden.packs.locate import key_mark, locate, walk
from packwarden.packs.requirements import lists_of
from packwarden.packs.schema import (
    KNOWN_KINDS,
    RESERVED_RULE_PREFIXES,
    RESERVED_SECTIONS,
    PackSpec,
    RuleSpec,
    models,
)

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~3 ms)
if TYPE_CHECKING:
    from typing import Any


class LoadedPack(Record):
    ref: str
    source: str
    spec: PackSpec
    rules: tuple[Rule, ...]
    warnings: tuple[Finding, ...]
    extends_marks: tuple[Mark, ...] = ()  # where each entry of ``extends`` is written
    # each list of ``requirements``: name, written by this pack (else its default), rule ids
    requirement_lists: tuple[tuple[str, bool, tuple[str, ...]], ...] = ()
    capabilities: Sections | None = None  # its capability sections, which ``resolve`` merges along extends


class Problems:
    """Errors and warnings about one input file, as located findings."""

    def __init__(self, source: str, error_rule: R.BuiltinRule = R.PACK_INVALID) -> None:
        self.source = source
        self.error_rule = error_rule
        self.errors: list[Finding] = []
        self.warnings: list[Finding] = []

    def error(self, message: str, mark: Mark, rule: R.BuiltinRule | None = None) -> None:
        chosen = rule or self.error_rule
        self.errors.append(Finding(chosen.id, Severity.ERROR, message, self.source, *mark))

    def warn(self, message: str, mark: Mark) -> None:
        self.warnings.append(Finding(R.PACK_WARNING.id, Severity.WARNING, message, self.source, *mark))

    def schema_errors(self, exc: ValidationError, data: Any, prefix: Sequence[str | int] = ()) -> None:
        for item in exc.errors():
            loc = tuple(prefix) + tuple(item["loc"])
            where = ".".join(str(part) for part in loc)
            if item["type"] == "extra_forbidden":
                self.error(f"{where}: unknown key", key_mark(walk(data, loc[:-1]), str(loc[-1])))
            else:
                self.error(f"{where}: {item['msg']}" if where else item["msg"], locate(data, loc))

    def raise_if_errors(self) -> None:
        if self.errors:
            raise PolicyValidationError(self.errors, self.warnings)


def unknown_kind(kind: str) -> str | None:
    """Why ``kind`` is not an artifact kind, with the nearest known one; None when it is one."""
    if kind in KNOWN_KINDS:
        return None
    close = difflib.get_close_matches(kind, KNOWN_KINDS, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"artifact kind {kind!r} is unknown{hint}; the kinds are {', '.join(KNOWN_KINDS)}"


def reserved_prefix(rule_id: str) -> str | None:
    """The packwarden namespace ``rule_id`` is in, if any."""
    lowered = rule_id.lower()
    return next((prefix for prefix in RESERVED_RULE_PREFIXES if lowered.startswith(prefix)), None)


def _written(value: object) -> str:
    """A check value as YAML writes it, for messages."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "''" if value == "" else str(value)


def _is_inert(option: Option, value: object) -> bool:
    return any(type(value) is type(inert) and value == inert for inert in option.inert)


def params_problem(params: dict[str, Any]) -> str | None:
    """Why a check option's value is unusable (the first option's ``problem`` that says so)."""
    options = checks.table().options
    for key, value in params.items():
        why_unusable = options[key].problem
        problem = why_unusable(value) if why_unusable is not None else None
        if problem is not None:
            return problem
    return None


def compile_rule(spec: RuleSpec, ref: str, source: str, node: Any, problems: Problems) -> Rule | None:
    """The engine's Rule for a validated RuleSpec, or None after reporting why not.

    ``node`` is the positioned mapping the spec was validated from.
    """
    mark = locate(node, ())
    namespace = reserved_prefix(spec.id)
    if namespace is not None:
        message = f"rule id {spec.id}: {namespace}* rule ids belong to packwarden; choose another id"
        problems.error(message, locate(node, ("id",)))
        return None
    table = checks.table()
    options = table.options
    params = {key: getattr(spec, key) for key in options if getattr(spec, key, None) is not None}
    if not params:
        problems.error(f"rule {spec.id} has no check ({', '.join(options)})", mark)
        return None
    if "clarification" in params:  # a question is written in ``clarifications``, which names its rule
        problems.error(f"rule {spec.id}: write a question in the pack's clarifications section", mark)
        return None
    unit_keys = sorted(set(params) & set(table.unit_keys))
    if unit_keys and len(unit_keys) < len(params):
        others = ", ".join(sorted(set(params) - set(unit_keys)))
        problems.error(f"rule {spec.id}: {unit_keys[0]} checks a whole unit; put {others} in a rule of its own", mark)
        return None
    if unit_keys and spec.field is not None:
        problems.error(f"rule {spec.id}: {unit_keys[0]} checks a whole unit and takes no field", mark)
        return None
    if spec.field is None and set(params) - set(table.text_keys):
        problems.error(f"rule {spec.id}: only {' and '.join(table.text_keys)} work without a field", mark)
        return None
    if spec.field is not None:
        try:
            parse_field(spec.field)
        except FieldPathError as exc:
            problems.error(f"rule {spec.id}: {exc}", mark)
            return None
    problem = params_problem(params)
    if problem is not None:
        problems.error(f"rule {spec.id}: {problem}", mark)
        return None
    bad_kinds = [(index, unknown_kind(kind)) for index, kind in enumerate(spec.applies_to)]
    for index, problem in bad_kinds:
        if problem is not None:
            problems.error(f"rule {spec.id}: {problem}", locate(node, ("applies_to", index)))
    if any(problem is not None for _, problem in bad_kinds):
        return None
    if all(_is_inert(options[key], value) for key, value in params.items()):
        written = ", ".join(f"{key}: {_written(value)}" for key, value in params.items())
        problems.warn(f"rule {spec.id} can never find anything ({written}); skipped", mark)
        return None
    example = spec.example
    doc = RuleDoc(
        spec.summary or spec.message, spec.why, example.bad if example else "", example.good if example else ""
    )
    return Rule(
        id=spec.id,
        severity=Severity(spec.severity),
        pack=ref,
        params=params,
        field=spec.field,
        applies_to=tuple(spec.applies_to),
        message=spec.message,
        fix=spec.fix,
        doc=doc,
        source=source,
        line=mark[0],
        column=mark[1],
    )


def compile_rules(specs: Sequence[RuleSpec], raw: Any, ref: str, source: str, problems: Problems) -> list[Rule]:
    """Compile every rule; ``raw`` is the positioned list the specs were validated from."""
    rules: list[Rule] = []
    seen: set[str] = set()
    for index, spec in enumerate(specs):
        node = walk(raw, (index,))
        if spec.id in seen:
            problems.error(f"rule id {spec.id} is defined twice", locate(node, ()))
            continue
        seen.add(spec.id)
        rule = compile_rule(spec, ref, source, node, problems)
        if rule is not None:
            rules.append(rule)
    return rules


def _check_artifact_kinds(spec: PackSpec, data: PosDict, problems: Problems) -> None:
    for kind in spec.artifacts:
        problem = unknown_kind(kind)
        if problem is None and spec_of(kind).shape == "registry":
            problem = "a registry unit is where requirements.registry says, not an artifact glob"
        elif problem is None and spec_of(kind).shape == "folder":
            files = [glob for glob in spec.artifacts[kind] if not glob.endswith("/")]
            if files:
                problem = f"a {kind} is a folder: end the glob with '/' ({files[0]!r} names files)"
        if problem is not None:
            problems.error(f"artifacts: {problem}", key_mark(walk(data, ("artifacts",)), kind))


_RULE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*(\.[A-Za-z0-9][A-Za-z0-9_-]*)*")  # no empty part


def _required(
    spec: PackSpec, data: PosDict, ref: str, source: str, defined: set[str], problems: Problems
) -> list[Rule]:
    """The rules of the pack's ``requirements``, checked as written rules are."""
    from packwarden.packs.requirements import requirement_rules

    rules: list[Rule] = []
    said: set[tuple[str, Mark]] = set()  # one entry compiles into several rules: say each problem once
    for rule in requirement_rules(spec.requirements, data, ref, source, problems):
        mark = (rule.line, rule.column)
        registry = rule.params.get("registry")
        kind = str(registry["kind"]) if isinstance(registry, dict) else ""
        problem = params_problem(dict(rule.params))
        if kind and (unknown_kind(kind) or spec_of(kind).shape != "file"):
            problem = unknown_kind(kind) or f"registry kind {kind!r} is not a kind of manifest file"
        elif problem is None and not _RULE_ID.fullmatch(rule.id):
            problem = f"{rule.id!r} is no usable rule id: name it with letters or digits"
        elif problem is None and rule.id in defined:
            where = "in rules and by requirements" if rule.id not in {r.id for r in rules} else "by requirements"
            problem = f"rule id {rule.id} is defined twice, {where}"
        if problem is None:
            rules.append(rule)
            defined.add(rule.id)
        elif (problem, mark) not in said:
            said.add((problem, mark))
            problems.error(f"requirements: {problem}", mark)
    return rules


def _plugin_rules(
    spec: PackSpec, data: PosDict, ref: str, source: str, defined: set[str], problems: Problems
) -> list[Rule]:
    """The rules of the pack's ``plugin_contract``, checked as written rules are."""
    from packwarden.packs.plugin_contract import compile_plugin_contract

    rules = compile_plugin_contract(spec.plugin_contract, data, ref, source)
    if not rules:
        return []
    problem = params_problem(dict(rules[0].params)) or next(
        (params_problem(dict(rule.params)) for rule in rules if "forbidden" in rule.params), None
    )
    clash = next((rule.id for rule in rules if rule.id in defined), None)
    if clash is not None:
        problem = f"rule id {clash} is defined twice, in rules and by plugin_contract"
    if problem is not None:
        problems.error(f"plugin_contract: {problem}", (rules[0].line, rules[0].column))
        return []
    return rules


def _clarification_rules(spec: PackSpec, data: PosDict, ref: str, source: str, problems: Problems) -> list[Rule]:
    """The rules of the pack's ``clarifications`` (ids in packwarden's namespace: no clash)."""
    if spec.clarifications is None:
        return []
    from packwarden.packs.clarifications import compile_clarifications

    return compile_clarifications(spec.clarifications, spec.defaults, data, ref, source, problems)


def read_pack(raw: bytes, source: str) -> LoadedPack:
    """Read one pack (native or Betty); raises PolicyValidationError with located errors."""
    problems = Problems(source)
    document = load_yaml(raw)
    for problem in document.problems:
        problems.error(problem.message, (problem.line, problem.column), problem.rule)
    problems.raise_if_errors()
    data = document.data
    if betty.is_profile(data):
        converted = betty.convert(data)
        for message, mark in converted.warnings:
            problems.warn(message, mark)
        for message, mark in converted.errors:
            problems.error(message, mark)
        data = converted.data
    if not isinstance(data, PosDict):
        problems.error("a pack must be a mapping with 'meta' (or a Betty profile with 'policy')", (1, 1))
        problems.raise_if_errors()
    try:
        spec = models().pack.model_validate(data)
    except ValidationError as exc:
        problems.schema_errors(exc, data)
        problems.raise_if_errors()
        raise  # pragma: no cover - raise_if_errors raised
    for section in RESERVED_SECTIONS:
        if getattr(spec, section) is not None:
            problems.warn(f"section {section!r} is not enforced by this packwarden version", key_mark(data, section))
    _check_artifact_kinds(spec, data, problems)
    ref = f"{spec.meta.key}@{spec.meta.version}"
    rules = compile_rules(spec.rules, data.get("rules"), ref, source, problems)
    required = _required(spec, data, ref, source, {rule.id for rule in rules}, problems)
    rules.extend(required)
    capabilities = read_sections(spec, data, ref, source, problems)
    rules.extend(capability_rules(capabilities, {rule.id for rule in rules}, problems))
    rules.extend(_plugin_rules(spec, data, ref, source, {rule.id for rule in rules}, problems))
    rules.extend(_clarification_rules(spec, data, ref, source, problems))
    problems.raise_if_errors()
    extends_marks = tuple(locate(data, ("extends", index)) for index in range(len(spec.extends)))
    lists = lists_of(spec.requirements, [rule.id for rule in required])
    return LoadedPack(ref, source, spec, tuple(rules), tuple(problems.warnings), extends_marks, lists, capabilities)
