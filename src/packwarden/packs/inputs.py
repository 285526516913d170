"""What a policy is built from. Free of pydantic: the hot path imports it."""

from __future__ import annotations

from packwarden.model.record import Record

CONFIG_PATH = ".packwarden/policy.yml"
ANSWERS_PATH = ".packwarden/answers.yml"  # answers to the clarifications (``packs.answers``)
DEFAULT_PACK = "default@1.0"  # what a repository without a config, and a config naming no pack, gets


def is_pack_file(ref: str) -> bool:
    """Whether ``ref`` names a pack file rather than a built-in ``key[@version]``."""
    return "/" in ref or "\\" in ref or ref.endswith((".yaml", ".yml"))


class PolicyInputs(Record):
    """Everything a policy is built from; equal inputs (and pack files) give equal policies."""

    config: bytes | None = None
    pack: str | None = None
    strict: bool = False
    root: str = "."
    cwd: str = "."
    staged: bool = False  # repository packs are read from the git index, not the working tree
