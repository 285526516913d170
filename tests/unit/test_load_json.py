"""The strict JSON reader: positions, strictness, and every way a file is refused."""

from __future__ import annotations

import json
from typing import Any

import pytest

from packwarden.load.document import PosDict, PosList
from packwarden.load.json import load_json, load_json_text
from packwarden.load.limits import MAX_DEPTH, MAX_FILE_BYTES, MAX_INT_DIGITS
from tests.support.documents import only_problem


def _plain(value: Any) -> Any:
    """The same data as plain dicts and lists (also checks the container types on the way)."""
    if isinstance(value, dict):
        assert isinstance(value, PosDict)
        assert set(value.marks) == set(value.key_marks) == set(value)
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        assert isinstance(value, PosList)
        assert len(value.marks) == len(value)
        return [_plain(item) for item in value]
    return value


# --- values ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("0", 0),
        ("-0", 0),
        ("42", 42),
        ("-17", -17),
        ("1.5", 1.5),
        ("-0.0", -0.0),
        ("1e2", 100.0),
        ("1E+2", 100.0),
        ("25e-1", 2.5),
        ("1e-400", 0.0),
        ("true", True),
        ("false", False),
        ("null", None),
        ('""', ""),
        ('"NO"', "NO"),
        ('"caf\\u00e9"', "café"),
        ('"\\ud83d\\ude00"', "😀"),
        ('"a\\"b\\\\c\\/d\\n\\t"', 'a"b\\c/d\n\t'),
        ('"\x7f"', "\x7f"),
        ("[]", []),
        ("{}", {}),
        (" \t\r\n[ ] \r\n", []),
    ],
)
def test_values(source: str, expected: Any) -> None:
    document = load_json_text(source)
    assert document.ok, document.problems
    assert document.data == expected
    assert type(document.data) is type(expected) or isinstance(document.data, (PosDict, PosList))


@pytest.mark.parametrize(
    "text",
    [
        '{"name": "demo", "tags": ["a", "b"], "meta": {"owner": "team", "n": 2, "ok": true}}',
        '[1, -2.5, 3e10, null, [[]], {"": {}}, "\\u2028", "\\u0000"]',
        json.dumps({"nested": [{"k": [i, str(i), i / 3]} for i in range(50)]}, indent=4),
        json.dumps({"ключ": "значение", "emoji": "😀", "mixed": ["é", 1, None]}, ensure_ascii=False),
    ],
)
def test_same_data_as_the_stdlib(text: str) -> None:
    document = load_json_text(text)
    assert document.ok
    assert _plain(document.data) == json.loads(text)


# --- positions ---------------------------------------------------------------------------------------


def test_positions_of_values_keys_and_items() -> None:
    text = '{\n  "name": "demo",\n  "tags": [\n    "a",\n    2\n  ],\n  "meta": {"owner": null}\n}\n'
    document = load_json_text(text)
    assert document.ok
    assert document.text == text
    data = document.data
    assert isinstance(data, PosDict)
    assert data.mark == (1, 1)
    assert data.key_marks == {"name": (2, 3), "tags": (3, 3), "meta": (7, 3)}
    assert data.marks == {"name": (2, 11), "tags": (3, 11), "meta": (7, 11)}
    assert data["tags"].mark == (3, 11)
    assert data["tags"].marks == [(4, 5), (5, 5)]
    assert data["meta"].key_marks == {"owner": (7, 12)}
    assert data["meta"].marks == {"owner": (7, 21)}


def test_positions_in_compact_json() -> None:
    document = load_json_text('[{"a":1},[true,false],"x",-1.5e3]')
    data = document.data
    assert data.marks == [(1, 2), (1, 10), (1, 23), (1, 27)]
    assert data[0].key_marks == {"a": (1, 3)}
    assert data[0].marks == {"a": (1, 7)}
    assert data[1].marks == [(1, 11), (1, 16)]


def test_columns_count_characters_not_bytes() -> None:
    document = load_json_text('{"é": "😀", "b": [1, "ü", 2]}')
    assert document.data.key_marks == {"é": (1, 2), "b": (1, 12)}
    assert document.data["b"].marks == [(1, 18), (1, 21), (1, 26)]


def test_positions_after_carriage_returns_and_tabs() -> None:
    document = load_json_text('{\r\n\t"a": 1,\r\n\t"b": 2\r\n}')
    assert document.data.key_marks == {"a": (2, 2), "b": (3, 2)}
    assert document.data.marks == {"a": (2, 7), "b": (3, 7)}


# --- duplicate keys -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line", "column", "message"),
    [
        ('{"a": 1, "a": 2}', 1, 10, "duplicate key 'a' (first at line 1)"),
        ('{\n  "a": 1,\n  "b": 2,\n  "a": 3\n}', 4, 3, "duplicate key 'a' (first at line 2)"),
        ('{"a": 1, "\\u0061": 2}', 1, 10, "duplicate key 'a' (first at line 1)"),
        ('[{"x": {"y": 1, "y": {}}}]', 1, 17, "duplicate key 'y' (first at line 1)"),
        ('{"": 1, "": 2}', 1, 9, "duplicate key '' (first at line 1)"),
    ],
)
def test_duplicate_keys_are_refused(text: str, line: int, column: int, message: str) -> None:
    document = load_json_text(text)
    assert only_problem(document) == ("parse.duplicate-key", line, column, message)


def test_same_key_in_different_objects_is_fine() -> None:
    assert load_json_text('[{"a": 1}, {"a": 2}, {"b": {"a": 3}}]').ok


# --- depth ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "column"),
    [
        ("[" * 100_000, MAX_DEPTH + 1),
        ('{"a":' * 100_000, 5 * MAX_DEPTH + 1),
        ('[{"a":' * 50_000, 6 * (MAX_DEPTH // 2) + 1),
        ("[" * 100_000 + "]" * 100_000, MAX_DEPTH + 1),
    ],
)
def test_very_deep_documents_are_refused_not_crashed(text: str, column: int) -> None:
    document = load_json_text(text)
    assert only_problem(document) == ("parse.too-deep", 1, column, f"nested deeper than {MAX_DEPTH} levels")


def test_depth_limit_is_exact() -> None:
    at_limit = load_json_text("[" * MAX_DEPTH + "]" * MAX_DEPTH)
    assert at_limit.ok
    innermost = at_limit.data
    for _ in range(MAX_DEPTH - 1):
        innermost = innermost[0]
    assert innermost == []
    deeper = load_json_text("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1))
    assert only_problem(deeper)[:3] == ("parse.too-deep", 1, MAX_DEPTH + 1)


def test_deep_pretty_document_reports_the_line() -> None:
    text = "".join(" " * level + '{"k":\n' for level in range(MAX_DEPTH + 1))
    assert only_problem(load_json_text(text))[:3] == ("parse.too-deep", MAX_DEPTH + 1, MAX_DEPTH + 1)


# --- numbers ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("NaN", "'NaN' is not a finite number"),
        ("Infinity", "'Infinity' is not a finite number"),
        ("-Infinity", "'-Infinity' is not a finite number"),
        ("1e999", "'1e999' is not a finite number"),
        ("-1e999", "'-1e999' is not a finite number"),
        ("1.5E+400", "'1.5E+400' is not a finite number"),
        ("1e" + "9" * 100, "'1e" + "9" * 35 + "...' is not a finite number"),
        ("1" * 70, "integer with 70 digits"),
        ("-" + "1" * (MAX_INT_DIGITS + 1), f"integer with {MAX_INT_DIGITS + 1} digits"),
        ("7" * 5000, "integer with 5000 digits"),
    ],
)
def test_bad_numbers_are_refused(source: str, message: str) -> None:
    document = load_json_text(f'{{"size": {source}}}')
    assert only_problem(document) == ("parse.number", 1, 10, message)


@pytest.mark.parametrize(
    "source", ["9" * MAX_INT_DIGITS, "-" + "9" * MAX_INT_DIGITS, "1" * 200 + ".5", "0." + "0" * 500 + "1"]
)
def test_long_numbers_within_the_limit_are_read(source: str) -> None:
    document = load_json_text(f"[{source}]")
    assert document.ok
    assert document.data == [json.loads(source)]


# --- syntax --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message", "line", "column"),
    [
        ("", "empty document", 1, 1),
        ("  \n  ", "empty document", 2, 3),
        ("{", "unexpected end of input", 1, 2),
        ("[\n", "unexpected end of input", 2, 1),
        ("[1", "unexpected end of input", 1, 3),
        ('{"a"', "unexpected end of input", 1, 5),
        ('{"a":', "unexpected end of input", 1, 6),
        ('{"a": 1,', "unexpected end of input", 1, 9),
        ("[1,]", "trailing comma before ']'", 1, 4),
        ('{"a": 1,}', "trailing comma before '}'", 1, 9),
        ('{"a" 1}', "expected ':' after a key", 1, 6),
        ('{"a"}', "expected ':' after a key", 1, 5),
        ("{a: 1}", "expected a string key", 1, 2),
        ("{'a': 1}", "expected a string key", 1, 2),
        ("{,}", "expected a string key", 1, 2),
        ('{"a": 1,, "b": 2}', "expected a string key", 1, 9),
        ('{1: "a"}', "expected a string key", 1, 2),
        ("['a']", "expected a value", 1, 2),
        ("[,]", "expected a value", 1, 2),
        ('{"a": }', "expected a value", 1, 7),
        ("]", "expected a value", 1, 1),
        ("[tru]", "expected a value", 1, 2),
        ("[None]", "expected a value", 1, 2),
        ("[.5]", "expected a value", 1, 2),
        ("[+1]", "expected a value", 1, 2),
        ("[-]", "expected a value", 1, 2),
        ("[0x10]", "expected ',' or ']'", 1, 3),
        ("[1.]", "expected ',' or ']'", 1, 3),
        ("[1e]", "expected ',' or ']'", 1, 3),
        ("[1 2]", "expected ',' or ']'", 1, 4),
        ("[1}", "expected ',' or ']'", 1, 3),
        ('{"a": 1 "b": 2}', "expected ',' or '}'", 1, 9),
        ('{"a": 1]', "expected ',' or '}'", 1, 8),
        ('["x": 1]', "expected ',' or ']'", 1, 5),
        ("01", "a number cannot start with 0", 1, 1),
        ("[-012]", "a number cannot start with 0", 1, 2),
        ("[1] x", "trailing data after the document", 1, 5),
        ('{"a": 1}\n{"b": 2}', "trailing data after the document", 2, 1),
        ("true false", "trailing data after the document", 1, 6),
        ("nulls", "trailing data after the document", 1, 5),
        ("// comment\n{}", "expected a value", 1, 1),
        ("{} // comment", "trailing data after the document", 1, 4),
        ("/* c */ {}", "expected a value", 1, 1),
        ('"abc', "unterminated string", 1, 1),
        ('{"a": "b}', "unterminated string", 1, 7),
        ('["a\tb"]', "control character in a string", 1, 4),
        ('["a\nb"]', "control character in a string", 1, 4),
        ('["\x00"]', "control character in a string", 1, 3),
        ('{"k\x1f": 1}', "control character in a string", 1, 4),
        ('["\\q"]', "invalid escape in a string", 1, 3),
        ('["\\x41"]', "invalid escape in a string", 1, 3),
        ('["\\u12"]', "invalid \\u escape in a string", 1, 4),
        ('["\\ud800"]', "unpaired surrogate escape in a string", 1, 2),
        ('{"\\udc00": 1}', "unpaired surrogate escape in a string", 1, 2),
        ("[1,\x002]", "expected a value", 1, 4),
        ("[1,\n\n  2,  x]", "expected a value", 3, 7),
        ("\ufeff[]", "expected a value", 1, 1),
    ],
)
def test_syntax_errors_carry_line_and_column(text: str, message: str, line: int, column: int) -> None:
    document = load_json_text(text)
    assert only_problem(document) == ("parse.syntax", line, column, message)


def test_reading_stops_at_the_first_problem() -> None:
    document = load_json_text('{"a": NaN, "a": 1, "b": [1,]}')
    assert [(p.rule.id, p.line, p.column) for p in document.problems] == [("parse.number", 1, 7)]
    assert document.data is None
    assert not document.ok


# --- bytes ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "line", "column"),
    [
        (b"\xff\xfe[]", 1, 1),
        (b'{"a": "\xff"}', 1, 8),
        (b'{\n  "\xc3\xa9": "\xc3\x28"\n}', 2, 9),
        (b'["\xed\xa0\x80"]', 1, 3),
    ],
)
def test_bytes_that_are_not_utf8_are_refused_with_location(raw: bytes, line: int, column: int) -> None:
    document = load_json(raw)
    assert only_problem(document)[:3] == ("parse.encoding", line, column)
    assert document.problems[0].message.startswith("not UTF-8: byte 0x")


def test_a_utf8_bom_is_accepted() -> None:
    document = load_json(b'\xef\xbb\xbf{"a": 1}')
    assert document.ok
    assert document.data == {"a": 1}
    assert document.data.key_marks == {"a": (1, 2)}


def test_utf8_bytes_are_decoded() -> None:
    document = load_json('{"name": "café"}'.encode())
    assert document.data == {"name": "café"}
    assert document.text == '{"name": "café"}'


def test_size_limit() -> None:
    at_limit = b"[" + b" " * (MAX_FILE_BYTES - 2) + b"]"
    assert load_json(at_limit).data == []
    document = load_json(at_limit + b" ")
    assert only_problem(document)[:3] == ("parse.too-large", 1, 1)
    assert str(MAX_FILE_BYTES + 1) in document.problems[0].message


def test_size_limit_can_be_lowered() -> None:
    assert load_json(b"[1, 2]", max_bytes=6).ok
    assert only_problem(load_json(b"[1, 23]", max_bytes=6))[:3] == ("parse.too-large", 1, 1)


# --- speed ----------------------------------------------------------------------------------------------


def test_a_large_document_keeps_every_position() -> None:
    # About 850 KB with 60 000 values on 80 000 lines (how fast is bench/'s business).
    items = [{"name": f"skill-{i}", "tags": ["a", "b"], "size": i * 1.5, "on": i % 2 == 0} for i in range(9000)]
    text = json.dumps(items, indent=1)
    assert 700_000 < len(text.encode()) < MAX_FILE_BYTES
    document = load_json_text(text)
    assert document.ok
    assert len(document.data) == 9000
    assert document.data[-1].marks["on"][0] == text.count("\n") - 1
