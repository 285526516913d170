"""Layered resolution: built-in and central packs (with ``extends``), the central project's
overrides and governance, the repository config, then the command line. Each layer is recorded
in ``EffectivePolicy.origins``.
"""

from __future__ import annotations

from packwarden.load.document import PosDict
from packwarden.model import builtin_rules as R
from packwarden.model.errors import PackUnavailableError, PolicyValidationError
from packwarden.model.finding import Finding, Severity
from packwarden.model.policy import EffectivePolicy
from packwarden.packs.chain import ChainLoader, Referrer, load_chain
from packwarden.packs.files import PackFiles
from packwarden.packs.fold import Fold
from packwarden.packs.governance import ALLOW_ALL
from packwarden.packs.guard import restore
from packwarden.packs.inputs import CONFIG_PATH, DEFAULT_PACK, PolicyInputs, is_pack_file
from packwarden.packs.locate import locate
from packwarden.packs.overrides import Layer, apply_overrides, read_config
from packwarden.packs.reader import LoadedPack
from packwarden.packs.schema import ConfigSpec
from packwarden.packs.unavailable import unavailable_finding

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~3 ms)
if TYPE_CHECKING:
    from packwarden.packs.central import CentralPacks
    from packwarden.packs.project import Project

__all__ = [
    "CONFIG_PATH",
    "DEFAULT_PACK",
    "ChainLoader",
    "PolicyInputs",
    "build_policy",
    "is_pack_file",
    "load_chain",
    "read_config",
]


def build_policy(inputs: PolicyInputs, files: PackFiles | None = None) -> EffectivePolicy:
    """Fold the layers; raises PolicyNotFoundError or PolicyValidationError.

    ``files`` reads the pack files (default: from disk) and records every one read, so a cache
    can tell when to rebuild.
    """
    files = files or PackFiles(inputs.root)
    spec, data = read_config(inputs.config) if inputs.config is not None else (None, None)
    central = _central(files, spec, data)
    unavailable: list[Finding] = []
    project = _project(central, spec, data, unavailable)
    modes = (spec.mode if spec is not None else None, project.spec.mode if project is not None else None)
    strict = inputs.strict or "block" in modes
    if strict and unavailable:
        raise PolicyValidationError(unavailable)
    governance = project.governance if project is not None else ALLOW_ALL
    loader = ChainLoader(files, central, degrade=not strict)
    chain = _selected_chain(loader, inputs, spec, data, project, unavailable)
    fold = Fold()
    for pack in chain:
        fold.pack(pack, loader.layers.get(pack.ref, ""))
    project_layer = _project_layer(project)
    if project_layer is not None:
        apply_overrides(fold, project_layer, ALLOW_ALL, bool(unavailable))
    if spec is not None:
        layer = Layer(spec.mode, spec.overrides, data, CONFIG_PATH, CONFIG_PATH, "local")
        apply_overrides(fold, layer, governance, bool(unavailable))
    if project is not None:
        baseline = _baseline(loader, chain, project, inputs.root)
        where = (CONFIG_PATH, locate(data, ("pack",))) if spec is not None and spec.pack else (CONFIG_PATH, (1, 1))
        fold.warnings.extend(restore(fold, baseline, governance, where))
    for rule_id in governance.min_severity:
        current = fold.severity(rule_id)
        if current is not None and governance.raise_to_minimum(rule_id, current) != current:
            fold.set_severity(rule_id, governance.min_severity[rule_id], f"{governance.layer} (min_severity)")
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
        warnings=(*loader.warnings, *unavailable, *fold.warnings),
        locked={
            rule_id: governance.layer
            for rule_id in sorted({*fold.rules, *(rule.id for rule in R.ALL if rule.adjustable)})
            if governance.locks(rule_id)
        },
        waiver_limits=fold.waiver_limits,
        provenance=fold.provenance,
    )


def _project_layer(project: Project | None) -> Layer | None:
    if project is None:
        return None
    spec = project.spec
    return Layer(spec.mode, spec.overrides, project.data, project.source, project.layer, project.source)


def _baseline(loader: ChainLoader, chain: list[LoadedPack], project: Project, root: str) -> Fold:
    """What the central layers alone make: the project's pack (or the central and built-in packs
    of the chain) with the project's overrides; ``guard.restore`` holds the policy to it."""
    packs = chain
    if project.spec.pack is not None:
        try:
            packs = loader.chain(project.spec.pack, root, (project.source, locate(project.data, ("pack",))))
        except PackUnavailableError:
            packs = []  # said already, where the selection fell back
    baseline = Fold()
    for pack in packs:
        origin = loader.layers.get(pack.ref, "")
        if not (origin == "built-in" or origin.startswith("central ")):
            break  # the chain is base first: from here on, packs of the repository
        baseline.pack(pack, origin)
    layer = _project_layer(project)
    assert layer is not None
    apply_overrides(baseline, layer, ALLOW_ALL, degraded=True)
    return baseline


def _central(files: PackFiles, spec: ConfigSpec | None, data: PosDict | None) -> CentralPacks | None:
    """The central layer, when the config names sources (a project needs them)."""
    if spec is None or not spec.sources:
        if spec is not None and spec.project is not None:
            message = "project: a project's policy comes from a central source; add one under sources"
            raise PolicyValidationError(
                [Finding(R.CONFIG_INVALID.id, Severity.ERROR, message, CONFIG_PATH, *locate(data, ("project",)))]
            )
        return None
    from packwarden.packs.central import CentralPacks

    return CentralPacks(files, files.central_root)


def _project(
    central: CentralPacks | None, spec: ConfigSpec | None, data: PosDict | None, unavailable: list[Finding]
) -> Project | None:
    if central is None or spec is None or spec.project is None:
        return None
    from packwarden.packs.project import read_project

    try:
        shown, raw = central.project(spec.project)
    except PackUnavailableError as exc:
        unavailable.append(
            unavailable_finding(
                f"{exc}; checked without its overrides and locks", CONFIG_PATH, locate(data, ("project",))
            )
        )
        return None
    source = shown.partition(":")[0]
    return read_project(raw, shown, f"project {spec.project} (central {source}, projects/{spec.project}.yml)")


def _selected_chain(
    loader: ChainLoader,
    inputs: PolicyInputs,
    spec: ConfigSpec | None,
    data: PosDict | None,
    project: Project | None,
    unavailable: list[Finding],
) -> list[LoadedPack]:
    """The chain of the selected pack: the command line's, the config's (when the project lets
    it choose), the project's, or the default; an unavailable central one falls back to the
    default in warn mode, with a finding."""

    referrer: Referrer | None = None
    if inputs.pack is not None:
        ref, base = inputs.pack, inputs.cwd
    else:
        ref, base = DEFAULT_PACK, inputs.root
        if project is not None and project.spec.pack is not None:
            ref, referrer = project.spec.pack, (project.source, locate(project.data, ("pack",)))
        if spec is not None and spec.pack is not None:
            where = locate(data, ("pack",))
            governance = project.governance if project is not None else ALLOW_ALL
            reason = governance.refuse_pack(ref, spec.pack) if project is not None and project.spec.pack else None
            if reason is None:
                ref, referrer = spec.pack, (CONFIG_PATH, where)
            else:
                message = f"override refused: pack: {spec.pack}: {reason}; {ref} applies"
                loader.warnings.append(
                    Finding(R.CONFIG_OVERRIDE_REFUSED.id, Severity.ERROR, message, CONFIG_PATH, *where)
                )
    try:
        return loader.chain(ref, base, referrer)
    except PackUnavailableError as exc:
        if not loader.degrade:
            path, mark = referrer or (CONFIG_PATH, (1, 1))
            raise PolicyValidationError([unavailable_finding(str(exc), path, mark)]) from exc
        path, mark = referrer or (CONFIG_PATH, (1, 1))
        unavailable.append(unavailable_finding(f"{exc}; checked with {DEFAULT_PACK} until then", path, mark))
        return loader.chain(DEFAULT_PACK, inputs.root)
