"""registry: an index file and the manifests it lists must agree.

What it does: reads the index (``registry.path``, e.g. ``registry/skills.json``), its list of
entries (``registry.list``), each named by ``registry.key`` (default ``name``), and every
manifest of the unit (``registry.kind``, found by ``registry.manifests`` or the kind's
globs). ``registry_check`` picks what is reported; without it, all of them:
``malformed`` (no index, no list of mappings, an entry without a text name, two entries or two
manifests with one name), ``missing-manifest`` (an entry naming no manifest),
``missing-entry`` (a manifest the index does not list) and ``mismatch`` (``registry_field``,
or each of ``registry.match``, differs between a manifest and its entry; missing on one side
counts as different).

Why it matters: tools look skills up in the index; a skill missing from it cannot be found,
an entry without a manifest points nowhere, and a stale status or version in the index makes
tools run a retired skill or skip an active one.

Example:
    rule:  {id: registry.status-agrees, applies_to: registry,
            registry: {path: registry/skills.json, list: skills, kind: skill},
            registry_check: mismatch, registry_field: status}
    bad:   skills/code.format/skill.yaml: status: active
           registry/skills.json: {"name": "code.format", "status": "draft"}
    good:  skills/code.format/skill.yaml: status: active
           registry/skills.json: {"name": "code.format", "status": "active"}
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from packwarden.checks.option import Option
from packwarden.checks.required_file import glob_problem
from packwarden.checks.target import Hit, UnitTarget, show
from packwarden.load.document import PosDict, PosList
from packwarden.model.rule import Rule

KEY = "registry"
CHECK = "registry_check"
FIELD = "registry_field"
NEEDS_FIELD = False
SCOPE = "unit"
CHECKS = ("missing-entry", "missing-manifest", "mismatch", "malformed")
SHAPE = {"path": str, "list": str, "key": str, "kind": str, "match": list, "manifests": list}
REQUIRED = ("path", "list", "kind")
MISMATCH_FIX = "make them agree: change one of them, or regenerate the registry"


def registry_problem(value: object) -> str | None:
    """Why ``value`` describes no registry; None when it does."""
    if not isinstance(value, Mapping):
        return "registry must be a mapping with path, list and kind"
    unknown = sorted(str(key) for key in value if key not in SHAPE)
    missing = [key for key in REQUIRED if key not in value]
    if unknown or missing:
        wrong = f"unknown key {unknown[0]!r}" if unknown else f"{' and '.join(missing)} missing"
        return f"registry: {wrong}; it takes {', '.join(SHAPE)} ({', '.join(REQUIRED)} required)"
    for key, item in value.items():
        texts = item if SHAPE[key] is list and isinstance(item, list) else [item]
        if not (isinstance(item, SHAPE[key]) and all(isinstance(x, str) and x.strip() for x in texts)):
            return f"registry.{key} must be {'a list of text' if SHAPE[key] is list else 'text'}, not {show(item)}"
        problems = [glob_problem(glob) for glob in texts] if key in ("path", "manifests") else []
        problem = next((problem for problem in problems if problem is not None), None)
        if problem is not None:
            return f"registry.{key}: {problem}"
    return None


def field_problem(value: object) -> str | None:
    return "registry_field must not be empty" if not str(value).strip() else None


OPTIONS = (
    Option(KEY, dict, problem=registry_problem),
    Option(CHECK, str, choices=CHECKS),
    Option(FIELD, str, max_length=512, problem=field_problem),
)

Named = tuple[str, PosDict, str]  # where it is (a manifest's path, an entry's field path), it, its name
Read = tuple["list[Named] | None", "list[Named]", "tuple[Hit, ...]"]  # entries, manifests, malformed


def _entries(index: str, listed: str, key: str, target: UnitTarget, bad: list[Hit]) -> list[Named] | None:
    """The index's entries with a text name (each name once, the first); None: no usable list."""
    document = target.members.get(index)
    if document is None or document.problems:
        if index not in target.members:  # else the engine reports why it did not load
            bad.append(Hit(f"{index} does not exist", 1, 1, path=index))
        return None
    data, items = document.data, None
    if not isinstance(data, PosDict):
        mark = data.mark if isinstance(data, PosList) else (1, 1)
        bad.append(Hit(f"{index} is {show(data)}, not a mapping holding {listed!r}", *mark, path=index))
    elif listed not in data:
        bad.append(Hit(f"{index} has no {listed!r} list", *data.mark, listed, path=index))
    elif not isinstance(items := data[listed], PosList):
        message = f"{listed!r} in {index} is {show(items)}, not a list"
        bad.append(Hit(message, *data.marks[listed], listed, items, path=index))
    if not isinstance(items, PosList):
        return None
    entries: list[Named] = []
    first: dict[str, int] = {}
    for number, entry in enumerate(items):
        where, mark = f"{listed}[{number}]", items.marks[number]
        if isinstance(entry, PosDict) and key in entry:
            where, mark = f"{where}.{key}", entry.marks[key]
        name = entry.get(key) if isinstance(entry, PosDict) else None
        if not isinstance(entry, PosDict):
            bad.append(Hit(f"registry entry {where} is {show(entry)}, not a mapping", *mark, where, entry, path=index))
        elif key not in entry:
            bad.append(Hit(f"registry entry {where} has no {key!r}", *mark, where, path=index))
        elif not isinstance(name, str):
            bad.append(Hit(f"registry entry {where} is {show(name)}, not text", *mark, where, name, path=index))
        elif name in first:
            message = f"registry entry {name!r} is listed twice; first at line {first[name]}"
            bad.append(Hit(message, *mark, where, name, path=index))
        else:
            first[name] = mark[0]
            entries.append((where, entry, name))
    return entries


def _manifests(index: str, key: str, kind: str, target: UnitTarget, bad: list[Hit]) -> list[Named]:
    """The manifests that loaded as mappings with a text name (each name once, the first)."""
    manifests: list[Named] = []
    first: dict[str, str] = {}
    for path, document in target.members.items():
        if path == index or document is None or document.problems:
            continue
        data = document.data
        if not isinstance(data, PosDict) or not isinstance(name := data.get(key), str):
            continue  # other rules report a manifest without a name
        line, column = data.marks[key]
        if name in first:
            message = f"{kind} name {name!r} is already used by {first[name]}"
            bad.append(Hit(message, line, column, key, name, f"{key} = {show(name)}", path))
        else:
            first[name] = f"{path}:{line}"
            manifests.append((path, data, name))
    return manifests


def _mismatch(field: str, manifest: Named, entry: PosDict, key: str, index: str) -> Hit | None:
    path, data, _ = manifest
    if (field in data) == (field in entry) and (field not in data or data[field] == entry[field]):
        return None  # equal, or missing on both sides
    here = show(data[field]) if field in data else "missing"
    there = show(entry[field]) if field in entry else "missing"
    message = f"{field} is {here} here but {there} in {index}:{entry.marks[field if field in entry else key][0]}"
    line, column = data.marks[field if field in data else key]
    return Hit(message, line, column, field, data.get(field), f"{field} = {here}", path, MISMATCH_FIX)


_last: list[tuple[tuple[str, str, str, str], UnitTarget, Read]] = []  # the last unit read, for its next rule


def _read(index: str, listed: str, key: str, kind: str, target: UnitTarget) -> Read:
    """The index's entries and the manifests, with what is malformed: read once per unit and
    registry, not once per rule (a registry compiles into several rules over the same unit)."""
    asked = (index, listed, key, kind)
    if _last and _last[0][0] == asked and _last[0][1] is target:
        return _last[0][2]
    bad: list[Hit] = []
    entries = _entries(index, listed, key, target, bad)
    read: Read = (entries, _manifests(index, key, kind, target, bad), tuple(bad))
    _last[:] = [(asked, target, read)]
    return read


def manifest_keys(params: Mapping[str, object]) -> frozenset[str]:
    """The top-level keys of a manifest that a rule with these params reads: its
    ``registry.key`` (default ``name``), each of ``registry.match`` and its ``registry_field``
    (each the name of one top-level key: ``_mismatch`` does not resolve field paths). Nothing
    else of a manifest counts but whether it is a mapping and whether it loaded without problems,
    so the runner may hand this check manifests cut down to these keys
    (``artifacts.projection``). Empty: the rule reads no manifest."""
    spec = params.get(KEY)
    if not isinstance(spec, Mapping):
        return frozenset()
    field, match = params.get(FIELD), spec.get("match")
    named = [spec.get("key") or "name", *(match if isinstance(match, list) else ())]
    return frozenset(str(name) for name in (*named, *([field] if isinstance(field, str) else ())))


def check(rule: Rule, target: UnitTarget) -> Iterator[Hit]:
    spec = rule.params.get(KEY)
    if not isinstance(spec, Mapping):  # registry_check or registry_field alone
        return
    wanted = rule.params.get(CHECK)  # None: every check
    index, key, kind = str(spec["path"]), str(spec.get("key") or "name"), str(spec["kind"])
    if index != target.root:
        return  # another registry's unit: each rule checks the registry it names
    entries, manifests, bad = _read(index, str(spec["list"]), key, kind, target)
    if wanted in (None, "malformed"):
        yield from bad
    if entries is None:
        return  # with no list of entries, every manifest would be "missing"
    names = {name for _, _, name in manifests}
    listed = {name: entry for _, entry, name in entries}
    if wanted in (None, "missing-manifest"):
        for where, entry, name in entries:
            if name not in names:
                message = f"registry entry {name!r} has no {kind} manifest"
                yield Hit(message, *entry.marks[key], where, name, f"{where} = {show(name)}", index)
    if wanted in (None, "missing-entry"):
        for path, data, name in manifests:
            if name not in listed:
                message = f"{kind} {name!r} is not listed in {index}"
                yield Hit(message, *data.marks[key], key, name, f"{key} = {show(name)}", path)
    if wanted in (None, "mismatch"):
        field, match = rule.params.get(FIELD), spec.get("match")
        fields = [field] if isinstance(field, str) else match if isinstance(match, list) else []
        for manifest in manifests:
            for name in fields if manifest[2] in listed else ():
                hit = _mismatch(str(name), manifest, listed[manifest[2]], key, index)
                if hit is not None:
                    yield hit
