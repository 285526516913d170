"""Static inspection of a plugin's ``handler.py``: read with ``ast``, never imported or run.

``inspect_handler`` reports four kinds of issue, each at a line and column (1-based; columns
count characters):

``syntax``
    The source does not parse (``SyntaxError``, NUL characters), or was not parsed because the
    parser would take too long or too much memory on it (see "Hostile source" below).
``markers``
    ``# BEGIN AUTO SECTION`` and ``# END AUTO SECTION`` are each on a line of their own (with
    nothing else but whitespace), exactly once each, BEGIN first. Lines are compared as text,
    as ``generate.merge_handler`` finds them.
``entry``
    A top-level ``def handle(event)``: a plain ``def`` (``async def`` is not it) directly in
    the module body, taking exactly one positional parameter and no ``*args`` (keyword-only
    parameters need defaults). A second top-level ``handle`` is reported: only the last counts.
``forbidden``
    An import or use of something the pack forbids, found in the syntax tree: a name in a
    comment or a string is not a use.

Forbidden entries (``DEFAULT_FORBIDDEN``, or a pack's ``plugin_contract.forbidden_imports``)
are dotted names, a segment may hold ``*`` wildcards: ``subprocess``, ``os.system``,
``os.exec*``, ``eval``. An entry forbids the name and everything under it: ``urllib`` covers
``urllib.request.urlopen``, ``os.exec*`` covers ``os.execv`` and ``os.execvpe``. Builtins
are named bare (``eval``, ``__import__``, ``open``). ``forbidden_entry_problem`` checks one.

What a use is: each import (``import a.b``, ``from a import b``: the module and the names
taken from it) and each reference that resolves to a forbidden name, through
``import x as y``, ``from x import y as z``, plain assignments (``o = os``, a few levels
deep), attributes, ``getattr(x, "name")`` and ``x["name"]`` with a constant string,
``builtins.eval`` and ``__builtins__``, and ``posix`` / ``nt`` as ``os``. A name that is not
imported and names a builtin is the builtin, even where a local variable shadows it (shadowing
``eval`` is itself worth a look). ``from x import *`` is reported when it can bind a forbidden
name. Relative imports are the plugin's own modules and are not followed. Out of reach of any
static check, and left to the sandboxed smoke run: names built at run time
(``getattr(os, "sys" + "tem")``, ``globals()[...]``, ``sys.modules``), and code reached through
modules the pack allows.

Hostile source
    ``ast.parse`` refuses deep nesting itself (``too many nested parentheses`` past 200
    brackets, ``RecursionError`` building the tree, ``MemoryError`` when its stack overflows),
    and each becomes a ``syntax`` issue. Two inputs make CPython 3.11's parser slow without
    being deep, so they are measured and refused before it runs: a long dotted name (its
    memory grows with the square of the name's length: ``import a.b.b...`` of 80 KB takes
    1.7 GB) and f-strings with many replacement fields (time grows with fields x length: one
    of 1 MiB takes 70 s). The inspection never raises: anything unexpected is a ``syntax``
    issue. The parse runs in a thread with a 64 MiB stack (``_parse_on_a_large_stack``), so
    neither a small ``ulimit -s`` nor the caller's thread can make the parser overflow the C
    stack; a raised ``sys.setrecursionlimit`` still could (packwarden never raises it).
"""

from __future__ import annotations

import ast
import builtins
import re
import warnings
from bisect import bisect_right
from collections.abc import Sequence
from itertools import accumulate

from packwarden.load.limits import MAX_FILE_BYTES
from packwarden.model.record import Record

__all__ = [
    "BEGIN_MARKER",
    "DEFAULT_FORBIDDEN",
    "END_MARKER",
    "HandlerIssue",
    "forbidden_entry_problem",
    "inspect_handler",
    "marker_lines",
]

BEGIN_MARKER = "# BEGIN AUTO SECTION"
END_MARKER = "# END AUTO SECTION"

DEFAULT_FORBIDDEN: tuple[str, ...] = (
    "subprocess",
    "_posixsubprocess",  # what subprocess is built on
    "socket",
    "requests",
    "urllib",
    "http",
    "ctypes",
    "importlib",
    "os.system",
    "os.exec*",
    "os.spawn*",
    "os.posix_spawn*",  # os.spawn* under another name
    "os.popen",
    "__import__",
    "eval",
    "exec",
    "compile",
)

# CPython 3.11's parser keeps every prefix of a dotted name (``a``, ``a.b``, ``a.b.c``...) until
# the parse ends, and looks each f-string replacement field up from the start of its string.
# These bounds keep either to a fraction of a second and a few tens of MB; real code stays far
# below them (the measures are upper bounds: characters x dots, fields x characters).
_MAX_DOTTED_COST = 1 << 24
_MAX_FSTRING_COST = 1 << 29
_ALIAS_ROUNDS = 4  # how many assignments deep ``o = os; p = o`` is followed
_MAX_CANDIDATES = 16  # what one name may resolve to, at most

_BUILTINS = frozenset(dir(builtins))
_OS_NAMES = ("posix", "nt")  # the modules os re-exports: posix.system is os.system


class HandlerIssue(Record):
    """One problem of ``handler.py``. ``name``: what a ``forbidden`` use resolves to."""

    kind: str  # "syntax", "markers", "entry" or "forbidden"
    message: str
    line: int = 1
    column: int = 1
    name: str = ""


# --- source lines ---------------------------------------------------------------------------------


class _Source:
    """The text as Python's tokenizer splits it (\\r\\n, \\r and \\n end lines), and columns."""

    def __init__(self, text: str) -> None:
        self.text = text.replace("\r\n", "\n").replace("\r", "\n")
        self.lines = self.text.split("\n")
        self._offsets: dict[int, list[int]] = {}

    def column(self, line: int, byte_offset: int) -> int:
        """The 1-based character column of ``ast``'s ``col_offset``, which counts UTF-8 bytes."""
        text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        if text.isascii():
            return byte_offset + 1
        ends = self._offsets.get(line)
        if ends is None:  # byte offset after each character, once per line
            ends = self._offsets[line] = list(accumulate(len(char.encode("utf-8", "surrogatepass")) for char in text))
        return bisect_right(ends, byte_offset) + 1

    def position(self, offset: int) -> tuple[int, int]:
        """Line and column of a character offset into ``self.text``."""
        line = self.text.count("\n", 0, offset) + 1
        return line, offset - self.text.rfind("\n", 0, offset)


# --- markers --------------------------------------------------------------------------------------

_MARKER = re.compile(r"^[^\S\n]*(# (?:BEGIN|END) AUTO SECTION)[^\S\n]*$", re.MULTILINE)


def _markers(text: str) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Positions of the BEGIN and END marker lines of normalised ``text``."""
    begins: list[tuple[int, int]] = []
    ends: list[tuple[int, int]] = []
    line, counted = 1, 0
    for match in _MARKER.finditer(text):
        line += text.count("\n", counted, match.start())
        counted = match.start()
        column = match.start(1) - match.start() + 1
        (begins if match.group(1) == BEGIN_MARKER else ends).append((line, column))
    return begins, ends


def marker_lines(text: str) -> tuple[list[int], list[int]]:
    """The 1-based lines holding the BEGIN and the END marker, each list in file order."""
    begins, ends = _markers(text.replace("\r\n", "\n").replace("\r", "\n"))
    return [line for line, _ in begins], [line for line, _ in ends]


def _marker_issues(source: _Source) -> list[HandlerIssue]:
    begins, ends = _markers(source.text)
    issues = []
    for marker, found in ((BEGIN_MARKER, begins), (END_MARKER, ends)):
        if not found:
            message = f"no {marker!r} line: regenerating keeps only the code between the two markers"
            issues.append(HandlerIssue("markers", message))
        for line, column in found[1:]:
            message = f"{marker!r} again (first at line {found[0][0]}): keep one"
            issues.append(HandlerIssue("markers", message, line, column))
    if len(begins) == 1 and len(ends) == 1 and ends[0] < begins[0]:
        message = f"{END_MARKER!r} comes before {BEGIN_MARKER!r} (line {begins[0][0]})"
        issues.append(HandlerIssue("markers", message, *ends[0]))
    return issues


# --- parsing --------------------------------------------------------------------------------------

_PART = r"[^\x00-\x2f\x3a-\x40\x5b-\x5e\x60\x7b-\x7f]"  # name characters, and then some
_GAP = r"[ \t\f]*+(?:\\\n[ \t\f]*+)*+"  # what may stand around a dot: spaces, line continuations
_CHAIN = re.compile(rf"(?<!{_PART}){_PART}++(?:{_GAP}\.{_GAP}{_PART}++)*+")
_FSTRING = re.compile(r"(?:[rR][fF]|[fF][rR]?)('''|\"\"\"|'|\")")
_BODY = {
    "'": re.compile(r"[^'\\\n]*+(?:\\.[^'\\\n]*+)*+", re.DOTALL),
    '"': re.compile(r'[^"\\\n]*+(?:\\.[^"\\\n]*+)*+', re.DOTALL),
    "'''": re.compile(r"[^'\\]*+(?:(?:\\.|'(?!''))[^'\\]*+)*+", re.DOTALL),
    '"""': re.compile(r'[^"\\]*+(?:(?:\\.|"(?!""))[^"\\]*+)*+', re.DOTALL),
}


def _long_dotted_name(source: _Source) -> HandlerIssue | None:
    text = source.text
    if text.count(".") * len(text) <= _MAX_DOTTED_COST:  # no name can cost more than this
        return None
    for match in _CHAIN.finditer(text):
        dots = text.count(".", match.start(), match.end())
        if dots * (match.end() - match.start()) > _MAX_DOTTED_COST:
            message = (
                f"a dotted name of {dots + 1} parts: too long to parse safely (Python 3.11's parser needs"
                " memory that grows with the square of a dotted name's length), so handler.py was not parsed"
            )
            return HandlerIssue("syntax", message, *source.position(match.start()))
    return None


def _costly_fstrings(source: _Source) -> HandlerIssue | None:
    """Over-counts on purpose (an ``f'`` inside a comment is measured too): never under."""
    text = source.text
    if text.count("{") * len(text) <= _MAX_FSTRING_COST:
        return None
    total, worst = 0, (0, 0, 0, 0)  # (cost, fields, length, start)
    for match in _FSTRING.finditer(text):
        start = match.end()
        body = _BODY[match.group(1)].match(text, start)
        end = start if body is None else body.end()
        fields = text.count("{", start, end)
        cost = fields * (end - start)
        total += cost
        worst = max(worst, (cost, fields, end - start, match.start()))
    if total <= _MAX_FSTRING_COST:
        return None
    _, fields, length, start = worst
    message = (
        f"f-strings with too many replacement fields ({fields} in {length} characters in this one): Python 3.11's"
        " parser needs time that grows with fields x length, so handler.py was not parsed"
    )
    return HandlerIssue("syntax", message, *source.position(start))


PARSER_STACK_BYTES = 64 << 20


def _parse_on_a_large_stack(text: str) -> ast.Module:
    """``ast.parse`` in a thread of its own with a stack of PARSER_STACK_BYTES.

    The parser's own guards (``MemoryError`` past its depth limit, ``RecursionError``) assume
    the default 8 MiB C stack; under ``ulimit -s 512`` the main thread overflows first and the
    whole hook dies (seen: ``x = ------...1``). A thread's stack is allocated, not bounded by
    that limit, so the guards always fire first. The thread's exception is raised here.
    """
    import threading

    result: list[ast.Module | BaseException] = []

    def parse() -> None:
        try:
            # The parser warns about things like invalid escapes ("\d"); a hook must not print
            # them, and under ``-W error`` they would turn into SyntaxErrors.
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                result.append(ast.parse(text, filename="handler.py"))
        except BaseException as exc:  # noqa: BLE001 - raised again in the calling thread
            result.append(exc)

    previous = threading.stack_size(PARSER_STACK_BYTES)
    try:
        worker = threading.Thread(target=parse, name="packwarden-parse")
        worker.start()
        worker.join()
    finally:
        threading.stack_size(previous)
    if isinstance(result[0], BaseException):
        raise result[0]
    return result[0]


def _parse(text: str, source: _Source) -> ast.Module | HandlerIssue:
    if len(text) > MAX_FILE_BYTES:
        return HandlerIssue("syntax", f"handler.py is {len(text)} characters; the limit is {MAX_FILE_BYTES}")
    if "\x00" in source.text:
        return HandlerIssue("syntax", "handler.py holds a NUL character", *source.position(source.text.index("\x00")))
    refused = _long_dotted_name(source) or _costly_fstrings(source)
    if refused is not None:
        return refused
    try:
        return _parse_on_a_large_stack(text)
    except SyntaxError as exc:  # IndentationError and TabError too
        line = exc.lineno if isinstance(exc.lineno, int) and exc.lineno > 0 else 1
        column = exc.offset if isinstance(exc.offset, int) and exc.offset > 0 else 1
        return HandlerIssue("syntax", f"handler.py does not parse: {exc.msg}", line, column)
    except (RecursionError, MemoryError) as exc:
        message = f"handler.py is nested too deeply for Python's parser ({type(exc).__name__})"
        return HandlerIssue("syntax", message)
    except (ValueError, OverflowError) as exc:
        return HandlerIssue("syntax", f"handler.py could not be parsed ({type(exc).__name__}: {exc})")


# --- the entry point ------------------------------------------------------------------------------


def _entry_issues(tree: ast.Module, source: _Source) -> list[HandlerIssue]:
    defs = [
        node
        for node in tree.body
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == "handle"
    ]
    if not defs:
        return [HandlerIssue("entry", "no top-level 'def handle(event)': the runtime calls handle(event)")]

    def at(node: ast.stmt) -> tuple[int, int]:
        return node.lineno, source.column(node.lineno, node.col_offset)

    issues = []
    for node in defs[1:]:
        message = f"handle is defined again (first at line {defs[0].lineno}); only the last one counts"
        issues.append(HandlerIssue("entry", message, *at(node)))
    last = defs[-1]
    args = last.args
    positional = [*args.posonlyargs, *args.args]
    if isinstance(last, ast.AsyncFunctionDef):
        issues.append(
            HandlerIssue("entry", "handle is 'async def'; the runtime calls a plain 'def handle(event)'", *at(last))
        )
    elif args.vararg is not None:
        message = f"handle takes *{args.vararg.arg}; it must take exactly one parameter, the event"
        issues.append(HandlerIssue("entry", message, *at(last)))
    elif len(positional) != 1:
        message = f"handle takes {len(positional)} positional parameters; it must take exactly one, the event"
        issues.append(HandlerIssue("entry", message, *at(last)))
    for arg, default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
        if default is None:
            message = f"handle has the keyword-only parameter {arg.arg!r} without a default"
            issues.append(HandlerIssue("entry", message, *at(last)))
    return issues


# --- forbidden names ------------------------------------------------------------------------------

_ENTRY = re.compile(r"[\w*]+(?:\.[\w*]+)*")


def forbidden_entry_problem(entry: object) -> str | None:
    """Why ``entry`` is not a forbidden-name entry (see the module docstring); None if it is."""
    if not isinstance(entry, str):
        return f"a forbidden entry is a dotted name, not {type(entry).__name__}"
    if not _ENTRY.fullmatch(entry):
        return f"{entry!r} is not a dotted name like 'subprocess', 'os.system' or 'os.exec*'"
    return None


class _Pattern:
    def __init__(self, entry: str) -> None:
        problem = forbidden_entry_problem(entry)
        if problem is not None:
            raise ValueError(problem)
        self.entry = entry
        self.segments = [
            re.compile(".*".join(re.escape(piece) for piece in segment.split("*")), re.DOTALL)
            for segment in entry.split(".")
        ]

    def covers(self, parts: list[str]) -> bool:
        """Whether the dotted name ``parts`` is the entry or under it."""
        return len(parts) >= len(self.segments) and all(
            segment.fullmatch(part) for segment, part in zip(self.segments, parts, strict=False)
        )

    def within(self, parts: list[str]) -> bool:
        """Whether the entry names something under the module ``parts`` (``from parts import *``)."""
        return len(self.segments) > len(parts) and all(
            segment.fullmatch(part) for segment, part in zip(self.segments, parts, strict=False)
        )


def _spellings(name: str) -> list[str]:
    """``name`` and what it also is: ``builtins.eval`` is ``eval``, ``posix.system`` is ``os.system``."""
    parts = [part for part in name.split(".") if part != "__dict__"]  # os.__dict__["system"]
    found = [".".join(parts)]
    if parts[0] == "builtins" and len(parts) > 1:
        found.append(".".join(parts[1:]))
    elif parts[0] in _OS_NAMES:
        found.append(".".join(["os", *parts[1:]]))
    return found


def _constant_text(node: ast.expr) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


# Fields that hold no name: expression contexts and operators (shared singletons, one per use).
_SKIPPED_FIELDS = frozenset({"ctx", "op", "ops"})


def _walk(tree: ast.AST) -> list[ast.AST]:
    """Every node of ``tree`` but contexts and operators; iterative, whatever the depth."""
    nodes: list[ast.AST] = []
    pending = [tree]
    while pending:
        node = pending.pop()
        nodes.append(node)
        for field in node._fields:
            if field in _SKIPPED_FIELDS:
                continue
            value = getattr(node, field, None)
            if isinstance(value, ast.AST):
                pending.append(value)
            elif isinstance(value, list):
                pending.extend(item for item in value if isinstance(item, ast.AST))
    return nodes


class _Uses:
    """Imports and references resolved to dotted names, and the forbidden ones among them."""

    def __init__(self, tree: ast.Module, source: _Source, patterns: list[_Pattern]) -> None:
        self.source = source
        self.patterns = patterns
        self.nodes = _walk(tree)
        self.imported: dict[str, set[str]] = {}
        self.assigned: dict[str, set[str]] = {}
        self.verdicts: dict[str, tuple[str, str] | None] = {}  # name -> (spelling, entry) forbidding it
        self.issues: list[HandlerIssue] = []

    def at(self, node: ast.AST) -> tuple[int, int]:
        line = getattr(node, "lineno", 1)
        return line, self.source.column(line, getattr(node, "col_offset", 0))

    def verdict(self, name: str) -> tuple[str, str] | None:
        """The spelling of ``name`` a forbidden entry covers, and the entry; cached by name."""
        if name in self.verdicts:
            return self.verdicts[name]
        found = None
        for spelling in _spellings(name):
            parts = spelling.split(".")
            pattern = next((pattern for pattern in self.patterns if pattern.covers(parts)), None)
            if pattern is not None:
                found = (spelling, pattern.entry)
                break
        self.verdicts[name] = found
        return found

    def report(self, node: ast.AST, name: str, what: str) -> None:
        found = self.verdict(name)
        if found is not None:
            spelling, entry = found
            self.issues.append(
                HandlerIssue("forbidden", f"{what} {spelling} (forbidden: {entry})", *self.at(node), spelling)
            )

    # -- names ------------------------------------------------------------------------------------

    def bind(self, table: dict[str, set[str]], name: str, values: set[str]) -> bool:
        known = table.setdefault(name, set())
        new = values - known
        room = _MAX_CANDIDATES - len(known)
        if not new or room <= 0:
            return False
        known.update(sorted(new)[:room])
        return True

    def name(self, identifier: str) -> set[str]:
        found = set(self.imported.get(identifier, ()))
        if not found:
            if identifier == "__builtins__":
                found.add("builtins")
            elif identifier in _BUILTINS:
                found.add(identifier)
        return found | self.assigned.get(identifier, set())

    def is_getattr(self, node: ast.Call) -> bool:
        """``getattr(x, "name")``, also spelt ``builtins.getattr``; nothing deeper, so no recursion."""
        if len(node.args) not in (2, 3) or node.keywords or _constant_text(node.args[1]) is None:
            return False
        func = node.func
        if isinstance(func, ast.Name):
            return "getattr" in self.name(func.id)
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.attr == "getattr":
            return bool({"builtins", "builtins.getattr"} & self.name(func.value.id))
        return False

    def step(self, node: ast.AST) -> tuple[ast.AST, str] | None:
        """What a reference reads from and the name it reads: ``(os, "system")`` for
        ``os.system``, ``os["system"]`` and ``getattr(os, "system")``; None for anything else."""
        kind = type(node)
        if kind is ast.Attribute:
            assert isinstance(node, ast.Attribute)
            return node.value, node.attr
        if kind is ast.Subscript:
            assert isinstance(node, ast.Subscript)
            key = _constant_text(node.slice)
            return None if key is None else (node.value, key)
        if kind is ast.Call:
            assert isinstance(node, ast.Call)
            if self.is_getattr(node):
                return node.args[0], _constant_text(node.args[1]) or ""
        return None

    def resolve(self, node: ast.AST) -> set[str]:
        """Every dotted name a reference may stand for; iterative, for chains of any length."""
        suffix: list[str] = []
        while not isinstance(node, ast.Name):
            step = self.step(node)
            if step is None:
                return set()
            node, attribute = step
            suffix.append(attribute)
        tail = ".".join(reversed(suffix))
        return {f"{base}.{tail}" if tail else base for base in self.name(node.id)}

    # -- the walk ---------------------------------------------------------------------------------

    def imports(self) -> list[tuple[ast.expr | None, str]]:
        """Bind imported names, report forbidden imports; returns the assignments to follow."""
        assignments: list[tuple[ast.expr | None, str]] = []
        for node in self.nodes:
            if isinstance(node, ast.Import):
                for alias in node.names:
                    self.report(alias, alias.name, "import of")
                    if alias.asname:
                        self.bind(self.imported, alias.asname, {alias.name})
                    else:  # import a.b.c binds a
                        first = alias.name.split(".")[0]
                        self.bind(self.imported, first, {first})
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                for alias in node.names:
                    if alias.name == "*":
                        self.star(alias, node.module)
                        continue
                    full = f"{node.module}.{alias.name}"
                    self.report(alias, full, "import of")
                    self.bind(self.imported, alias.asname or alias.name, {full})
            elif isinstance(node, ast.Assign):
                assignments.extend((node.value, target.id) for target in node.targets if isinstance(target, ast.Name))
            elif isinstance(node, (ast.AnnAssign, ast.NamedExpr)) and isinstance(node.target, ast.Name):
                assignments.append((node.value, node.target.id))
        return assignments

    def star(self, alias: ast.alias, module: str) -> None:
        for spelling in _spellings(module):
            parts = spelling.split(".")
            for pattern in self.patterns:
                if pattern.covers(parts):
                    message = f"import of {spelling}.* (forbidden: {pattern.entry})"
                elif pattern.within(parts):
                    message = f"from {module} import * can bind {pattern.entry} (forbidden); import names one by one"
                else:
                    continue
                self.issues.append(HandlerIssue("forbidden", message, *self.at(alias), f"{spelling}.*"))
                return

    def follow(self, assignments: list[tuple[ast.expr | None, str]]) -> None:
        """``o = os``: ``o`` may stand for ``os`` too (flow-insensitive, a few levels deep)."""
        for _ in range(_ALIAS_ROUNDS):
            changed = False
            for value, target in assignments:
                if value is not None and (found := self.resolve(value)):
                    changed = self.bind(self.assigned, target, found) or changed
            if not changed:
                break

    def references(self) -> None:
        steps = {}
        inner = set()
        for node in self.nodes:
            if type(node) in (ast.Attribute, ast.Subscript, ast.Call) and (step := self.step(node)) is not None:
                steps[id(node)] = step
                inner.add(id(step[0]))
        names: dict[str, set[str]] = {}  # a Name's candidates, by identifier: the commonest node
        for node in self.nodes:
            if id(node) in inner:
                continue  # part of a longer reference, checked as that
            kind = type(node)
            if kind is ast.Name:
                assert isinstance(node, ast.Name)
                if not isinstance(node.ctx, ast.Load):
                    continue
                found = names.get(node.id)
                if found is None:
                    found = names[node.id] = self.name(node.id)
            elif id(node) in steps:
                if kind is not ast.Call and not isinstance(getattr(node, "ctx", None), ast.Load):
                    continue
                found = self.resolve(node)
            else:
                continue
            for name in sorted(found):
                self.report(node, name, "use of")

    def run(self) -> list[HandlerIssue]:
        self.follow(self.imports())
        self.references()
        return self.issues


def _patterns(forbidden: Sequence[str]) -> list[_Pattern]:
    if isinstance(forbidden, str):  # one entry passed bare would forbid each of its letters
        raise ValueError("forbidden must be a sequence of entries, not a string")
    return [_Pattern(entry) for entry in forbidden]


def inspect_handler(text: str, forbidden: Sequence[str] = DEFAULT_FORBIDDEN) -> list[HandlerIssue]:
    """Every issue of the handler source ``text``, sorted by place; never raises on the text.

    Raises ``ValueError`` only for a malformed ``forbidden`` entry (that is the pack's mistake,
    checked when the pack is read, with ``forbidden_entry_problem``).
    """
    patterns = _patterns(forbidden)
    try:
        source = _Source(text)
        issues = _marker_issues(source)
        tree = _parse(text, source)
        if isinstance(tree, HandlerIssue):
            issues.append(tree)
        else:
            issues.extend(_entry_issues(tree, source))
            issues.extend(_Uses(tree, source, patterns).run())
    except (RecursionError, MemoryError) as exc:
        return [HandlerIssue("syntax", f"handler.py could not be inspected ({type(exc).__name__})")]
    except Exception as exc:  # noqa: BLE001 - hostile source must give a finding, never a crash of the hook
        return [HandlerIssue("syntax", f"handler.py could not be inspected ({type(exc).__name__}: {exc})")]
    return sorted(set(issues), key=lambda issue: (issue.line, issue.column, issue.kind, issue.message, issue.name))
