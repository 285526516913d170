"""Pydantic schemas for pack files and the repository config.

Only pack loading imports this module: validating a policy is the cold path.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

SeverityName = Literal["info", "warning", "error", "block"]


def _is_scalar(value: object) -> object:
    """One error for a value that is no scalar, not one per member of the union."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise ValueError("a value here must be text, a number, true, false or null")


Scalar = Annotated[str | int | float | bool | None, BeforeValidator(_is_scalar)]
RULE_ID = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
PACK_KEY = r"^[a-z0-9][a-z0-9_.-]*$"
VERSION = r"^[0-9]+(\.[0-9]+)*$"
ValueType = Literal["string", "integer", "number", "boolean", "list", "mapping", "null"]

# Rule ids in packwarden's own namespaces: its built-in findings (parse.syntax, pack.invalid,
# waiver.expired, ...) and those of capabilities to come. A pack or the repository config
# that defined one could pass off its findings as packwarden's, or shadow a built-in.
RESERVED_RULE_PREFIXES = (
    "parse.",
    "pack.",
    "config.",
    "path.",
    "waiver.",
    "clarification.",
    "commit.",
    "lock.",
    "packwarden.",
)


def _block_synonym(value: object) -> object:
    """``strict`` is another name for ``block`` (as in ``--strict``)."""
    return "block" if isinstance(value, str) and value == "strict" else value


def _one_or_list(value: object) -> object:
    """``applies_to: skill`` is ``applies_to: [skill]``."""
    return [value] if isinstance(value, str) else value


Mode = Annotated[Literal["warn", "block"], BeforeValidator(_block_synonym)]
Kinds = Annotated[list[str], BeforeValidator(_one_or_list)]

# Sections that DESIGN.md reserves for later capabilities; a pack may carry them already.
RESERVED_SECTIONS = (
    "requirements",
    "plugin_contract",
    "capabilities",
    "decisions",
    "clarifications",
    "constraints",
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Meta(_Strict):
    key: str = Field(pattern=PACK_KEY, max_length=64)
    version: str = Field(pattern=VERSION, max_length=32)
    name: str = ""
    description: str = ""
    status: Literal["active", "deprecated", "disabled"] = "active"


class Enforcement(_Strict):
    mode: Mode = "warn"
    fail_on: Literal["error", "block"] = "error"
    severities: dict[str, SeverityName] = {}


class Example(_Strict):
    bad: str = ""
    good: str = ""


class RuleSpec(_Strict):
    """One rule as written in a pack; each check key present adds one check."""

    id: str = Field(pattern=RULE_ID, max_length=128)
    applies_to: Kinds = []
    field: str | None = Field(default=None, max_length=512)
    severity: SeverityName = "error"
    message: str = ""
    fix: str = ""
    summary: str = ""
    why: str = ""
    example: Example | None = None
    # check keys: see packwarden.checks.CHECKS
    required: bool | None = None
    pattern: str | None = Field(default=None, max_length=4096)
    forbidden_pattern: str | None = Field(default=None, max_length=4096)
    allowed_values: list[Scalar] | None = None
    forbidden_values: list[Scalar] | None = None
    type: ValueType | None = None
    semver: bool | None = None
    min_length: int | None = Field(default=None, ge=0)
    max_length: int | None = Field(default=None, ge=0)


class PackSpec(_Strict):
    meta: Meta
    extends: list[str] = []
    enforcement: Enforcement = Enforcement()
    defaults: dict[str, Any] = {}
    artifacts: dict[str, list[str]] = {}
    rules: list[RuleSpec] = []
    requirements: Any = None
    plugin_contract: Any = None
    capabilities: Any = None
    decisions: Any = None
    clarifications: Any = None
    constraints: Any = None


class Overrides(_Strict):
    severities: dict[str, SeverityName] = {}
    disable: list[str] = []
    rules: list[RuleSpec] = []


class ConfigSpec(_Strict):
    """`.packwarden/policy.yml`: untrusted, so every key is known and typed."""

    pack: str | None = Field(default=None, max_length=512)
    mode: Mode | None = None
    overrides: Overrides = Overrides()


# The check keys a rule may carry, and those that also work without a field (on the file's
# text). packwarden.checks.CHECKS implements each; a test keeps the two in step.
CHECK_KEYS = (
    "required",
    "type",
    "pattern",
    "forbidden_pattern",
    "allowed_values",
    "forbidden_values",
    "semver",
    "min_length",
    "max_length",
)
TEXT_CHECK_KEYS = ("pattern", "forbidden_pattern")
# Check values that can never find anything: ``required: false`` asks for nothing, every value
# passes ``pattern: ''``. A rule with only these checks nothing.
INERT_CHECK_VALUES: dict[str, tuple[object, ...]] = {
    "required": (False,),
    "semver": (False,),
    "pattern": ("",),
    "forbidden_values": ([],),
    "min_length": (0,),
}
KNOWN_KINDS = ("skill", "agent", "plugin", "protocol", "capability", "commit", "registry")
