"""Capabilities: what a manifest declares, and the registry and decisions it is judged by.

Shared by the capability check kinds (``capability_ids``, ``capability_decision``,
``capability_risk``, ``capability_coverage``, ``capability_compensation``). Their options carry
the pack's registry as plain data, compiled from its ``capabilities``, ``capability_defaults``
and ``decisions`` sections by ``packs.capabilities``: each entry
``{"id": glob, "risk": level, "compensation": text, "covers": [globs], "pack": ref}``.

A manifest declares capabilities for all of it (top-level ``capabilities:``) and per entrypoint
(``entrypoints[*].capabilities``); each entry is an id (``io.net.http``) or a mapping
``{id, risk, compensation}``. Ids compare in lower case and without surrounding spaces, so
``IO.Exec.Shell`` is judged as the ``io.exec.shell`` it names rather than slipping past a
decision as an unknown id (``capability_ids`` still reports how it is written). An entry that
names no id at all (prose, a number, a list) is judged as an unknown capability: at the pack's
default risk. Nothing a manifest writes can lower the risk it is judged at.

Globs (a registry id ``io.net.*``, a decision's ``capability`` or ``permission``, a ``covers``
entry): ``*`` matches any run of characters, dots included, ``?`` one character; nothing else
is special. They run on RE2 (``model.pattern``), in time linear in the text, and only on texts
no longer than MAX_TEXT.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping

from packwarden.checks.option import Option
from packwarden.checks.target import show
from packwarden.load.document import Mark, PosDict, PosList
from packwarden.model.record import Record

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~3 ms)
if TYPE_CHECKING:
    import re
    from typing import Any

    from packwarden.model.pattern import PolicyPattern

RISKS = ("low", "medium", "high", "critical")  # lowest first
RANK = {risk: rank for rank, risk in enumerate(RISKS)}
OUTCOMES = ("allow", "deny", "require_approval")
CONDITIONS = ("capability", "risk_level", "kind", "permission")
MAX_TEXT = 128  # an id, a glob or a permission longer than this is never matched
# Fixed patterns on texts of at most MAX_TEXT characters: each dot ends a segment, so none can
# back-track. Compiled on first use: every hook run imports the check kinds, few judge capabilities.
GRAMMAR = {
    "id": r"[a-z0-9][a-z0-9_-]*(?:\.[a-z0-9][a-z0-9_-]*)*\Z",
    "capability glob": r"[a-z0-9_*?-]+(?:\.[a-z0-9_*?-]+)*\Z",
    "permission glob": r"[a-z0-9_.:/*?-]+\Z",
}
ID_HELP = "dot-separated lower-case words such as io.net.http"


@functools.cache
def grammar(name: str) -> re.Pattern[str]:
    import re

    return re.compile(GRAMMAR[name])


def canonical(value: object) -> str | None:
    """The capability id ``value`` names, in lower case; None when it names none."""
    if not isinstance(value, str) or len(value) > MAX_TEXT + 16:
        return None
    text = value.strip().lower()
    return text if len(text) <= MAX_TEXT and grammar("id").match(text) else None


def permission_text(value: object) -> str | None:
    """A held permission as it is matched (lower case); None when it is no usable text."""
    if not isinstance(value, str) or len(value) > MAX_TEXT + 16:
        return None
    text = value.strip().lower()
    return text if text and len(text) <= MAX_TEXT and text.isprintable() and " " not in text else None


@functools.lru_cache(maxsize=1024)
def _compiled(glob: str) -> PolicyPattern | None:
    """RE2 for a glob with a wildcard; None for a literal, which compares equal or not."""
    if "*" not in glob and "?" not in glob:
        return None
    import re

    from packwarden.model.pattern import compile_pattern

    source = "".join(".*" if char == "*" else "." if char == "?" else re.escape(char) for char in glob)
    return compile_pattern(r"\A(?:" + source + r")\z")


def glob_matches(glob: str, text: str) -> bool:
    """Whether ``text`` (lower case, at most MAX_TEXT characters) matches ``glob``."""
    glob = glob.lower()
    pattern = _compiled(glob)
    return glob == text if pattern is None else pattern.matches(text)


def literal_length(glob: str) -> int:
    """How specific a glob is: its characters that are no wildcard."""
    return len(glob) - glob.count("*") - glob.count("?")


class Declared(Record):
    """One capability entry of a manifest."""

    capability: str | None  # the id it names, in lower case; None: it names none
    written: Any  # the entry as written
    risk: str | None  # the risk the manifest declares for it, when it names a risk level
    compensated: bool  # the declaration says how its effects are undone
    field: str  # capabilities[0], entrypoints[1].capabilities[0]
    line: int
    column: int
    entrypoint: int | None  # None: declared for the whole manifest
    problem: str = ""  # why the entry is written wrongly; empty when it is not
    risk_at: Mark | None = None  # where a mapping's ``risk`` is written


class Held(Record):
    """One permission a manifest holds."""

    written: Any
    text: str | None  # as it is matched; None: no usable text, so nothing covers it
    field: str
    line: int
    column: int
    entrypoint: int | None


def in_scope(one: int | None, other: int | None) -> bool:
    """Whether a declaration and a permission meet: the whole manifest's meet everything, an
    entrypoint's meet the whole manifest's and their own entrypoint's."""
    return one is None or other is None or one == other


def _entry(item: Any, field: str, mark: Mark, entrypoint: int | None) -> Declared:
    line, column = mark
    if isinstance(item, str):
        capability = canonical(item)
        problem = ""
        if capability is None:
            problem = f"{show(item)} is no capability id ({ID_HELP})"
        elif capability != item:
            problem = f"{show(item)} is written differently from the id it names: write {capability!r}"
        return Declared(capability, item, None, False, field, line, column, entrypoint, problem)
    if not isinstance(item, PosDict):
        problem = f"{show(item)} is neither a capability id nor a mapping with one ({{id: io.net.http}})"
        return Declared(None, item, None, False, field, line, column, entrypoint, problem)
    written = item.get("id")
    at = item.marks.get("id", mark)
    if isinstance(written, str):
        inner = _entry(written, f"{field}.id", at, entrypoint)
    else:  # never read further: an id nested in an id is no id
        why = f"{field}.id must be a capability id, not {show(written)}" if "id" in item else f"{field} has no id"
        inner = Declared(None, written, None, False, f"{field}.id", *at, entrypoint, why)
    problem = inner.problem
    risk = item.get("risk")
    if "risk" in item and risk not in RISKS:
        problem = problem or f"{field}.risk {show(risk)} is not one of {', '.join(RISKS)}"
    compensation = item.get("compensation")
    compensated = bool(compensation.strip()) if isinstance(compensation, str) else bool(compensation)
    if "compensation" in item and not (compensated and isinstance(compensation, (str, PosDict))):
        problem = problem or f"{field}.compensation must say, in text, how the capability's effects are undone"
    return inner._replace(
        written=written if "id" in item else item,
        risk=risk if isinstance(risk, str) and risk in RISKS else None,
        compensated=compensated,
        problem=problem,
        risk_at=item.marks.get("risk"),
    )


def _list(parent: PosDict, key: str, prefix: str) -> list[tuple[Any, str, Mark]]:
    """The items of ``parent[key]`` with their field paths; a value that is no list is one item."""
    if key not in parent or parent[key] is None:
        return []
    value = parent[key]
    if isinstance(value, PosList):
        return [(item, f"{prefix}{key}[{index}]", value.marks[index]) for index, item in enumerate(value)]
    return [(value, f"{prefix}{key}", parent.marks[key])]


def _entrypoints(data: PosDict) -> list[tuple[int | None, PosDict, str]]:
    """The manifest itself, then each entrypoint that is a mapping, with their field prefixes."""
    found: list[tuple[int | None, PosDict, str]] = [(None, data, "")]
    entrypoints = data.get("entrypoints")
    if isinstance(entrypoints, PosList):
        for index, entrypoint in enumerate(entrypoints):
            if isinstance(entrypoint, PosDict):
                found.append((index, entrypoint, f"entrypoints[{index}]."))
    return found


def declarations(data: PosDict) -> list[Declared]:
    """Every capability the manifest declares, the whole manifest's first."""
    found: list[Declared] = []
    for entrypoint, parent, prefix in _entrypoints(data):
        listed = isinstance(parent.get("capabilities"), PosList)
        for item, field, mark in _list(parent, "capabilities", prefix):
            declared = _entry(item, field, mark, entrypoint)
            if not listed:  # still judged, as what it names (or as an unknown capability)
                declared = declared._replace(problem=f"{field} must be a list of capability ids, not {show(item)}")
            found.append(declared)
    return found


def held(data: PosDict) -> list[Held]:
    """Every permission the manifest holds, the whole manifest's first."""
    found: list[Held] = []
    for entrypoint, parent, prefix in _entrypoints(data):
        for item, field, (line, column) in _list(parent, "permissions", prefix):
            found.append(Held(item, permission_text(item), field, line, column, entrypoint))
    return found


class Registry:
    """The registry of one rule's options: an id's entry, and the risk a declaration is judged at.

    A plain class: it is made once per rule and manifest, from the rule's plain data.
    """

    __slots__ = ("default_risk", "entries")

    def __init__(self, spec: Mapping[str, Any]) -> None:
        self.entries: list[Mapping[str, Any]] = list(spec.get("registry") or ())
        self.default_risk = str(spec.get("default_risk") or "high")

    def entry_for(self, capability: str | None) -> Mapping[str, Any] | None:
        """The entry that decides about ``capability``: one written with its exact id; else the
        matching glob with the most characters that are no wildcard, the riskier of two such,
        the first of equals. None for an unknown id or an entry that names none."""
        if capability is None:
            return None
        best: tuple[int, int, int] | None = None
        chosen = None
        for order, entry in enumerate(self.entries):
            glob = str(entry["id"])
            if glob == capability:
                return entry
            if glob_matches(glob, capability):
                rank = (literal_length(glob), RANK[str(entry["risk"])], -order)
                if best is None or rank > best:
                    best, chosen = rank, entry
        return chosen

    def judge(self, declared: Declared) -> tuple[str, Mapping[str, Any] | None]:
        """The risk ``declared`` is judged at, and its entry: the registry's risk (the default
        for an unknown id), raised to the manifest's own when that is higher."""
        entry = self.entry_for(declared.capability)
        risk = str(entry["risk"]) if entry is not None else self.default_risk
        if declared.risk is not None and RANK[declared.risk] > RANK[risk]:
            risk = declared.risk
        return risk, entry


def named(declared: Declared) -> str:
    """A declaration as a message names it."""
    if declared.capability is not None:
        return declared.capability
    return f"{show(declared.written)} (no capability id)"


def risk_source(declared: Declared, entry: Mapping[str, Any] | None, default_risk: str) -> str:
    """Where the risk of a declaration comes from, for messages; empty: its own registry entry."""
    registered = str(entry["risk"]) if entry is not None else default_risk
    if declared.risk is not None and RANK[declared.risk] > RANK[registered]:
        return "as the manifest declares it"
    if entry is not None:
        glob = str(entry["id"])
        return "" if glob == declared.capability else f"registry entry {glob}"
    return f"not in the registry: the default risk is {default_risk}"


# --- the options' values, checked when a pack is read -----------------------------------------


def capability_glob_problem(glob: object) -> str | None:
    if not isinstance(glob, str) or not glob:
        return f"a capability id or glob must be text, not {show(glob)}"
    if len(glob) > MAX_TEXT or not grammar("capability glob").match(glob):
        return f"{show(glob)} is no capability id or glob ({ID_HELP}; * and ? as wildcards)"
    return None


def permission_glob_problem(glob: object) -> str | None:
    if not isinstance(glob, str) or not glob:
        return f"a permission or glob must be text, not {show(glob)}"
    if len(glob) > MAX_TEXT or not grammar("permission glob").match(glob.lower()):
        return f"{show(glob)} is no permission or glob (such as network:http or network:*)"
    return None


def _texts(value: object, what: str, problem: Any) -> str | None:
    if not isinstance(value, list):
        return f"{what} must be a list, not {show(value)}"
    return next((found for item in value if (found := problem(item)) is not None), None)


def registry_problem(entries: object) -> str | None:
    """Why ``entries`` is no registry; None when it is one."""
    if not isinstance(entries, list):
        return f"registry must be a list of entries, not {show(entries)}"
    for entry in entries:
        if not isinstance(entry, Mapping) or not {"id", "risk"} <= set(entry):
            return f"a registry entry must be a mapping with id and risk, not {show(entry)}"
        unknown = sorted(str(key) for key in entry if key not in ("id", "risk", "compensation", "covers", "pack"))
        problem = capability_glob_problem(entry["id"])
        if unknown:
            problem = f"registry entry {show(entry['id'])}: unknown key {unknown[0]!r}"
        elif entry["risk"] not in RISKS:
            problem = f"registry entry {show(entry['id'])}: risk {show(entry['risk'])} is not one of {', '.join(RISKS)}"
        elif not all(isinstance(entry.get(key, ""), str) for key in ("compensation", "pack")):
            problem = f"registry entry {show(entry['id'])}: compensation and pack are text"
        problem = problem or _texts(entry.get("covers", []), "covers", permission_glob_problem)
        if problem is not None:
            return problem
    return None


def decisions_problem(decisions: object) -> str | None:
    """Why ``decisions`` is no list of decisions; None when it is one."""
    if not isinstance(decisions, list) or not decisions:
        return f"decisions must be a non-empty list, not {show(decisions)}"
    for decision in decisions:
        if not isinstance(decision, Mapping) or not isinstance(decision.get("when"), Mapping):
            return f"a decision must be a mapping with id, when and decision, not {show(decision)}"
        when = decision["when"]
        unknown = sorted(str(key) for key in when if key not in CONDITIONS)
        if unknown or not when:
            return f"decision {show(decision.get('id'))}: when takes {', '.join(CONDITIONS)}, at least one"
        if decision.get("decision") not in OUTCOMES or not isinstance(decision.get("id"), str):
            return f"decision {show(decision.get('id'))}: decision is one of {', '.join(OUTCOMES)}"
        checks = {
            "capability": capability_glob_problem,
            "permission": permission_glob_problem,
            "risk_level": lambda v: None if v in RISKS else f"risk_level {show(v)} is not one of {', '.join(RISKS)}",
            "kind": lambda v: None if isinstance(v, str) and v else f"kind {show(v)} is no artifact kind",
        }
        for key, values in when.items():
            problem = _texts(values, f"when.{key}", checks[key])
            if problem is not None:
                return f"decision {decision['id']}: {problem}"
    return None


def spec_problem(value: object, keys: tuple[str, ...]) -> str | None:
    """Why an option's mapping is unusable: the keys it must have, each checked."""
    if not isinstance(value, Mapping) or set(value) != set(keys):
        return f"a mapping with exactly {', '.join(keys)}"
    if "registry" in value and (problem := registry_problem(value["registry"])) is not None:
        return problem
    if "default_risk" in value and value["default_risk"] not in RISKS:
        return f"default_risk {show(value['default_risk'])} is not one of {', '.join(RISKS)}"
    if "free_permissions" in value:
        return _texts(value["free_permissions"], "free_permissions", permission_glob_problem)
    if "decisions" in value:
        problem = decisions_problem(value["decisions"])
        ids = [decision["id"] for decision in value["decisions"]] if problem is None else []
        if problem is None and value.get("decision") not in ids:
            problem = f"decision {show(value.get('decision'))} is not one of the decisions"
        return problem
    return None


def summary(value: object, name: str) -> str:
    """An option's value in a line (``packwarden effective``, ``explain``, ``packs diff``): what
    it holds, and a digest of all of it, so that any change shows."""
    import json

    from packwarden.model.digest import hex_digest

    if not isinstance(value, Mapping):
        return f"{name}={value!r}"
    digest = hex_digest(json.dumps(value, sort_keys=True, default=str).encode("utf-8"))[:12]
    parts = []
    if "decision" in value:
        parts.append(f"decision {value['decision']} of {len(value.get('decisions') or ())}")
    if "registry" in value:
        parts.append(f"{len(value['registry'] or ())} registry entries")
    if "default_risk" in value:
        parts.append(f"default risk {value['default_risk']}")
    if "free_permissions" in value:
        parts.append(f"free permissions {', '.join(map(str, value['free_permissions'])) or 'none'}")
    return f"{name}({'; '.join(parts)}; digest {digest})"


def spec_option(key: str, keys: tuple[str, ...]) -> Option:
    """The one option of a capability check kind: the mapping ``key`` with exactly ``keys``,
    checked by ``spec_problem`` (its problems named after ``key``) and shown by ``summary``."""

    def problem(value: object) -> str | None:
        found = spec_problem(value, keys)
        return None if found is None else f"{key}: {found}"

    return Option(key, dict, problem=problem, shown=lambda value: summary(value, key))
