"""The YAML reader reads YAML 1.2 exactly or refuses (issue 17).

libyaml, under the reader, follows YAML 1.1 in places and accepts some documents YAML 1.2
rejects. Each case here writes out what YAML 1.2 reads (the YAML test suite's reading where the
case comes from it, named by its id), and holds packwarden to it: the same data, or a located
``parse.yaml12`` finding with a fix hint. A property-based test holds the reader equal to a
second YAML 1.2 reader, ruamel.yaml, on generated documents of the constructs it accepts.
"""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from packwarden.load.yaml import load_yaml_text
from tests.support.documents import only_problem

REFUSED = "refused by YAML 1.2"  # the YAML 1.2 reading of an invalid document


def refusal(text: str) -> tuple[int, int, str]:
    """Line, column and message of the one parse.yaml12 problem of ``text``; it has a fix hint."""
    document = load_yaml_text(text)
    rule, line, column, message = only_problem(document)
    assert rule == "parse.yaml12", document.problems
    assert document.problems[0].fix
    return line, column, message


def reads(text: str) -> Any:
    document = load_yaml_text(text)
    assert document.ok, document.problems
    return document.data


# --- NEL, LS and PS: line breaks in YAML 1.1, ordinary characters in YAML 1.2 ---------------------

BREAK_CASES = [
    # text, where packwarden refuses it, what YAML 1.2 reads (libyaml read something else)
    ("a: 1 # note\x85b: 2\n", (1, 12), {"a": 1}),  # the rest of the line is the comment
    ("# comment\u2028k: v\n", (1, 10), None),  # all of it is a comment
    ("k: x\x85\n", (1, 5), {"k": "x\x85"}),
    ("- a\x85- b\n", (1, 4), ["a\x85- b"]),
    ('k: "a\x85b"\n', (1, 6), {"k": "a\x85b"}),  # libyaml: "a b"
    ("k: |\n  a\u2029b\n", (2, 4), {"k": "a\u2029b\n"}),  # libyaml: "a\nb\n"
    ("k: 'x\u2028'\n", (1, 6), {"k": "x\u2028"}),
]


@pytest.mark.parametrize(("text", "where", "yaml12"), BREAK_CASES)
def test_nel_ls_and_ps_are_refused_anywhere(text: str, where: tuple[int, int], yaml12: Any) -> None:
    line, column, message = refusal(text)
    assert (line, column) == where
    assert "line break in YAML 1.1 and an ordinary character in YAML 1.2" in message
    assert load_yaml_text(text).problems[0].fix.startswith("remove it, or write it as the escape")


def test_the_escapes_of_nel_ls_and_ps_read_as_the_characters() -> None:
    # the fix hint's way: every reader reads the escape as the character
    assert reads('k: "a\\Nb\\Lc\\Pd"\n') == {"k": "a\x85b\u2028c\u2029d"}


# --- %YAML directives other than 1.2 ----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "yaml11"),
    [
        ("%YAML 1.1\n---\nk: yes\n", {"k": True}),  # a reader honouring the directive
        ("%YAML 1.1\n---\nmode: 0777\n", {"mode": 511}),
        ("%YAML 1.1\n---\nt: 1:20\n", {"t": 80}),
        ("%YAML 1.1  # comment\n---\nk: v\n", {"k": "v"}),
    ],
)
def test_a_yaml_directive_other_than_1_2_is_refused(text: str, yaml11: Any) -> None:
    line, column, message = refusal(text)
    assert (line, column) == (1, 1)
    assert "packwarden reads YAML 1.2" in message


@pytest.mark.parametrize("version", ["1.0", "1.3", "2.0"])
def test_other_versions_are_refused_too(version: str) -> None:
    assert not load_yaml_text(f"%YAML {version}\n---\nk: v\n").ok


def test_a_yaml_1_2_directive_is_read() -> None:
    assert reads("%YAML 1.2\n---\nk: yes\nmode: 0777\nt: 1:20\n") == {"k": "yes", "mode": 777, "t": "1:20"}


# --- '?' right before text in a flow collection ---------------------------------------------------


@pytest.mark.parametrize(
    ("text", "where", "yaml12"),
    [
        ("{ ?foo: bar }\n", (1, 3), {"?foo": "bar"}),  # libyaml: {foo: bar}
        ("{ ?foo: bar,\nbar: 42\n}\n", (1, 3), {"?foo": "bar", "bar": 42}),  # 652Z
        ("[?x]\n", (1, 2), ["?x"]),  # HM87/01; libyaml: [{x: null}]
        ("[a, ?b]\n", (1, 5), ["a", "?b"]),
        ("k: [a,\n  ?b]\n", (2, 3), {"k": ["a", "?b"]}),
    ],
)
def test_flow_question_mark_before_text_is_refused(text: str, where: tuple[int, int], yaml12: Any) -> None:
    line, column, message = refusal(text)
    assert (line, column) == where
    assert "'?' directly before text in a flow collection" in message


@pytest.mark.parametrize(
    ("text", "yaml12"),
    [
        ("{ ? foo : bar }\n", {"foo": "bar"}),  # an explicit key, with its space
        ("[? x]\n", [{"x": None}]),
        ("k: ['?x']\n", {"k": ["?x"]}),
        ("url: http://x.example/?a=1\n", {"url": "http://x.example/?a=1"}),
        ("urls: [http://x.example/?a=1]\n", {"urls": ["http://x.example/?a=1"]}),
        ("?x: 1\n", {"?x": 1}),  # block context: libyaml agrees
    ],
)
def test_question_marks_both_versions_read_alike(text: str, yaml12: Any) -> None:
    assert reads(text) == yaml12


# --- a block scalar whose last line holds only spaces, without a final newline: read right ----------


@pytest.mark.parametrize(
    ("text", "yaml12"),
    [
        ("- |+\n  ", ["\n"]),  # libyaml: [""]
        ("foo: |\n  x\n   ", {"foo": "x\n \n"}),  # L24T/01; libyaml: "x\n "
        ("a: |+\n  x\n  ", {"a": "x\n\n"}),
        ("a: |\n  x\n  ", {"a": "x\n"}),
        ("a: 1\n   ", {"a": 1}),
        ("a: |+\n  x", {"a": "x"}),  # no spaces-only line: nothing to add
    ],
)
def test_a_last_line_of_spaces_keeps_its_line_break(text: str, yaml12: Any) -> None:
    document = load_yaml_text(text)
    assert document.ok
    assert document.data == yaml12
    assert document.text == text


# --- invalid in YAML 1.2, accepted by libyaml ------------------------------------------------------

INVALID = [
    # a comment not preceded by whitespace
    ('key: "value"# c\n', (1, 13), "comment must follow a space"),  # SU5Z
    ("key: 'value'#c\n", (1, 13), "comment must follow a space"),
    ("[ a, b, c, ]#c\n", (1, 13), "comment must follow a space"),  # 9JBA
    ("[ a, b, c,#invalid\n]\n", (1, 11), "comment must follow a space"),  # CVW2
    ("{a: 1}#c\n", (1, 7), "comment must follow a space"),
    ("block: ># comment\n  scalar\n", (1, 9), "comment must follow a space"),  # X4QW
    ("block: |-#c\n  scalar\n", (1, 10), "comment must follow a space"),
    ("%YAML 1.2#c\n---\nk: v\n", (1, 10), "comment must follow a space"),  # MUS6/00, with 1.2
    # tabs as indentation inside flow collections and quoted scalars
    ('foo: "bar\n\tbaz"\n', (2, 1), "a tab in its indentation"),  # DK95/01
    ("- [\n\tfoo,\n foo\n ]\n", (2, 1), "a tab in its indentation"),  # Y79Y/03
    ("k: {a: 1,\n\tb: 2}\n", (2, 1), "a tab in its indentation"),
    # lines of flow collections and quoted scalars indented less than their block
    ("flow: [a,\nb,\nc]\n", (2, 1), "fewer than 1 spaces"),  # 9C9N
    ('quoted: "a\nb\nc"\n', (2, 1), "fewer than 1 spaces"),  # QB6E
    ("k: [\n  a,\n]\n", (3, 1), "fewer than 1 spaces"),
    ("outer:\n  k: 'a\n  b'\n", (3, 3), "fewer than 3 spaces"),
    ('- - "bar\nbar": x\n', (2, 1), "fewer than 3 spaces"),  # a multi-line quoted key
    # a plain '-' in a flow collection
    ("[-]\n", (1, 2), "lone '-'"),  # YJV2
    ("- [-, -]\n", (1, 4), "lone '-'"),  # G5U8
    ("k: {a: -}\n", (1, 8), "lone '-'"),
    ("[!!str -]\n", (1, 2), "lone '-'"),
    # an empty block scalar whose lines hold different numbers of spaces
    ("empty block scalar: >\n \n  \n   \n # comment\n", (1, 21), "empty block scalar"),  # S98Z
    ("k: |\n  \n    \nn: 1\n", (1, 4), "empty block scalar"),
]


@pytest.mark.parametrize(("text", "where", "words"), INVALID)
def test_documents_yaml_1_2_refuses_are_refused(text: str, where: tuple[int, int], words: str) -> None:
    # the YAML 1.2 reading of each of these: REFUSED
    line, column, message = refusal(text)
    assert (line, column) == where
    assert words in message


@pytest.mark.parametrize(
    "text",
    [
        "[a,\n b]: c\n",  # a multi-line flow sequence as a key: libyaml refuses it too
        '"a\n b": c\n',
        '[ "a\n b": c ]\n',
    ],
)
def test_multi_line_implicit_keys_are_refused(text: str) -> None:
    assert not load_yaml_text(text).ok  # YAML 1.2: REFUSED


@pytest.mark.parametrize(
    ("text", "yaml12"),
    [
        ('color: "#fff"\n', {"color": "#fff"}),
        ("# see issue '#12'\nk: v\n", {"k": "v"}),
        ("url: http://x.example/#frag\n", {"url": "http://x.example/#frag"}),
        ("a: b#c\n", {"a": "b#c"}),
        ('a: "x" # c\n', {"a": "x"}),
        ("a: [1, 2] # c\n", {"a": [1, 2]}),
        ("a: |-  # c\n  x\n", {"a": "x"}),
        ("- [\n\t\n foo\n ]\n", [["foo"]]),  # Y79Y/02: a line of blanks in flow is a comment line
        ('foo: "bar\n  \tbaz"\n', {"foo": "bar baz"}),  # DK95/02: the tab follows the indentation
        ('"a\n\tb"\n', "a b"),  # a top-level quoted scalar has no indentation to keep
        ("k: [\n  a,\n  ]\n", {"k": ["a"]}),
        ("x:\n  - 'a\n    b'\n", {"x": ["a b"]}),
        ("k: [a,\n\n  b]\n", {"k": ["a", "b"]}),
        ("[-x, -1]\n", ["-x", -1]),
        ("- -\n", [[None]]),
        ("a: >\n\nb: 1\n", {"a": "", "b": 1}),
        ("a: |\n  \n  \nb: 1\n", {"a": "", "b": 1}),
        ("a: >2\n \n   \nb: 1\n", {"a": "\n \n", "b": 1}),  # an explicit indentation: no guessing
    ],
)
def test_look_alikes_that_both_versions_read_alike(text: str, yaml12: Any) -> None:
    assert reads(text) == yaml12


# --- property: equal to a second YAML 1.2 reader (ruamel.yaml, safe and pure) ---------------------

WORDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=8).filter(
    lambda w: w not in {"true", "false", "null", "y", "n", "yes", "no", "on", "off"}
)
TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp"), exclude_characters="\x85"))
# Scalars written the ways both readers are known to read by YAML 1.2: ruamel differs on
# -0x1, 1_000, dates and .inf, which the generator leaves out.
INTS = st.integers(min_value=-(10**12), max_value=10**12)
FLOATS = st.floats(allow_nan=False, allow_infinity=False, width=32).filter(lambda f: f == f and not math.isinf(f))


def _plain_scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value) if "e" in repr(value) or "." in repr(value) else repr(value) + ".0"
    return str(value)


def _quoted(value: str, style: str) -> str:
    if style == "'":
        return "'" + value.replace("'", "''") + "'"
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a YAML 1.2 double-quoted scalar


@st.composite
def scalars(draw: st.DrawFn) -> tuple[Any, str]:
    kind = draw(st.sampled_from(["int", "float", "bool", "null", "word", "single", "double"]))
    if kind == "int":
        value: Any = draw(INTS)
    elif kind == "float":
        value = draw(FLOATS)
    elif kind == "bool":
        value = draw(st.booleans())
    elif kind == "null":
        value = None
    elif kind == "word":
        value = draw(WORDS)
        return value, value
    else:
        value = draw(TEXT)
        return value, _quoted(value, "'" if kind == "single" else '"')
    return value, _plain_scalar(value)


def _block_scalar(draw: st.DrawFn, indent: int) -> tuple[str, str]:
    """A literal or folded scalar: what it reads as is left to the readers to agree on."""
    lines = draw(st.lists(st.one_of(st.just(""), WORDS, st.builds(" ".join, st.lists(WORDS, max_size=3))), max_size=4))
    header = draw(st.sampled_from(["|", ">"])) + draw(st.sampled_from(["", "-", "+"]))
    pad = " " * indent
    body = "".join(f"{pad}{line}\n" if line else "\n" for line in lines)
    return header, body


@st.composite
def documents(draw: st.DrawFn, depth: int = 0, indent: int = 0) -> str:
    """A block mapping (or sequence) of scalars, flow collections, block scalars and nested blocks."""
    pad = " " * indent
    keys = draw(st.lists(WORDS, min_size=1, max_size=4, unique=True))
    as_list = draw(st.booleans())
    out = []
    for key in keys:
        lead = f"{pad}- " if as_list else f"{pad}{key}: "
        kind = draw(st.sampled_from(["scalar", "flow", "block", "nested"] if depth < 2 else ["scalar", "flow"]))
        comment = draw(st.sampled_from(["", "  # note", " #x"]))
        if kind == "scalar":
            out.append(lead + draw(scalars())[1] + comment + "\n")
        elif kind == "flow":
            items = [draw(scalars())[1] for _ in range(draw(st.integers(0, 3)))]
            if draw(st.booleans()):
                out.append(lead + "[" + ", ".join(items) + "]" + comment + "\n")
            else:  # over several lines, each indented more than its block
                inner = " " * (indent + 2)
                out.append(lead + "[\n" + "".join(f"{inner}{item},\n" for item in items) + f"{inner}]\n")
        elif kind == "block":
            header, body = _block_scalar(draw, indent + 2)
            out.append(lead + header + comment + "\n" + body)
        else:
            out.append(lead.rstrip() + "\n" + draw(documents(depth + 1, indent + 2)))
    return "".join(out)


@settings(
    database=None, max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
@given(documents())
def test_packwarden_reads_what_ruamel_yaml_reads(text: str) -> None:
    from ruamel.yaml import YAML

    expected = YAML(typ="safe", pure=True).load(text)
    document = load_yaml_text(text)
    assert document.ok, (text, document.problems)
    assert document.data == expected, text
    assert _types(document.data) == _types(expected)


def _types(value: Any) -> Any:
    """The value's shape with every scalar's type: 1 and 1.0 and True compare equal in Python."""
    if isinstance(value, dict):
        return {key: _types(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_types(item) for item in value]
    return type(value).__name__


# --- the screen in front of the token scan never hides what the scan would find ---------------------


@settings(database=None, max_examples=400, deadline=None, derandomize=True)
@given(st.text(alphabet=" \t\n#?-:,[]{}\"'|>+1ab", max_size=40))
def test_a_text_the_screen_passes_has_nothing_for_the_token_scan(text: str) -> None:
    import yaml

    from packwarden.load import yaml12

    if not yaml12.suspect(text):
        assert yaml12.token_problem(text, getattr(yaml, "CSafeLoader", yaml.SafeLoader)) is None, text


# --- red-team review of the reader (2026-11-29) -----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        ("a: 1\rb: [c, ?x]\n", 1, 5),  # YAML 1.2 reads ['c', '?x']; libyaml a key; packwarden would miscount lines
        ("name: demo\rversion: 1\n", 1, 11),
        ("a: 1\r\nb: 2\rc: 3\n", 2, 5),
    ],
)
def test_a_lone_carriage_return_is_refused_where_it_stands(text: str, line: int, column: int) -> None:
    from packwarden.load.yaml import load_yaml_text

    (problem,) = load_yaml_text(text).problems
    assert (problem.rule.id, problem.line, problem.column) == ("parse.yaml12", line, column)
    assert "carriage return" in problem.message


def test_crlf_line_ends_are_read_as_lf() -> None:
    from packwarden.load.yaml import load_yaml_text

    document = load_yaml_text("a: 1\r\nb: [x,\r\n  y]\r\n")
    assert document.problems == ()
    assert document.data == {"a": 1, "b": ["x", "y"]}


@pytest.mark.parametrize("text", ["a: [x,\n# c\n  y]\n", "a: {x: y,\n# c\n  z: w}\n"])
def test_a_comment_line_in_a_flow_collection_may_start_anywhere(text: str) -> None:
    """YAML 1.2 allows it (only content lines need the indentation); ruamel reads it too."""
    from packwarden.load.yaml import load_yaml_text

    document = load_yaml_text(text)
    from ruamel.yaml import YAML

    assert document.problems == ()
    assert document.data == YAML(typ="safe", pure=True).load(text)


@pytest.mark.parametrize(
    "unit", ['k{i}: "a\n  b"\n', "k{i}: [\n  1]\n", "k{i}: |\n"], ids=["quoted", "flow", "empty-block"]
)
def test_many_multi_line_values_are_read_in_one_pass(unit: str) -> None:
    """Each multi-line value used to split the text up to its line again (quadratic: minutes for
    1 MiB); the document's lines are split once. Asserts the reading, not the time: a quadratic
    reader would only make this test slow, which the suite's own time shows."""
    from packwarden.load.yaml import load_yaml_text

    text = "".join(unit.format(i=i) for i in range(20_000))
    document = load_yaml_text(text)
    assert document.problems == ()
    assert len(document.data) == 20_000
