"""Pydantic schemas for pack files and the repository config.

Only pack loading imports this module: validating a policy is the cold path. A rule's check
keys are not written out here: each check kind's module declares its options
(``packwarden.checks``), and ``models()`` adds them to the rule schema.
"""

from __future__ import annotations

import functools
from types import ModuleType
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, create_model, model_validator

from packwarden import checks
from packwarden.checks.option import Option, is_scalar
from packwarden.model import kinds
from packwarden.model.record import Record
from packwarden.packs.capability_schema import CapabilityDefaults, Decisions, Registry

SeverityName = Literal["info", "warning", "error", "block"]


Scalar = Annotated[str | int | float | bool | None, BeforeValidator(is_scalar)]
RULE_ID = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
PACK_KEY = r"^[a-z0-9][a-z0-9_.-]*$"
VERSION = r"^[0-9]+(\.[0-9]+)*$"
SOURCE_NAME = r"^[a-z0-9][a-z0-9_.-]*$"
PROJECT_ID = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
REPO_OVERRIDES = ("allowed", "tighten-only", "disabled")

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
RESERVED_SECTIONS = ("constraints",)

STAGES = ("onboarding", "planning", "execution", "qa")
CLARIFICATION_KEY = r"^[a-z][a-z0-9_]*$"  # a rule id part and a YAML key that needs no quotes
DEFAULT_PATH = r"^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Meta(_Strict):
    key: str = Field(pattern=PACK_KEY, max_length=64)
    version: str = Field(pattern=VERSION, max_length=32)
    name: str = ""
    description: str = ""
    status: Literal["active", "deprecated", "disabled"] = "active"
    successor: str = Field(default="", max_length=128)  # what replaces a deprecated pack: key@version


class WaiverLimits(_Strict):
    """``enforcement.waivers``: the longest a waiver may run (from today) and how early before its
    end it is announced (``waiver.expiring``)."""

    max_days: int = Field(default=90, ge=1, le=3650)
    notice_days: int = Field(default=14, ge=0, le=365)


class Enforcement(_Strict):
    mode: Mode = "warn"
    fail_on: Literal["error", "block"] = "error"
    severities: dict[str, SeverityName] = {}
    waivers: WaiverLimits = WaiverLimits()
    provenance: bool = False  # the commit-msg gate records the policy (and waivers) as trailers


class Example(_Strict):
    bad: str = ""
    good: str = ""


Texts = list[str]  # for models with a field named ``list``, which hides the type in their body


class RegistrySpec(_Strict):
    """One registry: an index file and the manifests of one kind it must list."""

    path: str = Field(min_length=1, max_length=512)
    list: str = Field(min_length=1, max_length=128)
    key: str = Field(default="name", min_length=1, max_length=128)
    kind: str = Field(min_length=1, max_length=64)
    match: Texts = []
    manifests: Texts = []


MessageKind = Literal["merge", "revert", "fixup", "squash", "amend", "normal"]
TrailerKey = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9-]*$", max_length=128)]  # as git reads keys


class TouchedTrailer(_Strict):
    """A trailer the commit must carry when it touches an artifact of one of ``kinds``."""

    trailer: TrailerKey
    kinds: Kinds = Field(min_length=1)


class AgentsAsCoAuthors(_Strict):
    """Agents named in ``Co-authored-by:``: a finding whose fix names ``use`` instead."""

    names: list[str] = Field(min_length=1)
    use: TrailerKey = "Assisted-by"


class CommitMessage(_Strict):
    """``requirements.commit_message``: compiled into ``commit.*`` rules by
    ``packs.commit_message``; every key is optional and asks for nothing when left out.

    - ``skip``: message kinds no rule of the section checks (default: merge, revert, fixup,
      squash, amend; ``[]`` checks them all);
    - ``subject_pattern``, ``subject_max_length``: the subject (the first line);
    - ``body_max_line_length``: every body line (trailers excluded);
    - ``signoff``: a ``Signed-off-by:`` trailer (``git commit -s``);
    - ``trailers_required``, ``trailers_forbidden``: trailer keys (any case);
    - ``trailer_values``: for a trailer key, the values it may have;
    - ``trailers_when_touched``: ``{trailer, kinds}``, a trailer required when the commit
      touches an artifact of one of ``kinds``;
    - ``agents_as_co_authors``: ``{names, use}``, agents that must not be named in
      ``Co-authored-by:``, and the trailer the fix names instead (default ``Assisted-by``).
    """

    skip: list[MessageKind] = ["merge", "revert", "fixup", "squash", "amend"]
    subject_pattern: str | None = Field(default=None, max_length=4096)
    subject_max_length: int | None = Field(default=None, ge=1)
    body_max_line_length: int | None = Field(default=None, ge=1)
    signoff: bool = False
    trailers_required: list[TrailerKey] = []
    trailers_forbidden: list[TrailerKey] = []
    trailer_values: dict[TrailerKey, list[str]] = {}
    trailers_when_touched: list[TouchedTrailer] = []
    agents_as_co_authors: AgentsAsCoAuthors | None = None


class Requirements(_Strict):
    """``requirements``: compiled into rules by ``packs.requirements``. A list left out takes its
    default; an empty list asks for nothing."""

    protocol_files: list[str] | None = None  # default: plan.md, context.md, log.md
    step_files: list[str] | None = None  # default: step-*.md, steps/*.md
    step_sections: list[str] | None = None  # default: Sub-tasks, Verification, Rollback, Definition of Done
    artifacts: list[str] = []
    registry: list[RegistrySpec] = []
    commit_message: CommitMessage | None = None  # compiled by packs.commit_message


class PluginContract(_Strict):
    """``plugin_contract``: compiled into rules by ``packs.plugin_contract``."""

    contract: str = Field(default="core/OPERATING_CONTRACT.md", min_length=1, max_length=512)
    forbidden_imports: list[str] | None = None  # default: plugin.static.DEFAULT_FORBIDDEN
    smoke_run: bool = False  # carried: the hook never runs a handler; ``packwarden plugin smoke`` does


class Clarification(_Strict):
    """One question of ``clarifications``: compiled into a rule by ``packs.clarifications``."""

    key: str = Field(pattern=CLARIFICATION_KEY, max_length=64)
    question: str = Field(min_length=1, max_length=500)
    options: list[Annotated[str, Field(min_length=1, max_length=128)]] = Field(min_length=2, max_length=32)
    recommended: str = Field(max_length=128)
    blocking: bool = False
    applies_to: Literal["onboarding", "planning", "execution", "qa"] = "onboarding"
    default_path: str | None = Field(default=None, pattern=DEFAULT_PATH, max_length=256)

    @model_validator(mode="after")
    def _options(self) -> Clarification:
        twice = sorted({option for option in self.options if self.options.count(option) > 1})
        if twice:
            raise ValueError(f"options must be unique: {', '.join(twice)}")
        if self.recommended not in self.options:
            raise ValueError(f"recommended {self.recommended!r} is not one of the options")
        return self


class RuleFields(_Strict):
    """The keys every rule has; ``RuleSpec`` adds the check kinds' options."""

    id: str = Field(pattern=RULE_ID, max_length=128)
    applies_to: Kinds = []
    field: str | None = Field(default=None, max_length=512)
    severity: SeverityName = "error"
    message: str = ""
    fix: str = ""
    summary: str = ""
    why: str = ""
    example: Example | None = None


class PackFields(_Strict):
    meta: Meta
    extends: list[str] = []
    enforcement: Enforcement = Enforcement()
    defaults: dict[str, Any] = {}
    artifacts: dict[str, list[str]] = {}
    rules: list[RuleFields] = []  # RuleSpec in PackSpec
    requirements: Requirements | None = None
    plugin_contract: PluginContract | None = None
    capabilities: Registry | None = None  # compiled into rules by packs.capabilities
    capability_defaults: CapabilityDefaults | None = None
    decisions: Decisions | None = None
    clarifications: list[Clarification] | None = Field(default=None, max_length=64)
    constraints: Any = None


class OverridesFields(_Strict):
    severities: dict[str, SeverityName] = {}
    disable: list[str] = []
    rules: list[RuleFields] = []  # RuleSpec in Overrides


class Verify(_Strict):
    allowed_signers: str = Field(min_length=1, max_length=512)


class SourceFields(_Strict):
    """One central source: exactly one of ``git``, ``http`` and ``dir``."""

    name: str = Field(pattern=SOURCE_NAME, max_length=64)
    git: str | None = Field(default=None, min_length=1, max_length=2048)
    http: str | None = Field(default=None, min_length=1, max_length=2048)
    dir: str | None = Field(default=None, min_length=1, max_length=2048)
    ref: str | None = Field(default=None, min_length=1, max_length=256)
    verify: Verify | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> SourceFields:
        given = [kind for kind in ("git", "http", "dir") if getattr(self, kind) is not None]
        if len(given) != 1:
            raise ValueError(f"source {self.name!r} needs exactly one of git, http and dir")
        if given != ["git"] and (self.ref is not None or self.verify is not None):
            raise ValueError(f"source {self.name!r}: ref and verify apply to git sources only")
        return self


class ConfigFields(_Strict):
    """`.packwarden/policy.yml`: untrusted, so every key is known and typed."""

    pack: str | None = Field(default=None, max_length=512)
    mode: Mode | None = None
    project: str | None = Field(default=None, pattern=PROJECT_ID, max_length=128)
    sources: list[SourceFields] = Field(default=[], max_length=32)
    overrides: OverridesFields = OverridesFields()

    @model_validator(mode="after")
    def _unique_sources(self) -> ConfigFields:
        names = [source.name for source in self.sources]
        twice = sorted({name for name in names if names.count(name) > 1})
        if twice:
            raise ValueError(f"source names must be unique: {', '.join(twice)}")
        return self


class ProjectFields(_Strict):
    """``projects/<id>.yml`` at a central source: the project's pack and governance."""

    pack: str | None = Field(default=None, max_length=512)
    mode: Mode | None = None
    overrides: OverridesFields = OverridesFields()
    repo_overrides: Literal["allowed", "tighten-only", "disabled"] = "allowed"
    locked: list[str] = Field(default=[], max_length=4096)  # rule ids, or prefixes ending in '*'
    min_severity: dict[str, SeverityName] = {}


def _option_field(option: Option) -> tuple[Any, Any]:
    """A pydantic field for one check option: absent (None) unless a rule sets it."""
    kind: Any = Literal[option.choices] if option.choices else option.type
    return kind | None, Field(default=None, max_length=option.max_length, ge=option.ge)


class Models(Record):
    """The schemas of one table of check kinds; each ``*Spec`` subclasses its ``*Fields``."""

    rule: type[RuleFields]
    pack: type[PackFields]
    overrides: type[OverridesFields]
    config: type[ConfigFields]
    project: type[ProjectFields]


@functools.lru_cache(maxsize=8)
def _models(kinds: tuple[ModuleType, ...]) -> Models:
    options = checks.table_of(kinds).options
    fields: dict[str, Any] = {key: _option_field(option) for key, option in options.items()}
    doc = "One rule as written in a pack; each check key present adds one check."
    rule = create_model("RuleSpec", __base__=RuleFields, __module__=__name__, __doc__=doc, **fields)
    pack = create_model("PackSpec", __base__=PackFields, __module__=__name__, rules=(list[rule], []))  # type: ignore[valid-type]
    overrides = create_model(
        "Overrides",
        __base__=OverridesFields,
        __module__=__name__,
        rules=(list[rule], []),  # type: ignore[valid-type]
    )
    config = create_model("ConfigSpec", __base__=ConfigFields, __module__=__name__, overrides=(overrides, overrides()))
    project = create_model(
        "ProjectSpec", __base__=ProjectFields, __module__=__name__, overrides=(overrides, overrides())
    )
    return Models(rule, pack, overrides, config, project)


def models() -> Models:
    """The pack and config schemas of the check kinds registered now (``checks.KINDS``)."""
    return _models(checks.KINDS)


# The schemas of the built-in check kinds; to the type checker, their ``*Fields`` bases.
if TYPE_CHECKING:
    RuleSpec = RuleFields
    PackSpec = PackFields
    Overrides = OverridesFields
    ConfigSpec = ConfigFields
    ProjectSpec = ProjectFields
else:
    RuleSpec, PackSpec, Overrides, ConfigSpec, ProjectSpec = models()


# The check keys a rule may carry, and those that also work without a field (on the file's
# text), of the built-in check kinds; the reader asks ``checks.table()``.
CHECK_KEYS = tuple(checks.CHECKS)
TEXT_CHECK_KEYS = checks.table().text_keys
# Check values that can never find anything: ``required: false`` asks for nothing, every value
# passes ``pattern: ''``. A rule with only these checks nothing.
INERT_CHECK_VALUES: dict[str, tuple[object, ...]] = {
    key: option.inert for key, option in checks.table().options.items() if option.inert
}
KNOWN_KINDS = kinds.KNOWN_KINDS
