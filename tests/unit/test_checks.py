"""Every check kind on real YAML documents, one behaviour per test."""

from __future__ import annotations

import re
from typing import Any

import pytest

from packwarden.checks import CHECKS, RUN_ORDER, kinds_for
from packwarden.checks import length as length_module
from packwarden.checks.allowed_values import same
from packwarden.checks.fieldpath import resolve
from packwarden.checks.pattern import as_text
from packwarden.checks.target import Hit, Target, hit_at, show
from packwarden.checks.value_type import type_name
from packwarden.load.document import line_col
from packwarden.load.yaml import load_yaml_text
from packwarden.model.finding import Severity
from packwarden.model.pattern import Budget, PatternTimeout
from packwarden.model.rule import Rule
from packwarden.packs.schema import CHECK_KEYS, TEXT_CHECK_KEYS


def make_rule(field: str | None = "name", **params: Any) -> Rule:
    return Rule(id="t.rule", severity=Severity.ERROR, pack="t@1.0", params=params, field=field)


def hits(rule: Rule, text: str, kind: str = "skill", budget: Budget | None = None) -> list[Hit]:
    document = load_yaml_text(text)
    assert document.ok, document.problems
    resolution = resolve(document.data, rule.field) if rule.field is not None else None
    target = Target(kind, text, document.data, resolution, budget or Budget())
    return [hit for check_kind in kinds_for(dict(rule.params)) for hit in check_kind.check(rule, target)]


def where(found: list[Hit]) -> list[tuple[int, int, str]]:
    return [(hit.line, hit.column, hit.field) for hit in found]


# --- the registry -----------------------------------------------------------------------------


def test_schema_check_keys_are_exactly_the_registered_checks() -> None:
    assert set(CHECK_KEYS) == set(CHECKS)
    assert len(CHECK_KEYS) == len(CHECKS)


def test_text_check_keys_are_exactly_the_checks_without_a_field() -> None:
    assert set(TEXT_CHECK_KEYS) == {key for key, kind in CHECKS.items() if not kind.needs_field}


def test_every_check_kind_is_documented_and_keyed_by_its_own_key() -> None:
    for key, kind in CHECKS.items():
        assert kind.key == key
        assert kind.doc, key
        assert "Example:" in kind.doc


def test_run_order_runs_the_length_module_once() -> None:
    modules = [kind.module for kind in RUN_ORDER]
    assert modules.count(length_module) == 1
    assert len(RUN_ORDER) == len({kind.module for kind in CHECKS.values()})  # each module once


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, []),
        (None, []),
        ({"min_length": 1}, ["min_length"]),
        ({"max_length": 1}, ["min_length"]),
        ({"min_length": 1, "max_length": 2}, ["min_length"]),
        ({"pattern": "x", "required": True}, ["required", "pattern"]),
        ({"semver": True, "type": "string"}, ["type", "semver"]),
    ],
)
def test_kinds_for_chooses_each_module_once_in_run_order(params: dict[str, object] | None, expected: list[str]) -> None:
    assert [kind.key for kind in kinds_for(params)] == expected


# --- required ---------------------------------------------------------------------------------


def test_required_passes_when_present() -> None:
    assert hits(make_rule(required=True), "name: data.transform\n") == []


def test_required_reports_a_missing_field_at_the_parent_mapping() -> None:
    found = hits(make_rule(required=True), "version: 1.0.0\nstatus: draft\n")
    assert where(found) == [(1, 1, "name")]
    assert found[0].message == "required field 'name' is missing"
    assert found[0].detail == "name is missing"
    assert found[0].value is None


@pytest.mark.parametrize("value", ["", "null", "~", "''", '""'])
def test_required_reports_null_and_empty_string(value: str) -> None:
    found = hits(make_rule(required=True), f"version: 1\nname: {value}\n")
    assert [(hit.line, hit.field) for hit in found] == [(2, "name")]
    assert found[0].column == (7 if value else 6)  # an empty value stands right after the colon
    assert found[0].message == "required field 'name' is empty"


@pytest.mark.parametrize("value", ["0", "false", "[]", "{}", "' '"])
def test_required_accepts_falsy_values_that_are_not_empty_strings(value: str) -> None:
    assert hits(make_rule(required=True), f"name: {value}\n") == []


def test_required_false_checks_nothing() -> None:
    assert hits(make_rule(required=False), "version: 1\n") == []


def test_required_with_a_wildcard_reports_every_item_without_the_field() -> None:
    text = "entrypoints:\n  - handler: a.py\n  - command: run\n  - handler: ''\n"
    found = hits(make_rule("entrypoints[*].handler", required=True), text)
    assert where(found) == [(3, 5, "entrypoints[1].handler"), (4, 14, "entrypoints[2].handler")]
    assert "missing" in found[0].message
    assert "empty" in found[1].message


def test_required_nested_under_a_null_parent_is_reported_at_the_parent() -> None:
    found = hits(make_rule("metadata.owner", required=True), "metadata:\n")
    assert where(found) == [(1, 10, "metadata.owner")]


def test_required_nested_under_a_missing_parent_reports_the_parent_only() -> None:
    found = hits(make_rule("metadata.owner", required=True), "name: x\n")
    assert [hit.field for hit in found] == ["metadata"]


@pytest.mark.parametrize("parent", ["none", "[a, b]", "5"])
def test_required_nested_under_a_scalar_parent_is_reported_at_the_parent(parent: str) -> None:
    found = hits(make_rule("metadata.owner", required=True), f"metadata: {parent}\n")
    assert where(found) == [(1, 11, "metadata.owner")]


def test_required_after_a_wildcard_holds_when_there_are_no_items() -> None:
    rule = make_rule("entrypoints[*].handler", required=True)
    assert hits(rule, "name: x\n") == []
    assert hits(rule, "entrypoints: []\n") == []
    assert hits(make_rule("a.*.b", required=True), "a: {}\n") == []


# --- pattern ----------------------------------------------------------------------------------


def test_pattern_passes_a_matching_value() -> None:
    assert hits(make_rule(pattern="^[a-z][a-z0-9.]*[a-z0-9]$"), "name: data.transform\n") == []


def test_pattern_reports_a_value_that_does_not_match_with_its_position() -> None:
    found = hits(make_rule(pattern="^[a-z][a-z0-9.]*[a-z0-9]$"), "version: 1\nname: Data Transform\n")
    assert where(found) == [(2, 7, "name")]
    assert found[0].message == "'name' 'Data Transform' does not match '^[a-z][a-z0-9.]*[a-z0-9]$'"
    assert found[0].detail == "name = 'Data Transform'"
    assert found[0].value == "Data Transform"


def test_pattern_is_a_search_unless_anchored() -> None:
    assert hits(make_rule(pattern="[a-z]"), "name: ABc\n") == []
    assert len(hits(make_rule(pattern="^[a-z]+$"), "name: ABc\n")) == 1


def test_pattern_checks_each_item_of_a_list() -> None:
    found = hits(make_rule("tags", pattern="^[a-z]+$"), "tags: [ok, Bad, fine, 'no way']\n")
    assert [(hit.field, hit.value) for hit in found] == [("tags[1]", "Bad"), ("tags[3]", "no way")]
    assert [hit.column for hit in found] == [12, 23]


@pytest.mark.parametrize(
    ("value", "pattern", "matches"),
    [("1.5", r"^1\.5$", True), ("42", "^42$", True), ("true", "^true$", True), ("false", "^true$", False)],
)
def test_pattern_sees_numbers_and_booleans_as_written(value: str, pattern: str, matches: bool) -> None:
    assert (hits(make_rule("v", pattern=pattern), f"v: {value}\n") == []) is matches


@pytest.mark.parametrize(("value", "shown"), [("{a: 1}", "a mapping"), ("null", "null"), ("", "null")])
def test_pattern_reports_a_value_that_is_not_text(value: str, shown: str) -> None:
    found = hits(make_rule("v", pattern=".*"), f"v: {value}\n")
    assert len(found) == 1
    assert found[0].message == f"'v' is {shown}, not text to match '.*'"


def test_pattern_on_a_missing_field_finds_nothing() -> None:
    assert hits(make_rule("absent", pattern="^x$"), "name: y\n") == []


def test_pattern_in_text_mode_requires_the_text_somewhere_in_the_file() -> None:
    rule = make_rule(None, pattern="(?m)^# owner: ")
    assert hits(rule, "name: x\n# owner: me\n") == []
    found = hits(rule, "name: x\n")
    assert where(found) == [(1, 1, "")]
    assert found[0].message == "the file does not match '(?m)^# owner: '"
    assert found[0].detail == ""
    # without (?m), ^ anchors at the start of the file only
    assert len(hits(make_rule(None, pattern="^# owner: "), "name: x\n# owner: me\n")) == 1


def test_pattern_in_text_mode_runs_on_a_non_mapping_document() -> None:
    assert hits(make_rule(None, pattern="hello"), "- hello\n") == []


def test_pattern_with_a_look_ahead_falls_back_and_still_works() -> None:
    rule = make_rule("imports[*]", pattern="import crypto(?!graphy)")
    found = hits(rule, "imports: ['import crypto', 'import cryptography']\n")
    assert [hit.field for hit in found] == ["imports[1]"]


# --- forbidden_pattern ------------------------------------------------------------------------


SECRET = "AKIAABCDEFGHIJKLMNOP"


def test_forbidden_pattern_in_text_mode_reports_every_match_at_its_line_and_column() -> None:
    rule = make_rule(None, forbidden_pattern="(AKIA|ASIA)[A-Z0-9]{16}")
    text = f"name: x\nenv:\n  KEY: {SECRET}\n  # old: {SECRET} and ASIAABCDEFGHIJKLMNOP\n"
    found = hits(rule, text)
    assert where(found) == [(3, 8, ""), (4, 10, ""), (4, 35, "")]
    for hit in found:
        assert hit.message == "the file contains text that matches a forbidden pattern"
        assert SECRET not in hit.message
        assert "ASIA" not in hit.message
        assert hit.value is None
        assert hit.detail == ""


def test_forbidden_pattern_in_text_mode_passes_clean_text() -> None:
    assert hits(make_rule(None, forbidden_pattern="AKIA[A-Z0-9]{16}"), "name: x\n") == []


def test_forbidden_pattern_in_text_mode_handles_empty_matches_without_looping() -> None:
    found = hits(make_rule(None, forbidden_pattern="x*"), "ab")
    assert [(hit.line, hit.column) for hit in found] == [(1, 1), (1, 2), (1, 3)]


def test_forbidden_pattern_in_text_mode_counts_columns_from_the_line_start() -> None:
    found = hits(make_rule(None, forbidden_pattern="TODO"), "a: 1\nb:\n    c: TODO\n")
    assert where(found) == [(3, 8, "")]


def test_forbidden_pattern_in_text_mode_places_every_match_as_line_col_does() -> None:
    """Lines are counted on from the previous match; the positions stay those of line_col."""
    text = "x\n\nab x\nx x\n\n  xx\n" * 40 + "\nx"
    for source in ("x", "x\n+x", "\n", "(?<=a)b x"):  # the last one runs on the back-tracking engine
        found = hits(make_rule(None, forbidden_pattern=source), text)
        expected = [line_col(text, match.start()) for match in re.finditer(source, text)]
        assert [(hit.line, hit.column) for hit in found] == expected
        assert len(found) == len(expected) > 0


def test_pattern_checks_charge_one_budget_for_every_value() -> None:
    """Back-tracking patterns share the target's budget; once it is spent the check stops."""
    values = ", ".join(["aaab"] * 5)
    rule = make_rule("tags", pattern=r"^(a)\1+b$")
    budget = Budget()
    assert hits(rule, f"tags: [{values}]\n", budget=budget) == []
    assert 0 < budget.seconds_left < Budget().seconds_left
    for check_key in ("pattern", "forbidden_pattern"):
        spent = make_rule("tags", **{check_key: r"^(a)\1+b$"})
        with pytest.raises(PatternTimeout):
            hits(spent, f"tags: [{values}]\n", budget=Budget(0.0))
        with pytest.raises(PatternTimeout):
            hits(make_rule(None, **{check_key: r"(a)\1"}), "aa\n", budget=Budget(0.0))


@pytest.mark.parametrize(("check_key", "reported"), [("pattern", "tags[1]"), ("forbidden_pattern", "tags[0]")])
def test_re2_patterns_run_on_a_spent_budget(check_key: str, reported: str) -> None:
    """RE2 is linear in the text, so nothing limits it."""
    found = hits(make_rule("tags", **{check_key: "^a+b$"}), "tags: [aab, c]\n", budget=Budget(0.0))
    assert [hit.field for hit in found] == [reported]
    in_text = hits(make_rule(None, **{check_key: "b"}), "tags: [aab, c]\n", budget=Budget(0.0))
    assert len(in_text) == (check_key == "forbidden_pattern")


def test_forbidden_pattern_on_a_field_reports_each_matching_item() -> None:
    rule = make_rule("name", forbidden_pattern=r"\s")
    assert hits(rule, "name: data.transform\n") == []
    found = hits(rule, "name: data transform\n")
    assert where(found) == [(1, 7, "name")]
    assert found[0].message == "'name' 'data transform' matches forbidden '\\\\s'"
    list_found = hits(make_rule("tags", forbidden_pattern="^x"), "tags: [a, xb, c, xd]\n")
    assert [hit.field for hit in list_found] == ["tags[1]", "tags[3]"]


def test_forbidden_pattern_on_a_field_ignores_values_that_are_not_text() -> None:
    assert hits(make_rule("v", forbidden_pattern=".*"), "v: {a: b}\n") == []
    assert len(hits(make_rule("v", forbidden_pattern="^12$"), "v: 12\n")) == 1


# --- allowed_values / forbidden_values ---------------------------------------------------------


STATUSES = ["draft", "active", "deprecated", "archived"]


def test_allowed_values_passes_a_listed_value() -> None:
    assert hits(make_rule("status", allowed_values=STATUSES), "status: draft\n") == []


def test_allowed_values_reports_an_unlisted_value_with_the_vocabulary() -> None:
    found = hits(make_rule("status", allowed_values=STATUSES), "status: generated\n")
    assert where(found) == [(1, 9, "status")]
    assert found[0].message == "'status' 'generated' is not one of: 'draft', 'active', 'deprecated', 'archived'"


def test_allowed_values_checks_each_list_item() -> None:
    rule = make_rule("entrypoints[*].permissions[*]", allowed_values=["read", "write"])
    text = "entrypoints:\n  - permissions: [read, bogus]\n  - permissions: [write, root]\n"
    found = hits(rule, text)
    assert [(hit.field, hit.value) for hit in found] == [
        ("entrypoints[0].permissions[1]", "bogus"),
        ("entrypoints[1].permissions[1]", "root"),
    ]
    # the same rule written against the list itself opens it one level
    flat = hits(make_rule("perms", allowed_values=["read"]), "perms: [read, write]\n")
    assert [hit.field for hit in flat] == ["perms[1]"]


@pytest.mark.parametrize(
    ("allowed", "value", "ok"),
    [
        ([1], "1", True),
        ([1], "true", False),
        ([True], "1", False),
        ([True], "true", True),
        (["1"], "1", False),
        ([1], "'1'", False),
        (["1"], "'1'", True),
        ([1.0], "1", False),
        ([None], "null", True),
        (["null"], "null", False),
    ],
)
def test_allowed_values_compare_by_type(allowed: list[object], value: str, ok: bool) -> None:
    assert (hits(make_rule("v", allowed_values=allowed), f"v: {value}\n") == []) is ok


def test_same_is_type_strict() -> None:
    assert same(1, [1])
    assert not same(True, [1])
    assert not same(1, [True])
    assert not same(1, ["1"])
    assert not same(0, [False])


def test_forbidden_values_reports_listed_values_only() -> None:
    rule = make_rule("permissions", forbidden_values=["secrets.write", "filesystem.delete"])
    assert hits(rule, "permissions: [read]\n") == []
    found = hits(rule, "permissions: [read, secrets.write, filesystem.delete]\n")
    assert [(hit.field, hit.column) for hit in found] == [("permissions[1]", 21), ("permissions[2]", 36)]
    assert found[0].message == "'permissions[1]' 'secrets.write' is not allowed"


@pytest.mark.parametrize(("forbidden", "value", "reported"), [([1], "true", False), ([True], "true", True)])
def test_forbidden_values_compare_by_type(forbidden: list[object], value: str, reported: bool) -> None:
    assert bool(hits(make_rule("v", forbidden_values=forbidden), f"v: {value}\n")) is reported


def test_value_lists_on_a_missing_field_find_nothing() -> None:
    assert hits(make_rule("v", allowed_values=["a"], forbidden_values=["b"]), "w: 1\n") == []


# --- type ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "name"),
    [
        ("text", "string"),
        ("'1.0'", "string"),
        ("yes", "string"),
        ("3", "integer"),
        ("1.10", "number"),
        ("true", "boolean"),
        ("[1]", "list"),
        ("{a: 1}", "mapping"),
        ("null", "null"),
    ],
)
def test_type_accepts_the_named_type(value: str, name: str) -> None:
    assert hits(make_rule("v", type=name), f"v: {value}\n") == []


def test_type_reports_the_actual_type() -> None:
    found = hits(make_rule("version", type="string"), "version: 1.10\n")
    assert where(found) == [(1, 10, "version")]
    assert found[0].message == "'version' 1.1 is a number, not a string"


@pytest.mark.parametrize("wanted", ["integer", "number"])
def test_type_a_boolean_is_not_an_integer_or_number(wanted: str) -> None:
    found = hits(make_rule("v", type=wanted), "v: true\n")
    assert len(found) == 1
    assert found[0].message == f"'v' true is a boolean, not a {wanted}"


def test_type_number_accepts_an_integer_but_integer_rejects_a_decimal() -> None:
    assert hits(make_rule("v", type="number"), "v: 3\n") == []
    assert hits(make_rule("v", type="integer"), "v: 3.5\n")[0].message == "'v' 3.5 is a number, not a integer"


def test_type_checks_a_list_as_a_whole_not_its_items() -> None:
    assert hits(make_rule("v", type="list"), "v: [1, 2]\n") == []
    assert len(hits(make_rule("v", type="string"), "v: [a, b]\n")) == 1


def test_type_name_falls_back_to_the_python_type_name() -> None:
    assert type_name(b"x") == "bytes"
    assert type_name(False) == "boolean"
    assert type_name(2) == "integer"


# --- semver -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "version",
    [
        "1.0.0",
        "0.0.0",
        "10.20.30",
        "1.0.0-alpha",
        "1.0.0-alpha.1",
        "1.0.0-0.3.7",
        "1.0.0-x-y.z",
        "1.0.0+build.1",
        "1.0.0-rc.1+sha.5114f85",
        "1.0.0-alpha+001",
    ],
)
def test_semver_accepts_valid_versions(version: str) -> None:
    assert hits(make_rule("version", semver=True), f"version: '{version}'\n") == []


@pytest.mark.parametrize(
    "version",
    [
        "1.0",
        "v1.0.0",
        "01.0.0",
        "1.00.0",
        "1.0.00",
        "1.0.0-",
        "1.0.0+",
        "1.0.0-01",
        "1.0.0-alpha..1",
        "1.0.0.0",
        "1.0.0 ",
        "x.y.z",
        "1.0.0+build+2",
    ],
)
def test_semver_rejects_invalid_versions(version: str) -> None:
    found = hits(make_rule("version", semver=True), f"version: '{version}'\n")
    assert len(found) == 1
    assert found[0].message == f"'version' {version!r} is not a semantic version (like 1.0.0)"


def test_semver_rejects_a_version_written_as_a_number() -> None:
    found = hits(make_rule("version", semver=True), "version: 1.0\n")
    assert found[0].message == "'version' 1.0 is not a semantic version (like 1.0.0)"


def test_semver_rejects_a_trailing_newline_in_a_quoted_version() -> None:
    assert len(hits(make_rule("version", semver=True), 'version: "1.0.0\\n"\n')) == 1


def test_semver_false_checks_nothing() -> None:
    assert hits(make_rule("version", semver=False), "version: nope\n") == []


def test_semver_checks_each_item_of_a_list() -> None:
    found = hits(make_rule("versions", semver=True), "versions: ['1.0.0', '2.0', '3.0.0']\n")
    assert [hit.field for hit in found] == ["versions[1]"]


# --- length -----------------------------------------------------------------------------------


def test_length_bounds_on_a_string() -> None:
    rule = make_rule("description", min_length=5, max_length=10)
    assert hits(rule, "description: exact\n") == []
    assert hits(rule, "description: abcdefghij\n") == []
    short = hits(rule, "description: abcd\n")
    assert [hit.message for hit in short] == ["'description' has 4 characters; at least 5 required"]
    long = hits(rule, "description: abcdefghijk\n")
    assert [hit.message for hit in long] == ["'description' has 11 characters; at most 10 allowed"]
    assert where(long) == [(1, 14, "description")]


def test_length_bounds_on_a_list_count_items() -> None:
    assert [h.message for h in hits(make_rule("tags", min_length=2), "tags: [a]\n")] == [
        "'tags' has 1 items; at least 2 required"
    ]
    assert [h.message for h in hits(make_rule("tags", max_length=1), "tags: [a, b]\n")] == [
        "'tags' has 2 items; at most 1 allowed"
    ]
    assert hits(make_rule("tags", min_length=1, max_length=2), "tags: [a, b]\n") == []


def test_length_ignores_values_without_a_length_and_missing_fields() -> None:
    rule = make_rule("v", min_length=3, max_length=4)
    assert hits(rule, "v: 12345678\n") == []
    assert hits(rule, "v: {a: 1}\n") == []
    assert hits(rule, "w: abcdefgh\n") == []


def test_length_counts_characters_not_bytes() -> None:
    assert hits(make_rule("v", max_length=3), "v: äöü\n") == []


def test_only_max_length_on_an_empty_string_passes() -> None:
    assert hits(make_rule("v", max_length=0), "v: ''\n") == []
    assert len(hits(make_rule("v", min_length=1), "v: ''\n")) == 1


# --- several checks in one rule, and checks without a document ----------------------------------


def test_a_rule_runs_every_check_it_names() -> None:
    rule = make_rule("name", required=True, pattern="^[a-z]+$", max_length=3)
    assert [hit.message for hit in hits(rule, "name: Abcd\n")] == [
        "'name' 'Abcd' does not match '^[a-z]+$'",
        "'name' has 4 characters; at most 3 allowed",
    ]


@pytest.mark.parametrize(
    "params",
    [
        {"required": True},
        {"type": "string"},
        {"allowed_values": ["a"]},
        {"forbidden_values": ["a"]},
        {"semver": True},
        {"min_length": 1},
    ],
)
def test_field_checks_without_a_resolution_find_nothing(params: dict[str, object]) -> None:
    rule = make_rule(None, **params)
    target = Target("skill", "a: 1\n", None, None, Budget())
    assert [hit for kind in kinds_for(params) for hit in kind.check(rule, target)] == []


# --- target helpers ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("x", "'x'"),
        (None, "null"),
        (True, "true"),
        (False, "false"),
        ({}, "a mapping"),
        ([], "a list"),
        (1.5, "1.5"),
        ("a\nb", "'a\\nb'"),
    ],
)
def test_show(value: object, shown: str) -> None:
    assert show(value) == shown


def test_show_cuts_long_values() -> None:
    text = show("x" * 200)
    assert len(text) == 80
    assert text.endswith("...")


def test_as_text() -> None:
    assert as_text("a") == "a"
    assert as_text(True) == "true"
    assert as_text(False) == "false"
    assert as_text(3) == "3"
    assert as_text(2.5) == "2.5"
    assert as_text(None) is None
    assert as_text([1]) is None


def test_hit_at_carries_the_location_and_detail() -> None:
    document = load_yaml_text("a:\n  b: 7\n")
    (located,) = resolve(document.data, "a.b").found
    hit = hit_at(located, "msg")
    assert hit == Hit("msg", 2, 6, "a.b", 7, "a.b = 7")
