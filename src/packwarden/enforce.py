"""Mode and severities -> the verdict and the exit code (DESIGN.md, "Severity and mode")."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from packwarden.model import builtin_rules as R
from packwarden.model.finding import Finding, Severity
from packwarden.model.record import Record

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~3 ms)
if TYPE_CHECKING:
    from packwarden.model.policy import EffectivePolicy  # not at run time: it imports json, and re

EXIT_CLEAN = 0
EXIT_BLOCKED = 1
EXIT_INPUT_ERROR = 2
EXIT_INTERNAL = 3


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
    if finding.severity is Severity.BLOCK:
        return True
    return mode == "block" and finding.severity is Severity.ERROR and fail_on is Severity.ERROR


def is_input_error(finding: Finding) -> bool:
    """A broken pack or config: the tool's own inputs (exit 2, whatever the mode).

    Only packwarden's own rules say so (``BuiltinRule.input_error``); a pack's rule never
    does, whatever its id looks like.
    """
    builtin = R.of(finding)
    return builtin is not None and builtin.input_error and finding.severity.rank >= Severity.ERROR.rank


def decide(findings: Iterable[Finding], policy: EffectivePolicy) -> Verdict:
    return decide_in(findings, policy.mode, policy.fail_on)


def decide_in(findings: Iterable[Finding], mode: str, fail_on: Severity) -> Verdict:
    """The verdict on ``findings`` under a mode and threshold: what ``check`` and the gate
    (answering from its memo, where no policy object is built) both decide with."""
    findings = list(findings)
    counts = Counter(finding.severity for finding in findings)
    blocking = tuple(f for f in findings if blocks(f, mode, fail_on))
    if any(is_input_error(f) for f in findings):
        code = EXIT_INPUT_ERROR
    else:
        code = EXIT_BLOCKED if blocking else EXIT_CLEAN
    return Verdict(code, blocking, {s: counts.get(s, 0) for s in Severity}, mode)
