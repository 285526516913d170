"""plugin_spec: a plugin's plugin.spec.json keeps the operating contract.

What it does: reads the plugin folder's ``plugin.spec.json`` and the operating contract (the
rule's ``contract``, a markdown file every plugin unit also reads) and reports, by
``plugin_spec``: ``contract`` (the contract is missing, unreadable or malformed), ``invalid``
(no spec, not a JSON mapping, or a shape nothing can be generated from: ``outputs`` missing or
not a list, ``description`` not a string, ``policy`` not a mapping or its ``rules`` not a list
of mappings), ``name`` (not kebab-case), ``version`` (not X.Y.Z), ``event``
(``handles_event`` missing or not a contract lifecycle event), ``outputs`` (an output the
contract does not allow), ``rule-actions`` (a ``policy.rules`` action that is not one of the
plugin's outputs or not allowed) and ``else-last`` (a rule without ``if_*`` conditions that is
not the last, or does not say ``else: true``).

Why it matters: the contract is what the runtime enforces; a spec that names events or actions
outside it produces a plugin that is never called, or whose actions nothing can carry out.

Example:
    rule:  {id: plugin.spec.outputs-allowed, applies_to: plugin, plugin_spec: outputs,
            contract: core/OPERATING_CONTRACT.md}
    bad:   "outputs": ["delete_ticket"]
    good:  "outputs": ["route_ticket"]
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator

from packwarden.checks.option import Option
from packwarden.checks.required_file import glob_problem
from packwarden.checks.target import Hit, UnitTarget, show
from packwarden.load.document import PosDict, PosList
from packwarden.model.rule import Rule

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~3 ms)
if TYPE_CHECKING:
    from packwarden.plugin.contract import Contract

KEY = "plugin_spec"
CONTRACT = "contract"
CHECKS = ("contract", "invalid", "name", "version", "event", "outputs", "rule-actions", "else-last")
OPTIONS = (Option(KEY, str, choices=CHECKS), Option(CONTRACT, str, max_length=512, problem=glob_problem))
NEEDS_FIELD = False
SCOPE = "unit"
SPEC = "plugin.spec.json"
_NAME = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*\Z")
_VERSION = re.compile(r"[0-9]+\.[0-9]+\.[0-9]+\Z")


@functools.lru_cache(maxsize=4)
def contract_of(text: str) -> Contract:
    """The contract in ``text``: one reading for every plugin unit that reads the same file."""
    from packwarden.plugin.contract import read_contract

    return read_contract(text)


def read_contract_member(rule: Rule, target: UnitTarget) -> tuple[str, Contract | None]:
    """The contract's path and its reading; None when it is absent or could not be loaded."""
    path = str(rule.params.get(CONTRACT, ""))
    document = target.members.get(path)
    if document is None or document.problems:
        return path, None
    return path, contract_of(document.text)


def spec_of(target: UnitTarget) -> tuple[str, PosDict | None]:
    path = f"{target.root}/{SPEC}"
    document = target.members.get(path)
    data = document.data if document is not None and not document.problems else None
    return path, data if isinstance(data, PosDict) else None


def _at(data: PosDict, key: str, message: str, path: str, value: object = None) -> Hit:
    line, column = data.marks.get(key, data.mark)
    return Hit(message, line, column, key, value, path=path)


def _contract_hits(path: str, contract: Contract | None, target: UnitTarget) -> Iterator[Hit]:
    document = target.members.get(path)
    if path not in target.members:
        yield Hit(f"the operating contract {path} does not exist", 1, 1, path=path)
    elif document is not None and document.problems:
        # A file only read by the units is no artifact of its own: nothing else reports why it
        # could not be loaded (not UTF-8, too large), and every rule that needs it is quiet.
        for refused in document.problems:
            yield Hit(f"operating contract: {refused.message}", refused.line, refused.column, path=path)
    elif contract is not None:
        for problem in contract.problems:
            yield Hit(f"operating contract: {problem.message}", problem.line, problem.column, path=path)


def _text(data: PosDict, key: str, pattern: re.Pattern[str], what: str, path: str) -> Iterator[Hit]:
    value = data.get(key)
    if not isinstance(value, str):
        yield _at(data, key, f"{key} must be {what}, not {show(value)}", path, value)
    elif not pattern.match(value):
        yield _at(data, key, f"{key} {show(value)} must be {what}", path, value)


def _shape(data: PosDict, path: str) -> Iterator[Hit]:
    """What ``plugin scaffold`` cannot generate from and no other rule reports. Without this such
    a spec would pass: ``plugin_generated`` has nothing to compare the files on disk with."""
    if "outputs" not in data:
        yield Hit(f"{SPEC} has no outputs: list the actions handle() may return", *data.mark, path=path)
    elif not isinstance(data["outputs"], PosList):  # an item that is no string: ``outputs`` says so
        yield _at(data, "outputs", f"outputs must be a list of action names, not {show(data['outputs'])}", path)
    if "description" in data and not isinstance(data["description"], str):
        yield _at(data, "description", f"description must be a string, not {show(data['description'])}", path)
    if "policy" not in data:
        return
    policy = data["policy"]
    if not isinstance(policy, PosDict):
        yield _at(data, "policy", f"policy must be an object holding a rules list, not {show(policy)}", path)
        return
    if "rules" not in policy:
        return
    rules = policy["rules"]
    if not isinstance(rules, PosList):
        yield _at(policy, "rules", f"policy.rules must be a list of objects, not {show(rules)}", path)
        return
    for item, (line, column) in zip(rules, rules.marks, strict=True):
        if not isinstance(item, PosDict):
            yield Hit(f"a rule of policy.rules must be an object, not {show(item)}", line, column, path=path)


def _rules(data: PosDict) -> list[tuple[PosDict, tuple[int, int]]]:
    policy = data.get("policy")
    rules = policy.get("rules") if isinstance(policy, PosDict) else None
    if not isinstance(rules, PosList):
        return []
    return [(item, mark) for item, mark in zip(rules, rules.marks, strict=True) if isinstance(item, PosDict)]


def _actions(data: PosDict, contract: Contract, path: str, which: str) -> Iterator[Hit]:
    allowed = set(contract.actions)
    outputs = data.get("outputs")
    if which == "outputs":
        items = outputs if isinstance(outputs, PosList) else []
        for value, (line, column) in zip(items, getattr(items, "marks", []), strict=False):
            if value not in allowed:
                yield Hit(
                    f"output {show(value)} is not an allowed action of the contract",
                    line,
                    column,
                    "outputs",
                    value,
                    path=path,
                )
        return
    declared = set(outputs) if isinstance(outputs, PosList) else set()
    for rule, _ in _rules(data):
        action = rule.get("action")
        if action not in allowed or action not in declared:
            why = "not an allowed action of the contract" if action not in allowed else "not one of the outputs"
            yield _at(rule, "action", f"rule action {show(action)} is {why}", path, action)


def _else_last(data: PosDict, path: str) -> Iterator[Hit]:
    rules = _rules(data)
    for index, (rule, mark) in enumerate(rules):
        if any(str(key).startswith("if_") for key in rule):
            continue
        if index != len(rules) - 1:
            yield Hit(
                "a rule without if_* conditions must be the last: the rules after it never fire", *mark, path=path
            )
        elif rule.get("else") is not True:
            yield Hit("the last rule, without if_* conditions, must say 'else: true'", *mark, path=path)


def check(rule: Rule, target: UnitTarget) -> Iterator[Hit]:
    which = rule.params.get(KEY)
    if which is None:
        return
    contract_path, contract = read_contract_member(rule, target)
    if which == "contract":
        yield from _contract_hits(contract_path, contract, target)
        return
    path, data = spec_of(target)
    if which == "invalid":
        document = target.members.get(path)
        if document is None:
            yield Hit(f"plugin {target.root} has no {SPEC}", 1, 1, path=target.root)
        elif not document.problems and data is None:
            yield Hit(f"{SPEC} must be a JSON object, not {show(document.data)}", 1, 1, path=path)
        elif data is not None:
            yield from _shape(data, path)
        return
    if data is None:
        return  # reported by ``invalid`` (or as the file's parse problem)
    if which == "name":
        yield from _text(data, "name", _NAME, "kebab-case (lowercase letters, digits, dashes)", path)
    elif which == "version":
        yield from _text(data, "version", _VERSION, "X.Y.Z (three numbers)", path)
    elif contract is None or contract.problems:
        return  # the contract is reported once, by ``contract``
    elif which == "event":
        event = data.get("handles_event")
        if event not in contract.events:
            known = ", ".join(contract.events) or "none"
            yield _at(
                data,
                "handles_event",
                f"handles_event {show(event)} is not a lifecycle event of the contract ({known})",
                path,
                event,
            )
    elif which == "else-last":
        yield from _else_last(data, path)
    else:
        yield from _actions(data, contract, path, str(which))
