"""``packwarden capabilities``: the effective capability registry, and the manifests that use it.

The registry is read from the effective policy's capability rules (their options carry it, as
compiled from the packs' ``capabilities`` and ``capability_defaults`` sections, merged along
``extends``); the uses from every skill and agent manifest of the repository, read as
``check`` reads them. The JSON form (``listing``) is stable:

    {"packs": [...], "default_risk": "high" | null, "free_permissions": [...],
     "capabilities": [{"id", "risk", "compensation", "covers", "pack",
                       "used_by": [Use, ...]}, ...],
     "unknown": [Use, ...]}

where a Use is ``{"path", "line", "column", "field", "capability", "written", "risk"}``:
``capability`` is the id in lower case (null for an entry that names none), ``written`` the
entry as written when it is text (else null; cut at 200 characters), ``risk`` the risk it is
judged at. Registry entries keep the pack's order; uses are ordered by path, line and column.
``default_risk`` and every ``risk`` are null when the policy has no capability sections:
nothing judges capabilities then.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from packwarden.checks.capabilities import Registry, declarations
from packwarden.checks.target import show
from packwarden.load.document import PosDict
from packwarden.model.policy import EffectivePolicy
from packwarden.report.styled import Line, safe

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~3 ms)
if TYPE_CHECKING:
    from typing import Any

KINDS = ("skill", "agent")
MAX_WRITTEN = 200  # characters of an entry's text that a listing repeats


def registry_options(policy: EffectivePolicy) -> tuple[Mapping[str, Any] | None, list[str]]:
    """The registry and default risk the policy's capability rules carry (None: it has none), and
    the free permissions (those of the coverage rule; none without it)."""
    from packwarden.checks import capability_compensation, capability_coverage, capability_decision, capability_risk

    spec: Mapping[str, Any] | None = None
    free: list[str] = []
    for rule in policy.rules:
        for module in (capability_risk, capability_compensation, capability_decision):
            value = rule.params.get(module.KEY)
            if spec is None and isinstance(value, Mapping):
                spec = value
        coverage = rule.params.get(capability_coverage.KEY)
        if isinstance(coverage, Mapping):
            free = [str(glob) for glob in coverage["free_permissions"]]
    return spec, free


def manifests(policy: EffectivePolicy, cwd: str) -> list[tuple[str, Any]]:
    """Every skill and agent manifest of the repository at ``cwd`` that reads as a mapping, with
    its data, by path; read as ``check`` reads them (the same size cap and YAML reader)."""
    from packwarden.artifacts.units import UnitTable
    from packwarden.load.loaders import load
    from packwarden.model.kinds import spec_of
    from packwarden.workspace import DiskFiles, find_root

    root, in_git = find_root(cwd)
    source = DiskFiles(root, in_git, untracked=True)
    table = UnitTable(policy.artifacts)
    found = []
    for path in sorted(source.all_paths()):
        kind = table.kind_of(path)
        if kind not in KINDS:
            continue
        raw = source.read(path)
        if isinstance(raw, bytes):
            document = load(spec_of(kind).loader, raw)
            if document.ok and isinstance(document.data, PosDict):
                found.append((path, document.data))
    return found


def _written(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    return value if len(value) <= MAX_WRITTEN else value[: MAX_WRITTEN - 3] + "..."


def listing(policy: EffectivePolicy, documents: Iterable[tuple[str, Any]]) -> dict[str, object]:
    """The registry and its uses as JSON data (the shape is in the module docstring)."""
    spec, free = registry_options(policy)
    registry = Registry(spec or {})
    entries = [
        {
            "id": str(entry["id"]),
            "risk": str(entry["risk"]),
            "compensation": str(entry.get("compensation") or ""),
            "covers": [str(glob) for glob in entry.get("covers") or ()],
            "pack": str(entry.get("pack") or ""),
            "used_by": [],
        }
        for entry in registry.entries
    ]
    by_id: dict[str, dict[str, Any]] = {str(entry["id"]): entry for entry in entries}
    unknown: list[dict[str, object]] = []
    for path, data in documents:
        for declared in declarations(data):
            risk, entry = registry.judge(declared)
            use = {
                "path": path,
                "line": declared.line,
                "column": declared.column,
                "field": declared.field,
                "capability": declared.capability,
                "written": _written(declared.written),
                "risk": risk if spec is not None else None,
            }
            if entry is None:
                unknown.append(use)
            else:
                by_id[str(entry["id"])]["used_by"].append(use)
    return {
        "packs": list(policy.packs),
        "default_risk": registry.default_risk if spec is not None else None,
        "free_permissions": free,
        "capabilities": entries,
        "unknown": unknown,
    }


def _use_line(use: Mapping[str, Any]) -> Line:
    if use["capability"]:
        named = str(use["capability"])
    else:
        named = f"{show(use['written'])} (no capability id)"
    where = f"{safe(str(use['path']))}:{use['line']}:{use['column']}"
    judged = [(f"  judged {use['risk']}", "dim")] if use["risk"] else []
    return [(f"      {where}", ""), (f"  {safe(str(named))}", "magenta"), *judged]


def listing_lines(data: Mapping[str, Any]) -> list[Line]:
    """The listing as text: each registry entry, its risk, compensation and covers, and its uses."""
    packs = " -> ".join(data["packs"])
    if data["default_risk"] is None:
        lines: list[Line] = [[(f"no capability registry in {packs}: no pack of it has capability sections", "bold")]]
    else:
        lines = [
            [("capability registry of ", "bold"), (packs, "")],
            [("default risk of an id the registry does not know: ", "bold"), (str(data["default_risk"]), "")],
        ]
        if data["free_permissions"]:
            lines.append([("permissions that need no capability: ", "bold"), (", ".join(data["free_permissions"]), "")])
    for entry in data["capabilities"]:
        compensation = f"compensation: {entry['compensation']}" if entry["compensation"] else "no compensation"
        covers = f"covers {', '.join(entry['covers'])}" if entry["covers"] else "covers no permission"
        lines.append(
            [(f"  {entry['id']:<24}", "magenta"), (f" {entry['risk']:<9}", "bold"), (f" {covers}; {compensation}", "")]
        )
        lines.extend(_use_line(use) for use in entry["used_by"])
        if not entry["used_by"]:
            lines.append([("      (no manifest declares it)", "dim")])
    if data["unknown"]:
        title = "ids the registry does not know:" if data["default_risk"] else "declared capabilities:"
        lines.append([(title, "bold")])
        lines.extend(_use_line(use) for use in data["unknown"])
    return lines
