"""The operating contract reader: a markdown file, its front matter and its fenced YAML blocks."""

from __future__ import annotations

import pickle
from types import MappingProxyType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from packwarden.load.limits import MAX_FILE_BYTES
from packwarden.model import builtin_rules as R
from packwarden.plugin.contract import Contract, ContractProblem, check_payload, read_contract
from tests.support.plugins import ACTIONS_BLOCK, EVENTS_BLOCK

CONTRACT = f"""\
---
contract_version: "1.0"
owner: platform
---
# Operating contract

Plugins run on lifecycle events and answer with actions.

{EVENTS_BLOCK}
Actions a plugin may return:

{ACTIONS_BLOCK}"""


def problems(text: str) -> list[tuple[str, int, int]]:
    return [(p.message, p.line, p.column) for p in read_contract(text).problems]


def with_blocks(*blocks: str, front: str = 'contract_version: "1.0"\n') -> str:
    return f"---\n{front}---\n" + "".join(f"\n```yaml\n{block}```\n" for block in blocks)


EVENTS = "lifecycle_events:\n  - name: a\n"
ACTIONS = "allowed_actions_contract:\n  notify: {channel: str}\n"


# --- a good contract ------------------------------------------------------------------------------


def test_reads_version_events_and_actions_with_their_lines() -> None:
    contract = read_contract(CONTRACT)
    assert contract.ok
    assert contract.version == "1.0"
    assert contract.events == ("ticket.created", "ticket.closed")
    assert dict(contract.event_lines) == {"ticket.created": 11, "ticket.closed": 13}
    assert {name: dict(fields) for name, fields in contract.actions.items()} == {
        "notify": {"channel": "str", "message": "str"},
        "route_ticket": {"queue": "str"},
        "noop": {},
    }
    assert dict(contract.action_lines) == {"notify": 20, "route_ticket": 21, "noop": 22}
    created = contract.event_contracts["ticket.created"]
    assert dict(created["payload"]) == {"ticket_id": "str", "priority": "str"}
    assert created["name"] == "ticket.created"
    assert dict(contract.event_contracts["ticket.closed"]) == {"name": "ticket.closed"}


def test_the_contract_is_read_only() -> None:
    contract = read_contract(CONTRACT)
    with pytest.raises(TypeError):
        contract.actions["delete_everything"] = {}  # type: ignore[index]
    with pytest.raises(TypeError):
        contract.actions["notify"]["extra"] = "str"  # type: ignore[index]
    with pytest.raises(AttributeError):
        contract.version = "2.0"  # type: ignore[misc]


def test_both_keys_may_share_one_block_and_yml_counts() -> None:
    text = '---\ncontract_version: "2"\n---\n```YML title="contract"\n' + EVENTS + ACTIONS + "```\n"
    contract = read_contract(text)
    assert contract.ok, contract.problems
    assert contract.events == ("a",)
    assert dict(contract.action_lines) == {"notify": 8}


def test_an_integer_version_is_its_digits() -> None:
    assert read_contract(with_blocks(EVENTS, ACTIONS, front="contract_version: 3\n")).version == "3"


def test_blocks_that_are_not_yaml_or_hold_neither_key_are_ignored() -> None:
    text = with_blocks("example: {lifecycle_events: []}\n", EVENTS, ACTIONS) + (
        '\n```json\n{"lifecycle_events": []}\n```\n\n    lifecycle_events: []\n'
    )
    assert read_contract(text).ok


def test_a_fence_inside_the_front_matter_is_not_a_block() -> None:
    text = '---\ncontract_version: "1"\nnote: |\n  ```yaml\n  lifecycle_events: [{name: x}]\n  ```\n---\n'
    text += "```yaml\n" + ACTIONS + "```\n"
    assert problems(text) == [("no ```yaml block holds lifecycle_events:", 1, 1)]


def test_crlf_line_endings() -> None:
    contract = read_contract(CONTRACT.replace("\n", "\r\n"))
    assert contract.ok
    assert dict(contract.event_lines) == {"ticket.created": 11, "ticket.closed": 13}


# --- problems, located in the markdown file -------------------------------------------------------


def test_no_front_matter_and_no_blocks() -> None:
    assert problems("# Contract\n\nNothing here.\n") == [
        ("no ```yaml block holds allowed_actions_contract:", 1, 1),
        ("no ```yaml block holds lifecycle_events:", 1, 1),
        ("no front matter: begin the contract with '---', 'contract_version: \"1.0\"' and '---' lines", 1, 1),
    ]


@pytest.mark.parametrize(
    ("front", "expected"),
    [
        ("owner: me\n", ("the front matter has no contract_version", 2, 1)),
        ("- 1.0\n", ("the front matter must be a mapping that holds contract_version", 2, 1)),
        ("", ("the front matter must be a mapping that holds contract_version", 2, 1)),
        (
            "contract_version: 1.10\n",
            ("contract_version 1.1 is read as a number; quote it: contract_version: '1.1'", 2, 19),
        ),
        ("contract_version: ''\n", ("contract_version must be a non-empty string", 2, 19)),
        ("contract_version: [1]\n", ("contract_version must be a non-empty string", 2, 19)),
        ("contract_version: true\n", ("contract_version must be a non-empty string", 2, 19)),
    ],
)
def test_front_matter_problems(front: str, expected: tuple[str, int, int]) -> None:
    contract = read_contract(with_blocks(EVENTS, ACTIONS, front=front))
    assert [(p.message, p.line, p.column) for p in contract.problems] == [expected]
    assert contract.version == ""
    assert contract.events == ("a",)  # the rest is still read


def test_a_front_matter_the_yaml_reader_refuses_carries_its_rule() -> None:
    contract = read_contract(with_blocks(EVENTS, ACTIONS, front="contract_version: '1'\ncontract_version: '2'\n"))
    # The message comes from load.markdown as it is (which names the line within the front matter).
    assert [(p.line, p.column, p.rule) for p in contract.problems] == [(3, 1, R.PARSE_DUPLICATE_KEY.id)]
    assert contract.version == ""


def test_lines_named_in_a_block_problem_are_file_lines() -> None:
    text = with_blocks(EVENTS, "allowed_actions_contract:\n  notify: {}\n  notify: {}\n")
    assert read_contract(text).problems == (
        ContractProblem("duplicate key 'notify' (first at line 12)", 13, 3, R.PARSE_DUPLICATE_KEY.id),
    )


def test_duplicate_blocks_name_the_first() -> None:
    text = with_blocks(EVENTS, ACTIONS, "lifecycle_events:\n  - name: b\n")
    assert problems(text) == [("lifecycle_events is given again (first at line 6); keep one block", 16, 1)]
    assert read_contract(text).events == ("a",)


def test_a_block_that_does_not_parse_is_located_and_replaces_the_missing_key_report() -> None:
    text = with_blocks(EVENTS, "allowed_actions_contract:\n  notify: {channel: str\n")
    contract = read_contract(text)
    assert [(p.line, p.column, p.rule) for p in contract.problems] == [(13, 1, R.PARSE_SYNTAX.id)]


def test_anchors_are_refused_at_their_place_in_a_list_item_fence() -> None:
    text = '---\ncontract_version: "1"\n---\n- the events:\n\n'
    text += "  ```yaml\n  lifecycle_events: &events\n    - name: a\n  ```\n"
    contract = read_contract(text + "```yaml\n" + ACTIONS + "```\n")
    assert contract.problems == (ContractProblem("anchor &events is not allowed", 7, 21, R.PARSE_ANCHOR.id),)


def test_columns_inside_an_indented_fence() -> None:
    text = '---\ncontract_version: "1"\n---\n   ```yaml\n   lifecycle_events: {name: a}\n   ```\n'
    assert problems(text + "```yaml\n" + ACTIONS + "```\n") == [
        ("lifecycle_events must be a list of {name: ...} mappings", 5, 22)
    ]


@pytest.mark.parametrize(
    ("events", "expected"),
    [
        ("lifecycle_events: []\n", [("lifecycle_events is empty: a plugin must handle one of its events", 6, 19)]),
        ("lifecycle_events:\n", [("lifecycle_events must be a list of {name: ...} mappings", 6, 18)]),
        (
            "lifecycle_events:\n  - a\n  - {name: b}\n",
            [("a lifecycle event must be a mapping with a name, not str 'a'", 7, 5)],
        ),
        ("lifecycle_events:\n  - {label: a}\n", [("a lifecycle event has no name", 7, 5)]),
        ("lifecycle_events:\n  - name: 7\n", [("a lifecycle event's name must be a non-empty string", 7, 11)]),
        (
            "lifecycle_events:\n  - name: a\n  - name: b\n  - name: a\n",
            [("lifecycle event 'a' is listed twice (first at line 7)", 9, 11)],
        ),
        (
            "lifecycle_events:\n  - name: a\n    payload: {1: str}\n",
            [("lifecycle event 'a': key 1 must be a string (quote it)", 8, 15)],
        ),
        (  # the YAML reader refuses it already
            "lifecycle_events:\n  - name: a\n    limits: [1, .inf]\n",
            [("'.inf' is not a finite number", 8, 17)],
        ),
    ],
)
def test_event_problems(events: str, expected: list[tuple[str, int, int]]) -> None:
    assert problems(with_blocks(events, ACTIONS)) == expected


@pytest.mark.parametrize(
    ("actions", "expected"),
    [
        (
            "allowed_actions_contract: [notify]\n",
            [("allowed_actions_contract must map each action name to its payload contract", 11, 27)],
        ),
        (
            "allowed_actions_contract: {}\n",
            [("allowed_actions_contract is empty: a plugin could return no action at all", 11, 27)],
        ),
        (
            "allowed_actions_contract:\n  noop:\n",
            [
                (
                    "the payload contract of 'noop' must map field names to types"
                    " (str, int, float, bool, list, dict); {} for none",
                    12,
                    8,
                )
            ],
        ),
        (
            "allowed_actions_contract:\n  notify: {channel: string, urgent: bool}\n",
            [("'notify': field 'channel' has type 'string'; the types are str, int, float, bool, list, dict", 12, 21)],
        ),
        (
            "allowed_actions_contract:\n  notify: {1: str}\n",
            [("'notify': field name 1 must be a non-empty string", 12, 12)],
        ),
        ("allowed_actions_contract:\n  2: {}\n", [("action name 2 must be a non-empty string", 12, 3)]),
    ],
)
def test_action_problems(actions: str, expected: list[tuple[str, int, int]]) -> None:
    assert problems(with_blocks(EVENTS, actions)) == expected


def test_an_action_with_one_bad_field_keeps_its_good_ones() -> None:
    contract = read_contract(
        with_blocks(EVENTS, "allowed_actions_contract:\n  notify: {channel: string, urgent: bool}\n")
    )
    assert {name: dict(fields) for name, fields in contract.actions.items()} == {"notify": {"urgent": "bool"}}


# --- hostile input --------------------------------------------------------------------------------


def test_too_large() -> None:
    assert problems("x" * (MAX_FILE_BYTES + 1)) == [
        (f"the contract is {MAX_FILE_BYTES + 1} characters; the limit is {MAX_FILE_BYTES}", 1, 1)
    ]


def test_a_nul_character_is_located() -> None:
    assert problems("---\ncontract_version: '1'\n---\nab\x00c\n") == [("the contract holds a NUL character", 4, 3)]


def test_yaml_nested_too_deeply_in_a_block() -> None:
    text = with_blocks("lifecycle_events: " + "[" * 100 + "]" * 100 + "\n", ACTIONS)
    contract = read_contract(text)
    assert [(p.rule, p.line) for p in contract.problems] == [(R.PARSE_DEPTH.id, 6)]


@pytest.mark.parametrize(
    "text",
    [
        ">" * 100_000 + " x\n",
        "- " * 50_000 + "x\n",
        "```yaml\n" * 20_000,
        ("```yaml\n" + EVENTS + "```\n") * 2_000,
        "---\n" + "a:\n " * 20_000 + "\n---\n",
        "[" * 100_000,
        "*" * 200_000,
    ],
    ids=["quotes", "lists", "open-fences", "many-blocks", "deep-front-matter", "brackets", "stars"],
)
def test_hostile_markdown_gives_problems_not_exceptions(text: str) -> None:
    contract = read_contract(text)
    assert isinstance(contract, Contract)
    assert contract.problems


# --- the record -----------------------------------------------------------------------------------


def test_a_contract_is_a_value() -> None:
    one, two = read_contract(CONTRACT), read_contract(CONTRACT.replace("noop: {}", "noop: {}\n  # same"))
    assert one == two
    assert hash(one) == hash(two)
    assert one != tuple(one)
    assert one != read_contract(CONTRACT.replace("queue: str", "queue: int"))
    assert len({one, two}) == 1


def test_a_contract_pickles() -> None:
    contract = read_contract(with_blocks(EVENTS, "allowed_actions_contract:\n  notify: {channel: strr}\n"))
    again = pickle.loads(pickle.dumps(contract))
    assert again == contract
    assert again.problems == contract.problems
    assert isinstance(again.actions["notify"], MappingProxyType)


# --- payloads -------------------------------------------------------------------------------------


def test_check_payload() -> None:
    fields = {"channel": "str", "count": "int", "ratio": "float", "tags": "list", "meta": "dict", "urgent": "bool"}
    good = {"channel": "ops", "count": 2, "ratio": 1, "tags": [], "meta": {}, "urgent": False}
    assert check_payload(good, fields) == []
    bad = {"channel": 1, "count": True, "ratio": "x", "tags": {}, "meta": [], "extra": 1}
    assert check_payload(bad, fields) == [
        "field 'channel' must be str, not int",
        "field 'count' must be int, not bool",
        "field 'ratio' must be float, not str",
        "field 'tags' must be list, not dict",
        "field 'meta' must be dict, not list",
        "field 'urgent' is missing",
        "field 'extra' is not in the contract",
    ]
    assert check_payload([], {}) == ["the payload must be a mapping, not list"]


# --- never raises ---------------------------------------------------------------------------------

_PIECES = st.sampled_from(
    [
        "---\n",
        "...\n",
        'contract_version: "1"\n',
        "contract_version: 1.5\n",
        "```yaml\n",
        "```yml\n",
        "```\n",
        "~~~yaml\n",
        "lifecycle_events:\n",
        "allowed_actions_contract:\n",
        "  - name: a\n",
        "  - name: a\n",
        "  - {name: [1]}\n",
        "  a: {x: str}\n",
        "  b: {x: nope}\n",
        "  c: &x {}\n",
        "  d: *x\n",
        "> ",
        "- ",
        "   ",
        "\t",
        "\r\n",
        "\x00",
        "{[",
        ".inf\n",
        "1: 2\n",
    ]
)


@settings(max_examples=300, deadline=None, database=None)
@given(st.one_of(st.text(max_size=400), st.lists(_PIECES, max_size=40).map("".join)))
def test_read_contract_never_raises(text: str) -> None:
    contract = read_contract(text)
    assert isinstance(contract, Contract)
    for problem in contract.problems:
        assert problem.line >= 1
        assert problem.column >= 1
    assert set(contract.event_lines) == set(contract.events) == set(contract.event_contracts)
    assert set(contract.action_lines) == set(contract.actions)
    hash(contract)
