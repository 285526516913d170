"""Layered resolution: built-in and file packs (with ``extends``), the repository config,
then the command line. Each layer is recorded in ``EffectivePolicy.origins``.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import ValidationError

from packwarden.load.document import Mark, PosDict
from packwarden.load.limits import MAX_CONFIG_BYTES, MAX_EXTENDS_DEPTH, MAX_PACKS
from packwarden.load.yaml import load_yaml
from packwarden.model import builtin_rules as R
from packwarden.model.errors import PolicyNotFoundError, PolicyValidationError
from packwarden.model.finding import Finding, Severity
from packwarden.model.policy import DEFAULT_ARTIFACTS, EffectivePolicy
from packwarden.model.rule import Rule
from packwarden.packs.capabilities import Sections, compile_sections, merge
from packwarden.packs.files import BUILTIN, PackFileError, PackFiles
from packwarden.packs.inputs import CONFIG_PATH, DEFAULT_PACK, PolicyInputs, is_pack_file
from packwarden.packs.locate import locate
from packwarden.packs.reader import LoadedPack, Problems, compile_rules, read_pack
from packwarden.packs.schema import ConfigSpec, models

Referrer = tuple[str, Mark]  # the file and position that named a pack (config line, extends entry)


def _where(referrer: Referrer | None) -> str:
    return f"{referrer[0]}:{referrer[1][0]}:{referrer[1][1]}: " if referrer else ""


def _invalid(message: str, referrer: Referrer | None, fallback: str) -> PolicyValidationError:
    path, (line, column) = referrer or (fallback, (1, 1))
    return PolicyValidationError([Finding(R.PACK_INVALID.id, Severity.ERROR, message, path, line, column)])


class ChainLoader:
    """Resolves ``extends``: each pack read and validated once, however many packs extend it.

    The chain is bounded in depth (MAX_EXTENDS_DEPTH) and in size (MAX_PACKS); a cycle, an
    unknown pack or a file that cannot be read is an error located at the line that named it.
    """

    def __init__(self, files: PackFiles) -> None:
        self.files = files
        self.chains: dict[str, list[LoadedPack]] = {}
        self.active: list[tuple[str, str]] = []  # the requests being resolved and their names, outermost first

    def chain(self, ref: str, base: str, referrer: Referrer | None = None) -> list[LoadedPack]:
        """The pack ``ref`` after everything it extends, base first (file refs relative to ``base``)."""
        request = os.path.normpath(os.path.join(base, ref)) if is_pack_file(ref) else f"{BUILTIN}{ref}"
        known = self.chains.get(request)
        if known is not None:
            return known
        shown = self.files.repo_path(request) or ref if is_pack_file(ref) else ref
        if is_pack_file(ref) and self._from_repository(referrer) and self.files.repo_path(request) is None:
            message = f"pack file {ref} is outside the repository; a repository's packs stay inside it"
            raise _invalid(message, referrer, ref)
        if request in [active for active, _ in self.active]:
            cycle = " -> ".join([*(name for _, name in self.active), shown])
            raise _invalid(f"extends cycle: {cycle}", referrer, ref)
        if len(self.active) >= MAX_EXTENDS_DEPTH:
            raise _invalid(f"extends is nested deeper than {MAX_EXTENDS_DEPTH} packs", referrer, ref)
        if len(self.chains) >= MAX_PACKS:
            raise _invalid(f"the policy is built from more than {MAX_PACKS} packs", referrer, ref)
        pack, folder = self._read(ref, request, referrer)
        parent_base = base if folder is None else folder
        if pack.spec.meta.status == "disabled":
            raise _invalid(f"pack {pack.ref} is disabled and cannot be used", referrer, pack.source)
        self.active.append((request, shown))
        try:
            chain: list[LoadedPack] = []
            for parent, mark in zip(pack.spec.extends, pack.extends_marks, strict=False):
                refs = {loaded.ref for loaded in chain}
                chain.extend(p for p in self.chain(parent, parent_base, (pack.source, mark)) if p.ref not in refs)
        finally:
            self.active.pop()
        if pack.ref in {loaded.ref for loaded in chain}:
            raise _invalid(f"extends cycle: {pack.ref} extends itself", referrer, pack.source)
        self.chains[request] = [*chain, pack]
        return self.chains[request]

    def _from_repository(self, referrer: Referrer | None) -> bool:
        """Whether the pack is named by the repository (its config, or one of its packs), which
        may not reach outside it; a pack named on the command line may live anywhere."""
        if not self.active:
            return referrer is not None
        parent = self.active[-1][0]
        return not parent.startswith(BUILTIN) and self.files.repo_path(parent) is not None

    def _read(self, ref: str, request: str, referrer: Referrer | None) -> tuple[LoadedPack, str | None]:
        """The pack and the folder its own file refs are relative to (None: the referrer's)."""
        if not is_pack_file(ref):
            try:
                where, raw = self.files.by_ref(ref)
            except PolicyNotFoundError as exc:
                raise PolicyNotFoundError(f"{_where(referrer)}{exc}") from exc
            return read_pack(raw, where), None
        if not ref.endswith((".yaml", ".yml")):
            raise _invalid(f"pack file {ref!r} must end in .yaml or .yml", referrer, ref)
        try:
            where, raw = self.files.file(request)
        except PackFileError as exc:
            shown = self.files.repo_path(request) or request
            if exc.problem is None:
                raise PolicyNotFoundError(f"{_where(referrer)}cannot read pack file {shown}: no such file") from exc
            raise _invalid(f"pack file {shown} {exc.problem.message}", referrer, shown) from exc
        return read_pack(raw, self.files.repo_path(request) or request), os.path.dirname(where)


def load_chain(ref: str, base: Path | str, files: PackFiles | None = None) -> list[LoadedPack]:
    """The pack ``ref`` after everything it extends, base first (``files`` records every read)."""
    return ChainLoader(files or PackFiles(str(base))).chain(ref, os.path.realpath(base))


class _Fold:
    """Accumulates layers into the values of an EffectivePolicy."""

    def __init__(self) -> None:
        self.rules: dict[str, Rule] = {}
        self.requirement_lists: dict[str, tuple[str, ...]] = {}  # see _inherited
        self.mode = "warn"
        self.fail_on = Severity.ERROR
        self.artifacts = dict(DEFAULT_ARTIFACTS)
        self.builtin_severities: dict[str, Severity] = {}
        self.defaults: dict[str, object] = {}
        self.origins: dict[str, str] = {"mode": "default", "fail_on": "default"}
        self.warnings: list[Finding] = []
        self.capabilities: Sections | None = None  # merged along the chain so far; see _capabilities
        self.capability_ids: set[str] = set()
        self.capability_severities: dict[str, tuple[Severity, str]] = {}

    def set_severity(self, rule_id: str, severity: Severity, layer: str) -> bool:
        if rule_id in self.capability_ids:  # kept for when a later pack compiles the rule again
            self.capability_severities[rule_id] = (severity, layer)
        if rule_id in self.rules:
            self.rules[rule_id] = self.rules[rule_id]._replace(severity=severity)
        elif rule_id in R.BY_ID and R.BY_ID[rule_id].adjustable:
            self.builtin_severities[rule_id] = severity
        else:
            return False
        self.origins[f"severity:{rule_id}"] = layer
        return True

    def _inherited(self, pack: LoadedPack) -> set[str]:
        """The rule ids of the requirement lists ``pack`` leaves to their defaults while a pack
        it extends already said what they hold: those keep the earlier pack's rules (and their
        severities). A list the pack writes replaces the earlier one: rules it no longer asks
        for are dropped."""
        skipped: set[str] = set()
        for name, written, ids in pack.requirement_lists:
            if written or name not in self.requirement_lists:
                for old in set(self.requirement_lists.get(name, ())) - set(ids):
                    self.rules.pop(old, None)
                self.requirement_lists[name] = ids
            else:
                skipped.update(ids)
        return skipped

    def _capabilities(self, pack: LoadedPack) -> set[str]:
        """Compile the capability rules again from ``pack``'s sections merged onto the chain's so far
        (``packs.capabilities.merge``), keeping the severities earlier packs gave them; returns the
        ids of the pack's own capability rules, which these replace."""
        if pack.capabilities is None:
            return set()
        merged, clashes = merge(self.capabilities, pack.capabilities)
        if clashes:
            raise PolicyValidationError(
                [Finding(R.PACK_INVALID.id, Severity.ERROR, m, d.source, d.line, d.column) for m, d in clashes]
            )
        self.capabilities = merged
        for old in self.capability_ids:
            self.rules.pop(old, None)
            self.origins.pop(f"rule:{old}", None)
            self.origins.pop(f"severity:{old}", None)
        compiled = compile_sections(merged)
        self.capability_ids = {rule.id for rule in compiled}
        for rule in compiled:
            self.add_rule(rule, f"pack {rule.pack}")
            if rule.id in self.capability_severities:
                severity, layer = self.capability_severities[rule.id]
                self.rules[rule.id] = rule._replace(severity=severity)
                self.origins[f"severity:{rule.id}"] = layer
        return self.capability_ids

    def add_rule(self, rule: Rule, layer: str) -> None:
        self.rules[rule.id] = rule
        self.origins[f"rule:{rule.id}"] = layer
        self.origins[f"severity:{rule.id}"] = layer

    def pack(self, pack: LoadedPack) -> None:
        layer = f"pack {pack.ref}"
        self.warnings.extend(pack.warnings)
        inherited = self._inherited(pack) | self._capabilities(pack)
        for rule in pack.rules:
            if rule.id not in inherited:
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
        spec = models().config.model_validate(data)
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
    fold.warnings.extend(problems.warnings)
    problems.raise_if_errors()


def locate_rules(data: PosDict | None) -> object:
    overrides = data.get("overrides") if data is not None else None
    return overrides.get("rules") if isinstance(overrides, PosDict) else None


def build_policy(inputs: PolicyInputs, files: PackFiles | None = None) -> EffectivePolicy:
    """Fold the layers; raises PolicyNotFoundError or PolicyValidationError.

    ``files`` reads the pack files (default: from disk) and records every one read, so a cache
    can tell when to rebuild.
    """
    files = files or PackFiles(inputs.root)
    loader = ChainLoader(files)
    spec, data = read_config(inputs.config) if inputs.config is not None else (None, None)
    if inputs.pack is not None:
        chain = loader.chain(inputs.pack, inputs.cwd)
    elif spec is not None and spec.pack is not None:
        chain = loader.chain(spec.pack, inputs.root, (CONFIG_PATH, locate(data, ("pack",))))
    else:
        chain = loader.chain(DEFAULT_PACK, inputs.root)
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
