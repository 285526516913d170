"""What a policy is built from. Free of pydantic: the hot path imports it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

CONFIG_PATH = ".packwarden/policy.yml"


@dataclass(frozen=True, slots=True)
class PolicyInputs:
    """Everything a policy is built from; equal inputs (and pack files) give equal policies."""

    config: bytes | None = None
    pack: str | None = None
    strict: bool = False
    root: Path = Path()
    cwd: Path = Path()
