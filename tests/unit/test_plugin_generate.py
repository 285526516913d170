"""The plugin generator: files from plugin.spec.json and the contract, staleness, handler merging."""

from __future__ import annotations

import ast
import json
import math
from typing import Any

import pytest

from packwarden.load.json import load_json_text
from packwarden.plugin.contract import Contract, read_contract
from packwarden.plugin.generate import (
    FILES,
    JSON_FILES,
    MISSING,
    MarkerError,
    SpecError,
    generate,
    merge_handler,
    stale_fields,
)
from packwarden.plugin.static import inspect_handler
from tests.support import plugins
from tests.support.plugins import plugin_spec

# The shared contract with an action whose name holds a dot, which stale_fields quotes in a path.
CONTRACT = plugins.CONTRACT.replace("  noop: {}\n", "  ticket.close: {}\n")

WHEN = "2026-11-30T12:00:00Z"


def spec(**changes: Any) -> dict[str, Any]:
    """The spec of ticket-router (``plugin_spec``), with ``changes`` as they are: changed outputs
    keep the rules of route_ticket and notify."""
    base = plugin_spec(
        "ticket-router", version="1.2.0", description="Routes new tickets; pages on-call for high priority."
    )
    return {**base, **changes}


@pytest.fixture(scope="module")
def contract() -> Contract:
    read = read_contract(CONTRACT)
    assert read.ok, read.problems
    return read


# --- the files ------------------------------------------------------------------------------------


def test_the_files_in_order(contract: Contract) -> None:
    assert list(generate(spec(), contract, generated_at=WHEN)) == list(FILES)


def test_manifest_text(contract: Contract) -> None:
    assert generate(spec(), contract, generated_at=WHEN)["manifest.json"] == (
        "{\n"
        '  "contract_version": "1.0",\n'
        '  "description": "Routes new tickets; pages on-call for high priority.",\n'
        '  "entrypoint": "handler.py:handle",\n'
        '  "generated_at": "2026-11-30T12:00:00Z",\n'
        '  "handles_event": "ticket.created",\n'
        '  "name": "ticket-router",\n'
        '  "outputs": [\n'
        '    "route_ticket",\n'
        '    "notify"\n'
        "  ],\n"
        '  "version": "1.2.0"\n'
        "}\n"
    )


def test_policy_snapshot_and_ledger_contract(contract: Contract) -> None:
    files = generate(spec(), contract, generated_at=WHEN)
    allowed = {"notify": {"channel": "str", "message": "str"}, "route_ticket": {"queue": "str"}}
    assert json.loads(files["policy_snapshot.json"]) == {
        "plugin": "ticket-router",
        "version": "1.2.0",
        "contract_version": "1.0",
        "rules": [{"if_priority": "high", "action": "notify"}, {"else": True, "action": "route_ticket"}],
        "allowed_actions": allowed,
        "generated_at": WHEN,
    }
    assert json.loads(files["ledger_contract.json"]) == {
        "plugin": "ticket-router",
        "version": "1.2.0",
        "contract_version": "1.0",
        "event": "ticket.created",
        "event_contract": {"name": "ticket.created", "payload": {"ticket_id": "str", "priority": "str"}},
        "actions": allowed,
        "generated_at": WHEN,
    }


def test_json_is_written_one_way_whatever_the_spec_order(contract: Contract) -> None:
    forwards = generate(spec(), contract, generated_at=WHEN)
    backwards = generate(dict(reversed(list(spec().items()))), contract, generated_at=WHEN)
    assert forwards == backwards
    for name in JSON_FILES:
        text = forwards[name]
        assert text.endswith("}\n")
        assert text == json.dumps(json.loads(text), sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def test_non_ascii_is_written_as_itself(contract: Contract) -> None:
    files = generate(spec(description="Tickets für das Büro"), contract, generated_at=WHEN)
    assert '"description": "Tickets für das Büro"' in files["manifest.json"]
    assert "Tickets für das Büro" in files["README_PLUGIN.md"]


def test_what_the_contract_does_not_define_is_null(contract: Contract) -> None:
    files = generate(spec(handles_event="ticket.opened", outputs=["notify", "delete"]), contract, generated_at=WHEN)
    ledger = json.loads(files["ledger_contract.json"])
    assert ledger["event_contract"] is None
    assert ledger["actions"] == {"notify": {"channel": "str", "message": "str"}, "delete": None}
    assert json.loads(files["policy_snapshot.json"])["allowed_actions"]["delete"] is None
    assert '#   "delete" (not in the contract)' in files["handler.py"]


def test_optional_fields(contract: Contract) -> None:
    files = generate(
        {"name": "a", "version": "1.0.0", "handles_event": "ticket.closed", "outputs": []},
        contract,
        generated_at=WHEN,
    )
    assert json.loads(files["manifest.json"])["description"] == ""
    assert json.loads(files["policy_snapshot.json"])["rules"] == []
    assert "# Allowed actions and their payload fields: none\n" in files["handler.py"]


def test_handler_template(contract: Contract) -> None:
    handler = generate(spec(), contract, generated_at=WHEN)["handler.py"]
    assert handler.startswith('"""Handler of the plugin "ticket-router", version "1.2.0".\n')
    assert handler.endswith(
        "# BEGIN AUTO SECTION\n\n\n"
        "def handle(event):\n"
        '    """Return the actions for ``event``: a list of {"action": name, "payload": {...}}."""\n'
        "    # Allowed actions and their payload fields:\n"
        '    #   "route_ticket" {queue: str}\n'
        '    #   "notify" {channel: str, message: str}\n'
        "    return []\n\n\n"
        "# END AUTO SECTION\n"
    )
    assert inspect_handler(handler) == []
    namespace: dict[str, Any] = {}
    exec(compile(handler, "handler.py", "exec"), namespace)  # the generator's own output, in the test
    assert namespace["handle"]({"name": "ticket.created"}) == []


@pytest.mark.parametrize(
    "hostile",
    ['a"""b', "back\\", "new\nline", "'''", "\x00", "\u2028", "#", "é\U0001f600", ""],
)
def test_spec_text_cannot_break_the_handler(contract: Contract, hostile: str) -> None:
    files = generate(
        spec(name=hostile, version=hostile, handles_event=hostile, outputs=[hostile], description="x"),
        contract,
        generated_at=WHEN,
    )
    handler = files["handler.py"]
    assert handler.isascii()
    docstring = ast.get_docstring(ast.parse(handler), clean=False)
    assert docstring is not None
    assert docstring.startswith(f'Handler of the plugin "{hostile}", version "{hostile}".\n')
    assert inspect_handler(handler) == []


def test_the_readme_quotes_backticks_in_code_spans(contract: Contract) -> None:
    readme = generate(spec(handles_event="a`b"), contract, generated_at=WHEN)["README_PLUGIN.md"]
    assert "Handles the lifecycle event ``a`b`` of the operating contract `1.0`." in readme


# --- a spec of the wrong shape --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (["not", "a", "mapping"], "the spec must be a JSON object, not list"),
        ({k: v for k, v in spec().items() if k != "name"}, "'name' is missing"),
        (spec(version=1), "'version' must be a string, not int"),
        (spec(handles_event=None), "'handles_event' must be a string, not null"),
        (spec(description=["x"]), "'description' must be a string, not list"),
        ({k: v for k, v in spec().items() if k != "outputs"}, "'outputs' is missing"),
        (spec(outputs="notify"), "'outputs' must be a list of action names"),
        (spec(outputs=["notify", 3]), "'outputs' must be a list of action names"),
        (spec(policy=[]), "'policy' must be an object, not list"),
        (spec(policy={"rules": {"action": "x"}}), "'policy.rules' must be a list of objects"),
        (spec(policy={"rules": ["x"]}), "'policy.rules' must be a list of objects"),
        (spec(policy={"rules": [{"if_x": math.nan}]}), "policy.rules[0].if_x: nan is not a number JSON can hold"),
        (spec(policy={"rules": [{1: "x"}]}), "policy.rules[0]: key 1 is not a string"),
        (spec(policy={"rules": [{"if_x": {1, 2}}]}), "policy.rules[0].if_x: set is not JSON data"),
        (spec(description="\ud800"), "manifest.json would not be UTF-8 text: the spec holds a lone surrogate"),
    ],
)
def test_spec_errors(contract: Contract, bad: Any, message: str) -> None:
    with pytest.raises(SpecError) as raised:
        generate(bad, contract, generated_at=WHEN)
    assert str(raised.value) == message


def test_a_spec_nested_past_the_stack_is_a_spec_error(contract: Contract) -> None:
    deep: Any = "x"
    for _ in range(100_000):
        deep = [deep]
    with pytest.raises(SpecError, match="nested too deeply"):
        generate(spec(policy={"rules": [{"if_x": deep}]}), contract, generated_at=WHEN)


# --- staleness ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", JSON_FILES)
def test_a_fresh_generation_is_not_stale(contract: Contract, name: str) -> None:
    text = generate(spec(), contract, generated_at=WHEN)[name]
    assert stale_fields(name, json.loads(text), spec(), contract) == []
    document = load_json_text(text)  # as the hook reads it: position-aware mappings
    assert document.ok
    assert stale_fields(name, document.data, spec(), contract) == []


def test_generated_at_is_ignored_even_when_missing(contract: Contract) -> None:
    on_disk = json.loads(generate(spec(), contract, generated_at=WHEN)["manifest.json"])
    del on_disk["generated_at"]
    assert stale_fields("manifest.json", on_disk, spec(), contract) == []


def test_a_new_spec_version_is_stale_everywhere(contract: Contract) -> None:
    files = generate(spec(), contract, generated_at=WHEN)
    newer = spec(version="1.3.0")
    for name in JSON_FILES:
        assert stale_fields(name, json.loads(files[name]), newer, contract) == [("version", "1.2.0", "1.3.0")]


def test_a_contract_change_names_the_payload_field(contract: Contract) -> None:
    files = generate(spec(), contract, generated_at=WHEN)
    changed = read_contract(
        CONTRACT.replace("queue: str", "queue: str, urgent: bool").replace(
            'contract_version: "1.0"', "contract_version: '1.1'"
        )
    )
    assert stale_fields("policy_snapshot.json", json.loads(files["policy_snapshot.json"]), spec(), changed) == [
        ("allowed_actions.route_ticket.urgent", MISSING, "bool"),
        ("contract_version", "1.0", "1.1"),
    ]


def test_paths_of_new_and_dropped_keys(contract: Contract) -> None:
    files = generate(spec(), contract, generated_at=WHEN)
    on_disk = json.loads(files["ledger_contract.json"])
    on_disk["extra"] = 1
    fresh = spec(outputs=["route_ticket", "notify", "ticket.close"])
    assert stale_fields("ledger_contract.json", on_disk, fresh, contract) == [
        ('actions["ticket.close"]', MISSING, {}),
        ("extra", 1, MISSING),
    ]


def test_lists_compare_whole_and_json_types_strictly(contract: Contract) -> None:
    on_disk = json.loads(generate(spec(), contract, generated_at=WHEN)["policy_snapshot.json"])
    on_disk["rules"][1]["else"] = 1  # 1 == True in Python, not in the file
    assert stale_fields("policy_snapshot.json", on_disk, spec(), contract) == [
        (
            "rules",
            [{"action": "notify", "if_priority": "high"}, {"action": "route_ticket", "else": 1}],
            [{"if_priority": "high", "action": "notify"}, {"else": True, "action": "route_ticket"}],
        )
    ]


def test_a_file_that_is_not_an_object_is_one_difference(contract: Contract) -> None:
    found = stale_fields("manifest.json", [1], spec(), contract)
    assert len(found) == 1
    assert found[0][:2] == ("", [1])
    assert isinstance(found[0][2], dict)
    assert found[0][2]["name"] == "ticket-router"


def test_stale_fields_refuses_other_files_and_bad_specs(contract: Contract) -> None:
    with pytest.raises(ValueError, match=r"'handler\.py' is not a generated JSON file"):
        stale_fields("handler.py", {}, spec(), contract)
    with pytest.raises(SpecError, match="'version' must be a string"):
        stale_fields("manifest.json", {}, spec(version=None), contract)


# --- handler.py: the author's section is kept -----------------------------------------------------


def test_merge_without_an_existing_handler(contract: Contract) -> None:
    generated = generate(spec(), contract, generated_at=WHEN)["handler.py"]
    assert merge_handler(None, generated) == generated


def author_handler(contract: Contract) -> str:
    generated = generate(spec(), contract, generated_at=WHEN)["handler.py"]
    start = generated.index("# BEGIN AUTO SECTION\n") + len("# BEGIN AUTO SECTION\n")
    end = generated.index("# END AUTO SECTION")
    mine = (
        "import json\n\n\n"
        "def handle(event):\n"
        '    if event.get("priority") == "high":\n'
        '        return [{"action": "notify", "payload": {"channel": "ops", "message": json.dumps(event)}}]\n'
        '    return [{"action": "route_ticket", "payload": {"queue": "triage"}}]\n'
    )
    return generated[:start] + mine + generated[end:] + "\n# a note after the section\n"


def test_regenerating_keeps_the_author_code_and_refreshes_the_rest(contract: Contract) -> None:
    existing = author_handler(contract)
    regenerated = generate(spec(version="2.0.0"), contract, generated_at=WHEN)["handler.py"]
    merged = merge_handler(existing, regenerated)
    assert merged.startswith('"""Handler of the plugin "ticket-router", version "2.0.0".\n')
    mine = existing[existing.index("# BEGIN AUTO SECTION") : existing.index("# END AUTO SECTION")]
    assert mine in merged
    assert merged.endswith("# END AUTO SECTION\n")  # the tail is the generator's again
    assert "a note after the section" not in merged
    assert inspect_handler(merged) == []
    assert merge_handler(merged, regenerated) == merged  # idempotent


def test_the_author_line_endings_are_kept(contract: Contract) -> None:
    existing = author_handler(contract).replace("\n", "\r\n")
    merged = merge_handler(existing, generate(spec(), contract, generated_at=WHEN)["handler.py"])
    assert '    return [{"action": "route_ticket", "payload": {"queue": "triage"}}]\r\n' in merged
    assert merged.startswith('"""Handler of the plugin "ticket-router", version "1.2.0".\n')


@pytest.mark.parametrize(
    ("existing", "message", "line"),
    [
        ("def handle(event):\n    return []\n", "handler.py has no '# BEGIN AUTO SECTION' line", 1),
        ("# BEGIN AUTO SECTION\ndef handle(event):\n    return []\n", "handler.py has no '# END AUTO SECTION' line", 1),
        (
            "# BEGIN AUTO SECTION\n# BEGIN AUTO SECTION\n# END AUTO SECTION\n",
            "handler.py has '# BEGIN AUTO SECTION' more than once (lines 1 and 2)",
            2,
        ),
        (
            "# BEGIN AUTO SECTION\n# END AUTO SECTION\n  # END AUTO SECTION\n",
            "handler.py has '# END AUTO SECTION' more than once (lines 2 and 3)",
            3,
        ),
        (
            "# END AUTO SECTION\nx = 1\n# BEGIN AUTO SECTION\n",
            "handler.py has '# END AUTO SECTION' (line 1) before '# BEGIN AUTO SECTION'",
            1,
        ),
    ],
)
def test_merge_refuses_a_handler_without_one_pair_of_markers(
    contract: Contract, existing: str, message: str, line: int
) -> None:
    generated = generate(spec(), contract, generated_at=WHEN)["handler.py"]
    with pytest.raises(MarkerError) as raised:
        merge_handler(existing, generated)
    assert str(raised.value) == message
    assert raised.value.line == line


def test_a_marker_in_a_string_is_still_a_marker_line(contract: Contract) -> None:
    """Markers are lines of text (documented): the same rule for merge and for the static check."""
    existing = 'x = """\n# BEGIN AUTO SECTION\n"""\n# END AUTO SECTION\n'
    merged = merge_handler(existing, generate(spec(), contract, generated_at=WHEN)["handler.py"])
    assert '"""\n# END AUTO SECTION\n' in merged
