"""plugin_generated: a plugin's generated files exist and are in step with its spec and contract.

What it does: with ``plugin_generated: missing``, reports each file the generator writes
(``manifest.json``, ``policy_snapshot.json``, ``ledger_contract.json``, ``handler.py``,
``README_PLUGIN.md``, ``healthcheck.md``) that the plugin folder lacks; with ``stale``,
generates the three JSON files again in memory from ``plugin.spec.json`` and the operating
contract (the rule's ``contract``) and reports every field that differs, ``generated_at``
aside, at that field, with the command that regenerates them.

Why it matters: the runtime loads the generated files, not the spec: when they are stale, the
plugin that runs is not the one that was reviewed.

Example:
    rule:  {id: plugin.generated.stale, applies_to: plugin, plugin_generated: stale,
            contract: core/OPERATING_CONTRACT.md}
    bad:   plugin.spec.json: "version": "1.1.0"; manifest.json: "version": "1.0.0"
    good:  both "version": "1.1.0"
"""

from __future__ import annotations

from collections.abc import Iterator

from packwarden.checks.option import Option
from packwarden.checks.plugin_spec import read_contract_member, spec_of
from packwarden.checks.target import Hit, UnitTarget, show
from packwarden.load.document import PosDict
from packwarden.model.rule import Rule

KEY = "plugin_generated"
OPTIONS = (Option(KEY, str, choices=("missing", "stale")),)
NEEDS_FIELD = False
SCOPE = "unit"


def _mark(data: object, field: str) -> tuple[int, int]:
    """Where the top-level key a field path starts with stands in the file."""
    if not isinstance(data, PosDict):
        return 1, 1
    head = field.split(".", 1)[0].split("[", 1)[0]
    return data.key_marks.get(head, data.mark)


def check(rule: Rule, target: UnitTarget) -> Iterator[Hit]:
    which = rule.params.get(KEY)
    if which is None:
        return
    from packwarden.plugin.generate import FILES, JSON_FILES, SpecError, stale_fields

    command = f"packwarden plugin scaffold {target.root}/plugin.spec.json"
    if which == "missing":
        for name in FILES:
            if f"{target.root}/{name}" not in target.members:
                yield Hit(f"plugin {target.root} has no {name}", 1, 1, path=target.root, fix=f"generate it: {command}")
        return
    spec_path, spec = spec_of(target)
    _, contract = read_contract_member(rule, target)
    if spec is None or contract is None or contract.problems:
        return  # reported by the spec and contract rules
    for name in JSON_FILES:
        path = f"{target.root}/{name}"
        document = target.members.get(path)
        if document is None or document.problems:
            continue  # missing: reported by ``missing``; unreadable: its parse finding
        try:
            differences = stale_fields(name, document.data, spec, contract)
        except SpecError:
            return  # nothing can be generated from this spec: the spec rules say why
        for field, on_disk, fresh in differences:
            message = _stale(name, field, on_disk, fresh, f"{spec_path} and the contract")
            yield Hit(message, *_mark(document.data, field), field, on_disk, path=path, fix=f"regenerate: {command}")


def _stale(name: str, field: str, on_disk: object, fresh: object, source: str) -> str:
    """What differs, in words: never ``<missing>``, nor "a list ... make it a list"."""
    from packwarden.plugin.generate import MISSING

    if not field:
        return f"{name} is stale; {source} make it {show(fresh)}"
    if fresh is MISSING:
        return f"{name}: {field} is there, but {source} make no {field}"
    if on_disk is MISSING:
        return f"{name} has no {field}; {source} make it {show(fresh)}"
    if show(on_disk) == show(fresh):  # two lists, two mappings: their text would say nothing
        return f"{name}: {field} is not what {source} make it"
    return f"{name}: {field} is {show(on_disk)}; {source} make it {show(fresh)}"
