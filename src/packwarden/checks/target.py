"""What a check looks at, and what it reports back."""

from __future__ import annotations

from collections.abc import Mapping

from packwarden.checks.fieldpath import Located, Resolution
from packwarden.load.document import Document
from packwarden.model.pattern import Budget
from packwarden.model.record import Record

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~3 ms)
if TYPE_CHECKING:
    from typing import Any


class Target(Record):
    """One document seen through one rule's field path (text rules have no resolution), with
    the time the rule's back-tracking patterns may spend on it (see ``model.pattern``)."""

    kind: str
    text: str
    data: Any
    resolution: Resolution | None
    budget: Budget


class UnitTarget(Record):
    """A whole artifact unit for a unit check (``SCOPE = "unit"``): its kind, its root (the
    manifest, the run's folder, the registry's index) and every member file that exists, by
    repository path in sorted order, loaded by its kind's loader (None: present, not parsed)."""

    kind: str
    root: str
    members: Mapping[str, Document | None]
    budget: Budget


class Hit(Record):
    """A violation before the engine turns it into a Finding.

    ``path``: the member file it is in, or the unit's root for something missing from the
    unit; empty for the document a document check was given.
    """

    message: str
    line: int
    column: int
    field: str = ""
    value: Any = None
    detail: str = ""  # "field = value", appended to a pack's own message; empty for text matches
    path: str = ""
    fix: str = ""  # a fix for this hit (a did-you-mean); empty: the rule's fix
    # more facts for the finding's metadata, as (key, text) pairs: which capability decision
    # matched and why, for `packs test`, JSON output and the API
    metadata: tuple[tuple[str, str], ...] = ()


def show(value: Any) -> str:
    """A value as a message shows it: short, quoted like YAML, never multi-line."""
    if isinstance(value, str):
        text = repr(value)
    elif value is None:
        text = "null"
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, (dict, list)):
        text = "a mapping" if isinstance(value, dict) else "a list"
    else:
        text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def hit_at(located: Located, message: str) -> Hit:
    detail = f"{located.path} = {show(located.value)}"
    return Hit(message, located.line, located.column, located.path, located.value, detail)
