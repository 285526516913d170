"""A plugin's files, generated from its ``plugin.spec.json`` and the operating contract.

The spec (human-written)::

    {"name": "ticket-router", "version": "1.2.0", "description": "Routes new tickets.",
     "handles_event": "ticket.created", "outputs": ["route_ticket", "notify"],
     "policy": {"rules": [{"if_priority": "high", "action": "notify"},
                          {"else": true, "action": "route_ticket"}]}}

``name``, ``version`` and ``handles_event`` are strings and ``outputs`` a list of strings;
``description`` (a string) and ``policy`` (a mapping whose ``rules`` is a list of mappings) may
be left out. Whether the values are *right* (kebab-case, X.Y.Z, a contract event, allowed
actions) is the spec check's business, not this module's: an event or action the contract does
not define is generated as ``null``. A spec of the wrong shape raises ``SpecError``.

The files (``generate`` returns them by name, in ``FILES`` order):

``manifest.json``
    ``{name, version, description, handles_event, outputs, entrypoint: "handler.py:handle",
    contract_version, generated_at}``
``policy_snapshot.json``
    ``{plugin, version, contract_version, rules, allowed_actions, generated_at}``: ``rules`` is
    the spec's ``policy.rules`` as written, ``allowed_actions`` maps each output to its payload
    contract (field -> type name, see ``plugin.contract``).
``ledger_contract.json``
    ``{plugin, version, contract_version, event, event_contract, actions, generated_at}``:
    ``event_contract`` is the contract's mapping of the handled event (its ``name`` included),
    ``actions`` the same mapping as ``allowed_actions``.
``handler.py``
    A docstring saying it is generated, then ``# BEGIN AUTO SECTION`` / ``# END AUTO SECTION``
    around a stub ``def handle(event): return []`` that names the allowed actions in a comment.
    The code between the markers is the plugin author's: ``merge_handler`` keeps it when the
    file is regenerated and rewrites the rest.
``README_PLUGIN.md``, ``healthcheck.md``
    What the plugin does, and what ``packwarden plugin validate`` checks for it.

JSON is written the same way every time: keys sorted, two-space indent, non-ASCII characters
as themselves (UTF-8), one trailing newline. Sorted keys make a regenerated file differ from
the one on disk only where a value changed, whatever order the spec was written in.
``generated_at`` is the only value that differs between two generations of the same input;
``stale_fields`` ignores it. The markdown files and ``handler.py`` carry no timestamp.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping

from packwarden.plugin.contract import Contract, thaw
from packwarden.plugin.static import BEGIN_MARKER, END_MARKER, marker_lines

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing: the hook compares generations
if TYPE_CHECKING:
    from typing import Any

__all__ = [
    "FILES",
    "JSON_FILES",
    "MISSING",
    "MarkerError",
    "SpecError",
    "generate",
    "merge_handler",
    "stale_fields",
]

JSON_FILES = ("manifest.json", "policy_snapshot.json", "ledger_contract.json")
FILES = (*JSON_FILES, "handler.py", "README_PLUGIN.md", "healthcheck.md")
ENTRYPOINT = "handler.py:handle"


class SpecError(ValueError):
    """The spec has a shape nothing can be generated from; the message says which field."""


class MarkerError(ValueError):
    """``handler.py`` has not exactly one BEGIN marker before exactly one END marker, so the
    author's code cannot be told from the generated code. ``line``: where (1 when absent)."""

    def __init__(self, message: str, line: int = 1) -> None:
        super().__init__(message)
        self.line = line


class _Missing:
    """A key absent from one side of a comparison (``stale_fields``)."""

    def __repr__(self) -> str:
        return "<missing>"


MISSING: Any = _Missing()


# --- the spec -------------------------------------------------------------------------------------


def _plain(value: Any, where: str) -> Any:
    """``value`` as plain JSON data (dicts, lists, str, finite numbers, bool, None)."""
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise SpecError(f"{where}: {value!r} is not a number JSON can hold")
        return value
    if isinstance(value, Mapping):
        plain = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise SpecError(f"{where}: key {key!r} is not a string")
            plain[key] = _plain(item, f"{where}.{key}")
        return plain
    if isinstance(value, (list, tuple)):
        return [_plain(item, f"{where}[{index}]") for index, item in enumerate(value)]
    raise SpecError(f"{where}: {type(value).__name__} is not JSON data")


def _text(spec: Mapping[str, Any], key: str, default: str | None = None) -> str:
    if key not in spec:
        if default is None:
            raise SpecError(f"{key!r} is missing")
        return default
    value = spec[key]
    if not isinstance(value, str):
        raise SpecError(f"{key!r} must be a string, not {_type(value)}")
    return value


def _type(value: Any) -> str:
    return "null" if value is None else type(value).__name__


class _Spec:
    """The spec's fields, checked for shape only."""

    def __init__(self, spec: object) -> None:
        if not isinstance(spec, Mapping):
            raise SpecError(f"the spec must be a JSON object, not {_type(spec)}")
        self.name = _text(spec, "name")
        self.version = _text(spec, "version")
        self.description = _text(spec, "description", "")
        self.event = _text(spec, "handles_event")
        outputs = spec.get("outputs", MISSING)
        if outputs is MISSING:
            raise SpecError("'outputs' is missing")
        if not isinstance(outputs, (list, tuple)) or not all(isinstance(item, str) for item in outputs):
            raise SpecError("'outputs' must be a list of action names")
        self.outputs: list[str] = list(outputs)
        policy = spec.get("policy", {})
        if not isinstance(policy, Mapping):
            raise SpecError(f"'policy' must be an object, not {_type(policy)}")
        rules = policy.get("rules", [])
        if not isinstance(rules, (list, tuple)) or not all(isinstance(rule, Mapping) for rule in rules):
            raise SpecError("'policy.rules' must be a list of objects")
        try:
            self.rules = _plain(rules, "policy.rules")
        except RecursionError:
            raise SpecError("'policy.rules' is nested too deeply") from None


# --- generation -----------------------------------------------------------------------------------


def _documents(spec: _Spec, contract: Contract, generated_at: str) -> dict[str, dict[str, Any]]:
    """The three JSON files as data."""
    allowed = {output: _payload(contract, output) for output in spec.outputs}
    event = contract.event_contracts.get(spec.event)
    return {
        "manifest.json": {
            "name": spec.name,
            "version": spec.version,
            "description": spec.description,
            "handles_event": spec.event,
            "outputs": list(spec.outputs),
            "entrypoint": ENTRYPOINT,
            "contract_version": contract.version,
            "generated_at": generated_at,
        },
        "policy_snapshot.json": {
            "plugin": spec.name,
            "version": spec.version,
            "contract_version": contract.version,
            "rules": spec.rules,
            "allowed_actions": allowed,
            "generated_at": generated_at,
        },
        "ledger_contract.json": {
            "plugin": spec.name,
            "version": spec.version,
            "contract_version": contract.version,
            "event": spec.event,
            "event_contract": None if event is None else thaw(event),
            "actions": {output: None if fields is None else dict(fields) for output, fields in allowed.items()},
            "generated_at": generated_at,
        },
    }


def _payload(contract: Contract, action: str) -> dict[str, str] | None:
    fields = contract.actions.get(action)
    return None if fields is None else dict(fields)


def _dump(data: Any) -> str:
    return json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def _quoted(value: str) -> str:
    """``value`` in double quotes, written with Python's escapes in printable ASCII: inside a
    docstring it reads back as ``value``, and no spec text can end a comment, the docstring or
    the file's UTF-8 (a spec is not trusted to be Python-safe)."""
    out = []
    for char in value:
        code = ord(char)
        if char in '"\\':
            out.append("\\" + char)
        elif 0x20 <= code < 0x7F:
            out.append(char)
        elif code <= 0xFF:
            out.append(f"\\x{code:02x}")
        elif code <= 0xFFFF:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    return '"' + "".join(out) + '"'


def _handler(spec: _Spec, contract: Contract) -> str:
    actions = ", ".join(_quoted(output) for output in spec.outputs) or "none"
    shapes = "".join(
        f"\n    #   {_quoted(output)} {_fields_text(contract.actions.get(output))}" for output in spec.outputs
    )
    return f'''"""Handler of the plugin {_quoted(spec.name)}, version {_quoted(spec.version)}.

Generated by `packwarden plugin scaffold` from plugin.spec.json. It handles the lifecycle
event {_quoted(spec.event)} and may return the actions {actions} (operating
contract {_quoted(contract.version)}). Regenerating rewrites this file except the code between
the AUTO SECTION markers, which is yours. No hook imports or runs this file: `packwarden
plugin validate` reads it, `packwarden plugin smoke` runs it in a sandbox.
"""

{BEGIN_MARKER}


def handle(event):
    """Return the actions for ``event``: a list of {{"action": name, "payload": {{...}}}}."""
    # Allowed actions and their payload fields:{shapes or " none"}
    return []


{END_MARKER}
'''


def _fields_text(fields: Mapping[str, str] | None) -> str:
    """A payload contract in one line, ``{channel: str}``; a field name that is not a plain word
    is quoted, so no name can end the line (this text goes into a Python comment)."""
    if fields is None:
        return "(not in the contract)"
    shown = (field if re.fullmatch(r"[\w.-]+", field, re.ASCII) else _quoted(field) for field in fields)
    return "{" + ", ".join(f"{field}: {kind}" for field, kind in zip(shown, fields.values(), strict=True)) + "}"


def _code(value: str) -> str:
    """``value`` as a markdown code span, whatever backticks it holds."""
    longest = max((len(run) for run in re.findall("`+", value)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if value.startswith("`") or value.endswith("`") or not value.strip() else ""
    return f"{fence}{pad}{value}{pad}{fence}"


def _readme(spec: _Spec, contract: Contract) -> str:
    lines = [f"# {_code(spec.name)} {spec.version}", ""]
    if spec.description:
        lines += [spec.description, ""]
    lines += [
        f"Handles the lifecycle event {_code(spec.event)} of the operating contract {_code(contract.version)}.",
        "",
        "## Actions",
        "",
    ]
    for output in spec.outputs:
        lines.append(f"- {_code(output)}: payload {_code(_fields_text(contract.actions.get(output)))}")
    if not spec.outputs:
        lines.append("None.")
    lines += ["", "## Policy rules", "", "Tried in order; the first that matches gives the action.", ""]
    for index, rule in enumerate(spec.rules, 1):
        lines.append(f"{index}. {_code(json.dumps(rule, ensure_ascii=False))}")  # as the author ordered it
    if not spec.rules:
        lines.append("None.")
    lines += [
        "",
        "## Files",
        "",
        "Generated from `plugin.spec.json` by `packwarden plugin scaffold`; edit the spec and",
        "regenerate rather than editing them. In `handler.py`, the code between the",
        "`BEGIN AUTO SECTION` and `END AUTO SECTION` markers is yours and is kept.",
        "",
    ]
    return "\n".join(lines)


def _healthcheck(spec: _Spec, contract: Contract) -> str:
    outputs = ", ".join(_code(output) for output in spec.outputs) or "none"
    return "\n".join(
        [
            f"# Health check: {_code(spec.name)} {spec.version}",
            "",
            "`packwarden plugin validate <folder>` checks the first five; `--smoke` adds the last.",
            "",
            f"- [ ] `plugin.spec.json` is valid under operating contract {_code(contract.version)}",
            f"- [ ] it handles {_code(spec.event)}, a lifecycle event of the contract",
            f"- [ ] its outputs are allowed actions: {outputs}",
            "- [ ] `manifest.json`, `policy_snapshot.json` and `ledger_contract.json` are in step with the spec",
            "  and the contract (`packwarden plugin scaffold plugin.spec.json` regenerates them)",
            "- [ ] `handler.py` parses, keeps its AUTO SECTION markers, defines a top-level `handle(event)`",
            "  and imports or calls nothing the pack forbids",
            "- [ ] in the sandbox, `handle()` returns a list of `{action, payload}` with allowed actions",
            "",
        ]
    )


def generate(spec: Mapping[str, Any], contract: Contract, *, generated_at: str) -> dict[str, str]:
    """Every generated file's text, by file name (``FILES`` order). Raises ``SpecError``."""
    checked = _Spec(spec)
    files = {name: _dump(data) for name, data in _documents(checked, contract, generated_at).items()}
    files["handler.py"] = _handler(checked, contract)
    files["README_PLUGIN.md"] = _readme(checked, contract)
    files["healthcheck.md"] = _healthcheck(checked, contract)
    for name, text in files.items():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate from a spec that did not come from a file
            raise SpecError(f"{name} would not be UTF-8 text: the spec holds a lone surrogate") from None
    return files


# --- regeneration ---------------------------------------------------------------------------------

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def _lines(text: str) -> list[str]:
    """Lines with their endings, split where Python's tokenizer ends them (\\r\\n, \\r, \\n)."""
    return _LINE.findall(text)


def _section(text: str, what: str) -> tuple[int, int]:
    """The 0-based indexes of the BEGIN and END marker lines; raises MarkerError."""
    begins, ends = marker_lines(text)
    if not begins:
        raise MarkerError(f"{what} has no {BEGIN_MARKER!r} line")
    if not ends:
        raise MarkerError(f"{what} has no {END_MARKER!r} line")
    if len(begins) > 1:
        raise MarkerError(f"{what} has {BEGIN_MARKER!r} more than once (lines {begins[0]} and {begins[1]})", begins[1])
    if len(ends) > 1:
        raise MarkerError(f"{what} has {END_MARKER!r} more than once (lines {ends[0]} and {ends[1]})", ends[1])
    if ends[0] < begins[0]:
        raise MarkerError(f"{what} has {END_MARKER!r} (line {ends[0]}) before {BEGIN_MARKER!r}", ends[0])
    return begins[0] - 1, ends[0] - 1


def merge_handler(existing: str | None, generated: str) -> str:
    """``generated`` with the code between its AUTO markers replaced by ``existing``'s.

    Without an existing file, ``generated`` as it is. Raises ``MarkerError`` when ``existing``
    has not exactly one BEGIN marker before exactly one END marker: nothing can be kept safely,
    and writing over it would lose the author's code.
    """
    if existing is None:
        return generated
    keep_from, keep_to = _section(existing, "handler.py")
    new_from, new_to = _section(generated, "the generated handler")
    old, new = _lines(existing), _lines(generated)
    return "".join([*new[: new_from + 1], *old[keep_from + 1 : keep_to], *new[new_to:]])


def _path(prefix: str, key: str) -> str:
    if re.fullmatch(r"[^.\[\]\s]+", key):
        return f"{prefix}.{key}" if prefix else key
    return f"{prefix}[{json.dumps(key, ensure_ascii=False)}]"


def _same(left: Any, right: Any) -> bool:
    """JSON equality: ``1`` is not ``true``, ``1`` is not ``1.0`` (the files would differ)."""
    if isinstance(left, Mapping) and isinstance(right, Mapping):
        return left.keys() == right.keys() and all(_same(left[key], right[key]) for key in left)
    if isinstance(left, (list, tuple)) and isinstance(right, (list, tuple)):
        return len(left) == len(right) and all(_same(a, b) for a, b in zip(left, right, strict=True))
    return type(left) is type(right) and left == right


def _differences(path: str, on_disk: Any, fresh: Any, found: list[tuple[str, object, object]]) -> None:
    if isinstance(on_disk, Mapping) and isinstance(fresh, Mapping):
        for key in sorted(set(on_disk) | set(fresh), key=str):
            if path == "" and key == "generated_at":
                continue
            _differences(_path(path, str(key)), on_disk.get(key, MISSING), fresh.get(key, MISSING), found)
    elif on_disk is MISSING or fresh is MISSING or not _same(on_disk, fresh):
        found.append((path, on_disk, fresh))


def stale_fields(
    name: str, on_disk: object, spec: Mapping[str, Any], contract: Contract
) -> list[tuple[str, object, object]]:
    """How the JSON file ``name`` on disk differs from a fresh generation, ``generated_at`` aside.

    Each difference is ``(field path, value on disk, value generated)``: mappings are compared
    key by key (``allowed_actions.notify``; a key that is not a plain word is written
    ``allowed_actions["a.b"]``), anything else as a whole (``outputs``, ``rules``). A key present
    on one side only has ``MISSING`` on the other. A file that is not a JSON object at all is
    one difference with the path ``""``. Raises ``SpecError`` (the spec) and ``ValueError``
    (``name`` is not one of ``JSON_FILES``).
    """
    if name not in JSON_FILES:
        raise ValueError(f"{name!r} is not a generated JSON file ({', '.join(JSON_FILES)})")
    fresh = _documents(_Spec(spec), contract, "")[name]
    if not isinstance(on_disk, Mapping):
        return [("", on_disk, fresh)]
    found: list[tuple[str, object, object]] = []
    _differences("", on_disk, fresh, found)
    return found
