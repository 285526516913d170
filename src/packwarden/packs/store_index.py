"""The store's index: what each source last resolved to, so that `pull` can reuse it.

An entry is keyed by the source's name, location and ref, and holds the resolved id (a
commit, an ETag) and the digests of the packs and projects it gave. The index is only a
shortcut: every digest in it is verified again when its object is read, and an index that
cannot be read (cut short, edited, from another version) counts as empty.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from types import MappingProxyType

from packwarden.model.record import Record, value_eq, value_hash, value_ne

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~3 ms)
if TYPE_CHECKING:
    from typing import Any

INDEX_VERSION = 1
MAX_INDEX_BYTES = 8 * 1024 * 1024
DIGEST = re.compile(r"[0-9a-f]{64}\Z")

IndexKey = tuple[str, str, "str | None"]  # the source's name, location and ref


class IndexEntry(Record):
    """What one source resolved to: its resolved id and the digests of what it gave."""

    resolved: str
    packs: Mapping[str, str] = MappingProxyType({})  # "key@version" -> digest
    projects: Mapping[str, str] = MappingProxyType({})  # project id -> digest

    def _value(self) -> tuple[object, ...]:
        return (self.resolved, tuple(sorted(self.packs.items())), tuple(sorted(self.projects.items())))

    def __eq__(self, other: object) -> bool:
        return value_eq(self, other)

    def __ne__(self, other: object) -> bool:
        return value_ne(self, other)

    def __hash__(self) -> int:
        return value_hash(self)


def entry_problem(key: IndexKey, entry: IndexEntry) -> str | None:
    """Why ``key`` and ``entry`` cannot go into the index; None when they can."""
    name, location, ref = key
    if not (isinstance(name, str) and isinstance(location, str) and (ref is None or isinstance(ref, str))):
        return "the source's name, location and ref must be text"
    if not isinstance(entry.resolved, str):
        return "the resolved id must be text"
    for mapping in (entry.packs, entry.projects):
        for item, digest in mapping.items():
            if not isinstance(item, str) or not isinstance(digest, str) or not DIGEST.match(digest):
                return f"{item!r} has no sha256 digest"
    return None


def encode_index(entries: Mapping[IndexKey, IndexEntry]) -> bytes:
    rows = [
        {
            "source": name,
            "location": location,
            "ref": ref,
            "resolved": entry.resolved,
            "packs": dict(sorted(entry.packs.items())),
            "projects": dict(sorted(entry.projects.items())),
        }
        for (name, location, ref), entry in sorted(entries.items(), key=lambda item: _sort_key(item[0]))
    ]
    return json.dumps({"version": INDEX_VERSION, "entries": rows}, indent=1).encode("utf-8") + b"\n"


def _sort_key(key: IndexKey) -> tuple[str, str, int, str]:
    return (key[0], key[1], key[2] is not None, key[2] or "")


def decode_index(raw: bytes) -> dict[IndexKey, IndexEntry]:
    """The entries of an index file; empty when it is not one ``encode_index`` could write."""
    try:
        document = json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError):
        return {}
    version = document.get("version") if isinstance(document, dict) else None
    if type(version) is not int or version != INDEX_VERSION:  # true is 1 to Python, not to JSON
        return {}
    rows = document.get("entries")
    entries: dict[IndexKey, IndexEntry] = {}
    if not isinstance(rows, list):
        return {}
    for row in rows:
        decoded = _decode_row(row)
        if decoded is None:
            return {}
        entries[decoded[0]] = decoded[1]
    return entries


_ROW_KEYS = {"source", "location", "ref", "resolved", "packs", "projects"}


def _decode_row(row: Any) -> tuple[IndexKey, IndexEntry] | None:
    if not isinstance(row, dict) or set(row) != _ROW_KEYS:
        return None
    packs, projects = row["packs"], row["projects"]
    if not isinstance(packs, dict) or not isinstance(projects, dict):
        return None
    key: IndexKey = (row["source"], row["location"], row["ref"])
    entry = IndexEntry(row["resolved"], MappingProxyType(packs), MappingProxyType(projects))
    return None if entry_problem(key, entry) is not None else (key, entry)
