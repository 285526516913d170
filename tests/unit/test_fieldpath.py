"""Field paths: the grammar (model.field) and resolving paths in documents (checks.fieldpath)."""

from __future__ import annotations

import re

import pytest

from packwarden.checks.fieldpath import Located, items, resolve
from packwarden.load.json import load_json_text
from packwarden.load.yaml import load_yaml_text
from packwarden.model.field import FieldPathError, parse_field


def data(text: str) -> object:
    document = load_yaml_text(text)
    assert document.ok, document.problems
    return document.data


def found(root: object, field: str) -> list[tuple[str, object, int, int]]:
    return [(loc.path, loc.value, loc.line, loc.column) for loc in resolve(root, field).found]


def missing(root: object, field: str) -> list[tuple[str, int, int]]:
    return [(loc.path, loc.line, loc.column) for loc in resolve(root, field).missing]


# --- parse_field --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "segments"),
    [
        ("name", ("name",)),
        ("a.b.c", ("a", "b", "c")),
        ("a[0]", ("a", 0)),
        ("a[12].b", ("a", 12, "b")),
        ("entrypoints[*].permissions[*]", ("entrypoints", None, "permissions", None)),
        ("a.*.b", ("a", None, "b")),
        ("*", (None,)),
        ("[*]", (None,)),
        ("[3]", (3,)),
        ("a[0][1]", ("a", 0, 1)),
        (".a", ("a",)),
        ("x-y_z:w", ("x-y_z:w",)),
        ("with space", ("with space",)),
    ],
)
def test_parse_field(path: str, segments: tuple[object, ...]) -> None:
    assert parse_field(path) == segments


@pytest.mark.parametrize(
    ("path", "where"),
    [
        ("a..b", "at character 2"),
        ("a.", "at character 2"),
        ("a[", "at character 2"),
        ("a[x]", "at character 2"),
        ("a[-1]", "at character 2"),
        ("a]", "at character 2"),
        ("[", "at character 1"),
        ("a[*", "at character 2"),
    ],
)
def test_parse_field_rejects_malformed_paths_with_the_position(path: str, where: str) -> None:
    with pytest.raises(FieldPathError, match=re.escape(f"invalid field path {path!r} {where}")):
        parse_field(path)


def test_parse_field_rejects_the_empty_path() -> None:
    with pytest.raises(FieldPathError, match="empty field path"):
        parse_field("")


def test_field_path_error_is_a_value_error() -> None:
    assert issubclass(FieldPathError, ValueError)


# --- resolve --------------------------------------------------------------------------------------


MANIFEST = """\
name: data.transform
entrypoints:
  - command: run
    permissions: [read, write]
  - command: check
    permissions: [network]
  - command: bare
meta:
  owner: team
  tags: {a: 1, b: 2}
"""


def test_resolve_a_top_level_key_with_its_value_position() -> None:
    assert found(data(MANIFEST), "name") == [("name", "data.transform", 1, 7)]
    assert missing(data(MANIFEST), "name") == []


def test_resolve_nested_keys() -> None:
    assert found(data(MANIFEST), "meta.owner") == [("meta.owner", "team", 9, 10)]


def test_resolve_an_index() -> None:
    assert found(data(MANIFEST), "entrypoints[1].command") == [("entrypoints[1].command", "check", 5, 14)]
    assert found(data(MANIFEST), "entrypoints[0].permissions[1]") == [("entrypoints[0].permissions[1]", "write", 4, 25)]


def test_resolve_an_index_past_the_end_finds_nothing_and_reports_nothing() -> None:
    resolution = resolve(data(MANIFEST), "entrypoints[9].command")
    assert resolution.found == ()
    assert resolution.missing == ()


def test_resolve_an_index_on_a_mapping_finds_nothing() -> None:
    assert found(data(MANIFEST), "meta[0]") == []


def test_resolve_list_wildcards() -> None:
    assert found(data(MANIFEST), "entrypoints[*].permissions[*]") == [
        ("entrypoints[0].permissions[0]", "read", 4, 19),
        ("entrypoints[0].permissions[1]", "write", 4, 25),
        ("entrypoints[1].permissions[0]", "network", 6, 19),
    ]


def test_resolve_a_wildcard_reports_each_item_that_lacks_the_key_at_the_item() -> None:
    assert missing(data(MANIFEST), "entrypoints[*].permissions") == [("entrypoints[2].permissions", 7, 5)]


def test_resolve_betty_star_segments_on_lists_and_mappings() -> None:
    root = data(MANIFEST)
    assert [path for path, *_ in found(root, "entrypoints.*.permissions.*")] == [
        "entrypoints[0].permissions[0]",
        "entrypoints[0].permissions[1]",
        "entrypoints[1].permissions[0]",
    ]
    assert found(root, "meta.tags.*") == [("meta.tags.a", 1, 10, 13), ("meta.tags.b", 2, 10, 19)]


def test_resolve_a_wildcard_on_a_scalar_finds_nothing() -> None:
    assert found(data(MANIFEST), "name.*") == []
    assert missing(data(MANIFEST), "name.*") == []


def test_resolve_a_missing_key_is_reported_at_the_parent_position() -> None:
    root = data(MANIFEST)
    assert missing(root, "version") == [("version", 1, 1)]
    assert missing(root, "meta.license") == [("meta.license", 9, 3)]
    assert found(root, "meta.license") == []


def test_resolve_a_missing_chain_stops_at_the_first_missing_key() -> None:
    assert missing(data(MANIFEST), "a.b.c") == [("a", 1, 1)]


def test_resolve_a_key_under_null_is_missing_at_the_null_value() -> None:
    root = data("meta:\n  owner:\n")
    assert missing(root, "meta.owner.name") == [("meta.owner.name", 2, 9)]


def test_resolve_on_a_nested_flow_mapping_uses_the_mapping_position() -> None:
    root = data("x: 1\nmeta: {owner: a}\n")
    assert missing(root, "meta.team") == [("meta.team", 2, 7)]


def test_resolve_on_json_documents() -> None:
    document = load_json_text('{\n  "name": "x",\n  "list": [1, {"k": true}]\n}')
    assert found(document.data, "list[1].k") == [("list[1].k", True, 3, 21)]
    assert missing(document.data, "list[1].j") == [("list[1].j", 3, 15)]


def test_resolve_on_plain_python_data_uses_line_one() -> None:
    assert missing(None, "name") == [("name", 1, 1)]
    assert found(None, "name") == []
    assert found("text", "name") == []


def test_resolve_names_list_items_by_index_under_a_wildcard() -> None:
    root = data("codes: [ok, fail]\n")
    assert [path for path, *_ in found(root, "codes.*")] == ["codes[0]", "codes[1]"]


def test_resolve_keeps_numeric_mapping_keys_distinct_from_indexes() -> None:
    root = data("codes:\n  200: ok\n")
    assert found(root, "codes.*") == [("codes.200", "ok", 2, 8)]


# --- items -----------------------------------------------------------------------------------------


def test_items_opens_lists_one_level_only() -> None:
    root = data("v: [a, [b, c], {d: e}]\nw: x\n")
    opened = items(resolve(root, "v").found)
    assert [(loc.path, loc.line, loc.column) for loc in opened] == [("v[0]", 1, 5), ("v[1]", 1, 8), ("v[2]", 1, 16)]
    assert opened[1].value == ["b", "c"]
    assert items(resolve(root, "w").found) == [Located("x", 2, 4, "w")]


def test_items_of_nothing_is_nothing() -> None:
    assert items(()) == []
