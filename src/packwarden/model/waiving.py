"""Applying waivers to findings: which waiver covers which finding, and the waivers' own findings.

Called by the decision step alone (``enforce.decide``), on every route that decides: ``check``
in every mode, ``check --staged``, the gate, the API. A finding a waiver covers stays among the
findings, with the waiver (``Applied.waived``); the decision lets it through.

What a waiver may cover:
- a finding of a pack's rule, or of one of packwarden's rules about checked files (``parse.*``,
  ``path.*``), whatever its severity: the reviewed file may cover ``block`` findings;
- never a finding about packwarden's own inputs (a broken pack or config), nor one whose
  severity is part of a guarantee (``BuiltinRule.adjustable``), nor a waiver's own finding;
- never a finding of a rule a central layer locked (``EffectivePolicy.locked``): a waiver whose
  rule part covers a locked rule gets ``waiver.refused``, and still covers the others;
- a trailer waiver (``Policy-Waiver:`` in a commit message): ``error`` findings only.

A waiver in the file holds from today until its ``expires`` day, and only while that day is at
most the pack's ``max_days`` away; past it, ``waiver.expired`` (and its findings count again);
within ``notice_days`` of it, ``waiver.expiring``. ``waiver.unused`` needs a run that saw every
file (``whole``): a run over some paths cannot tell that a waiver matches nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from types import MappingProxyType

from packwarden.model import builtin_rules as R
from packwarden.model.errors import UsageError
from packwarden.model.finding import BUILTIN_PACK, Finding
from packwarden.model.record import Record
from packwarden.model.waiver import TODAY_VARIABLE, WAIVERS_PATH, Waiver, WaiverFile, day_number

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~3 ms)
if TYPE_CHECKING:
    from packwarden.model.policy import EffectivePolicy


class Applied(Record):
    """The findings with the waivers' own, and each finding a waiver covers with that waiver
    (the first in force that covers it, in the file's order; trailers after the file)."""

    findings: tuple[Finding, ...]
    waived: Mapping[Finding, Waiver]


class WaiverState(Record):
    """One waiver's standing today: ``active``, ``expiring``, ``expired`` or ``invalid`` (too far
    ahead), the rules it may not cover (locked ones), and its findings (``waivers list``)."""

    waiver: Waiver
    state: str
    locked: tuple[str, ...] = ()


IN_FORCE = ("active", "expiring")


class WaiverRow(Record):
    """One entry of the waivers file as ``waivers list`` shows it: the waiver (None for an entry
    that could not be read: ``problem`` says why), its state today (``active``, ``expiring``,
    ``expired`` or ``invalid``), the locked rules it may not cover, and how many findings of a
    whole-repository check it covers (or, expired, would cover)."""

    waiver: Waiver | None
    state: str
    covers: int
    line: int
    column: int
    locked: tuple[str, ...] = ()
    problem: str = ""


def rows(findings: Sequence[Finding], policy: EffectivePolicy, waivers: WaiverFile, today: str) -> list[WaiverRow]:
    """Every entry of the waivers file, in the file's order, as ``waivers list`` shows it."""
    states = [standing(waiver, policy, today) for waiver in waivers.waivers]
    covered = coverage(findings, states)[1]
    listed = [
        WaiverRow(s.waiver, s.state, covered.get(s.waiver, 0), s.waiver.line, s.waiver.column, s.locked) for s in states
    ]
    listed.extend(WaiverRow(None, "invalid", 0, p.line, p.column, (), p.message) for p in waivers.problems)
    return sorted(listed, key=lambda row: (row.line, row.column))


def waivable(finding: Finding) -> bool:
    """Whether any waiver may cover ``finding`` (see the module docstring)."""
    builtin = R.of(finding)
    return builtin is None or builtin.adjustable


def standing(waiver: Waiver, policy: EffectivePolicy, today: str) -> WaiverState:
    """Where ``waiver`` stands on ``today`` under the policy's limits and locks."""
    locked = tuple(sorted(rule for rule in policy.locked if waiver.covers_rule(rule)))
    if waiver.trailer:
        return WaiverState(waiver, "active", locked)
    left = _days(waiver.expires) - _days(today)
    max_days, notice_days = policy.waiver_limits
    if left < 0:
        return WaiverState(waiver, "expired", locked)
    if left > max_days:
        return WaiverState(waiver, "invalid", locked)
    return WaiverState(waiver, "expiring" if left <= notice_days else "active", locked)


def apply(
    findings: Iterable[Finding],
    policy: EffectivePolicy,
    waivers: WaiverFile,
    extra: Sequence[Waiver] = (),
    *,
    today: str,
    whole: bool = False,
) -> Applied:
    """``findings`` with the waivers applied: see the module docstring."""
    findings = list(findings)
    states = [standing(waiver, policy, today) for waiver in (*waivers.waivers, *extra)]
    waived, covered = coverage(findings, states)
    added = [*waivers.problems]
    for state in states:
        added.extend(_own_findings(state, policy, today, covered.get(state.waiver, 0), whole))
    return Applied((*findings, *added), MappingProxyType(waived))


def coverage(
    findings: Iterable[Finding], states: Sequence[WaiverState]
) -> tuple[dict[Finding, Waiver], dict[Waiver, int]]:
    """Each finding a waiver in force covers, with the first such waiver; and for every waiver
    (in force or not) how many findings it covers, or would cover."""
    waived: dict[Finding, Waiver] = {}
    covered: dict[Waiver, int] = {}
    for finding in findings:
        if not waivable(finding):
            continue
        for state in states:
            waiver = state.waiver
            if finding.rule in state.locked or not waiver.may_cover(finding.severity) or not waiver.covers(finding):
                continue
            covered[waiver] = covered.get(waiver, 0) + 1
            if state.state in IN_FORCE and finding not in waived:
                waived[finding] = waiver
    return waived, covered


def _own_findings(state: WaiverState, policy: EffectivePolicy, today: str, covers: int, whole: bool) -> list[Finding]:
    waiver = state.waiver
    what = f"waiver of {waiver.rule} for {', '.join(waiver.paths)} (owner {waiver.owner})"
    noun = "finding" if covers == 1 else "findings"
    found: list[Finding] = []
    if state.locked:
        locks = ", ".join(f"{rule} (locked by {policy.locked[rule]})" for rule in state.locked)
        message = f"{what} may not cover {locks}; those findings count"
        found.append(_finding(R.WAIVER_REFUSED, message, waiver, "fix the findings, or ask the owners of the lock"))
    if state.state == "expired":
        message = f"{what} expired on {waiver.expires}; the {covers} {noun} it covered count again"
        found.append(_finding(R.WAIVER_EXPIRED, message, waiver, "fix the findings and delete the entry, or renew it"))
    elif state.state == "invalid":
        days = _days(waiver.expires) - _days(today)
        limit = policy.waiver_limits[0]
        message = (
            f"{what} expires {waiver.expires}, {days} days from today; the policy allows at most {limit}"
            f" (enforcement.waivers.max_days); it waives nothing"
        )
        found.append(_finding(R.WAIVER_INVALID, message, waiver, f"set expires to {limit} days from today or sooner"))
    elif state.state == "expiring":
        days = _days(waiver.expires) - _days(today)
        when = "today" if days == 0 else f"in {days} day{'s' if days != 1 else ''}"
        message = f"{what} ends on {waiver.expires} ({when}); it covers {covers} {noun}"
        found.append(_finding(R.WAIVER_EXPIRING, message, waiver, "fix the findings, or renew it after a review"))
    if whole and covers == 0 and not waiver.trailer and state.state in IN_FORCE:
        message = f"{what} covers no finding in the whole repository"
        found.append(_finding(R.WAIVER_UNUSED, message, waiver, "delete the entry, or correct its rule or paths"))
    return found


def _finding(rule: R.BuiltinRule, message: str, waiver: Waiver, fix: str) -> Finding:
    return Finding(
        rule=rule.id,
        severity=rule.severity,  # fixed: no pack changes the severity of a waiver's own finding
        message=message,
        path=waiver.source if waiver.trailer else WAIVERS_PATH,
        line=waiver.line,
        column=waiver.column,
        pack=BUILTIN_PACK,
        fix=fix,
        metadata=MappingProxyType({"field": f"waiver {waiver.rule} {' '.join(waiver.paths)} {waiver.fingerprint}"}),
    )


def _days(date: str) -> int:
    number = day_number(date)
    if number is None:
        raise UsageError(f"{date!r} is not a date written YYYY-MM-DD (from {TODAY_VARIABLE}?)")
    return number
