"""The ``plugin_contract`` section of a pack, compiled into ordinary rules with stable ids.

Every rule applies to plugin units (a plugin's folder) and names the operating contract, which
every plugin unit then also reads (``artifacts.units.attached_of``): a changed contract re-checks
every plugin. The checks are ``checks.plugin_spec``, ``checks.plugin_generated`` and
``checks.plugin_handler``; the hook never imports or runs a handler.
"""

from __future__ import annotations

from typing import Any

from packwarden.model.finding import Severity
from packwarden.model.rule import Rule, RuleDoc
from packwarden.packs.locate import locate
from packwarden.packs.schema import PluginContract

SCAFFOLD = "packwarden plugin scaffold <plugin folder>/plugin.spec.json"

# (rule id, check option, check, severity, summary, why, fix, bad, good)
_RULES: tuple[tuple[str, str, str, Severity, str, str, str, str, str], ...] = (
    (
        "plugin.contract-invalid",
        "plugin_spec",
        "contract",
        Severity.BLOCK,
        "The operating contract exists and holds contract_version, lifecycle_events and allowed_actions_contract.",
        "Every plugin is checked against the contract; without a readable one nothing about a plugin can be "
        "trusted, so this blocks in every mode.",
        "fix the contract file at the line shown; packwarden explain plugin.contract-invalid shows its shape",
        "---\ncontract_version: 1.10\n---\n(no yaml block with lifecycle_events or allowed_actions_contract)",
        # The whole shape, since the fix sends the reader here; ~~~ fences (the contract reads
        # them as it reads ```) keep the generated rule docs, which fence this in ```, intact.
        "---\ncontract_version: '1.0'\n---\n~~~yaml\nlifecycle_events:\n  - name: ticket.created\n~~~\n"
        "~~~yaml\nallowed_actions_contract:\n  route_ticket: {queue: str}\n  noop: {}\n~~~",
    ),
    (
        "plugin.spec.invalid",
        "plugin_spec",
        "invalid",
        Severity.ERROR,
        "A plugin folder holds a plugin.spec.json: a JSON object of the shape its files are generated from.",
        "The spec is what every other file of the plugin is generated from; from a spec of another shape nothing "
        "can be generated, so nothing could tell whether the generated files are in step with it.",
        "write plugin.spec.json as a JSON object with name, version, handles_event and outputs (a list of actions);"
        " description, if any, a string; policy, if any, an object whose rules is a list of objects",
        '{"name": "router", "version": "1.0.0", "handles_event": "ticket.created", "outputs": "route_ticket"}',
        '{"name": "router", "version": "1.0.0", "handles_event": "ticket.created", "outputs": ["route_ticket"]}',
    ),
    (
        "plugin.spec.name-format",
        "plugin_spec",
        "name",
        Severity.ERROR,
        "A plugin's name is kebab-case: lowercase letters, digits and dashes.",
        "The name becomes file, ledger and queue names that other tools parse.",
        "rename it in lowercase with dashes, e.g. 'ticket-router'",
        '"name": "Ticket Router"',
        '"name": "ticket-router"',
    ),
    (
        "plugin.spec.version-format",
        "plugin_spec",
        "version",
        Severity.ERROR,
        "A plugin's version is X.Y.Z.",
        "Generated files and ledgers are keyed on the version; anything else cannot be compared.",
        "write three numbers, e.g. '1.0.0'",
        '"version": "v1"',
        '"version": "1.0.0"',
    ),
    (
        "plugin.spec.handles-event",
        "plugin_spec",
        "event",
        Severity.ERROR,
        "A plugin handles one lifecycle event of the operating contract.",
        "A plugin bound to an event the contract does not define is never called, or called with the wrong payload.",
        "set handles_event to one of the contract's lifecycle_events",
        '"handles_event": "ticket.opened"  (not in the contract)',
        '"handles_event": "ticket.created"',
    ),
    (
        "plugin.spec.outputs-allowed",
        "plugin_spec",
        "outputs",
        Severity.ERROR,
        "Every output of a plugin is an action the operating contract allows.",
        "An action outside the contract has no payload contract: nothing downstream knows how to carry it out.",
        "use only actions of the contract's allowed_actions_contract, or add the action to the contract",
        '"outputs": ["delete_ticket"]',
        '"outputs": ["route_ticket"]',
    ),
    (
        "plugin.spec.rule-actions-allowed",
        "plugin_spec",
        "rule-actions",
        Severity.ERROR,
        "Every action of the spec's policy.rules is an allowed action and one of the plugin's outputs.",
        "A rule that fires an action the plugin does not declare bypasses the review of its outputs.",
        "use one of the plugin's outputs as the rule's action; an action the contract does not allow needs the "
        "contract changed first",
        '{"if_priority": "high", "action": "page_everyone"}',
        '{"if_priority": "high", "action": "notify"}',
    ),
    (
        "plugin.spec.else-last",
        "plugin_spec",
        "else-last",
        Severity.ERROR,
        "In the spec's policy.rules, a rule without an if_* condition is the last one and says else: true.",
        "Rules are tried in order; one without a condition catches everything, so any rule after it never fires.",
        "move the rule without if_* conditions to the end and give it 'else: true'",
        '[{"action": "route"}, {"if_priority": "high", "action": "notify"}]',
        '[{"if_priority": "high", "action": "notify"}, {"else": true, "action": "route"}]',
    ),
    (
        "plugin.generated.missing",
        "plugin_generated",
        "missing",
        Severity.ERROR,
        "A plugin folder holds every file generated from its spec.",
        "The runtime loads the generated files, not the spec: a missing one fails at run time, far from the commit.",
        f"generate the files: {SCAFFOLD}",
        "plugins/router/ without manifest.json",
        "plugins/router/manifest.json, policy_snapshot.json, ledger_contract.json, handler.py, ...",
    ),
    (
        "plugin.generated.stale",
        "plugin_generated",
        "stale",
        Severity.ERROR,
        "The generated JSON files of a plugin are in step with its spec and the operating contract.",
        "A stale manifest or policy snapshot makes the runtime run another version than the one reviewed.",
        f"regenerate: {SCAFFOLD}",
        'plugin.spec.json: "version": "1.1.0"; manifest.json: "version": "1.0.0"',
        'both "version": "1.1.0"',
    ),
    (
        "plugin.handler.syntax",
        "plugin_handler",
        "syntax",
        Severity.ERROR,
        "handler.py is Python that parses.",
        "A handler that does not parse fails at its first event, in production.",
        "fix the syntax at the line shown",
        "def handle(event:\n    return []",
        "def handle(event):\n    return []",
    ),
    (
        "plugin.handler.markers",
        "plugin_handler",
        "markers",
        Severity.ERROR,
        "handler.py keeps its BEGIN AUTO SECTION / END AUTO SECTION markers, once each, in that order.",
        "Regenerating the handler keeps only the code between the markers; without them the author's code is lost.",
        "restore the '# BEGIN AUTO SECTION' and '# END AUTO SECTION' lines around the handler's code",
        "(markers deleted)",
        "# BEGIN AUTO SECTION\n...\n# END AUTO SECTION",
    ),
    (
        "plugin.handler.entry",
        "plugin_handler",
        "entry",
        Severity.ERROR,
        "handler.py defines a top-level handle(event).",
        "The runtime calls handle(event); a handler without it is never run.",
        "define 'def handle(event):' at the top level of handler.py",
        "def run(event): ...",
        "def handle(event): ...",
    ),
    (
        "plugin.handler.forbidden",
        "plugin_handler",
        "forbidden",
        Severity.ERROR,
        "handler.py imports and calls nothing the pack forbids (processes, sockets, HTTP, eval, ...).",
        "A handler returns actions for the runtime to carry out under the contract; one that reaches the network "
        "or runs programs itself escapes the contract and its review.",
        "return an action instead, and let the runtime carry it out",
        "import subprocess\nsubprocess.run(['curl', url])",
        'return [{"action": "notify", "payload": {"channel": "ops"}}]',
    ),
)


def compile_plugin_contract(spec: PluginContract | None, raw: Any, ref: str, source: str) -> list[Rule]:
    """The rules ``plugin_contract`` stands for; ``raw`` is the positioned pack."""
    if spec is None:
        return []
    from packwarden.plugin.static import DEFAULT_FORBIDDEN

    line, column = locate(raw, ("plugin_contract",))
    forbidden = list(DEFAULT_FORBIDDEN if spec.forbidden_imports is None else spec.forbidden_imports)
    rules = []
    for rid, option, check, severity, summary, why, fix, bad, good in _RULES:
        params: dict[str, Any] = {option: check, "contract": spec.contract}
        if option == "plugin_handler":
            params["forbidden"] = forbidden
        rules.append(
            Rule(
                id=rid,
                severity=severity,
                pack=ref,
                params=params,
                applies_to=("plugin",),
                fix=fix,
                doc=RuleDoc(summary, why, bad, good),
                source=source,
                line=line,
                column=column,
            )
        )
    return rules
