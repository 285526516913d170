"""``packwarden inspect FILE... [--field PATH] [--json]``: what packwarden reads from a file.

Each file is read as ``check`` reads it (the same size cap, the same YAML or JSON reader) and
shown as the values it loaded, each with its line and column, or as the findings that stopped
it. ``--field`` resolves a field path as a rule does (``checks.fieldpath.resolve``) and lists
every match. ``--json`` prints one JSON object per file, one per line:
``{"path": ..., "data": <plain JSON, null when refused>, "findings": [...]}``, plus
``"matches"`` and ``"missing"`` (``{"field", "line", "column"[, "value"]}``) with ``--field``.
Exit code: 0 when every file was read, 1 when one was refused, 2 for a usage error.
"""

from __future__ import annotations

import argparse
import json
import sys

from packwarden.cli.options import add_color, add_pack, use_color
from packwarden.model.errors import UsageError

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~3 ms)
if TYPE_CHECKING:
    from typing import Any

    from packwarden.checks.fieldpath import Located, Resolution
    from packwarden.load.document import Document
    from packwarden.model.finding import Finding
    from packwarden.model.policy import EffectivePolicy
    from packwarden.report.styled import Line


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", metavar="FILE", help="a YAML or JSON file (.json is read as JSON)")
    parser.add_argument(
        "--field", metavar="PATH", help="list what a rule's field path reaches: entrypoints[*].permissions[*]"
    )
    parser.add_argument("--json", action="store_true", help="one JSON object per file: path, data, findings")
    add_pack(parser)
    add_color(parser)


def loader_for(policy: EffectivePolicy, path: str) -> str:
    """How ``check`` reads ``path``: by the kind of artifact the policy says it is (its unit's
    loader); a file that is no artifact by its name: ``.json`` as JSON, ``.md`` as markdown,
    anything else as YAML."""
    import os

    from packwarden.artifacts.members import loader_of
    from packwarden.artifacts.units import Unit, UnitTable
    from packwarden.model.kinds import spec_of
    from packwarden.workspace import find_root

    root = find_root(os.path.dirname(os.path.realpath(path)) or ".")[0]
    relative = os.path.relpath(os.path.realpath(path), root).replace(os.sep, "/")
    table = UnitTable(policy.artifacts)
    kind = table.kind_of(relative)
    if kind is not None:
        return spec_of(kind).loader
    folder = table.folder_of(relative)
    if folder is not None:
        return loader_of(Unit(folder[0], folder[1], ()), relative) or "text"
    return "json" if path.endswith(".json") else "markdown" if path.endswith(".md") else "yaml"


def read(policy: EffectivePolicy, path: str) -> Document:
    """``path`` loaded as ``check`` loads it."""
    from packwarden.load.document import Document, Problem
    from packwarden.load.files import read_capped
    from packwarden.load.limits import MAX_FILE_BYTES
    from packwarden.load.loaders import load
    from packwarden.model import builtin_rules as R

    raw = read_capped(path, MAX_FILE_BYTES)
    if raw is None:
        return Document("", None, (Problem(R.PATH_UNREADABLE, "no such file"),))
    return load(loader_for(policy, path), raw)


def findings_of(policy: EffectivePolicy, path: str, document: Document) -> list[Finding]:
    from packwarden.engine import builtin_finding

    return [builtin_finding(policy, p.rule, p.message, path, p.line, p.column, "", p.fix) for p in document.problems]


def leaves(node: Any, mark: tuple[int, int], prefix: str = "") -> list[tuple[str, int, int, Any]]:
    """Every scalar (and empty collection) under ``node``: its field path, line, column, value."""
    from packwarden.load.document import PosDict, PosList

    found: list[tuple[str, int, int, Any]] = []
    stack = [(node, mark, prefix)]
    while stack:  # depth-first, in document order; the reader bounds the depth
        node, mark, prefix = stack.pop()
        if isinstance(node, PosDict) and node:
            children = [(v, node.marks[k], f"{prefix}.{k}" if prefix else str(k)) for k, v in node.items()]
        elif isinstance(node, PosList) and node:
            children = [(v, node.marks[i], f"{prefix}[{i}]") for i, v in enumerate(node)]
        else:
            found.append((prefix, mark[0], mark[1], node))
            continue
        stack.extend(reversed(children))
    return found


def _value(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def _located(located: Located, with_value: bool) -> dict[str, Any]:
    shown: dict[str, Any] = {"field": located.path, "line": located.line, "column": located.column}
    if with_value:
        shown["value"] = located.value
    return shown


def _text_lines(path: str, document: Document, findings: list[Finding], match: Resolution | None) -> list[Line]:
    from packwarden.report.styled import safe
    from packwarden.report.text import finding_lines

    if findings:
        return [line for finding in findings for line in finding_lines(finding)]
    where = safe(path)
    if match is not None:
        lines: list[Line] = [
            [(f"{where}:{m.line}:{m.column}:", "bold"), (f" {safe(m.path)} = ", "cyan"), (safe(_value(m.value)), "")]
            for m in match.found
        ]
        for m in match.missing:
            lines.append([(f"{where}:{m.line}:{m.column}:", "bold"), (f" {safe(m.path)} is missing", "yellow")])
        return lines or [[(f"{where}: nothing matches", "dim")]]
    data = document.data
    mark = getattr(data, "mark", (1, 1))
    return [
        [(f"{where}:{line}:{column}:", "bold"), (f" {safe(field) or '(document)'} = ", "cyan"), (safe(_value(v)), "")]
        for field, line, column, v in leaves(data, mark)
    ]


def _json_key_clash(node: Any) -> tuple[str, tuple[int, int]] | None:
    """Two keys of one mapping that JSON writes alike (``1`` and ``"1"``, ``true`` and ``"true"``)."""
    from packwarden.load.document import PosDict, PosList

    if isinstance(node, PosDict):
        seen: dict[str, Any] = {}
        for key in node:
            written = key if isinstance(key, str) else json.dumps(key)
            if written in seen:
                message = f"keys {json.dumps(seen[written])} and {json.dumps(key)} are one key in JSON"
                return f"{message}; --json cannot show this file, the text output can", node.key_marks[key]
            seen[written] = key
        children: Any = node.values()
    elif isinstance(node, PosList):
        children = node
    else:
        return None
    for child in children:
        found = _json_key_clash(child)
        if found is not None:
            return found
    return None


def run(args: argparse.Namespace) -> int:
    from packwarden.api import resolve
    from packwarden.checks.fieldpath import resolve as resolve_field
    from packwarden.model.field import FieldPathError, parse_field
    from packwarden.report.json import finding_data, valid_text
    from packwarden.report.styled import write_lines

    if args.field is not None:
        try:
            parse_field(args.field)
        except FieldPathError as exc:
            raise UsageError(str(exc)) from None
    policy = resolve(pack=args.pack)
    color = use_color(args.color, sys.stdout)
    refused = False
    for path in args.files:
        document = read(policy, path)
        findings = findings_of(policy, path, document)
        refused = refused or bool(findings)
        match = resolve_field(document.data, args.field) if args.field is not None and not findings else None
        if args.json:
            data = document.data
            clash = _json_key_clash(data)
            if clash is not None:  # JSON would keep one of the two keys and drop the other
                from packwarden.engine import builtin_finding
                from packwarden.model import builtin_rules as R

                message, (line, column) = clash
                findings = [*findings, builtin_finding(policy, R.PARSE_DUPLICATE_KEY, message, path, line, column)]
                data, refused = None, True
            shown: dict[str, Any] = {
                "path": path,
                "data": data,
                "findings": [finding_data(finding) for finding in findings],
            }
            if args.field is not None:
                shown["matches"] = [_located(m, True) for m in match.found] if match else []
                shown["missing"] = [_located(m, False) for m in match.missing] if match else []
            sys.stdout.write(json.dumps(valid_text(shown), ensure_ascii=False) + "\n")
        else:
            write_lines(_text_lines(path, document, findings, match), sys.stdout, color)
    return 1 if refused else 0
