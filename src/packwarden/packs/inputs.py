"""What a policy is built from. Free of pydantic: the hot path imports it."""

from __future__ import annotations

from packwarden.model.record import Record

CONFIG_PATH = ".packwarden/policy.yml"


class PolicyInputs(Record):
    """Everything a policy is built from; equal inputs (and pack files) give equal policies."""

    config: bytes | None = None
    pack: str | None = None
    strict: bool = False
    root: str = "."
    cwd: str = "."
    staged: bool = False  # repository packs are read from the git index, not the working tree
