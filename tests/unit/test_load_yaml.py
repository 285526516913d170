"""The strict YAML reader: YAML 1.2 core scalars, positions, and every way a file is refused."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from packwarden.load.document import PosDict, PosList
from packwarden.load.limits import MAX_DEPTH, MAX_FILE_BYTES, MAX_INT_DIGITS
from packwarden.load.yaml import load_yaml, load_yaml_text
from tests.support.documents import only_problem

# --- scalars: the YAML 1.2 core schema, not PyYAML's YAML 1.1 ------------------------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("NO", "NO"),
        ("no", "no"),
        ("yes", "yes"),
        ("Yes", "Yes"),
        ("on", "on"),
        ("off", "off"),
        ("y", "y"),
        ("0777", 777),
        ("0o17", 15),
        ("0x1F", 31),
        ("-0x1", "-0x1"),
        ("1_000", "1_000"),
        ("+12", 12),
        ("-12", -12),
        ("1:20", "1:20"),
        ("1.0", 1.0),
        ("1.", 1.0),
        (".5", 0.5),
        ("-2.5e3", -2500.0),
        ("1e3", 1000.0),
        ("~", None),
        ("null", None),
        ("Null", None),
        ("NULL", None),
        ("", None),
        ("true", True),
        ("True", True),
        ("TRUE", True),
        ("false", False),
        ("tRUE", "tRUE"),
        ('"1"', "1"),
        ("'true'", "true"),
        ('"null"', "null"),
        ("!!str 1", "1"),
        ("!!str true", "true"),
        ("! 1", "1"),
        ("2025-11-01", "2025-11-01"),
        ("2025-11-01T10:00:00Z", "2025-11-01T10:00:00Z"),
        ("0.1.2", "0.1.2"),
        ("-a", "-a"),
        (".", "."),
        ("nan", "nan"),
        ("inf", "inf"),
    ],
)
def test_plain_scalars_resolve_by_the_core_schema(source: str, expected: Any) -> None:
    document = load_yaml_text(f"value: {source}\n")
    assert document.ok, document.problems
    value = document.data["value"]
    assert value == expected
    assert type(value) is type(expected)


def test_keys_resolve_like_values() -> None:
    document = load_yaml_text('1: int\n"1": str\nyes: plain\n')
    assert document.data == {1: "int", "1": "str", "yes": "plain"}
    assert list(document.data) == [1, "1", "yes"]


def test_block_scalars_keep_their_text() -> None:
    document = load_yaml_text("a: |\n  line 1\n  line 2\nb: >\n  folded\n  text\n")
    assert document.data == {"a": "line 1\nline 2\n", "b": "folded text\n"}


# --- positions ------------------------------------------------------------------------------------


def test_positions_of_values_keys_and_items() -> None:
    text = "name: demo\ntags:\n  - a\n  - b\nmeta: {owner: team, n: 2}\n"
    document = load_yaml_text(text)
    assert document.ok
    assert document.text == text
    data = document.data
    assert isinstance(data, PosDict)
    assert data == {"name": "demo", "tags": ["a", "b"], "meta": {"owner": "team", "n": 2}}
    assert data.mark == (1, 1)
    assert data.key_marks == {"name": (1, 1), "tags": (2, 1), "meta": (5, 1)}
    assert data.marks == {"name": (1, 7), "tags": (3, 3), "meta": (5, 7)}
    tags = data["tags"]
    assert isinstance(tags, PosList)
    assert tags.mark == (3, 3)
    assert tags.marks == [(3, 5), (4, 5)]
    meta = data["meta"]
    assert isinstance(meta, PosDict)
    assert meta.mark == (5, 7)
    assert meta.key_marks == {"owner": (5, 8), "n": (5, 21)}
    assert meta.marks == {"owner": (5, 15), "n": (5, 24)}


def test_positions_of_a_list_of_mappings() -> None:
    document = load_yaml_text("steps:\n- run: a\n  env: {X: 1}\n- run: b\n")
    steps = document.data["steps"]
    assert steps.marks == [(2, 3), (4, 3)]
    assert steps[0].key_marks == {"run": (2, 3), "env": (3, 3)}
    assert steps[0]["env"].marks == {"X": (3, 12)}
    assert steps[1].marks == {"run": (4, 8)}


def test_columns_count_characters_not_bytes() -> None:
    document = load_yaml_text("é😀: x\nb: [ü, 1]\n")
    assert document.data.marks["é😀"] == (1, 5)
    assert document.data["b"].marks == [(2, 5), (2, 8)]


# --- anchors, aliases and tags ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line", "column", "message"),
    [
        ("a: &x 1\nb: *x\n", 1, 4, "anchor &x is not allowed"),
        ("a: &x {b: 1}\n", 1, 4, "anchor &x is not allowed"),
        ("a: &x [1]\n", 1, 4, "anchor &x is not allowed"),
        ("a: 1\nb: *x\n", 2, 4, "alias *x is not allowed"),
        ("base:\n  - &first 1\n", 2, 5, "anchor &first is not allowed"),
    ],
)
def test_anchors_and_aliases_are_refused(text: str, line: int, column: int, message: str) -> None:
    document = load_yaml_text(text)
    assert only_problem(document) == ("parse.yaml-anchor", line, column, message)


def test_billion_laughs_is_refused_without_expanding() -> None:
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(9):
        name, previous = chr(ord("b") + level), chr(ord("a") + level)
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]")
    document = load_yaml_text("\n".join(lines) + "\n")
    # refused at the first anchor, before any alias could be followed
    assert only_problem(document) == ("parse.yaml-anchor", 1, 4, "anchor &a is not allowed")


@pytest.mark.parametrize(
    ("text", "column", "tag"),
    [
        ("a: !!python/object x\n", 4, "tag:yaml.org,2002:python/object"),
        ("a: !!python/name:os.system\n", 4, "tag:yaml.org,2002:python/name:os.system"),
        ("a: !!python/object:os.system {}\n", 4, "tag:yaml.org,2002:python/object:os.system"),
        ("a: !foo x\n", 4, "!foo"),
        ("a: !foo [1]\n", 4, "!foo"),
        ("a: !!binary aGVsbG8=\n", 4, "tag:yaml.org,2002:binary"),
        ("a: !!set {x}\n", 4, "tag:yaml.org,2002:set"),
        ("a: !!timestamp 2025-11-01\n", 4, "tag:yaml.org,2002:timestamp"),
    ],
)
def test_unknown_tags_are_refused(text: str, column: int, tag: str) -> None:
    document = load_yaml_text(text)
    assert only_problem(document) == ("parse.yaml-tag", 1, column, f"tag {tag!r} is not allowed")


def test_core_tags_are_accepted() -> None:
    document = load_yaml_text("a: !!map {b: !!int 1}\nc: !!seq [!!bool true, !!null null]\n")
    assert document.data == {"a": {"b": 1}, "c": [True, None]}


def test_a_float_tag_makes_a_float() -> None:
    data = load_yaml_text("a: !!float 1\nb: !!float -2.5\nc: !!int 0x10\n").data
    assert data == {"a": 1.0, "b": -2.5, "c": 16}
    assert type(data["a"]) is float


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: !!int abc\n", "'abc' is not a valid !!int"),
        ("a: !!int 1.5\n", "'1.5' is not a valid !!int"),
        ("a: !!int true\n", "'true' is not a valid !!int"),
        ("a: !!float x\n", "'x' is not a valid !!float"),
        ("a: !!bool yes\n", "'yes' is not a valid !!bool"),
        ("a: !!null none\n", "'none' is not a valid !!null"),
    ],
)
def test_a_value_that_does_not_fit_its_tag_is_refused(text: str, message: str) -> None:
    assert only_problem(load_yaml_text(text)) == ("parse.yaml-tag", 1, 4, message)


# --- keys ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line", "column", "message"),
    [
        ("a: 1\nb: 2\na: 3\n", 3, 1, "duplicate key 'a' (first at line 1)"),
        ("{a: 1, a: 2}\n", 1, 8, "duplicate key 'a' (first at line 1)"),
        ("outer:\n  x: 1\n  x: 2\n", 3, 3, "duplicate key 'x' (first at line 2)"),
        ("'a': 1\na: 2\n", 2, 1, "duplicate key 'a' (first at line 1)"),
        ("? a\n? a\n", 2, 3, "duplicate key 'a' (first at line 1)"),
        ("1: a\n0x1: b\n", 2, 1, "duplicate key 1 (first at line 1)"),
        ("true: a\nTrue: b\n", 2, 1, "duplicate key true (first at line 1)"),
        ("1: a\ntrue: b\n", 2, 1, "key true is the same key as 1 at line 1 once loaded; quote the keys"),
        ("0: a\nfalse: b\n", 2, 1, "key false is the same key as 0 at line 1 once loaded; quote the keys"),
        ("1.0: a\n1: b\n", 2, 1, "key 1 is the same key as 1.0 at line 1 once loaded; quote the keys"),
    ],
)
def test_duplicate_keys_are_refused(text: str, line: int, column: int, message: str) -> None:
    document = load_yaml_text(text)
    assert only_problem(document) == ("parse.duplicate-key", line, column, message)


@pytest.mark.parametrize(
    ("text", "column"), [("~: a\n", 1), ("null: a\n", 1), ("b: 1\n? \n: a\n", 2), ("? ~\n: a\n", 3)]
)
def test_null_keys_are_refused(text: str, column: int) -> None:
    rule, _, found_column, message = only_problem(load_yaml_text(text))
    assert (rule, found_column, message) == (
        "parse.key-type",
        column,
        "a mapping key cannot be null (quote it if the word is meant)",
    )


def test_quoted_keys_that_look_alike_are_different_keys() -> None:
    assert load_yaml_text("'1': a\n'true': b\nnull_ok: c\n'null': d\n").data == {
        "1": "a",
        "true": "b",
        "null_ok": "c",
        "null": "d",
    }


def test_same_key_in_different_mappings_is_fine() -> None:
    document = load_yaml_text("- a: 1\n- a: 2\n")
    assert document.data == [{"a": 1}, {"a": 2}]


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        ("? [a, b]\n: value\n", 1, 3),
        ("? {a: 1}\n: value\n", 1, 3),
        ("{[a]: 1}\n", 1, 2),
        ("[a, b]: 1\n", 1, 1),
    ],
)
def test_complex_keys_are_refused(text: str, line: int, column: int) -> None:
    assert only_problem(load_yaml_text(text))[:3] == ("parse.key-type", line, column)


# --- depth ----------------------------------------------------------------------------------------------


def test_depth_limit_is_exact() -> None:
    assert load_yaml_text("[" * MAX_DEPTH + "]" * MAX_DEPTH).ok
    deeper = load_yaml_text("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1))
    assert only_problem(deeper)[:3] == ("parse.too-deep", 1, MAX_DEPTH + 1)


def test_deep_block_mapping_is_refused() -> None:
    text = "".join(f"{' ' * level}k:\n" for level in range(MAX_DEPTH + 1)) + " " * (MAX_DEPTH + 1) + "k: v\n"
    assert only_problem(load_yaml_text(text))[:3] == ("parse.too-deep", MAX_DEPTH + 1, MAX_DEPTH + 1)


DEEP = [
    ("[" * 100_000, 1, MAX_DEPTH + 1),
    ("{a: " * 100_000, 1, 4 * MAX_DEPTH + 1),
    ("- " * 100_000 + "x", 1, 2 * MAX_DEPTH + 1),
    ("k: " + "[" * 5_000, 1, MAX_DEPTH + 3),
    ("\u00e9: \u00fc\nk: " + "{a: " * 5_000, 2, 4 * MAX_DEPTH),
    ("a:\n" + "".join(f"{' ' * (level + 1)}k:\n" for level in range(2_000)), MAX_DEPTH + 1, MAX_DEPTH + 1),
]


@pytest.fixture(params=["libyaml", "pure-python"])
def any_loader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a test with libyaml (when PyYAML has it) and with PyYAML's pure-Python parser."""
    if request.param == "pure-python":
        monkeypatch.setattr("packwarden.load.yaml._Loader", yaml.SafeLoader)
    return str(request.param)


@pytest.mark.parametrize(("text", "line", "column"), DEEP)
def test_depth_is_reported_where_max_depth_is_first_exceeded(
    any_loader: str, text: str, line: int, column: int
) -> None:
    # libyaml >= 0.2.6 stops at its own limit (1000), further on and with its own message
    assert only_problem(load_yaml_text(text)) == (
        "parse.too-deep",
        line,
        column,
        f"nested deeper than {MAX_DEPTH} levels",
    )


@pytest.fixture
def libyaml_limit(request: pytest.FixtureRequest) -> Iterator[int]:
    """libyaml's own nesting limit set to ``request.param`` for one test, when it has one."""
    module = getattr(yaml, "_yaml", None)
    if not hasattr(module, "_set_max_nest_level") or yaml.CSafeLoader is None:
        pytest.skip("this libyaml has no nesting limit")
    before = module._get_max_nest_level()
    module._set_max_nest_level(request.param)
    try:
        yield int(request.param)
    finally:
        module._set_max_nest_level(before)


@pytest.mark.parametrize("libyaml_limit", [3, 10, MAX_DEPTH, MAX_DEPTH + 1, 200], indirect=True)
@pytest.mark.parametrize(("text", "line", "column"), DEEP)
def test_depth_does_not_depend_on_libyamls_own_limit(libyaml_limit: int, text: str, line: int, column: int) -> None:
    assert only_problem(load_yaml_text(text))[:3] == ("parse.too-deep", line, column)


@pytest.mark.parametrize("libyaml_limit", [3, 10], indirect=True)
def test_a_libyaml_limit_below_max_depth_refuses_nothing_that_max_depth_allows(libyaml_limit: int) -> None:
    flow = load_yaml_text("k: " + "[" * (MAX_DEPTH - 1) + "x" + "]" * (MAX_DEPTH - 1) + "\n")
    assert flow.ok
    node = flow.data["k"]
    for _ in range(MAX_DEPTH - 2):
        node = node[0]
    assert node == ["x"]
    block = load_yaml_text("".join(f"{' ' * level}k:\n" for level in range(MAX_DEPTH - 1)) + " " * MAX_DEPTH + "k: v\n")
    assert block.ok
    assert block.data.key_marks["k"] == (1, 1)


@pytest.mark.parametrize("libyaml_limit", [10], indirect=True)
def test_a_problem_before_the_depth_is_still_the_first_problem(libyaml_limit: int) -> None:
    text = "a: 1\na: 2\nk: " + "[" * 100
    assert only_problem(load_yaml_text(text))[:3] == ("parse.duplicate-key", 2, 1)
    broken = "a: 'x\nk: " + "[" * 100
    assert only_problem(load_yaml_text(broken))[0] == "parse.syntax"


# --- documents ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("a: 1\n---\nb: 2\n", 2),
        ("--- a\n--- b\n", 2),
        ("a: 1\n...\n---\nb: 2\n", 3),
    ],
)
def test_multiple_documents_are_refused(text: str, line: int) -> None:
    assert only_problem(load_yaml_text(text))[:3] == ("parse.multiple-documents", line, 1)


def test_one_explicit_document_is_fine() -> None:
    document = load_yaml_text("---\na: 1\n...\n")
    assert document.data == {"a": 1}
    assert document.data.key_marks["a"] == (2, 1)


@pytest.mark.parametrize("text", ["", "# only a comment\n", "\n\n"])
def test_an_empty_file_has_no_data_and_no_problem(text: str) -> None:
    document = load_yaml_text(text)
    assert document.ok
    assert document.data is None


# --- syntax errors -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line", "column", "words"),
    [
        ("a: b: c\n", 1, 5, "mapping values are not allowed"),
        ("a: 1\nb: 2\n  c: 3\n", 3, 4, "mapping values are not allowed"),
        ("a: [1, 2\nb: 3\n", 2, 2, "expected ',' or ']'"),
        ("{a: 1", 2, 1, "expected ',' or '}'"),
        ('a: "x', 1, 6, "unexpected end of stream"),
        ("a: @x\n", 1, 4, "cannot start any token"),
        ("- a\nb: 1\n", 2, 1, "expected '-' indicator"),
        ('a: "\\q"\n', 1, 5, "unknown escape character"),
        ("a: 1\n\tb: 2\n", 2, 1, "tab character"),
        ("a: \x07\n", 1, 4, "control characters are not allowed"),
        ("é: [1,\n  é\x07]\n", 2, 4, "control characters are not allowed"),
        ("x: 1\n\x00", 2, 1, "control characters are not allowed"),
    ],
)
def test_syntax_errors_carry_line_and_column(text: str, line: int, column: int, words: str) -> None:
    document = load_yaml_text(text)
    assert only_problem(document)[:3] == ("parse.syntax", line, column)
    assert words in document.problems[0].message


# --- numbers -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "source", [".nan", ".NaN", ".NAN", ".inf", ".Inf", "-.inf", "+.INF", "1e999", "-1e999", "1.5e400"]
)
def test_non_finite_numbers_are_refused(source: str) -> None:
    document = load_yaml_text(f"size: {source}\n")
    assert only_problem(document) == ("parse.number", 1, 7, f"{source!r} is not a finite number")


@pytest.mark.parametrize(
    ("source", "digits"),
    [
        ("1" * 70, 70),
        ("-" + "9" * (MAX_INT_DIGITS + 1), MAX_INT_DIGITS + 1),
        ("7" * 5000, 5000),
        ("0x" + "f" * 100_000, 100_000),
        ("0o" + "7" * (MAX_INT_DIGITS + 1), MAX_INT_DIGITS + 1),
    ],
)
def test_huge_integers_are_refused(source: str, digits: int) -> None:
    document = load_yaml_text(f"size: {source}\n")
    assert only_problem(document)[:3] == ("parse.number", 1, 7)
    assert str(digits) in document.problems[0].message


@pytest.mark.parametrize(
    "source",
    ["9" * MAX_INT_DIGITS, "-" + "9" * MAX_INT_DIGITS, "0x" + "f" * MAX_INT_DIGITS, "1" * 200 + ".5"],
)
def test_long_numbers_within_the_limit_are_read(source: str) -> None:
    document = load_yaml_text(f"size: {source}\n")
    assert document.ok
    assert document.data["size"] == (int(source, 0) if "." not in source else float(source))


def test_tiny_floats_underflow_to_zero() -> None:
    assert load_yaml_text("a: 1e-400\n").data == {"a": 0.0}


# --- bytes ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "line", "column"),
    [
        (b"\xff\xfea: 1\n", 1, 1),
        (b"a: 1\nb: \xff\n", 2, 4),
        ("é: ü".encode() + b"\xc3\x28\n", 1, 5),
        (b"a: \xed\xa0\x80\n", 1, 4),
    ],
)
def test_bytes_that_are_not_utf8_are_refused_with_location(raw: bytes, line: int, column: int) -> None:
    document = load_yaml(raw)
    assert only_problem(document)[:3] == ("parse.encoding", line, column)
    assert document.problems[0].message.startswith("not UTF-8: byte 0x")


def test_a_utf8_bom_is_accepted() -> None:
    document = load_yaml(b"\xef\xbb\xbfa: 1\nb: x\n")
    assert document.ok
    assert document.data == {"a": 1, "b": "x"}
    assert document.data.key_marks == {"a": (1, 1), "b": (2, 1)}
    assert not document.text.startswith("\ufeff")


def test_utf8_bytes_are_decoded() -> None:
    document = load_yaml("name: café\n".encode())
    assert document.data == {"name": "café"}


def test_size_limit() -> None:
    at_limit = b"a: 1\n" + b"#" * (MAX_FILE_BYTES - 5)
    assert len(at_limit) == MAX_FILE_BYTES
    assert load_yaml(at_limit).data == {"a": 1}
    document = load_yaml(at_limit + b"\n")
    assert only_problem(document)[:3] == ("parse.too-large", 1, 1)
    assert str(MAX_FILE_BYTES + 1) in document.problems[0].message


def test_size_limit_can_be_lowered() -> None:
    assert load_yaml(b"a: 1\n", max_bytes=5).ok
    assert only_problem(load_yaml(b"a: 12\n", max_bytes=5))[:3] == ("parse.too-large", 1, 1)
