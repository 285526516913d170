"""Mode and severities -> the verdict and the exit code (DESIGN.md, "Severity and mode")."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from packwarden.model import builtin_rules as R
from packwarden.model import decision
from packwarden.model.finding import Finding, Severity
from packwarden.model.record import Record

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~3 ms)
if TYPE_CHECKING:
    from packwarden.model.policy import EffectivePolicy  # not at run time: it imports json, and re

EXIT_CLEAN = decision.EXIT_CLEAN
EXIT_BLOCKED = decision.EXIT_BLOCKED
EXIT_INPUT_ERROR = decision.EXIT_INPUT_ERROR
EXIT_INTERNAL = decision.EXIT_INTERNAL


class Verdict(Record):
    exit_code: int
    blocking: tuple[Finding, ...]
    counts: dict[Severity, int]
    mode: str

    @property
    def blocked(self) -> bool:
        return self.exit_code != EXIT_CLEAN


def blocks(finding: Finding, mode: str, fail_on: Severity) -> bool:
    """``block`` always blocks; ``error`` blocks in strict mode; nothing else ever does."""
    return decision.blocks(finding.severity.value, mode, fail_on.value)


def input_rule(finding: Finding) -> bool:
    """Whether the finding's rule is packwarden's own rule for a broken pack or config.

    Only packwarden's own rules say so (``BuiltinRule.input_error``); a pack's rule never
    does, whatever its id looks like.
    """
    builtin = R.of(finding)
    return builtin is not None and builtin.input_error


def is_input_error(finding: Finding) -> bool:
    """A broken pack or config: the tool's own inputs (exit 2, whatever the mode)."""
    return decision.is_input_error(input_rule(finding), finding.severity.value)


def decide(findings: Iterable[Finding], policy: EffectivePolicy) -> Verdict:
    return decide_in(findings, policy.mode, policy.fail_on)


def decide_in(findings: Iterable[Finding], mode: str, fail_on: Severity) -> Verdict:
    """The verdict on ``findings`` under a mode and threshold (``model.decision``, which the
    gate answering from its memo decides with too)."""
    findings = list(findings)
    counts = Counter(finding.severity for finding in findings)
    blocking = tuple(f for f in findings if blocks(f, mode, fail_on))
    code = decision.exit_code([(f.severity.value, input_rule(f)) for f in findings], mode, fail_on.value)
    return Verdict(code, blocking, {s: counts.get(s, 0) for s in Severity}, mode)
