"""Capability sections compiled into rules (``packs.capabilities``), the capability check kinds
(``checks.capability_*``), their inheritance along ``extends``, and hostile manifests."""

from __future__ import annotations

import textwrap
import time
from pathlib import Path

import pytest

from packwarden.api import check
from packwarden.artifacts.kinds import Artifact
from packwarden.engine import check_document
from packwarden.load.yaml import load_yaml_text
from packwarden.model.errors import PolicyValidationError
from packwarden.model.finding import Finding, Severity
from packwarden.model.policy import EffectivePolicy
from packwarden.packs.inputs import PolicyInputs
from packwarden.packs.reader import LoadedPack
from packwarden.packs.resolve import build_policy
from tests.support.gitrepo import make_repo
from tests.support.packs import pack_errors, read_text

SOURCE = "packs/caps.yaml"
PACK = """\
meta: {key: caps, version: '1.0'}
capabilities:
  io.fs.read: {risk: low, covers: ["filesystem:read", read]}
  io.fs.write: {risk: medium, covers: ["filesystem:write"], compensation: git restores the workspace}
  io.net.*: {risk: high, covers: ["network:*", network]}
  io.net.dns: {risk: low}
  io.exec.shell: {risk: critical, covers: ["shell:*"]}
capability_defaults: {free_permissions: ["filesystem:read"]}
decisions:
  - {id: agents-no-net, when: {capability: "io.net.*", kind: agent}, decision: deny}
  - {when: {risk_level: [critical]}, decision: deny, reason: no shells}
  - {id: http-ok-with-read, when: {capability: io.net.http, permission: "network:read"}, decision: allow}
  - {id: approve-high, when: {risk_level: high}, decision: require_approval, approver: security-review}
"""
DECISION_IDS = ["capability.decision.agents-no-net", "capability.decision.2", "capability.decision.approve-high"]
OTHER_IDS = [
    "capability.malformed",
    "capability.risk-understated",
    "capability.uncompensated",
    "capability.uncovered-permission",
]


def read(text: str = PACK) -> LoadedPack:
    return read_text(text, SOURCE)


def run(manifest: str, kind: str = "skill", pack: str = PACK) -> list[Finding]:
    loaded = read(pack)
    policy = EffectivePolicy(packs=(loaded.ref,), rules=loaded.rules)
    document = load_yaml_text(textwrap.dedent(manifest))
    return check_document(policy, Artifact(f"{kind}s/x/{kind}.yaml", kind), document)


def found(manifest: str, kind: str = "skill", pack: str = PACK) -> list[tuple[str, int, int, str]]:
    return [(f.rule, f.line, f.column, f.severity.value) for f in run(manifest, kind, pack)]


# --- compiled rules ------------------------------------------------------------------------------


def test_sections_compile_into_rules_with_stable_ids() -> None:
    pack = read()
    assert [rule.id for rule in pack.rules] == DECISION_IDS + OTHER_IDS
    by_id = {rule.id: rule for rule in pack.rules}
    assert by_id["capability.decision.agents-no-net"].severity is Severity.BLOCK  # deny
    assert by_id["capability.decision.2"].severity is Severity.BLOCK  # unnamed: its place, 1-based
    assert by_id["capability.decision.approve-high"].severity is Severity.ERROR  # require_approval
    assert {rule.severity for rule in pack.rules if rule.id in OTHER_IDS} == {Severity.ERROR}
    assert all(rule.applies_to == ("skill", "agent") and rule.pack == "caps@1.0" for rule in pack.rules)
    # each rule points at what it was compiled from
    assert (by_id["capability.decision.approve-high"].line, by_id["capability.decision.2"].line) == (13, 11)
    assert (by_id["capability.malformed"].line, by_id["capability.malformed"].column) == (2, 1)
    assert pack.warnings == ()


def test_an_allow_decision_compiles_into_no_rule_but_stays_in_the_order() -> None:
    (rule,) = [r for r in read().rules if r.id == "capability.decision.approve-high"]
    decisions = rule.params["capability_decision"]["decisions"]  # type: ignore[index]
    assert [d["id"] for d in decisions] == ["agents-no-net", "2", "http-ok-with-read", "approve-high"]
    assert "capability.decision.http-ok-with-read" not in {r.id for r in read().rules}


def test_coverage_is_only_checked_when_some_capability_covers_a_permission() -> None:
    pack = read("meta: {key: c, version: '1'}\ndecisions: [{when: {risk_level: critical}, decision: deny}]\n")
    assert [rule.id for rule in pack.rules] == ["capability.decision.1", *OTHER_IDS[:3]]


def test_a_pack_without_capability_sections_compiles_none() -> None:
    assert read("meta: {key: c, version: '1'}\n").rules == ()


def test_the_rules_explain_the_decision_order() -> None:
    (rule,) = [r for r in read().rules if r.id == "capability.decision.approve-high"]
    assert rule.doc.summary.startswith("Decision approve-high, #4 of 4 (first match wins)")
    assert "needs approval from security-review" in rule.doc.summary
    assert "1. agents-no-net (when capability io.net.*, kind agent): deny" in rule.doc.why
    assert rule.doc.bad == "capabilities: [io.net.any]"  # what this decision judges
    assert rule.doc.good == "capabilities: [io.fs.read]"  # what no decision stops


def test_the_options_show_in_one_line_with_a_digest() -> None:
    from packwarden.report.policy import checks_text

    (rule,) = [r for r in read().rules if r.id == "capability.risk-understated"]
    text = checks_text(rule)
    assert text.startswith("<file text>: capability_risk(5 registry entries; default risk high; digest ")
    assert len(text) < 120


# --- pack errors, located -------------------------------------------------------------------------

HEAD = "meta: {key: c, version: '1'}\n"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("capabilities:\n  io.net.http: {risk: huge}\n", (2, 23, "capabilities.io.net.http.risk: Input should be")),
        ("capabilities:\n  io.net.http: {risk: high, rollback: x}\n", (2, 29, "io.net.http.rollback: unknown key")),
        ("capabilities:\n  IO Net: {risk: high}\n", (2, 3, "capabilities: 'IO Net' is no capability id or glob")),
        ("capabilities:\n  io.[net]: {risk: high}\n", (2, 3, "capabilities: 'io.[net]' is no capability id or glob")),
        ("capabilities:\n  io.net: {risk: high, covers: ['net work']}\n", (2, 33, "covers: 'net work' is no perm")),
        ("capabilities:\n  io.net: {risk: high, compensation: '  '}\n", (2, 38, "compensation is empty")),
        ("capabilities:\n  io.net: high\n", (2, 11, "capabilities.io.net: Input should be a valid dictionary")),
        ("capability_defaults: {risk: low, default: high}\n", (1, 34, "capability_defaults.default: unknown key")),
        ("capability_defaults: {free_permissions: ['a b']}\n", (1, 42, "free_permissions: 'a b' is no permission")),
        ("decisions:\n  - {when: {}, decision: deny}\n", (2, 12, "decisions[0]: when has no condition")),
        ("decisions:\n  - {decision: deny}\n", (2, 5, "decisions.0.when: Field required")),
        ("decisions:\n  - {when: {risk: high}, decision: deny}\n", (2, 13, "decisions.0.when.risk: unknown key")),
        ("decisions:\n  - {when: {risk_level: huge}, decision: deny}\n", (2, 25, "risk_level.0: Input should be")),
        ("decisions:\n  - {when: {risk_level: high}, decision: block}\n", (2, 42, "decisions.0.decision: Input")),
        (
            "decisions:\n  - {when: {risk_level: high}, decision: require_approval}\n",
            (2, 5, "require_approval needs an approver"),
        ),
        (
            "decisions:\n  - {when: {risk_level: high}, decision: deny, approver: ops}\n",
            (2, 58, "approver only means something for require_approval"),
        ),
        (
            "decisions:\n  - {when: {kind: skil}, decision: deny}\n",
            (2, 19, "kind 'skil' is unknown (did you mean 'skill'?)"),
        ),
        ("decisions:\n  - {when: {capability: 'io..x'}, decision: deny}\n", (2, 25, "'io..x' is no capability id")),
        ("decisions:\n  - {id: a.b, when: {kind: skill}, decision: deny}\n", (2, 10, "decisions.0.id: String should")),
        (
            "decisions:\n  - {id: a, when: {kind: skill}, decision: deny}\n"
            "  - {id: a, when: {kind: agent}, decision: deny}\n",
            (3, 5, "decisions: id 'a' is also decision 1"),
        ),
    ],
)
def test_a_bad_section_is_a_pack_error_at_its_line(text: str, expected: tuple[int, int, str]) -> None:
    errors = pack_errors(HEAD + text, SOURCE)
    line, column, message = expected
    assert [(rule, at_line, at_column) for rule, at_line, at_column, _ in errors] == [
        ("pack.invalid", line + 1, column)
    ]
    assert message in errors[0][3]


def test_a_written_rule_with_a_compiled_id_is_an_error() -> None:
    text = HEAD + (
        "rules:\n  - {id: capability.malformed, field: name, required: true}\n"
        "decisions: [{when: {risk_level: critical}, decision: deny}]\n"
    )
    (error,) = pack_errors(text, SOURCE)
    assert "rule id capability.malformed is defined twice" in error[3]


def test_a_written_rule_may_use_a_capability_check_and_its_options_are_checked() -> None:
    written = HEAD + (
        "rules:\n  - {id: team.no-shell, applies_to: skill, capability_risk: "
        "{registry: [{id: io.exec.shell, risk: critical}], default_risk: medium}}\n"
    )
    (rule,) = read(written).rules
    assert [f.rule for f in run("capabilities: [{id: io.exec.shell, risk: high}]\n", pack=written)] == ["team.no-shell"]
    assert rule.params["capability_risk"]["default_risk"] == "medium"  # type: ignore[index]
    for options, problem in [
        ("{registry: [{id: 'IO X', risk: high}], default_risk: high}", "'IO X' is no capability id or glob"),
        ("{registry: [{id: io.x, risk: huge}], default_risk: high}", "risk 'huge' is not one of"),
        ("{registry: [{id: io.x, risk: high, covers: [a b]}], default_risk: high}", "'a b' is no permission"),
        ("{registry: [], default_risk: high, extra: 1}", "a mapping with exactly registry, default_risk"),
        ("{registry: [], default_risk: severe}", "default_risk 'severe' is not one of"),
    ]:
        (error,) = pack_errors(HEAD + f"rules:\n  - {{id: t.x, capability_risk: {options}}}\n", SOURCE)
        assert "rule t.x: capability_risk: " in error[3] and problem in error[3], error
    decision = (
        "{decision: b, default_risk: high, registry: [], "
        "decisions: [{id: a, when: {risk_level: [high]}, decision: deny}]}"
    )
    (error,) = pack_errors(HEAD + f"rules:\n  - {{id: t.x, capability_decision: {decision}}}\n", SOURCE)
    assert "decision 'b' is not one of the decisions" in error[3]


# --- judging --------------------------------------------------------------------------------------


def test_the_first_matching_decision_judges_each_capability() -> None:
    findings = run("""\
        capabilities: [io.exec.shell, io.net.http, acme.unknown, io.fs.write, io.net.dns]
        """)
    assert [(f.rule, f.column, f.severity.value) for f in findings if "decision" in f.rule] == [
        ("capability.decision.2", 16, "block"),  # critical
        ("capability.decision.approve-high", 31, "error"),  # io.net.* is high
        ("capability.decision.approve-high", 44, "error"),  # unknown: the default, high
    ]  # io.fs.write (medium) and io.net.dns (low, exact entry beats the glob) match no decision
    (unknown,) = [f for f in findings if f.column == 44 and "decision" in f.rule]
    assert unknown.message == (
        "capability acme.unknown, risk high (not in the registry: the default risk is high), needs approval from "
        "security-review: decision approve-high (#4 of 4, when risk_level high)"
    )
    assert dict(unknown.metadata) == {
        "field": "capabilities[2]",
        "decision": "approve-high",
        "decision_index": "4",
        "decision_pack": "caps@1.0",
        "condition": "risk_level high",
        "outcome": "require_approval",
        "approver": "security-review",
        "capability": "acme.unknown",
        "risk": "high",
    }
    assert unknown.fix == "ask security-review to approve it, or declare a capability of lower risk that does the job"


def test_an_earlier_decision_wins_and_an_allow_ends_the_search() -> None:
    as_agent = found("capabilities: [io.net.http]\n", kind="agent")
    assert [rule for rule, *_ in as_agent if "decision" in rule] == ["capability.decision.agents-no-net"]
    allowed = "capabilities: [io.net.http]\npermissions: [network:read]\n"
    assert [rule for rule, *_ in found(allowed) if "decision" in rule] == []  # http-ok-with-read
    # an entrypoint's permission meets only its own entrypoint's capabilities (and top-level ones)
    elsewhere = """\
        entrypoints:
          - {command: /a, capabilities: [io.net.http]}
          - {command: /b, permissions: [network:read]}
        """
    assert [rule for rule, *_ in found(elsewhere) if "decision" in rule] == ["capability.decision.approve-high"]


def test_ids_are_judged_in_lower_case_and_prose_at_the_default_risk() -> None:
    findings = run("capabilities: [IO.Exec.Shell, Runs any shell command]\n")
    assert sorted((f.column, f.rule) for f in findings if f.rule != "capability.uncompensated") == [
        (16, "capability.decision.2"),  # judged as io.exec.shell: denied, not let through as unknown
        (16, "capability.malformed"),
        (31, "capability.decision.approve-high"),  # prose: an unknown capability, high
        (31, "capability.malformed"),
    ]
    messages = {f.column: f.message for f in findings if f.rule == "capability.malformed"}
    assert messages[16] == "'IO.Exec.Shell' is written differently from the id it names: write 'io.exec.shell'"
    assert messages[31].startswith("'Runs any shell command' is no capability id")


def test_a_manifest_may_raise_a_risk_but_not_lower_it() -> None:
    raised = run("capabilities: [{id: io.fs.write, risk: critical}]\n")
    assert [(f.rule, f.severity) for f in raised] == [
        ("capability.decision.2", Severity.BLOCK),
        # the registry's compensation holds at any risk
    ]
    assert "risk critical (as the manifest declares it)" in raised[0].message
    lowered = run("capabilities:\n  - {id: io.net.http, risk: low}\n  - {id: acme.new, risk: medium}\n")
    understated = [(f.line, f.column, f.message, f.metadata["field"]) for f in lowered if "understated" in f.rule]
    assert understated == [
        (
            2,
            29,
            "capability io.net.http is declared risk low, but the registry rates it high (entry io.net.*)",
            "capabilities[0].risk",
        ),
        (
            3,
            26,
            "capability acme.new is declared risk medium, but the registry does not know it, and the pack's "
            "default risk is high",
            "capabilities[1].risk",
        ),
    ]


def test_high_and_critical_capabilities_say_how_they_are_undone() -> None:
    findings = found("""\
        capabilities:
          - io.net.http
          - {id: io.net.ftp, compensation: "the upload is deleted by its id"}
          - {id: io.net.smtp, compensation: {rollback: "a correction mail", owner: mail-team}}
          - io.fs.write
          - acme.thing
        """)
    assert [(rule, line) for rule, line, _, _ in findings if rule == "capability.uncompensated"] == [
        ("capability.uncompensated", 2),  # io.net.* has no compensation
        ("capability.uncompensated", 6),  # unknown, so high
    ]


def test_every_permission_is_covered_by_a_declared_capability() -> None:
    findings = run("""\
        capabilities: [io.fs.write]
        permissions: [filesystem:read, filesystem:write, network:http, 42]
        entrypoints:
          - command: /a
            capabilities: [io.net.http]
            permissions: [network:http, shell:exec]
          - command: /b
            permissions: [network:read]
        """)
    uncovered = [(f.line, f.column, f.message) for f in findings if f.rule == "capability.uncovered-permission"]
    assert uncovered == [
        # top-level network:http is covered by the entrypoint's io.net.http: a capability anywhere counts
        (2, 64, "permission 42 is no permission name, so no capability covers it"),
        (
            6,
            33,
            "permission 'shell:exec' is covered by no capability entrypoints[0] or the whole manifest declares; "
            "io.exec.shell would cover it",
        ),
        (
            8,
            19,
            "permission 'network:read' is covered by no capability entrypoints[1] or the whole manifest "
            "declares; io.net.* would cover it",
        ),
    ]


def test_malformed_declarations_are_reported_and_still_judged() -> None:
    findings = run("""\
        capabilities:
          - 7
          - [io.exec.shell]
          - {risk: low}
          - {id: io.fs.read, risk: huge}
          - {id: io.fs.read, compensation: ""}
          -
          - {id: {id: io.exec.shell}}
        """)
    malformed = [(f.line, f.message) for f in findings if f.rule == "capability.malformed"]
    assert malformed == [
        (2, "7 is neither a capability id nor a mapping with one ({id: io.net.http})"),
        (3, "a list is neither a capability id nor a mapping with one ({id: io.net.http})"),
        (4, "capabilities[2] has no id"),
        (5, "capabilities[3].risk 'huge' is not one of low, medium, high, critical"),
        (6, "capabilities[4].compensation must say, in text, how the capability's effects are undone"),
        (7, "null is neither a capability id nor a mapping with one ({id: io.net.http})"),
        (8, "capabilities[6].id must be a capability id, not a mapping"),
    ]
    # judged at the default risk: only a catch-all capability glob names what names no id
    assert [f.line for f in findings if f.rule == "capability.decision.approve-high"] == [2, 3, 4, 7, 8]


def test_capabilities_that_are_no_list_are_malformed_and_judged() -> None:
    findings = run("capabilities: io.exec.shell\n")
    assert [(f.rule, f.message) for f in findings if f.rule != "capability.uncompensated"] == [
        (
            "capability.decision.2",
            "capability io.exec.shell, risk critical, is denied by decision 2 "
            "(#2 of 4, when risk_level critical): no shells",
        ),
        ("capability.malformed", "capabilities must be a list of capability ids, not 'io.exec.shell'"),
    ]


def test_a_manifest_that_is_no_mapping_is_not_judged() -> None:
    assert [f.rule for f in run("- io.exec.shell\n")] == ["parse.not-mapping"]


# --- hostile manifests ----------------------------------------------------------------------------


def test_hostile_declarations_give_findings_quickly() -> None:
    huge = "a" * 1_000_000
    nested = "[" * 40 + "]" * 40
    many = ", ".join(f"io.x{i}" for i in range(5000))
    started = time.monotonic()
    findings = run(f"capabilities: [{huge}, {nested}, {{id: {{a: {{b: [c]}}}}}}, {many}]\npermissions: [{huge}]\n")
    assert time.monotonic() - started < 10
    first = next(f for f in findings if f.rule == "capability.malformed")
    assert len(first.message) < 200  # a short quote of the megabyte
    assert all(len(f.message) < 400 for f in findings)
    by_rule = {f.rule for f in findings}
    assert {"capability.malformed", "capability.decision.approve-high", "capability.uncovered-permission"} <= by_rule


def test_a_glob_that_would_back_track_runs_in_linear_time() -> None:
    pack = HEAD + (
        "capabilities:\n  '*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b': {risk: critical}\n"
        "decisions: [{when: {capability: '*a*a*a*a*a*a*a*a*a*a*a*a*a*a*c', permission: '*a*a*a*a*a*a*a*a*z'}, "
        "decision: deny}]\n"
    )
    text = "a" * 120
    started = time.monotonic()
    findings = run(f"capabilities: [{text}]\npermissions: ['{text}']\n", pack=pack)
    assert time.monotonic() - started < 2
    assert [f.rule for f in findings if "decision" in f.rule] == []  # neither glob matches


# --- along extends --------------------------------------------------------------------------------


def _policy(tmp_path: Path, files: dict[str, str], pack: str = "child.yaml") -> EffectivePolicy:
    for name, text in files.items():
        (tmp_path / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return build_policy(PolicyInputs(pack=pack, cwd=str(tmp_path), root=str(tmp_path)))


PARENT = """\
    meta: {key: parent, version: '1'}
    capabilities:
      io.net.*: {risk: high}
      io.db.write: {risk: critical, covers: ["db:*"]}
    decisions:
      - {id: deny-critical, when: {risk_level: critical}, decision: deny}
      - {id: approve-high, when: {risk_level: high}, decision: require_approval, approver: sec}
    enforcement:
      severities: {capability.uncompensated: warning}
    """


def test_a_child_adds_to_the_registry_and_its_decisions_come_first(tmp_path: Path) -> None:
    child = """\
        meta: {key: child, version: '1'}
        extends: [parent.yaml]
        capabilities:
          io.db.write: {risk: medium, covers: ["db:write"], compensation: down migration}
          acme.ledger: {risk: low}
        capability_defaults: {risk: critical}
        decisions:
          - {id: ledger-ok, when: {capability: acme.ledger}, decision: allow}
          - {id: approve-medium, when: {risk_level: medium}, decision: require_approval, approver: dba}
        """
    policy = _policy(tmp_path, {"parent.yaml": PARENT, "child.yaml": child})
    rules = {rule.id: rule for rule in policy.rules}
    (decision,) = [r for r in policy.rules if r.id == "capability.decision.deny-critical"]
    spec = decision.params["capability_decision"]
    assert [d["id"] for d in spec["decisions"]] == ["ledger-ok", "approve-medium", "deny-critical", "approve-high"]
    assert {e["id"]: (e["risk"], e["pack"]) for e in spec["registry"]} == {
        "io.net.*": ("high", "parent@1"),
        "io.db.write": ("medium", "child@1"),  # replaced by id
        "acme.ledger": ("low", "child@1"),
    }
    assert spec["default_risk"] == "critical"
    assert rules["capability.decision.deny-critical"].pack == "parent@1"  # where the decision is written
    assert rules["capability.decision.approve-medium"].pack == "child@1"
    assert rules["capability.uncompensated"].severity is Severity.WARNING  # the parent's severity is kept
    assert policy.origins["severity:capability.uncompensated"] == "pack parent@1 (repository, parent.yaml)"
    assert policy.origins["rule:capability.uncompensated"] == "pack child@1 (repository, child.yaml)"
    assert rules["capability.uncovered-permission"].params["capability_coverage"]["registry"][1]["covers"] == [
        "db:write"
    ]


def test_a_child_decision_with_an_inherited_id_is_an_error_at_its_line(tmp_path: Path) -> None:
    child = """\
        meta: {key: child, version: '1'}
        extends: [parent.yaml]
        decisions:
          - {id: ok, when: {kind: agent}, decision: allow}
          - {id: approve-high, when: {risk_level: high}, decision: allow}
        """
    with pytest.raises(PolicyValidationError) as info:
        _policy(tmp_path, {"parent.yaml": PARENT, "child.yaml": child})
    (error,) = info.value.errors
    assert (error.path, error.line, error.column) == ("child.yaml", 5, 5)
    assert "decision id 'approve-high' is already a decision of parent@1" in error.message


def test_a_child_without_capability_sections_keeps_the_inherited_rules(tmp_path: Path) -> None:
    child = "meta: {key: child, version: '1'}\nextends: [parent.yaml]\n"
    policy = _policy(tmp_path, {"parent.yaml": PARENT, "child.yaml": child})
    parent = _policy(tmp_path, {}, pack="parent.yaml")
    ids = sorted(rule.id for rule in policy.rules)
    assert ids == sorted(rule.id for rule in parent.rules)
    assert "capability.decision.deny-critical" in ids


def test_the_config_can_disable_or_regrade_a_capability_rule(tmp_path: Path) -> None:
    repo = make_repo(
        tmp_path / "repo",
        {
            "parent.yaml": textwrap.dedent(PARENT),
            ".packwarden/policy.yml": "pack: parent.yaml\noverrides:\n"
            "  severities: {capability.decision.approve-high: block}\n  disable: [capability.uncompensated]\n",
            "skills/a/skill.yaml": "name: a\ncapabilities: [io.net.http]\n",
        },
    )
    result = check(["skills/a/skill.yaml"], cwd=repo)
    assert [(f.rule, f.severity) for f in result.findings] == [("capability.decision.approve-high", Severity.BLOCK)]


# --- the must-shows ---------------------------------------------------------------------------------


def test_a_denied_capability_blocks_even_in_warn_mode(tmp_path: Path) -> None:
    pack = HEAD + (
        "capabilities: {io.net.http: {risk: high, compensation: retried from the last checkpoint}}\n"
        "decisions: [{id: no-http, when: {capability: io.net.http}, decision: deny}]\n"
    )
    repo = make_repo(
        tmp_path / "repo",
        {
            "pack.yaml": pack,
            ".packwarden/policy.yml": "pack: pack.yaml\nmode: warn\n",
            "skills/a/skill.yaml": "name: a\ncapabilities: [io.net.http]\n",
        },
    )
    result = check(["skills/a/skill.yaml"], cwd=repo)
    assert result.policy.mode == "warn"
    (finding,) = result.findings
    assert (finding.rule, finding.severity) == ("capability.decision.no-http", Severity.BLOCK)
    assert result.exit_code == 1


def test_an_undeclared_capability_is_treated_as_high(tmp_path: Path) -> None:
    pack = HEAD + "decisions: [{id: approve-high, when: {risk_level: high}, decision: require_approval, approver: x}]\n"
    findings = run("capabilities: [acme.never.registered]\n", pack=pack)
    assert [(f.rule, f.metadata.get("risk")) for f in findings] == [
        ("capability.decision.approve-high", "high"),
        ("capability.uncompensated", None),
    ]


# --- the listing ----------------------------------------------------------------------------------


def test_the_listing_without_capability_sections_judges_nothing() -> None:
    from packwarden.report.capabilities import listing, listing_lines

    document = load_yaml_text("capabilities: [io.exec.shell, {id: 7}]\n")
    data = listing(EffectivePolicy(packs=("p@1",)), [("skills/x/skill.yaml", document.data)])
    assert data == {
        "packs": ["p@1"],
        "default_risk": None,
        "free_permissions": [],
        "capabilities": [],
        "unknown": [
            {
                "path": "skills/x/skill.yaml",
                "line": 1,
                "column": 16,
                "field": "capabilities[0]",
                "capability": "io.exec.shell",
                "written": "io.exec.shell",
                "risk": None,
            },
            {
                "path": "skills/x/skill.yaml",
                "line": 1,
                "column": 36,
                "field": "capabilities[1].id",
                "capability": None,
                "written": None,
                "risk": None,
            },
        ],
    }
    text = ["".join(part for part, _ in line) for line in listing_lines(data)]
    assert text == [
        "no capability registry in p@1: no pack of it has capability sections",
        "declared capabilities:",
        "      skills/x/skill.yaml:1:16  io.exec.shell",
        "      skills/x/skill.yaml:1:36  null (no capability id)",
    ]


def test_the_listing_names_the_entry_that_judges_each_use() -> None:
    from packwarden.report.capabilities import listing

    loaded = read()
    policy = EffectivePolicy(packs=(loaded.ref,), rules=loaded.rules)
    document = load_yaml_text("capabilities: [io.net.http, io.net.dns, {id: io.fs.write, risk: critical}]\n")
    data = listing(policy, [("a.yaml", document.data)])
    uses = {entry["id"]: [(u["capability"], u["risk"]) for u in entry["used_by"]] for entry in data["capabilities"]}
    assert uses == {
        "io.fs.read": [],
        "io.fs.write": [("io.fs.write", "critical")],  # raised by the manifest
        "io.net.*": [("io.net.http", "high")],
        "io.net.dns": [("io.net.dns", "low")],  # the exact entry beats the glob
        "io.exec.shell": [],
    }
    assert data["free_permissions"] == ["filesystem:read"]
    assert data["default_risk"] == "high"
