"""Static inspection of handler.py: parsed with ast, never imported or run."""

from __future__ import annotations

import time
import warnings

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from packwarden.load.limits import MAX_FILE_BYTES
from packwarden.plugin.static import (
    DEFAULT_FORBIDDEN,
    HandlerIssue,
    forbidden_entry_problem,
    inspect_handler,
    marker_lines,
)

GOOD = '''\
"""A handler."""

# BEGIN AUTO SECTION
import json


def handle(event):
    return [{"action": "notify", "payload": {"message": json.dumps(event)}}]


# END AUTO SECTION
'''


def handler(body: str) -> str:
    """``body`` inside a good handler's AUTO section, so that only its own issues show."""
    return f"# BEGIN AUTO SECTION\ndef handle(event):\n    return []\n{body}\n# END AUTO SECTION\n"


def issues(text: str, forbidden: tuple[str, ...] = DEFAULT_FORBIDDEN) -> list[tuple[str, str, int, int]]:
    return [(i.kind, i.message, i.line, i.column) for i in inspect_handler(text, forbidden)]


def uses(body: str, forbidden: tuple[str, ...] = DEFAULT_FORBIDDEN) -> list[tuple[int, int, str]]:
    """The forbidden uses in ``body`` (placed from line 4 of the handler): line, column, name."""
    found = inspect_handler(handler(body), forbidden)
    assert all(issue.kind == "forbidden" for issue in found), found
    return [(issue.line, issue.column, issue.name) for issue in found]


def test_a_good_handler_has_no_issues() -> None:
    assert inspect_handler(GOOD) == []


# --- markers --------------------------------------------------------------------------------------


def test_markers_missing() -> None:
    assert issues("def handle(event):\n    return []\n") == [
        (
            "markers",
            "no '# BEGIN AUTO SECTION' line: regenerating keeps only the code between the two markers",
            1,
            1,
        ),
        ("markers", "no '# END AUTO SECTION' line: regenerating keeps only the code between the two markers", 1, 1),
    ]


def test_markers_twice_and_in_the_wrong_order() -> None:
    text = "# BEGIN AUTO SECTION\ndef handle(event):\n    return []\n  # BEGIN AUTO SECTION  \n# END AUTO SECTION\n"
    assert issues(text) == [("markers", "'# BEGIN AUTO SECTION' again (first at line 1): keep one", 4, 3)]
    text = "# END AUTO SECTION\ndef handle(event):\n    return []\n# BEGIN AUTO SECTION\n"
    assert issues(text) == [("markers", "'# END AUTO SECTION' comes before '# BEGIN AUTO SECTION' (line 4)", 1, 1)]


@pytest.mark.parametrize(
    "line",
    ["# BEGIN AUTO SECTION here", "#BEGIN AUTO SECTION", "# begin auto section", "x = 1  # BEGIN AUTO SECTION"],
)
def test_a_marker_is_a_line_of_its_own(line: str) -> None:
    assert marker_lines(f"{line}\n# END AUTO SECTION\n") == ([], [2])


def test_marker_lines_count_every_line_break_python_does() -> None:
    assert marker_lines("a\r\n# BEGIN AUTO SECTION\rb\n# END AUTO SECTION") == ([2], [4])
    assert marker_lines("a\x0c\n\t# BEGIN AUTO SECTION\t\n") == ([2], [])


# --- the entry point ------------------------------------------------------------------------------

MARKED = "# BEGIN AUTO SECTION\n# END AUTO SECTION\n"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (
            "def run(event):\n    return []\n",
            [("no top-level 'def handle(event)': the runtime calls handle(event)", 1, 1)],
        ),
        (
            "class Plugin:\n    def handle(self, event):\n        return []\n",
            [("no top-level 'def handle(event)': the runtime calls handle(event)", 1, 1)],
        ),
        (
            "if True:\n    def handle(event):\n        return []\n",
            [("no top-level 'def handle(event)': the runtime calls handle(event)", 1, 1)],
        ),
        (
            "handle = lambda event: []\n",
            [("no top-level 'def handle(event)': the runtime calls handle(event)", 1, 1)],
        ),
        (
            "async def handle(event):\n    return []\n",
            [("handle is 'async def'; the runtime calls a plain 'def handle(event)'", 1, 1)],
        ),
        (
            "def handle(event, context):\n    return []\n",
            [("handle takes 2 positional parameters; it must take exactly one, the event", 1, 1)],
        ),
        (
            "def handle():\n    return []\n",
            [("handle takes 0 positional parameters; it must take exactly one, the event", 1, 1)],
        ),
        (
            "@cache\ndef handle(*events):\n    return []\n",
            [("handle takes *events; it must take exactly one parameter, the event", 2, 1)],
        ),
        (
            "def handle(event, *, strict):\n    return []\n",
            [("handle has the keyword-only parameter 'strict' without a default", 1, 1)],
        ),
        (
            "def handle(event):\n    return []\ndef handle(event):\n    return [1]\n",
            [("handle is defined again (first at line 1); only the last one counts", 3, 1)],
        ),
    ],
)
def test_entry_issues(source: str, expected: list[tuple[str, int, int]]) -> None:
    found = inspect_handler(source + MARKED)
    assert [(i.message, i.line, i.column) for i in found] == expected
    assert {i.kind for i in found} == {"entry"}


@pytest.mark.parametrize(
    "source",
    [
        "def handle(event, /):\n    return []\n",
        "def handle(event=None, *, strict=False, **options):\n    return []\n",
    ],
)
def test_entry_points_that_take_one_event(source: str) -> None:
    assert inspect_handler(source + MARKED) == []


# --- syntax ---------------------------------------------------------------------------------------


def test_a_syntax_error_is_located_in_characters() -> None:
    assert issues(handler('x = "é" + )')) == [("syntax", "handler.py does not parse: unmatched ')'", 4, 11)]


def test_indentation_errors() -> None:
    # The column is the parser's own (it points at the last character of the indentation).
    assert issues(handler("x = 1\n      y = 2")) == [("syntax", "handler.py does not parse: unexpected indent", 5, 6)]


def test_parser_warnings_are_neither_printed_nor_errors() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert inspect_handler(handler('pattern = "\\d+"')) == []


# --- forbidden imports and calls ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("import subprocess", [(4, 8, "subprocess")]),
        ("import os, socket as s", [(4, 12, "socket")]),
        ("import urllib.request", [(4, 8, "urllib.request")]),
        (
            "import http.client as h\nh.HTTPConnection('x')",
            [(4, 8, "http.client"), (5, 1, "http.client.HTTPConnection")],
        ),
        ("from subprocess import run, PIPE", [(4, 24, "subprocess.run"), (4, 29, "subprocess.PIPE")]),
        ("from importlib import import_module", [(4, 23, "importlib.import_module")]),
        ("import os\nos.system('ls')", [(5, 1, "os.system")]),
        ("import os as o\no.system('ls')", [(5, 1, "os.system")]),
        ("from os import system as s\ns('ls')", [(4, 16, "os.system"), (5, 1, "os.system")]),
        ("import os\nos.execvp('ls', [])\nos.spawnl(0, 'ls')", [(5, 1, "os.execvp"), (6, 1, "os.spawnl")]),
        ("import os\nos.popen('ls')\nos.posix_spawn('ls', [], {})", [(5, 1, "os.popen"), (6, 1, "os.posix_spawn")]),
        ("import os\ngetattr(os, 'system')('ls')", [(5, 1, "os.system")]),
        ("import os\nrun = getattr(os, 'system', None)", [(5, 7, "os.system")]),
        ("import os\nos.__dict__['system']('ls')", [(5, 1, "os.system")]),
        ("import posix\nposix.system('ls')", [(5, 1, "os.system")]),
        ("import os\nalias = os\nagain = alias\nagain.system('ls')", [(7, 1, "os.system")]),
        ("eval('1')", [(4, 1, "eval")]),
        ("run = exec\nrun('x = 1')", [(4, 7, "exec"), (5, 1, "exec")]),
        ("compile('1', 'x', 'eval')", [(4, 1, "compile")]),
        ("__import__('os').system('ls')", [(4, 1, "__import__")]),
        ("import builtins\nbuiltins.eval('1')", [(5, 1, "eval")]),
        ("from builtins import exec as e", [(4, 22, "exec")]),
        ("__builtins__['eval']('1')\n__builtins__.exec('1')", [(4, 1, "eval"), (5, 1, "exec")]),
        ("getattr(__builtins__, 'eval')('1')", [(4, 1, "eval")]),
        ("x = 'é'; eval('1')", [(4, 10, "eval")]),
        ("from subprocess import *", [(4, 24, "subprocess.*")]),
        ("from os import *", [(4, 16, "os.*")]),
        ("import ctypes.util", [(4, 8, "ctypes.util")]),
        ("import _posixsubprocess", [(4, 8, "_posixsubprocess")]),
    ],
)
def test_forbidden_uses(body: str, expected: list[tuple[int, int, str]]) -> None:
    assert uses(body) == expected


def test_forbidden_messages() -> None:
    text = handler("from os import system as s\nfrom os import *\ns('ls')")
    assert [(i.message, i.name) for i in inspect_handler(text)] == [
        ("import of os.system (forbidden: os.system)", "os.system"),
        ("from os import * can bind os.system (forbidden); import names one by one", "os.*"),
        ("use of os.system (forbidden: os.system)", "os.system"),
    ]


@pytest.mark.parametrize(
    "body",
    [
        "# import subprocess; os.system('ls'); eval('1')",
        "text = 'import subprocess; os.system(\"ls\")'",
        '"""eval(compile(__import__("os")))"""',
        "import os\nos.path.join('a', 'b')\nos.getcwd()",
        "from re import compile\ncompile('a+')",
        "import json\njson.loads('{}')",
        "self_eval = 1\nobj = object()\nobj.eval = 1",
        "from . import subprocess\nfrom .helpers import eval",
        "from json import *",
        "import os\ngetattr(os, name)",
        "import os\nos.system = None",
    ],
)
def test_not_forbidden(body: str) -> None:
    assert uses(body) == []


def test_a_pack_sets_its_own_list() -> None:
    body = "import subprocess\nopen('x', 'w')\nimport shutil\nshutil.rmtree('/')"
    assert uses(body, ("open", "shutil.rm*")) == [(5, 1, "open"), (7, 1, "shutil.rmtree")]
    assert uses(body, ()) == []


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ("subprocess", None),
        ("os.exec*", None),
        ("*.system", None),
        ("", "'' is not a dotted name like 'subprocess', 'os.system' or 'os.exec*'"),
        ("os..system", "'os..system' is not a dotted name like 'subprocess', 'os.system' or 'os.exec*'"),
        ("os.system()", "'os.system()' is not a dotted name like 'subprocess', 'os.system' or 'os.exec*'"),
        (3, "a forbidden entry is a dotted name, not int"),
    ],
)
def test_forbidden_entries(entry: object, problem: str | None) -> None:
    assert forbidden_entry_problem(entry) == problem


def test_a_bad_entry_is_the_callers_error() -> None:
    with pytest.raises(ValueError, match="is not a dotted name"):
        inspect_handler(GOOD, ["os system"])
    with pytest.raises(ValueError, match="not a string"):
        inspect_handler(GOOD, "eval")


# --- hostile source: a located issue or a parse, never a crash or a hang ----------------------------

DEEP = "handler.py is nested too deeply for Python's parser"
M = 1 << 20


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("(" * 100_000 + ")" * 100_000, ("handler.py does not parse: too many nested parentheses", 1, 201)),
        ("x = " + "-" * 100_000 + "1", (f"{DEEP} (MemoryError)", 1, 1)),
        ("x = " + "not " * 100_000 + "1", (f"{DEEP} (MemoryError)", 1, 1)),
        ("x = " + "lambda: " * 50_000 + "1", (f"{DEEP} (MemoryError)", 1, 1)),
        ("x = a" + "[0]" * 200_000, (f"{DEEP} (RecursionError)", 1, 1)),
        ("x = f" + "()" * 200_000, (f"{DEEP} (RecursionError)", 1, 1)),
        ("x = 1" + "+1" * 500_000, (f"{DEEP} (RecursionError)", 1, 1)),
        ("if a:\n pass\n" + "elif a:\n pass\n" * 60_000, (f"{DEEP} (MemoryError)", 1, 1)),
        (
            "x = a" + ".b" * 200_000,
            (
                "a dotted name of 200001 parts: too long to parse safely (Python 3.11's parser needs memory that"
                " grows with the square of a dotted name's length), so handler.py was not parsed",
                1,
                5,
            ),
        ),
        (
            "import a" + ".b" * 40_000,
            (
                "a dotted name of 40001 parts: too long to parse safely (Python 3.11's parser needs memory that"
                " grows with the square of a dotted name's length), so handler.py was not parsed",
                1,
                8,
            ),
        ),
        (
            "x = 1\nf'" + "{a}" * 349_000 + "'",
            (
                "f-strings with too many replacement fields (349000 in 1047000 characters in this one): Python"
                " 3.11's parser needs time that grows with fields x length, so handler.py was not parsed",
                2,
                1,
            ),
        ),
        ("x = 1\ny = 2\x00\n", ("handler.py holds a NUL character", 2, 6)),
        (
            "".join(" " * depth + "if a:\n" for depth in range(3_000)),
            (f"handler.py is 4516500 characters; the limit is {MAX_FILE_BYTES}", 1, 1),
        ),
        (
            "".join(" " * depth + "if a:\n" for depth in range(1_400)) + " " * 1_400 + "pass\n",
            ("handler.py does not parse: too many levels of indentation", 101, 1),
        ),
    ],
    ids=[
        "brackets",
        "unary-minus",
        "not",
        "lambdas",
        "subscripts",
        "calls",
        "sum",
        "elifs",
        "attributes",
        "dotted-import",
        "f-string",
        "nul",
        "indent-3000",
        "indent-1400",
    ],
)
def test_hostile_source(source: str, expected: tuple[str, int, int]) -> None:
    started = time.monotonic()
    found = inspect_handler(source)
    assert time.monotonic() - started < 20
    assert [(i.message, i.line, i.column) for i in found if i.kind == "syntax"] == [expected]


@pytest.mark.parametrize(
    "source",
    [
        "x = '" + "a" * (M - 8) + "'\n",  # a 1 MiB line
        "import a" + ".a" * 2_800 + "\n",  # a long dotted name, under the bound
        "x = f'" + "{a}" * 13_000 + "'\n",  # f-string fields, under the bound
        "".join(f"x{i} = f'{{a}} {{b!r:>{{w}}}} {{c}}'\n" for i in range(5_000)),  # many small f-strings
        "x = a" + "<a" * 100_000 + "\n",
    ],
    ids=["1MiB-line", "dotted-name", "f-string", "f-strings", "comparisons"],
)
def test_large_but_harmless_source_parses(source: str) -> None:
    started = time.monotonic()
    found = inspect_handler(source)
    assert time.monotonic() - started < 20
    assert [i.kind for i in found] == ["entry", "markers", "markers"]


def test_many_forbidden_uses_on_one_long_line_are_each_located() -> None:
    found = inspect_handler("x = 'é'; " + "eval; " * 50_000)
    forbidden = [i for i in found if i.kind == "forbidden"]
    assert len(forbidden) == 50_000
    assert (forbidden[0].column, forbidden[-1].column) == (10, 10 + 6 * 49_999)


# --- never raises ---------------------------------------------------------------------------------

_PIECES = st.sampled_from(
    [
        "import os\n",
        "import os as o\n",
        "from os import *\n",
        "from os import system as s\n",
        "o = os\n",
        "s('x')\n",
        "o.system\n",
        "getattr(o, 'system')\n",
        "eval",
        "__builtins__",
        "['eval']",
        "def handle(event):\n",
        "async def handle(*a):\n",
        "    return []\n",
        "# BEGIN AUTO SECTION\n",
        "# END AUTO SECTION\n",
        "(",
        ")",
        "[",
        "lambda: ",
        "-",
        "f'{",
        "}'",
        '"""',
        ".b",
        "\n",
        "    ",
        "\t",
        "\\\n",
        "\r",
        "\x00",
        "é",
        ":",
        "=",
    ]
)


@settings(max_examples=400, deadline=None, database=None)
@given(st.one_of(st.text(max_size=300), st.lists(_PIECES, max_size=60).map("".join)))
def test_inspect_handler_never_raises(text: str) -> None:
    for issue in inspect_handler(text):
        assert isinstance(issue, HandlerIssue)
        assert issue.kind in {"syntax", "markers", "entry", "forbidden"}
        assert issue.line >= 1
        assert issue.column >= 1


def test_a_small_stack_limit_cannot_make_the_parser_crash_the_hook() -> None:
    """Under ``ulimit -s 512`` CPython's parser overflows the main thread's C stack on deep
    unary nesting and the process dies with SIGSEGV; the inspection parses on a stack of its
    own, so the run reports the source and goes on."""
    import subprocess
    import sys

    script = (
        "from packwarden.plugin.static import inspect_handler\n"
        "issues = inspect_handler('x = ' + '-' * 100000 + '1')\n"
        "print(sorted({issue.kind for issue in issues}))\n"
    )
    done = subprocess.run(
        ["bash", "-c", 'ulimit -s 512 && exec "$0" -c "$1"', sys.executable, script],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "syntax" in done.stdout
