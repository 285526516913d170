"""The lock file, ``.packwarden/lock.yml``: the central sources and packs a repository is pinned to.

`packwarden pull` writes it; `check` reads it on every run, so it is read without pydantic,
by the position-keeping YAML reader, and checked strictly: every problem is a finding at its
line and column. It is written in one canonical form (``render_lock``) that reads back as the
same ``Lock``, so a pull that changes nothing leaves the file byte for byte as it was.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from types import MappingProxyType

from packwarden.load.document import Mark, PosDict
from packwarden.load.limits import MAX_LOCK_BYTES
from packwarden.load.yaml import load_yaml
from packwarden.load.yaml_scalars import Stop, plain
from packwarden.model import builtin_rules as R
from packwarden.model.errors import PolicyValidationError
from packwarden.model.finding import Finding, Severity
from packwarden.model.record import Record, value_eq, value_hash, value_ne
from packwarden.packs.atomic import write_atomically

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~3 ms)
if TYPE_CHECKING:
    from typing import Any

__all__ = ["LOCK_PATH", "Lock", "LockedPack", "LockedSource", "read_lock", "render_lock", "write_atomically"]

LOCK_PATH = ".packwarden/lock.yml"
LOCK_VERSION = 1
HEADER = "# Written by `packwarden pull`; do not edit. `packwarden pull` fills the cache to match it."
KINDS = ("dir", "git", "http")
SHA256 = re.compile(r"[0-9a-f]{64}\Z")
# The names as policy.yml and the central source spell them (packs.schema: PACK_KEY, VERSION;
# packs.sources.spec: a source's name), bounded so that each stays a short YAML key.
SOURCE_NAME = re.compile(r"[a-z0-9][a-z0-9_.-]{0,63}\Z")
PACK_REF = re.compile(r"[a-z0-9][a-z0-9_.-]{0,63}@[0-9]+(\.[0-9]+)*\Z")
PROJECT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}\Z")


class LockedSource(Record):
    kind: str  # "git" | "http" | "dir"
    location: str
    ref: str | None
    resolved: str  # git: the commit; http: "etag:..." or "sha256:..."; dir: "sha256:..."

    def _value(self) -> tuple[object, ...]:
        return tuple(self)

    def __eq__(self, other: object) -> bool:
        return value_eq(self, other)

    def __ne__(self, other: object) -> bool:
        return value_ne(self, other)

    def __hash__(self) -> int:
        return value_hash(self)


class LockedPack(Record):
    """A pack (or a project's file) as pinned: the source it came from and its tree digest."""

    source: str
    sha256: str

    def _value(self) -> tuple[object, ...]:
        return tuple(self)

    def __eq__(self, other: object) -> bool:
        return value_eq(self, other)

    def __ne__(self, other: object) -> bool:
        return value_ne(self, other)

    def __hash__(self) -> int:
        return value_hash(self)


class Lock(Record):
    sources: Mapping[str, LockedSource]  # source name -> where it was and what it resolved to
    packs: Mapping[str, LockedPack]  # "key@version" -> pin
    projects: Mapping[str, LockedPack]  # project id -> pin of its projects/<id>.yml

    @classmethod
    def empty(cls) -> Lock:
        return cls(MappingProxyType({}), MappingProxyType({}), MappingProxyType({}))

    def _value(self) -> tuple[object, ...]:
        return tuple(tuple(sorted(section.items())) for section in self)

    def __eq__(self, other: object) -> bool:
        return value_eq(self, other)

    def __ne__(self, other: object) -> bool:
        return value_ne(self, other)

    def __hash__(self) -> int:
        return value_hash(self)


class _Problems:
    def __init__(self) -> None:
        self.errors: list[Finding] = []

    def error(self, message: str, mark: Mark, rule: str = R.CONFIG_INVALID.id) -> None:
        self.errors.append(Finding(rule, Severity.ERROR, message, LOCK_PATH, *mark))


def read_lock(raw: bytes) -> Lock:
    """The lock in ``raw``; PolicyValidationError with every problem at its place."""
    problems = _Problems()
    document = load_yaml(raw, MAX_LOCK_BYTES)
    for problem in document.problems:
        problems.error(problem.message, (problem.line, problem.column), problem.rule.id)
    data = document.data
    if not document.problems and not isinstance(data, PosDict):
        problems.error("the lock must be a mapping of version, sources, packs and projects", _mark_of(data))
    if problems.errors or not isinstance(data, PosDict):
        raise PolicyValidationError(problems.errors)
    _known_keys(data, ("version", "sources", "packs", "projects"), "the lock", problems)
    version = data.get("version")
    if "version" not in data:
        problems.error(f"version is missing; this packwarden reads version {LOCK_VERSION}", data.mark)
    elif type(version) is not int or version != LOCK_VERSION:
        message = f"version must be {LOCK_VERSION} (this packwarden reads lock files of version {LOCK_VERSION})"
        problems.error(message, data.marks["version"])
    sources = _section(data, "sources", SOURCE_NAME, "a source name", _source, problems)
    packs = _section(data, "packs", PACK_REF, "key@version", _pin, problems)
    projects = _section(data, "projects", PROJECT_ID, "a project id", _pin, problems)
    for section, pins in (("packs", packs), ("projects", projects)):
        entries = data[section] if section in data else PosDict((1, 1))
        for name, pin in pins.items():
            if pin.source not in sources:
                where = entries[name].marks["source"]
                problems.error(f"{section}.{name}: source {pin.source!r} is not in sources", where)
    if problems.errors:
        raise PolicyValidationError(problems.errors)
    return Lock(MappingProxyType(sources), MappingProxyType(packs), MappingProxyType(projects))


def _mark_of(data: Any) -> Mark:
    mark: Mark = getattr(data, "mark", (1, 1))
    return mark


def _known_keys(mapping: PosDict, known: tuple[str, ...], what: str, problems: _Problems) -> None:
    for key in mapping:
        if key not in known:
            problems.error(f"{what}: unknown key {key!r}; the keys are {', '.join(known)}", mapping.key_marks[key])


def _section(
    data: PosDict,
    section: str,
    pattern: re.Pattern[str],
    spelled: str,
    read_entry: Callable[[str, PosDict, _Problems], Any],
    problems: _Problems,
) -> dict[str, Any]:
    """The entries of one section, each read by ``read_entry``; problems for the rest."""
    if section not in data:
        return {}
    entries = data[section]
    if not isinstance(entries, PosDict):
        problems.error(f"{section} must be a mapping (write {{}} for none)", data.marks[section])
        return {}
    read: dict[str, Any] = {}
    for name, entry in entries.items():
        if not isinstance(name, str) or not pattern.match(name):
            problems.error(f"{section}: {name!r} is not {spelled}", entries.key_marks[name])
        elif not isinstance(entry, PosDict):
            problems.error(f"{section}.{name} must be a mapping", entries.marks[name])
        else:
            value = read_entry(f"{section}.{name}", entry, problems)
            if value is not None:
                read[name] = value
    return read


def _text(where: str, entry: PosDict, key: str, problems: _Problems, *, required: bool = True) -> str | None:
    if key not in entry:
        if required:
            problems.error(f"{where}: {key} is missing", entry.mark)
        return None
    value = entry[key]
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value:
        problems.error(f"{where}.{key} must be a non-empty string", entry.marks[key])
        return None
    return value


def _source(where: str, entry: PosDict, problems: _Problems) -> LockedSource | None:
    before = len(problems.errors)
    _known_keys(entry, ("kind", "location", "ref", "resolved"), where, problems)
    kind = _text(where, entry, "kind", problems)
    if kind is not None and kind not in KINDS:
        problems.error(f"{where}.kind must be one of {', '.join(KINDS)}", entry.marks["kind"])
    location = _text(where, entry, "location", problems)
    ref = _text(where, entry, "ref", problems, required=False)
    resolved = _text(where, entry, "resolved", problems)
    if len(problems.errors) > before or kind is None or location is None or resolved is None:
        return None
    return LockedSource(kind=kind, location=location, ref=ref, resolved=resolved)


def _pin(where: str, entry: PosDict, problems: _Problems) -> LockedPack | None:
    before = len(problems.errors)
    _known_keys(entry, ("source", "sha256"), where, problems)
    source = _text(where, entry, "source", problems)
    sha256 = _text(where, entry, "sha256", problems)
    if sha256 is not None and not SHA256.match(sha256):
        problems.error(f"{where}.sha256 must be 64 lowercase hex digits", entry.marks["sha256"])
    if len(problems.errors) > before or source is None or sha256 is None:
        return None
    return LockedPack(source=source, sha256=sha256)


def render_lock(lock: Lock) -> bytes:
    """The lock file's canonical text: entries sorted by name, each one flow mapping. ValueError for a
    lock ``read_lock`` would refuse, so `pull` never writes one that `check` cannot read."""
    lines = [HEADER, f"version: {LOCK_VERSION}"]
    sections: tuple[tuple[str, Mapping[str, Any]], ...] = (
        ("sources", lock.sources),
        ("packs", lock.packs),
        ("projects", lock.projects),
    )
    for section, entries in sections:
        lines.append(f"{section}:" if entries else f"{section}: {{}}")
        for name in sorted(entries):
            fields = entries[name]._asdict()  # in the record's order, as the lock file's readers know it
            body = ", ".join(f"{key}: {_scalar(value)}" for key, value in fields.items() if value is not None)
            lines.append(f"  {_scalar(name)}: {{{body}}}")
    rendered = ("\n".join(lines) + "\n").encode("utf-8")
    try:
        again = read_lock(rendered)
    except PolicyValidationError as exc:
        raise ValueError(f"not a valid lock: {exc}") from None
    if again != lock:
        raise ValueError("not a valid lock: it does not read back as itself")
    return rendered


# A plain scalar that YAML reads back as the same string, in or out of a flow mapping: no
# indicator first, no space, no flow punctuation, no ": " or " #" possible.
_PLAIN = re.compile(r"[A-Za-z0-9_./~][A-Za-z0-9_./~@:+-]*\Z")


def _scalar(text: object) -> str:
    if not isinstance(text, str):
        raise ValueError(f"not a valid lock: {text!r} is not a string")
    if _PLAIN.match(text) and not text.endswith(":"):
        try:
            if plain(text, (1, 1)) == text:  # not a number, a boolean or null
                return text
        except Stop:  # an integer too long to read: quoted, it is a string
            pass
    return '"' + "".join(_escape(char) for char in text) + '"'


# Printable to YAML 1.2, but a byte order mark, or a line break to libyaml (as in YAML 1.1).
_NOT_AS_IS = frozenset((0xFEFF, 0x2028, 0x2029))


def _escape(char: str) -> str:
    """``char`` inside a double-quoted YAML scalar: as itself where YAML calls it printable."""
    if char in '"\\':
        return "\\" + char
    code = ord(char)
    if 0x20 <= code < 0x7F or (0xA0 <= code <= 0xFFFD and not 0xD800 <= code < 0xE000 and code not in _NOT_AS_IS):
        return char
    if 0xD800 <= code < 0xE000:
        raise ValueError(f"not a valid lock: a lone surrogate {code:#x} in a string")
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return char  # outside the Basic Multilingual Plane every character is printable
