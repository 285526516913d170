"""Mode, thresholds and waivers -> the verdict and the exit code (DESIGN.md, "Severity and mode").

``decide`` is the one decision step: ``check`` in every mode, ``check --staged``, the API and
the commit-msg gate decide with it (the gate's memo keeps what it decided per finding, see
``cache.gate``), so a waiver holds, or does not, on every route alike.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from types import MappingProxyType

from packwarden.model import builtin_rules as R
from packwarden.model import decision
from packwarden.model.finding import Finding, Severity
from packwarden.model.record import Record

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~3 ms)
if TYPE_CHECKING:
    from packwarden.model.policy import EffectivePolicy  # not at run time: it imports json, and re
    from packwarden.model.waiver import Waiver, WaiverFile

EXIT_CLEAN = decision.EXIT_CLEAN
EXIT_BLOCKED = decision.EXIT_BLOCKED
EXIT_INPUT_ERROR = decision.EXIT_INPUT_ERROR
EXIT_INTERNAL = decision.EXIT_INTERNAL
_NONE_WAIVED: Mapping[Finding, Waiver] = MappingProxyType({})


class Verdict(Record):
    """``counts`` and ``blocking`` leave out the findings a waiver covers; ``findings`` holds
    every finding, the waivers' own too, in report order; ``waived`` maps each covered finding
    to the waiver that covered it; ``today``: the date the waivers were applied on (empty: none
    were, and the verdict holds on any day)."""

    exit_code: int
    blocking: tuple[Finding, ...]
    counts: dict[Severity, int]
    mode: str
    findings: tuple[Finding, ...] = ()
    waived: Mapping[Finding, Waiver] = _NONE_WAIVED
    today: str = ""

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


def decide(
    findings: Iterable[Finding],
    policy: EffectivePolicy,
    waivers: WaiverFile | None = None,
    *,
    extra_waivers: Sequence[Waiver] = (),
    today: str | None = None,
    whole: bool = False,
) -> Verdict:
    """The verdict on ``findings`` under ``policy``, with the waivers file's entries and
    ``extra_waivers`` (``Policy-Waiver:`` trailers: ``Waiver(source=TRAILER, ...)``) applied
    as ``model.waiving.apply`` says, on ``today`` (default: ``decision.today()``). ``whole``:
    the findings are of every file, so a waiver that covers none is ``waiver.unused``."""
    if (waivers is None or not (waivers.waivers or waivers.problems)) and not extra_waivers:
        return decide_in(findings, policy.mode, policy.fail_on)  # nothing to apply: the same on any day
    from packwarden.model.waiver import NO_WAIVERS
    from packwarden.model.waiving import apply

    day = today or decision.today()
    applied = apply(findings, policy, waivers or NO_WAIVERS, extra_waivers, today=day, whole=whole)
    return decide_in(applied.findings, policy.mode, policy.fail_on, applied.waived)._replace(today=day)


def decide_in(
    findings: Iterable[Finding], mode: str, fail_on: Severity, waived: Mapping[Finding, Waiver] = _NONE_WAIVED
) -> Verdict:
    """The verdict on ``findings`` under a mode and threshold, ``waived`` letting through the
    findings it maps (``model.decision``, which the gate answering from its memo decides with too)."""
    ordered = tuple(sorted(findings, key=lambda finding: finding.sort_key))
    live = [finding for finding in ordered if finding not in waived]
    counts = Counter(finding.severity for finding in live)
    blocking = tuple(f for f in live if blocks(f, mode, fail_on))
    raw = [(f.severity.value, input_rule(f), f in waived) for f in ordered]
    code = decision.exit_code(raw, mode, fail_on.value)
    return Verdict(code, blocking, {s: counts.get(s, 0) for s in Severity}, mode, ordered, waived)
