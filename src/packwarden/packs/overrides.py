"""The repository's config, and one layer of overrides folded in as a central layer allows."""

from __future__ import annotations

from pydantic import ValidationError

from packwarden.load.document import Mark, PosDict
from packwarden.load.limits import MAX_CONFIG_BYTES
from packwarden.load.yaml import load_yaml
from packwarden.model import builtin_rules as R
from packwarden.model.finding import Finding, Severity
from packwarden.model.record import Record
from packwarden.packs.fold import Fold
from packwarden.packs.governance import Governance
from packwarden.packs.inputs import CONFIG_PATH
from packwarden.packs.locate import locate
from packwarden.packs.reader import Problems, compile_rules
from packwarden.packs.schema import ConfigSpec, OverridesFields, models

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~3 ms)
if TYPE_CHECKING:
    from typing import TypeVar

    from pydantic import BaseModel

    Model = TypeVar("Model", bound=BaseModel)


def read_config(raw: bytes) -> tuple[ConfigSpec, PosDict | None]:
    """The validated repository config; raises PolicyValidationError with its lines."""
    problems = Problems(CONFIG_PATH, R.CONFIG_INVALID)
    spec, data = validated(raw, problems, models().config)
    return spec, data


def validated(raw: bytes, problems: Problems, model: type[Model]) -> tuple[Model, PosDict | None]:
    """A small YAML file (the config, a project file) read and validated by ``model``; every
    problem is raised as a PolicyValidationError located in the file."""
    document = load_yaml(raw, MAX_CONFIG_BYTES)
    for problem in document.problems:
        problems.error(problem.message, (problem.line, problem.column), problem.rule)
    problems.raise_if_errors()
    data = document.data if document.data is not None else PosDict((1, 1))
    try:
        spec = model.model_validate(data)
    except ValidationError as exc:
        problems.schema_errors(exc, data)
        problems.raise_if_errors()
        raise  # pragma: no cover
    return spec, data if isinstance(data, PosDict) else None


class Layer(Record):
    """One layer of overrides: the project file's, or the repository config's."""

    mode: str | None
    overrides: OverridesFields
    data: PosDict | None  # for locations
    path: str  # the file findings point at
    name: str  # for `effective --explain`
    pack: str  # what the rules it defines say they come from


def apply_overrides(fold: Fold, layer: Layer, governance: Governance, degraded: bool) -> None:
    """Fold one layer of overrides in, as ``governance`` allows; refusals become findings.

    ``degraded``: a central pack is unavailable, so an override naming a rule that is not there
    may name one of its rules: said as a warning, not an error (the unavailable pack is the error).
    """
    problems = Problems(layer.path, R.CONFIG_INVALID)
    refused: list[Finding] = []

    def refuse(reason: str | None, what: str, where: Mark) -> bool:
        if reason is None:
            return False
        message = f"override refused: {what}: {reason}; the central setting still applies"
        fix = f"remove it from {layer.path}, or ask the owners of the central policy"
        refused.append(Finding(R.CONFIG_OVERRIDE_REFUSED.id, Severity.ERROR, message, layer.path, *where, fix=fix))
        return True

    def unknown(message: str, where: Mark) -> None:
        if degraded:
            problems.warn(f"{message} (it may belong to the unavailable pack)", where)
        else:
            problems.error(message, where)

    if layer.mode is not None and not refuse(
        governance.refuse_mode(fold.mode, layer.mode), f"mode: {layer.mode}", locate(layer.data, ("mode",))
    ):
        fold.mode, fold.origins["mode"] = layer.mode, layer.name
    overrides = layer.overrides
    for index, rule_id in enumerate(overrides.disable):
        where = locate(layer.data, ("overrides", "disable", index))
        if rule_id in overrides.disable[:index]:
            problems.error(f"{rule_id!r} is listed twice in overrides.disable", where)
        elif rule_id not in fold.rules:
            unknown(f"cannot disable {rule_id!r}: no such rule in the selected packs", where)
        elif not refuse(governance.refuse_disable(rule_id), f"disable {rule_id}", where):
            del fold.rules[rule_id]
            fold.origins[f"rule:{rule_id}"] = f"{layer.name} (disabled)"
    for rule_id, severity in overrides.severities.items():
        where = locate(layer.data, ("overrides", "severities", rule_id))
        current = fold.severity(rule_id)
        if current is None:
            unknown(f"unknown rule {rule_id!r}", where)
        elif not refuse(
            governance.refuse_severity(rule_id, current, Severity(severity)), f"{rule_id}: {severity}", where
        ):
            fold.set_severity(rule_id, Severity(severity), layer.name)
    raw_rules = locate_rules(layer.data)
    for index, rule in enumerate(compile_rules(overrides.rules, raw_rules, layer.pack, layer.path, problems)):
        where = locate(layer.data, ("overrides", "rules", index))
        reason = governance.refuse_redefine(rule.id) if rule.id in fold.rules else governance.refuse_any()
        if not refuse(reason, f"rule {rule.id}", where):
            fold.add_rule(rule, layer.name)
    fold.warnings.extend([*problems.warnings, *refused])
    problems.raise_if_errors()


def locate_rules(data: PosDict | None) -> object:
    overrides = data.get("overrides") if data is not None else None
    return overrides.get("rules") if isinstance(overrides, PosDict) else None
