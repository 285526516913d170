"""One file of an artifact kind, as a document check sees it."""

from __future__ import annotations

from packwarden.model.record import Record


class Artifact(Record):
    path: str
    kind: str
