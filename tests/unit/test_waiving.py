"""The decision step with waivers: what a waiver covers, when it holds, and what it says about itself."""

from __future__ import annotations

from types import MappingProxyType

import pytest
from hypothesis import given
from hypothesis import strategies as st

from packwarden.enforce import decide
from packwarden.model.finding import Finding, Severity
from packwarden.model.policy import EffectivePolicy
from packwarden.model.waiver import TRAILER, Waiver, WaiverFile
from packwarden.model.waiving import rows, standing
from packwarden.packs.waivers import read_waivers

TODAY = "2026-02-01"
E, B, W = Severity.ERROR, Severity.BLOCK, Severity.WARNING


def policy(
    mode: str = "block", locked: dict[str, str] | None = None, limits: tuple[int, int] = (90, 14)
) -> EffectivePolicy:
    return EffectivePolicy(packs=("t@1",), mode=mode, locked=MappingProxyType(locked or {}), waiver_limits=limits)


def waiver(rule: str = "skill.name-format", paths: tuple[str, ...] = ("skills/**",), **more: object) -> Waiver:
    fields: dict[str, object] = {"reason": "a reason of words", "owner": "data-platform", "expires": "2026-03-01"}
    fields.update(more)
    return Waiver(rule, paths, **fields)  # type: ignore[arg-type]


def finding(
    rule: str = "skill.name-format", path: str = "skills/a/skill.yaml", severity: Severity = E, **more: object
) -> Finding:
    fields: dict[str, object] = {"pack": "t@1", **more}
    return Finding(rule=rule, severity=severity, message="m", path=path, **fields)  # type: ignore[arg-type]


def waived_by(
    findings: list[Finding], *waivers: Waiver, today: str = TODAY, **options: object
) -> dict[str, str | None]:
    verdict = decide(findings, policy(**options), WaiverFile(tuple(waivers), (), True), today=today)  # type: ignore[arg-type]
    return {f.rule + " " + f.path: (verdict.waived[f].rule if f in verdict.waived else None) for f in findings}


# --- what a waiver covers --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "covered"),
    [
        ("skill.name-format", {"skill.name-format"}),
        ("skill.*", {"skill.name-format", "skill.version-semver", "skill."}),
        ("skill.", {"skill.name-format", "skill.version-semver", "skill."}),
        ("skill*", {"skill.name-format", "skill.version-semver", "skill.", "skills.x"}),
        ("skill", set()),  # an id covers that id alone
    ],
)
def test_the_rule_part_is_an_id_or_a_prefix(rule: str, covered: set[str]) -> None:
    ids = ["skill.name-format", "skill.version-semver", "skill.", "skills.x", "agent.name-format"]
    assert {i for i in ids if waiver(rule).covers_rule(i)} == covered


def test_paths_are_globs_and_the_fingerprint_narrows_to_one_finding() -> None:
    one = finding(path="skills/legacy/a/skill.yaml", metadata=MappingProxyType({"field": "name"}))
    other = finding(path="skills/legacy/b/skill.yaml", metadata=MappingProxyType({"field": "name"}))
    outside = finding(path="agents/legacy/skill.yaml")
    assert [waiver(paths=("skills/legacy/**",)).covers(f) for f in (one, other, outside)] == [True, True, False]
    assert [waiver(paths=("skills/*/skill.yaml",)).covers(f) for f in (one, other)] == [False, False]
    pinned = waiver(paths=("**",), fingerprint=one.fingerprint)
    assert [pinned.covers(f) for f in (one, other, outside)] == [True, False, False]


def test_a_covered_finding_stays_with_its_waiver_and_does_not_block() -> None:
    covered, other = finding(), finding(path="agents/x/agent.yaml")
    chosen = waiver()
    verdict = decide([covered, other], policy(), WaiverFile((chosen,), (), True), today=TODAY)

    assert covered in verdict.findings
    assert dict(verdict.waived) == {covered: chosen}
    assert verdict.blocking == (other,)
    assert verdict.counts[E] == 1  # the waived one is counted as waived, not as an error
    assert verdict.exit_code == 1
    assert decide([covered], policy(), WaiverFile((chosen,), (), True), today=TODAY).exit_code == 0


def test_the_first_waiver_in_force_is_the_one_recorded() -> None:
    first, second = waiver(rule="skill.*", line=2), waiver(line=9)
    verdict = decide([finding()], policy(), WaiverFile((first, second), (), True), today=TODAY, whole=True)
    assert list(verdict.waived.values()) == [first]
    assert not [f for f in verdict.findings if f.rule == "waiver.unused"]  # the second covers it too


def test_the_file_may_cover_block_findings_a_trailer_only_errors() -> None:
    block, error, warning = (
        finding(severity=B),
        finding(severity=E, path="skills/b/skill.yaml"),
        finding(severity=W, path="skills/c/x"),
    )
    assert waived_by([block], waiver()) == {"skill.name-format skills/a/skill.yaml": "skill.name-format"}
    trailer = Waiver("skill.name-format", ("**",), "the reason for it", "", "", source=TRAILER)
    verdict = decide([block, error, warning], policy(), extra_waivers=[trailer], today=TODAY)
    assert set(verdict.waived) == {error}
    assert verdict.blocking == (block,)


def test_packwarden_findings_about_its_own_inputs_and_guarantees_are_never_waived() -> None:
    own = [
        finding("pack.invalid", pack="packwarden"),
        finding("config.override-refused", pack="packwarden"),
        finding("waiver.invalid", pack="packwarden"),
    ]
    parse = finding("parse.syntax", pack="packwarden")  # about a checked file: may be waived
    verdict = decide(
        [*own, parse],
        policy(),
        WaiverFile((waiver("p*", ("**",)), waiver("c*", ("**",)), waiver("waiver.*", ("**",))), (), True),
        today=TODAY,
    )
    assert set(verdict.waived) == {parse}


# --- when a waiver holds ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "state", "waived", "own"),
    [
        ("2026-01-01", "active", True, []),
        ("2026-02-14", "active", True, []),  # 15 days left
        ("2026-02-15", "expiring", True, ["waiver.expiring"]),  # 14 days left: within notice
        ("2026-03-01", "expiring", True, ["waiver.expiring"]),  # its last day
        ("2026-03-02", "expired", False, ["waiver.expired"]),
        ("2025-11-30", "invalid", False, ["waiver.invalid"]),  # 90 days ahead at most: this is 91
        ("2025-12-01", "active", True, []),  # 90 days
    ],
)
def test_expiry_notice_and_horizon_follow_the_injected_date(
    today: str, state: str, waived: bool, own: list[str]
) -> None:
    chosen = waiver(expires="2026-03-01")
    assert standing(chosen, policy(), today).state == state
    verdict = decide([finding()], policy(), WaiverFile((chosen,), (), True), today=today)
    assert bool(verdict.waived) is waived
    assert [f.rule for f in verdict.findings if f.rule.startswith("waiver.")] == own
    assert verdict.exit_code == (0 if waived else 1)
    for mine in (f for f in verdict.findings if f.rule.startswith("waiver.")):
        assert (mine.path, mine.line) == (".packwarden/waivers.yml", chosen.line)


def test_an_expired_waiver_says_how_many_findings_come_back() -> None:
    verdict = decide(
        [finding(), finding(path="skills/b/skill.yaml")],
        policy(),
        WaiverFile((waiver(expires="2026-01-31"),), (), True),
        today=TODAY,
    )
    (expired,) = [f for f in verdict.findings if f.rule == "waiver.expired"]
    assert expired.severity is W
    assert "expired on 2026-01-31; the 2 findings it covered count again" in expired.message
    assert len(verdict.blocking) == 2


def test_the_pack_sets_the_horizon_and_the_notice() -> None:
    chosen = waiver(expires="2026-03-01")  # 28 days ahead
    assert standing(chosen, policy(limits=(27, 0)), TODAY).state == "invalid"
    assert standing(chosen, policy(limits=(28, 0)), TODAY).state == "active"
    assert standing(chosen, policy(limits=(28, 28)), TODAY).state == "expiring"


def test_the_date_defaults_to_packwarden_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PACKWARDEN_TODAY", "2026-03-02")
    verdict = decide([finding()], policy(), WaiverFile((waiver(),), (), True))
    assert verdict.today == "2026-03-02"
    assert not verdict.waived


# --- locked rules -------------------------------------------------------------------------------


def test_a_waiver_of_a_locked_rule_is_refused_and_a_prefix_still_covers_the_rest() -> None:
    locked = {"skill.name-format": "project payments (central corp)"}
    exact, prefix = waiver(line=2), waiver("skill.*", line=8)
    semver = finding("skill.version-semver")
    verdict = decide([finding(), semver], policy(locked=locked), WaiverFile((exact, prefix), (), True), today=TODAY)

    assert dict(verdict.waived) == {semver: prefix}
    refused = [f for f in verdict.findings if f.rule == "waiver.refused"]
    assert [(f.line, f.severity) for f in refused] == [(2, W), (8, W)]
    assert verdict.blocking == (finding(),)  # the locked rule's finding blocks on its own
    assert "may not cover skill.name-format (locked by project payments (central corp))" in refused[0].message
    trailer = Waiver("skill.name-format", ("**",), "the reason for it", "", "", source=TRAILER)
    assert not decide([finding()], policy(locked=locked), extra_waivers=[trailer], today=TODAY).waived


# --- unused ---------------------------------------------------------------------------------------


def test_unused_is_said_only_by_a_run_over_every_file() -> None:
    unused = WaiverFile((waiver(paths=("nothing/**",)),), (), True)
    partial = decide([finding()], policy(), unused, today=TODAY)
    whole = decide([finding()], policy(), unused, today=TODAY, whole=True)
    assert not [f for f in partial.findings if f.rule == "waiver.unused"]
    (said,) = [f for f in whole.findings if f.rule == "waiver.unused"]
    assert said.severity is W and whole.exit_code == 1  # the finding it does not cover still blocks


def test_malformed_entries_are_findings_of_the_decision() -> None:
    read = read_waivers(b"waivers:\n  - {rule: a, paths: [x], reason: TODO, owner: me, expires: 2026-01-01}\n")
    verdict = decide([], policy(mode="warn"), read, today=TODAY)
    assert [f.rule for f in verdict.findings] == ["waiver.invalid"]
    assert verdict.exit_code == 0  # an error: it blocks in strict mode only
    assert decide([], policy(mode="block"), read, today=TODAY).exit_code == 1


def test_rows_list_every_entry_with_its_state_and_coverage() -> None:
    text = (
        "waivers:\n"
        "  - {rule: skill.*, paths: ['skills/**'], reason: legacy names for now, owner: a, expires: 2026-02-10}\n"
        "  - {rule: x.y, paths: ['**'], reason: this one is long gone, owner: b, expires: 2026-01-10}\n"
        "  - {rule: x.y, paths: ['**'], reason: nope, owner: c, expires: 2026-01-10}\n"
    )
    listed = rows([finding(), finding("x.y")], policy(), read_waivers(text.encode()), TODAY)
    assert [(r.line, r.state, r.covers) for r in listed] == [(2, "expiring", 1), (3, "expired", 1), (4, "invalid", 0)]


# --- the same verdict, whatever the order -------------------------------------------------------


@given(
    picks=st.lists(
        st.tuples(
            st.sampled_from(["skill.name-format", "skill.version-semver", "agent.x"]),
            st.sampled_from([E, B, W]),
            st.sampled_from(["skills/a/skill.yaml", "agents/b/agent.yaml"]),
        ),
        max_size=6,
    ),
    mode=st.sampled_from(["warn", "block"]),
)
def test_findings_in_any_order_get_the_same_verdict(picks: list[tuple[str, Severity, str]], mode: str) -> None:
    findings = [Finding(rule, severity, f"m{i}", path, pack="t@1") for i, (rule, severity, path) in enumerate(picks)]
    waivers = WaiverFile(
        (waiver("skill.*", ("skills/**",)), waiver("agent.x", ("agents/**",), expires="2026-01-01")), (), True
    )
    forward = decide(findings, policy(mode), waivers, today=TODAY)
    backward = decide(list(reversed(findings)), policy(mode), waivers, today=TODAY)
    assert (forward.exit_code, forward.findings, dict(forward.waived)) == (
        backward.exit_code,
        backward.findings,
        dict(backward.waived),
    )
    assert all(f.rule.startswith("skill.") and f.path.startswith("skills/") for f in forward.waived)


# --- trailers: the gate's plain-value answer is the decision step's -----------------------------

TRAILER_RULES = st.lists(
    st.sampled_from(["skill.name-format", "skill.*", "skill.", "agent*", "pack.", "waiver.*", "x"]), max_size=3
)


@given(
    picks=st.lists(
        st.tuples(
            st.sampled_from(
                [
                    "skill.name-format",
                    "skill.version-semver",
                    "agent.x",
                    "pack.invalid",
                    "waiver.invalid",
                    "parse.syntax",
                ]
            ),
            st.sampled_from([E, B, W, Severity.INFO]),
            st.sampled_from(["packwarden", "t@1"]),
        ),
        max_size=6,
    ),
    trailer_rules=TRAILER_RULES,
    locked=st.sets(st.sampled_from(["skill.name-format", "agent.x"])),
    mode=st.sampled_from(["warn", "block"]),
)
def test_trailer_waivers_on_plain_values_decide_as_the_decision_step(
    picks: list[tuple[str, Severity, str]], trailer_rules: list[str], locked: set[str], mode: str
) -> None:
    """``decision.trailer_waives`` on what the gate memo keeps (``api._raw``) lets through what
    ``enforce.decide`` with trailer waivers lets through, and the exit codes agree."""
    from packwarden.api import _raw
    from packwarden.model.decision import exit_code, trailer_waives

    findings = [
        Finding(rule, severity, f"m{i}", "skills/a/skill.yaml", pack=pack)
        for i, (rule, severity, pack) in enumerate(picks)
    ]
    trailers = [Waiver(rule, ("**",), "the reason for it", "", "", source=TRAILER) for rule in trailer_rules]
    chosen = policy(mode, locked=dict.fromkeys(locked, "central"))
    verdict = decide(findings, chosen, extra_waivers=trailers, today=TODAY)

    raw = [_raw(finding, False) for finding in findings]
    plain = [trailer_waives(s, d["rule"], able, sorted(locked), trailer_rules) for s, _, d, _, able in raw]  # type: ignore[arg-type]
    assert [f in verdict.waived for f in findings] == plain
    decided = [(s, i, w) for (s, i, _, _, _), w in zip(raw, plain, strict=True)]
    assert exit_code(decided, mode, "error") == verdict.exit_code  # type: ignore[arg-type]
