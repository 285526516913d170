"""Layered resolution: built-in and file packs (with ``extends``), the repository config,
then the command line. Each layer is recorded in ``EffectivePolicy.origins``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pydantic import ValidationError

from packwarden.load.document import PosDict
from packwarden.load.limits import MAX_CONFIG_BYTES
from packwarden.load.yaml import load_yaml
from packwarden.model import builtin_rules as R
from packwarden.model.errors import PolicyNotFoundError, PolicyValidationError
from packwarden.model.finding import Finding, Severity
from packwarden.model.policy import DEFAULT_ARTIFACTS, EffectivePolicy
from packwarden.model.rule import Rule
from packwarden.model.schema import ConfigSpec
from packwarden.packs import builtin
from packwarden.packs.inputs import CONFIG_PATH, PolicyInputs
from packwarden.packs.locate import locate
from packwarden.packs.reader import LoadedPack, Problems, compile_rules, read_pack

DEFAULT_PACK = "default@1.0"
ADJUSTABLE_BUILTINS = ("parse.", "path.")


def is_pack_file(ref: str) -> bool:
    return "/" in ref or "\\" in ref or ref.endswith((".yaml", ".yml"))


Recorder = Callable[[str, bytes], None]


def _ignore(path: str, raw: bytes) -> None:
    """The default recorder: nobody needs to know which files were read."""


def load_chain(ref: str, base: Path, seen: tuple[str, ...] = (), record: Recorder = _ignore) -> list[LoadedPack]:
    """The pack ``ref`` after everything it extends, base first; ``record`` sees every file read."""
    if is_pack_file(ref):
        path = (base / ref).resolve()
        shown = ref if not seen else str(path)
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise PolicyNotFoundError(f"cannot read pack file {shown}: {exc.strerror}") from exc
        record(str(path), raw)
        pack = read_pack(raw, shown)
        parent_base = path.parent
    else:
        resolved, raw = builtin.read_builtin(ref)
        record(str(builtin.pack_dir(resolved) / "pack.yaml"), raw)
        pack = read_pack(raw, f"<builtin>/{resolved}/pack.yaml")
        parent_base = base
    if pack.ref in seen:
        cycle = " -> ".join((*seen, pack.ref))
        raise PolicyValidationError(
            [Finding(R.PACK_INVALID.id, Severity.ERROR, f"extends cycle: {cycle}", pack.source)]
        )
    if pack.spec.meta.status == "disabled":
        message = f"pack {pack.ref} is disabled and cannot be used"
        raise PolicyValidationError([Finding(R.PACK_INVALID.id, Severity.ERROR, message, pack.source)])
    chain: list[LoadedPack] = []
    for parent in pack.spec.extends:
        chain.extend(
            p for p in load_chain(parent, parent_base, (*seen, pack.ref)) if p.ref not in {c.ref for c in chain}
        )
    return [*chain, pack]


class _Fold:
    """Accumulates layers into the values of an EffectivePolicy."""

    def __init__(self) -> None:
        self.rules: dict[str, Rule] = {}
        self.mode = "warn"
        self.fail_on = Severity.ERROR
        self.artifacts = dict(DEFAULT_ARTIFACTS)
        self.builtin_severities: dict[str, Severity] = {}
        self.defaults: dict[str, object] = {}
        self.origins: dict[str, str] = {"mode": "default", "fail_on": "default"}
        self.warnings: list[Finding] = []

    def set_severity(self, rule_id: str, severity: Severity, layer: str) -> bool:
        if rule_id in self.rules:
            self.rules[rule_id] = self.rules[rule_id]._replace(severity=severity)
        elif rule_id in R.BY_ID and rule_id.startswith(ADJUSTABLE_BUILTINS):
            self.builtin_severities[rule_id] = severity
        else:
            return False
        self.origins[f"severity:{rule_id}"] = layer
        return True

    def add_rule(self, rule: Rule, layer: str) -> None:
        self.rules[rule.id] = rule
        self.origins[f"rule:{rule.id}"] = layer
        self.origins[f"severity:{rule.id}"] = layer

    def pack(self, pack: LoadedPack) -> None:
        layer = f"pack {pack.ref}"
        self.warnings.extend(pack.warnings)
        for rule in pack.rules:
            self.add_rule(rule, layer)
        enforcement = pack.spec.enforcement
        if "mode" in enforcement.model_fields_set:
            self.mode, self.origins["mode"] = enforcement.mode, layer
        if "fail_on" in enforcement.model_fields_set:
            self.fail_on, self.origins["fail_on"] = Severity(enforcement.fail_on), layer
        for kind, globs in pack.spec.artifacts.items():
            self.artifacts[kind] = tuple(globs)
            self.origins[f"artifacts:{kind}"] = layer
        self.defaults.update(pack.spec.defaults)
        unknown = [
            rid for rid, sev in enforcement.severities.items() if not self.set_severity(rid, Severity(sev), layer)
        ]
        if unknown:
            message = f"enforcement.severities names unknown rules: {', '.join(unknown)}"
            raise PolicyValidationError([Finding(R.PACK_INVALID.id, Severity.ERROR, message, pack.source)])


def read_config(raw: bytes) -> tuple[ConfigSpec, PosDict | None]:
    """The validated repository config; raises PolicyValidationError with its lines."""
    problems = Problems(CONFIG_PATH, R.CONFIG_INVALID)
    document = load_yaml(raw, MAX_CONFIG_BYTES)
    for problem in document.problems:
        problems.error(problem.message, (problem.line, problem.column), problem.rule)
    problems.raise_if_errors()
    data = document.data if document.data is not None else PosDict((1, 1))
    try:
        spec = ConfigSpec.model_validate(data)
    except ValidationError as exc:
        problems.schema_errors(exc, data)
        problems.raise_if_errors()
        raise  # pragma: no cover
    return spec, data if isinstance(data, PosDict) else None


def _apply_config(fold: _Fold, spec: ConfigSpec, data: PosDict | None) -> None:
    problems = Problems(CONFIG_PATH, R.CONFIG_INVALID)
    layer = CONFIG_PATH
    if spec.mode is not None:
        fold.mode, fold.origins["mode"] = spec.mode, layer
    overrides = spec.overrides
    for index, rule_id in enumerate(overrides.disable):
        where = locate(data, ("overrides", "disable", index))
        if rule_id in overrides.disable[:index]:
            problems.error(f"{rule_id!r} is listed twice in overrides.disable", where)
            continue
        if rule_id not in fold.rules:
            problems.error(f"cannot disable {rule_id!r}: no such rule in the selected packs", where)
            continue
        del fold.rules[rule_id]
        fold.origins[f"rule:{rule_id}"] = f"{layer} (disabled)"
    for rule_id, severity in overrides.severities.items():
        if not fold.set_severity(rule_id, Severity(severity), layer):
            problems.error(f"unknown rule {rule_id!r}", locate(data, ("overrides", "severities", rule_id)))
    raw_rules = locate_rules(data)
    for rule in compile_rules(overrides.rules, raw_rules, "local", CONFIG_PATH, problems):
        fold.add_rule(rule, layer)
    problems.raise_if_errors()


def locate_rules(data: PosDict | None) -> object:
    overrides = data.get("overrides") if data is not None else None
    return overrides.get("rules") if isinstance(overrides, PosDict) else None


def build_policy(inputs: PolicyInputs, record: Recorder = _ignore) -> EffectivePolicy:
    """Fold the layers; raises PolicyNotFoundError or PolicyValidationError.

    ``record`` is called with every pack file read, so a cache can tell when to rebuild.
    """
    spec, data = read_config(inputs.config) if inputs.config is not None else (None, None)
    if inputs.pack is not None:
        chain = load_chain(inputs.pack, Path(inputs.cwd), record=record)
    elif spec is not None and spec.pack is not None:
        try:
            chain = load_chain(spec.pack, Path(inputs.root), record=record)
        except PolicyNotFoundError as exc:  # point at the config line that named it
            line, column = locate(data, ("pack",))
            raise PolicyNotFoundError(f"{CONFIG_PATH}:{line}:{column}: {exc}") from exc
    else:
        chain = load_chain(DEFAULT_PACK, Path(inputs.root), record=record)
    fold = _Fold()
    for pack in chain:
        fold.pack(pack)
    if spec is not None:
        _apply_config(fold, spec, data)
    if inputs.strict:
        fold.mode, fold.origins["mode"] = "block", "command line --strict"
    return EffectivePolicy(
        packs=tuple(pack.ref for pack in chain),
        mode=fold.mode,
        fail_on=fold.fail_on,
        rules=tuple(fold.rules.values()),
        artifacts=fold.artifacts,
        builtin_severities=fold.builtin_severities,
        defaults=fold.defaults,
        origins=fold.origins,
        warnings=tuple(fold.warnings),
    )
