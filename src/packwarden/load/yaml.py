"""A strict YAML reader on libyaml's event stream.

PyYAML's own loaders resolve YAML 1.1 (``NO`` is False, ``0777`` is octal, ``1:20`` is 80),
follow aliases, keep the last of duplicate keys and recurse in C until the stack overflows on
deep input. This reader consumes parse events iteratively instead, so it can stop at the first
anchor, alias, unknown tag, duplicate key or excessive depth, resolves plain scalars by the
YAML 1.2 core schema (``yaml_scalars``), and records the line and column of every value.
Where libyaml itself reads otherwise than YAML 1.2, the file is refused or read right
(``yaml12``): packwarden reads YAML 1.2 exactly or not at all.
"""

from __future__ import annotations

import yaml
from yaml import events

from packwarden.load import yaml12
from packwarden.load.document import Document, Mark, PosDict, PosList, Problem, line_col
from packwarden.load.limits import MAX_DEPTH, MAX_FILE_BYTES
from packwarden.load.text import decode
from packwarden.load.yaml_scalars import COLLECTION_TAGS, MAYBE_NOT_STRING, Stop, mark_of, plain, scalar
from packwarden.model import builtin_rules as R

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~3 ms)
if TYPE_CHECKING:
    from typing import Any

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _key_text(key: Any) -> str:
    """A key as YAML writes it: ``true``, ``1``, ``'a'``."""
    if isinstance(key, bool):
        return "true" if key else "false"
    return repr(key)


def _check_node(event: Any, depth: int) -> None:
    if event.anchor is not None:
        raise Stop(Problem(R.PARSE_ANCHOR, f"anchor &{event.anchor} is not allowed", *mark_of(event)))
    if depth >= MAX_DEPTH:
        raise Stop(Problem(R.PARSE_DEPTH, f"nested deeper than {MAX_DEPTH} levels", *mark_of(event)))
    if isinstance(event, events.CollectionStartEvent) and event.tag not in (None, "!", *COLLECTION_TAGS):
        raise Stop(Problem(R.PARSE_TAG, f"tag {event.tag!r} is not allowed", *mark_of(event)))


class _Builder:
    """Turns events into PosDict/PosList trees, one frame per open collection."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._lines: list[str] | None = None  # split once, for the YAML 1.2 checks that need lines
        self.stack: list[PosDict | PosList] = []
        self.keys: list[tuple[Any, Mark] | None] = []
        self.flow: list[bool] = []  # whether each open collection is a flow collection
        self.root: Any = None
        self.documents = 0

    @property
    def lines(self) -> list[str]:
        if self._lines is None:
            self._lines = self.text.split("\n")
        return self._lines

    def spans_lines(self, event: Any, text: str) -> None:
        """A quoted or block scalar over several lines: what libyaml reads there and YAML 1.2 refuses."""
        start, end = event.start_mark, event.end_mark
        style = event.style
        if style in {'"', "'"}:
            if self.stack and not self.flow[-1]:  # in a flow collection, its own check covers the lines
                indent = self.stack[-1].mark[1]
                found = yaml12.underindented(self.lines, start.line + 1, end.line, indent, "quoted scalar")
                if found is not None:
                    raise Stop(found)
        elif not text.strip("\n"):
            found = yaml12.empty_block_scalar(self.lines, start, end)
            if found is not None:
                raise Stop(found)

    def close_flow(self, container: PosDict | PosList, event: Any) -> None:
        """The end of a flow collection: over several lines inside a block, each must be indented."""
        last = event.end_mark.line
        if self.stack and not self.flow[-1] and last >= container.mark[0]:
            indent = self.stack[-1].mark[1]
            found = yaml12.underindented(self.lines, container.mark[0], last, indent, "flow collection")
            if found is not None:
                raise Stop(found)

    def add(self, value: Any, mark: Mark, is_collection: bool) -> None:
        if not self.stack:
            self.root = value
            return
        top = self.stack[-1]
        if isinstance(top, PosList):
            top.append(value)
            top.marks.append(mark)
            return
        pending = self.keys[-1]
        if pending is None:
            if is_collection:
                raise Stop(Problem(R.PARSE_KEY, "a mapping key must be a scalar", *mark))
            if value is None:
                message = "a mapping key cannot be null (quote it if the word is meant)"
                raise Stop(Problem(R.PARSE_KEY, message, *mark))
            if value in top:
                first = top.key_marks[value]
                earlier = next(key for key in top if key == value)
                if type(earlier) is type(value):
                    message = f"duplicate key {_key_text(value)} (first at line {first[0]})"
                else:  # 1, 1.0 and true are different YAML keys but one key once loaded
                    message = (
                        f"key {_key_text(value)} is the same key as {_key_text(earlier)} at line {first[0]}"
                        " once loaded; quote the keys"
                    )
                raise Stop(Problem(R.PARSE_DUPLICATE_KEY, message, *mark))
            self.keys[-1] = (value, mark)
            return
        key, key_mark = pending
        top[key] = value
        top.marks[key] = mark
        top.key_marks[key] = key_mark
        self.keys[-1] = None

    def run(self, loader: Any) -> Any:
        get_event = loader.get_event
        scalar_event, mapping_start = events.ScalarEvent, events.MappingStartEvent
        stack, keys, flow = self.stack, self.keys, self.flow
        while True:
            event = get_event()
            kind = type(event)
            if kind is scalar_event:
                # The hot path, inlined: a plain or quoted scalar under a mapping key or in a list.
                if event.anchor is not None:
                    _check_node(event, 0)
                start = event.start_mark
                mark = (start.line + 1, start.column + 1)
                text = event.value
                if event.tag is not None:
                    value = scalar(event)
                    if event.style and event.end_mark.line != start.line:
                        self.spans_lines(event, text)
                elif event.implicit[0]:  # plain
                    value = text if text and text[0] not in MAYBE_NOT_STRING else plain(text, mark)
                else:  # quoted or block
                    value = text
                    if event.end_mark.line != start.line:
                        self.spans_lines(event, text)
                top = stack[-1] if stack else None
                if isinstance(top, PosList):
                    top.append(value)
                    top.marks.append(mark)
                    continue
                if top is None:
                    self.root = value
                    continue
                pending = keys[-1]
                if pending is None:  # a key
                    if value is None or value in top:
                        self.add(value, mark, False)  # reports the null or duplicate key
                    keys[-1] = (value, mark)
                    continue
                key, key_mark = pending  # a value for its key: the commonest event of all
                top[key] = value
                top.marks[key] = mark
                top.key_marks[key] = key_mark
                keys[-1] = None
            elif kind is mapping_start or kind is events.SequenceStartEvent:
                _check_node(event, len(self.stack))
                mark = mark_of(event)
                container: PosDict | PosList = PosDict(mark) if kind is mapping_start else PosList(mark)
                self.add(container, mark, True)
                self.stack.append(container)
                self.keys.append(None)
                flow.append(bool(event.flow_style))
            elif kind is events.MappingEndEvent or kind is events.SequenceEndEvent:
                container = stack.pop()
                keys.pop()
                if flow.pop():
                    self.close_flow(container, event)
            elif kind is events.AliasEvent:
                raise Stop(Problem(R.PARSE_ANCHOR, f"alias *{event.anchor} is not allowed", *mark_of(event)))
            elif kind is events.DocumentStartEvent:
                self.documents += 1
                if event.version is not None:
                    found = yaml12.directive(event.version, *mark_of(event))
                    if found is not None:
                        raise Stop(found)
                if self.documents > 1:
                    message = "more than one YAML document in the file"
                    raise Stop(Problem(R.PARSE_MULTI_DOCUMENT, message, *mark_of(event)))
            elif kind is events.StreamEndEvent:
                return self.root


class _LibyamlTooDeep(Exception):
    """libyaml's own nesting limit stopped the parse, ``offset`` characters into the text."""

    def __init__(self, offset: int) -> None:
        self.offset = offset


# Newer libyaml builds (the one in PyYAML 6.0.4's wheels, for one) have a nesting limit of
# their own, 1000 by default, and the scanner reads ahead of the parser, so libyaml can stop
# before the builder sees where MAX_DEPTH is first exceeded. The message is the only sign.
_LIBYAML_DEPTH_MESSAGE = "exceeded maximum nesting depth"


def _parse(text: str, loader_class: Any, read: str | None = None) -> Document:
    """``text`` parsed; ``read``, when given, is what the parser reads in its place (``text``
    with a line break libyaml needs, ``yaml12.block_scalar_tail``)."""
    loader = loader_class(text if read is None else read)
    try:
        data = _Builder(text).run(loader)
    except Stop as stop:
        return Document(text, None, (stop.problem,))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        if exc.problem == _LIBYAML_DEPTH_MESSAGE and mark is not None:
            raise _LibyamlTooDeep(mark.index) from None
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        message = " ".join(part for part in (exc.context, exc.problem) if part) or "invalid YAML"
        return Document(text, None, (Problem(R.PARSE_SYNTAX, message, line, column),))
    except yaml.reader.ReaderError as exc:
        offset = exc.position  # libyaml counts bytes of the UTF-8 text, PyYAML characters
        if loader_class is not yaml.SafeLoader:
            offset = len(text.encode("utf-8")[:offset].decode("utf-8", "ignore"))
        problem = Problem(R.PARSE_SYNTAX, str(exc).splitlines()[0], *line_col(text, offset))
        return Document(text, None, (problem,))
    except yaml.YAMLError as exc:
        return Document(text, None, (Problem(R.PARSE_SYNTAX, str(exc).splitlines()[0]),))
    finally:
        loader.dispose()
    return Document(text, data)


def _too_deep_for_libyaml(text: str, offset: int) -> Document:
    """The answer for a text that libyaml refused as nested too deeply at ``offset``.

    Everything before ``offset`` passed libyaml's scanner, so parsing just that part again
    reaches the builder's own checks, in stream order: normally MAX_DEPTH, at its exact place.
    A syntax error there may come from the cut, and a libyaml limit below MAX_DEPTH would
    refuse good documents, so either way the pure-Python parser (no limit of its own) decides.
    """
    try:
        prefix = _parse(text[:offset], _Loader)
    except _LibyamlTooDeep:
        prefix = Document("")
    if prefix.problems and prefix.problems[0].rule is not R.PARSE_SYNTAX:
        return Document(text, None, prefix.problems)
    try:
        return _parse(text, yaml.SafeLoader)
    except _LibyamlTooDeep:  # pragma: no cover - the pure-Python parser has no depth limit
        return Document(text, None, (Problem(R.PARSE_DEPTH, f"nested deeper than {MAX_DEPTH} levels"),))


def load_yaml_text(text: str) -> Document:
    """Parse YAML text into a position-aware tree, or a problem with its location."""
    refused = yaml12.screen(text)
    if refused is not None:
        return Document(text, None, (refused,))
    read = yaml12.block_scalar_tail(text)
    try:
        document = _parse(text, _Loader, None if read is text else read)
    except _LibyamlTooDeep as exc:
        return _too_deep_for_libyaml(text, exc.offset)
    if document.problems or not yaml12.suspect(text):
        return document
    refused = yaml12.token_problem(read, _Loader)
    return document if refused is None else Document(text, None, (refused,))


def load_yaml(raw: bytes, max_bytes: int = MAX_FILE_BYTES) -> Document:
    """Read YAML bytes under the size cap."""
    text = decode(raw, max_bytes)
    if isinstance(text, Problem):
        return Document("", None, (text,))
    return load_yaml_text(text)
