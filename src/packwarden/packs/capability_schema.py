"""Pydantic schemas of a pack's capability sections: ``capabilities`` (the registry),
``capability_defaults`` and ``decisions``. ``packs.capabilities`` checks what a schema cannot
say (registry ids and globs, a decision without a condition) and compiles them into rules.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

Risk = Literal["low", "medium", "high", "critical"]
DECISION_ID = r"^[a-z0-9][a-z0-9_-]*$"  # one part of a rule id: capability.decision.<id>
MAX_ENTRIES = 1000  # registry entries and decisions in one pack
MAX_GLOBS = 100  # globs in one list (covers, a condition, free_permissions)


def _one_or_list(value: object) -> object:
    """``risk_level: high`` is ``risk_level: [high]``."""
    return [value] if isinstance(value, str) else value


Globs = Annotated[list[str], BeforeValidator(_one_or_list), Field(max_length=MAX_GLOBS)]
Risks = Annotated[list[Risk], BeforeValidator(_one_or_list), Field(max_length=4)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class CapabilityEntry(_Strict):
    """One registry entry: ``capabilities: {io.net.*: {risk: high, covers: [network:*], ...}}``."""

    risk: Risk
    # how the capability's effects are undone: text, or named parts ({rollback: ..., owner: ...})
    compensation: str | dict[str, str] | None = None
    covers: Globs = []  # the permissions a manifest may hold because it declares this capability
    description: str = Field(default="", max_length=500)


class CapabilityDefaults(_Strict):
    risk: Risk = "high"  # the risk of an id the registry does not know
    free_permissions: Globs = []  # permissions that need no capability to cover them


class When(_Strict):
    """A decision's condition: every key given must hold; a list holds when one item does."""

    capability: Globs | None = None
    risk_level: Risks | None = None
    kind: Globs | None = None  # artifact kinds: skill, agent
    permission: Globs | None = None


class DecisionSpec(_Strict):
    id: str | None = Field(default=None, pattern=DECISION_ID, max_length=64)  # default: its place, 1-based
    when: When
    decision: Literal["allow", "deny", "require_approval"]
    approver: str | None = Field(default=None, min_length=1, max_length=200)  # who approves (require_approval)
    reason: str = Field(default="", max_length=500)


Registry = Annotated[dict[str, CapabilityEntry], Field(max_length=MAX_ENTRIES)]
Decisions = Annotated[list[DecisionSpec], Field(max_length=MAX_ENTRIES)]
