"""The operating contract of plugins: a markdown file with YAML front matter and YAML blocks.

The file (default ``core/OPERATING_CONTRACT.md``)::

    ---
    contract_version: "1.0"
    ---
    # Operating contract
    (prose)
    ```yaml
    lifecycle_events:
      - name: ticket.created
        payload: {ticket_id: str, priority: str}
      - name: ticket.closed
    ```
    ```yaml
    allowed_actions_contract:
      notify: {channel: str, message: str}
      route_ticket: {queue: str}
      noop: {}
    ```

- The front matter is a mapping with ``contract_version``: a non-empty string, or an integer. A
  float is refused (``1.10`` would read as 1.1): quote it.
- ``lifecycle_events`` and ``allowed_actions_contract`` are top-level keys of the mapping in a
  fenced block whose info string is ``yaml`` or ``yml`` (in any letter case), each in exactly
  one block (one block may hold both). Other YAML blocks are examples and are ignored, but every
  YAML block must parse: a broken one may be the one meant to hold the contract.
- ``lifecycle_events`` is a list of mappings, each with a ``name`` (a non-empty string, unique
  in the list). The whole mapping is the event's contract: ``ledger_contract.json`` copies it,
  so it is plain data (string keys; no infinite or NaN numbers).
- ``allowed_actions_contract`` maps each action name (a non-empty string) to its **payload
  contract**: a mapping from field name to one of the type names in ``PAYLOAD_TYPES``; ``{}``
  for an action without payload. A payload of the action holds exactly these fields, each a
  JSON value of its type (``check_payload``): ``int`` is an integer and never a boolean,
  ``float`` any number, ``list`` an array, ``dict`` an object.

``read_contract`` never raises on what the file holds: every way it can be wrong is a
``ContractProblem`` at its line and column in the markdown file. Problems from the YAML reader
itself (an anchor, a duplicate key, nesting too deep) carry the reader's rule id in ``rule``.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from types import MappingProxyType

from packwarden.load.document import PosDict, PosList, Problem
from packwarden.load.limits import MAX_FILE_BYTES
from packwarden.load.markdown import load_markdown_text
from packwarden.load.yaml import load_yaml_text
from packwarden.model.record import Record, value_eq, value_hash, value_ne

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing: the hook reads the contract
if TYPE_CHECKING:
    from typing import Any

    from markdown_it import MarkdownIt

__all__ = ["PAYLOAD_TYPES", "Contract", "ContractProblem", "check_payload", "read_contract"]

PAYLOAD_TYPES = ("str", "int", "float", "bool", "list", "dict")
EVENTS_KEY = "lifecycle_events"
ACTIONS_KEY = "allowed_actions_contract"

_EMPTY: Mapping[str, Any] = MappingProxyType({})


class ContractProblem(Record):
    """Why the contract cannot be used as it stands, and where in the markdown file."""

    message: str
    line: int = 1
    column: int = 1
    rule: str = ""  # the YAML reader's rule id (``parse.anchor``...) when the YAML could not be read


class Contract(Record):
    """What a plugin is checked against. Read-only; compares and hashes by value.

    ``events`` keeps the file's order; ``event_contracts`` holds each event's whole mapping
    (``name`` included), ``actions`` each action's payload contract (field -> type name).
    ``*_lines`` give the line of each event's name and each action's key.
    """

    version: str
    events: tuple[str, ...]
    event_lines: Mapping[str, int]
    actions: Mapping[str, Mapping[str, str]]
    action_lines: Mapping[str, int]
    problems: tuple[ContractProblem, ...] = ()
    event_contracts: Mapping[str, Mapping[str, Any]] = _EMPTY

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_data(self) -> dict[str, Any]:
        """Plain data (dicts and lists), for JSON and for pickling."""
        return {
            "version": self.version,
            "events": list(self.events),
            "event_lines": dict(self.event_lines),
            "actions": thaw(self.actions),
            "action_lines": dict(self.action_lines),
            "problems": [list(problem) for problem in self.problems],
            "event_contracts": thaw(self.event_contracts),
        }

    def _value(self) -> str:
        # Mapping order carries no meaning in a contract, so the canonical form sorts keys.
        return json.dumps(self.to_data(), sort_keys=True, ensure_ascii=False)

    # A Contract is a tuple underneath (see model.record), and its mapping proxies cannot be
    # hashed or pickled: these make it a value of its own type.
    def __eq__(self, other: object) -> bool:
        return value_eq(self, other)

    def __ne__(self, other: object) -> bool:
        return value_ne(self, other)

    def __hash__(self) -> int:
        return value_hash(self)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_from_data, (self.to_data(),))


def _from_data(data: Mapping[str, Any]) -> Contract:
    """The inverse of ``Contract.to_data``."""
    return Contract(
        version=data["version"],
        events=tuple(data["events"]),
        event_lines=MappingProxyType(dict(data["event_lines"])),
        actions=freeze(data["actions"]),
        action_lines=MappingProxyType(dict(data["action_lines"])),
        problems=tuple(ContractProblem(*problem) for problem in data["problems"]),
        event_contracts=freeze(data["event_contracts"]),
    )


def freeze(value: Any) -> Any:
    """``value`` read-only: mappings as MappingProxyType, lists as tuples (depth: the YAML
    reader's MAX_DEPTH at most, so recursion is safe)."""
    if isinstance(value, Mapping):
        return MappingProxyType({key: freeze(item) for key, item in value.items()})
    if isinstance(value, (list, tuple)):
        return tuple(freeze(item) for item in value)
    return value


def thaw(value: Any) -> Any:
    """The inverse of ``freeze``: plain dicts and lists, for JSON."""
    if isinstance(value, Mapping):
        return {key: thaw(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [thaw(item) for item in value]
    return value


# --- reading --------------------------------------------------------------------------------------

_parser: MarkdownIt | None = None


def _markdown() -> MarkdownIt:
    global _parser  # noqa: PLW0603 - one parser per process, built on first use
    if _parser is None:
        from markdown_it import MarkdownIt

        # Fences are block tokens: the inline pass adds nothing here but time on hostile input.
        _parser = MarkdownIt("commonmark").disable("inline")
    return _parser


class _Stop(Exception):
    def __init__(self, problem: ContractProblem) -> None:
        self.problem = problem


class _Block(Record):
    """One fenced YAML block: its data, and where each of its lines starts in the file."""

    data: Any
    first_line: int  # file line (1-based) of the block's first content line
    columns: tuple[int, ...]  # per content line: columns the fence's container took off


def _problem(message: str, mark: tuple[int, int] = (1, 1)) -> ContractProblem:
    return ContractProblem(message, mark[0], mark[1])


def _body_start(lines: list[str]) -> int:
    """How many lines the front matter takes, fences included, as ``load.markdown`` reads it:
    an opening ``---`` and a closing ``---`` or ``...``; an unclosed one is no front matter."""
    if not lines or lines[0].rstrip(" \t") != "---":
        return 0
    for index in range(1, len(lines)):
        if lines[index].rstrip(" \t") in {"---", "..."}:
            return index + 1
    return 0


def _shift_mark(mark: tuple[int, int], block: _Block) -> tuple[int, int]:
    line, column = mark
    extra = block.columns[line - 1] if 0 < line <= len(block.columns) else 0
    return line + block.first_line - 1, column + extra


def _shift(data: Any, block: _Block) -> Any:
    """Move every mark of a block's data to the file's line and column; iterative."""
    pending = [data]
    while pending:
        node = pending.pop()
        if isinstance(node, PosDict):
            node.mark = _shift_mark(node.mark, block)
            node.marks = {key: _shift_mark(mark, block) for key, mark in node.marks.items()}
            node.key_marks = {key: _shift_mark(mark, block) for key, mark in node.key_marks.items()}
            pending.extend(node.values())
        elif isinstance(node, PosList):
            node.mark = _shift_mark(node.mark, block)
            node.marks = [_shift_mark(mark, block) for mark in node.marks]
            pending.extend(node)
    return data


_AT_LINE = re.compile(r"\bat line ([0-9]+)")


def _reader_problem(problem: Problem, block: _Block | None = None) -> ContractProblem:
    if block is None:
        return ContractProblem(problem.message, problem.line, problem.column, problem.rule.id)
    line, column = _shift_mark((problem.line, problem.column), block)
    # The reader names other lines in its messages ("first at line 2"): those move too.
    message = _AT_LINE.sub(lambda found: f"at line {int(found[1]) + block.first_line - 1}", problem.message)
    return ContractProblem(message, line, column, problem.rule.id)


def _yaml_blocks(lines: list[str], skipped: int) -> tuple[list[_Block], list[ContractProblem]]:
    """Every ```yaml block of the body, parsed, with the problems of those that do not parse."""
    tokens = _markdown().parse("\n".join(lines[skipped:]))
    blocks: list[_Block] = []
    problems: list[ContractProblem] = []
    for token in tokens:
        if token.type != "fence" or token.map is None:
            continue
        words = token.info.split()
        if not words or words[0].lower() not in {"yaml", "yml"}:
            continue
        content = token.content.split("\n")
        first = skipped + token.map[0] + 1  # 0-based index of the first content line
        columns = []
        for index, text in enumerate(content):
            # The fence's indentation, or a list item or quote around it, is taken off each
            # content line; what remains is a suffix of the line in the file.
            source = lines[first + index] if first + index < len(lines) else text
            columns.append(len(source) - len(text) if text and source.endswith(text) else 0)
        block = _Block(None, first + 1, tuple(columns))
        document = load_yaml_text(token.content)
        if document.problems:
            problems.extend(_reader_problem(problem, block) for problem in document.problems)
            continue
        blocks.append(block._replace(data=_shift(document.data, block)))
    return blocks, problems


def _version(front: Any, has_front_matter: bool) -> str:
    if not has_front_matter:
        message = "no front matter: begin the contract with '---', 'contract_version: \"1.0\"' and '---' lines"
        raise _Stop(_problem(message))
    if not isinstance(front, PosDict):
        mark = front.mark if isinstance(front, PosList) else (2, 1)
        raise _Stop(_problem("the front matter must be a mapping that holds contract_version", mark))
    if "contract_version" not in front:
        raise _Stop(_problem("the front matter has no contract_version", front.mark))
    value = front["contract_version"]
    mark = front.marks["contract_version"]
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        message = f"contract_version {value!r} is read as a number; quote it: contract_version: '{value!r}'"
        raise _Stop(_problem(message, mark))
    if not isinstance(value, str) or not value.strip():
        raise _Stop(_problem("contract_version must be a non-empty string", mark))
    return value


def _plain_data(value: Any, mark: tuple[int, int], where: str) -> None:
    """Refuse what JSON cannot carry: non-string keys, infinite or NaN numbers."""
    pending: list[tuple[Any, tuple[int, int]]] = [(value, mark)]
    while pending:
        node, at = pending.pop()
        if isinstance(node, PosDict):
            for key, item in node.items():
                if not isinstance(key, str):
                    raise _Stop(_problem(f"{where}: key {key!r} must be a string (quote it)", node.key_marks[key]))
                pending.append((item, node.marks[key]))
        elif isinstance(node, PosList):
            pending.extend(zip(node, node.marks, strict=True))
        elif isinstance(node, float) and not math.isfinite(node):
            raise _Stop(_problem(f"{where}: {node!r} is not a number JSON can hold", at))


def _events(found: tuple[_Block, Any, tuple[int, int]]) -> tuple[list[ContractProblem], dict[str, Any]]:
    """The lifecycle events, checked: (problems, {name: (entry, line)}) in file order."""
    _, value, mark = found
    if not isinstance(value, PosList):
        return [_problem(f"{EVENTS_KEY} must be a list of {{name: ...}} mappings", mark)], {}
    if not value:
        return [_problem(f"{EVENTS_KEY} is empty: a plugin must handle one of its events", mark)], {}
    problems: list[ContractProblem] = []
    events: dict[str, Any] = {}
    for entry, at in zip(value, value.marks, strict=True):
        if not isinstance(entry, PosDict):
            problems.append(_problem(f"a lifecycle event must be a mapping with a name, not {_kind(entry)}", at))
            continue
        name = entry.get("name")
        if "name" not in entry:
            problems.append(_problem("a lifecycle event has no name", at))
            continue
        name_mark = entry.marks["name"]
        if not isinstance(name, str) or not name.strip():
            problems.append(_problem("a lifecycle event's name must be a non-empty string", name_mark))
            continue
        if name in events:
            first = events[name][1]
            problems.append(_problem(f"lifecycle event {name!r} is listed twice (first at line {first})", name_mark))
            continue
        try:
            _plain_data(entry, at, f"lifecycle event {name!r}")
        except _Stop as stop:
            problems.append(stop.problem)
            continue
        events[name] = (entry, name_mark[0])
    return problems, events


def _actions(found: tuple[_Block, Any, tuple[int, int]]) -> tuple[list[ContractProblem], dict[str, Any]]:
    """The allowed actions, checked: (problems, {action: (payload contract, line)})."""
    _, value, mark = found
    if not isinstance(value, PosDict):
        return [_problem(f"{ACTIONS_KEY} must map each action name to its payload contract", mark)], {}
    if not value:
        return [_problem(f"{ACTIONS_KEY} is empty: a plugin could return no action at all", mark)], {}
    problems: list[ContractProblem] = []
    actions: dict[str, Any] = {}
    types = ", ".join(PAYLOAD_TYPES)
    for name, payload in value.items():
        key_mark, at = value.key_marks[name], value.marks[name]
        if not isinstance(name, str) or not name.strip():
            problems.append(_problem(f"action name {name!r} must be a non-empty string", key_mark))
            continue
        if not isinstance(payload, PosDict):
            message = f"the payload contract of {name!r} must map field names to types ({types}); {{}} for none"
            problems.append(_problem(message, at))
            continue
        fields: dict[str, str] = {}
        for field, kind in payload.items():
            if not isinstance(field, str) or not field:
                message = f"{name!r}: field name {field!r} must be a non-empty string"
                problems.append(_problem(message, payload.key_marks[field]))
            elif kind not in PAYLOAD_TYPES:
                message = f"{name!r}: field {field!r} has type {kind!r}; the types are {types}"
                problems.append(_problem(message, payload.marks[field]))
            else:
                fields[field] = kind
        # Kept with the fields that are right: the action exists, and a spec naming it should
        # not get a second finding for this one mistake in the contract.
        actions[name] = (fields, key_mark[0])
    return problems, actions


def _kind(value: Any) -> str:
    if isinstance(value, PosDict):
        return "a mapping"
    if isinstance(value, PosList):
        return "a list"
    return "null" if value is None else f"{type(value).__name__} {value!r}"


def _find(blocks: list[_Block], key: str) -> tuple[list[ContractProblem], tuple[_Block, Any, tuple[int, int]] | None]:
    """The one block holding ``key``: (problems, (block, value, value's mark)) or None."""
    problems: list[ContractProblem] = []
    found = None
    for block in blocks:
        if not isinstance(block.data, PosDict) or key not in block.data:
            continue
        if found is None:
            found = (block, block.data[key], block.data.marks[key])
        else:
            first = found[0].data.key_marks[key][0]
            message = f"{key} is given again (first at line {first}); keep one block"
            problems.append(_problem(message, block.data.key_marks[key]))
    if found is None:
        problems.append(_problem(f"no ```yaml block holds {key}:"))
    return problems, found


def _read(text: str) -> Contract:
    if len(text) > MAX_FILE_BYTES:
        raise _Stop(_problem(f"the contract is {len(text)} characters; the limit is {MAX_FILE_BYTES}"))
    if "\x00" in text:
        # markdown-it replaces NUL by U+FFFD: the YAML read would not be the file's.
        offset = text.index("\x00")
        line = text.count("\n", 0, offset) + 1
        raise _Stop(_problem("the contract holds a NUL character", (line, offset - text.rfind("\n", 0, offset))))
    document = load_markdown_text(text)
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    skipped = _body_start(lines)
    problems = [_reader_problem(problem) for problem in document.problems]
    version = ""
    if not problems:  # a front matter that did not parse has already said why
        try:
            version = _version(document.data, skipped > 0)
        except _Stop as stop:
            problems.append(stop.problem)
    blocks, block_problems = _yaml_blocks(lines, skipped)
    problems.extend(block_problems)
    event_problems, events_found = _find(blocks, EVENTS_KEY)
    action_problems, actions_found = _find(blocks, ACTIONS_KEY)
    events: dict[str, Any] = {}
    actions: dict[str, Any] = {}
    if events_found is not None:
        more, events = _events(events_found)
        event_problems.extend(more)
    if actions_found is not None:
        more, actions = _actions(actions_found)
        action_problems.extend(more)
    if block_problems:
        # A block that did not parse may be the one meant to hold a key: "no block holds it"
        # would then be a second report of the same mistake.
        event_problems = [p for p in event_problems if not p.message.startswith("no ```yaml block")]
        action_problems = [p for p in action_problems if not p.message.startswith("no ```yaml block")]
    problems.extend(event_problems)
    problems.extend(action_problems)
    return Contract(
        version=version,
        events=tuple(events),
        event_lines=MappingProxyType({name: line for name, (_, line) in events.items()}),
        actions=freeze({name: fields for name, (fields, _) in actions.items()}),
        action_lines=MappingProxyType({name: line for name, (_, line) in actions.items()}),
        problems=tuple(sorted(problems, key=lambda p: (p.line, p.column, p.message))),
        event_contracts=freeze({name: entry for name, (entry, _) in events.items()}),
    )


def read_contract(text: str) -> Contract:
    """The contract in ``text``, with every problem found; never raises on the text."""
    try:
        return _read(text)
    except _Stop as stop:
        return _empty((stop.problem,))
    except (RecursionError, MemoryError) as exc:  # a third-party parser on hostile input
        return _empty((_problem(f"the contract could not be read ({type(exc).__name__})"),))
    except Exception as exc:  # noqa: BLE001 - markdown-it on hostile input: report, never crash the hook
        return _empty((_problem(f"the contract could not be read ({type(exc).__name__}: {exc})"),))


def _empty(problems: tuple[ContractProblem, ...]) -> Contract:
    return Contract("", (), _EMPTY, _EMPTY, _EMPTY, problems, _EMPTY)


# --- payloads -------------------------------------------------------------------------------------

_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "str": (str,),
    "int": (int,),
    "float": (int, float),
    "bool": (bool,),
    "list": (list, tuple),
    "dict": (Mapping,),
}


def check_payload(payload: object, fields: Mapping[str, str]) -> list[str]:
    """Why ``payload`` breaks its action's payload contract ``fields``; empty when it keeps it."""
    if not isinstance(payload, Mapping):
        return [f"the payload must be a mapping, not {type(payload).__name__}"]
    reasons = []
    for field, kind in fields.items():
        if field not in payload:
            reasons.append(f"field {field!r} is missing")
            continue
        value = payload[field]
        wrong_bool = isinstance(value, bool) and kind in {"int", "float"}
        if wrong_bool or not isinstance(value, _JSON_TYPES.get(kind, ())):
            reasons.append(f"field {field!r} must be {kind}, not {type(value).__name__}")
    reasons.extend(f"field {field!r} is not in the contract" for field in payload if field not in fields)
    return reasons
