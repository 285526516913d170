"""The engine: a policy and one loaded document in, findings out."""

from __future__ import annotations

from typing import Any

import pytest

from packwarden.artifacts.kinds import Artifact
from packwarden.engine import builtin_finding, check_document
from packwarden.load.document import Document, Problem
from packwarden.load.json import load_json_text
from packwarden.load.yaml import load_yaml_text
from packwarden.model import builtin_rules as R
from packwarden.model.finding import Finding, Severity
from packwarden.model.policy import EffectivePolicy
from packwarden.model.rule import Rule
from packwarden.packs.resolve import PolicyInputs, build_policy

SKILL = Artifact("skills/x/skill.yaml", "skill")


def make_rule(rule_id: str = "t.rule", field: str | None = "name", **kw: Any) -> Rule:
    params = kw.pop("params", {"required": True})
    kw.setdefault("severity", Severity.ERROR)
    return Rule(id=rule_id, pack="t@1.0", params=params, field=field, **kw)


def policy_of(*rules: Rule, **kw: Any) -> EffectivePolicy:
    return EffectivePolicy(packs=("t@1.0",), rules=rules, **kw)


def run(policy: EffectivePolicy, text: str, artifact: Artifact = SKILL) -> list[Finding]:
    return check_document(policy, artifact, load_yaml_text(text))


# --- files that could not be read -------------------------------------------------------------


def test_a_parse_problem_becomes_a_located_finding_and_stops_the_rules() -> None:
    policy = policy_of(make_rule(field="version"))
    (finding,) = run(policy, "name: a\nname: b\n")
    assert finding.rule == "parse.duplicate-key"
    assert finding.severity is Severity.ERROR
    assert (finding.path, finding.line, finding.column) == (SKILL.path, 2, 1)
    assert finding.pack == "packwarden"
    assert finding.scope == "skill"
    assert finding.fix == "keep one of the keys"
    assert "duplicate key 'name'" in finding.message


def test_parse_problems_take_the_severity_the_policy_gives_them() -> None:
    policy = policy_of(builtin_severities={"parse.yaml-anchor": Severity.WARNING})
    (finding,) = run(policy, "a: &x 1\nb: *x\n")
    assert finding.rule == "parse.yaml-anchor"
    assert finding.severity is Severity.WARNING
    assert finding.fix == "write the repeated value out in full"


def test_a_problem_without_a_fix_gets_an_empty_fix() -> None:
    document = Document("", None, (Problem(R.PARSE_ENCODING, "not UTF-8: byte 0xff", 3, 4),))
    (finding,) = check_document(policy_of(), SKILL, document)
    assert (finding.rule, finding.line, finding.column, finding.fix) == ("parse.encoding", 3, 4, "")


def test_builtin_finding_uses_the_policy_severity() -> None:
    policy = policy_of(builtin_severities={"path.symlink": Severity.ERROR})
    finding = builtin_finding(policy, R.PATH_SYMLINK, "is a link", "a/b", 2, 3, "skill")
    assert finding == Finding(
        "path.symlink",
        Severity.ERROR,
        "is a link",
        "a/b",
        2,
        3,
        "packwarden",
        "commit the file itself rather than a link to it",
        "skill",
    )
    assert builtin_finding(policy_of(), R.PATH_SYMLINK, "m", "p").severity is Severity.WARNING


# --- documents that are not mappings ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the file is empty"),
        ("# only a comment\n", "the file is empty"),
        ("- name: a.b\n", "the top level is a list, not a mapping"),
        ("just text\n", "the top level is 'just text', not a mapping"),
        ("42\n", "the top level is 42, not a mapping"),
    ],
)
def test_a_root_that_is_not_a_mapping_is_reported_and_field_rules_are_skipped(text: str, message: str) -> None:
    findings = run(policy_of(make_rule(field="name")), text)
    assert [(f.rule, f.message, f.line, f.column, f.severity) for f in findings] == [
        ("parse.not-mapping", message, 1, 1, Severity.ERROR)
    ]
    assert findings[0].fix.startswith("write the manifest as a mapping")


def test_text_rules_still_run_on_a_root_that_is_not_a_mapping() -> None:
    secret = make_rule("secret", None, params={"forbidden_pattern": "AKIA[A-Z0-9]{16}"})
    findings = run(policy_of(secret), "- key: AKIAABCDEFGHIJKLMNOP\n")
    assert [(f.rule, f.line, f.column) for f in findings] == [("parse.not-mapping", 1, 1), ("secret", 1, 8)]


def test_the_root_rule_severity_can_be_changed() -> None:
    policy = policy_of(builtin_severities={"parse.not-mapping": Severity.INFO})
    assert [f.severity for f in run(policy, "")] == [Severity.INFO]


# --- messages ------------------------------------------------------------------------------------


def test_without_a_message_the_check_message_is_used() -> None:
    rule = make_rule(params={"pattern": "^[a-z]+$"})
    (finding,) = run(policy_of(rule), "name: Abc\n")
    assert finding.message == "'name' 'Abc' does not match '^[a-z]+$'"


def test_a_message_without_placeholders_gets_the_field_and_value_appended() -> None:
    rule = make_rule(params={"pattern": "^[a-z]+$"}, message="names are lowercase")
    (finding,) = run(policy_of(rule), "name: Abc\n")
    assert finding.message == "names are lowercase (name = 'Abc')"


def test_a_message_for_a_missing_field_says_it_is_missing() -> None:
    rule = make_rule(message="a skill needs a name")
    (finding,) = run(policy_of(rule), "version: 1\n")
    assert finding.message == "a skill needs a name (name is missing)"
    assert (finding.line, finding.column) == (1, 1)


def test_placeholders_are_replaced_with_the_field_and_the_shown_value() -> None:
    rule = make_rule(params={"pattern": "^[a-z]+$"}, message="{field} {value} must be lowercase; {field} again")
    (finding,) = run(policy_of(rule), "name: Abc\n")
    assert finding.message == "name 'Abc' must be lowercase; name again"


def test_only_the_value_placeholder_is_enough_to_template() -> None:
    rule = make_rule("t", "tags", params={"allowed_values": ["a"]}, message="bad tag {value}")
    findings = run(policy_of(rule), "tags: [a, b, 3]\n")
    assert [f.message for f in findings] == ["bad tag 'b'", "bad tag 3"]
    assert [f.metadata for f in findings] == [{"field": "tags[1]"}, {"field": "tags[2]"}]


def test_a_text_rule_message_is_used_as_it_is_and_never_shows_the_match() -> None:
    secret = "AKIAABCDEFGHIJKLMNOP"
    rules = (
        make_rule("plain", None, params={"forbidden_pattern": "AKIA[A-Z0-9]{16}"}, message="no AWS keys"),
        make_rule(
            "templated", None, params={"forbidden_pattern": "AKIA[A-Z0-9]{16}"}, message="key {value} at {field}"
        ),
    )
    findings = run(policy_of(*rules), f"name: x\nkey: {secret}\n")
    assert [(f.rule, f.message, f.line, f.column) for f in findings] == [
        ("plain", "no AWS keys", 2, 6),
        ("templated", "key null at ", 2, 6),
    ]
    assert all(secret not in f.message and f.metadata == {} for f in findings)


# --- what a finding carries -----------------------------------------------------------------------


def test_a_finding_carries_rule_pack_fix_scope_and_position() -> None:
    rule = make_rule("skill.x", "version", params={"semver": True}, severity=Severity.BLOCK, fix="write 1.0.0")
    (finding,) = run(policy_of(rule), "name: a\nversion: '1.0'\n")
    assert finding.to_dict() == {
        "rule": "skill.x",
        "severity": "block",
        "message": "'version' '1.0' is not a semantic version (like 1.0.0)",
        "path": "skills/x/skill.yaml",
        "line": 2,
        "column": 10,
        "pack": "t@1.0",
        "fix": "write 1.0.0",
        "scope": "skill",
        "metadata": {"field": "version"},
        "fingerprint": finding.fingerprint,
    }
    assert len(finding.fingerprint) == 16


def test_rules_for_other_kinds_are_skipped() -> None:
    policy = policy_of(
        make_rule("agent.only", applies_to=("agent",)),
        make_rule("skill.only", applies_to=("skill",)),
        make_rule("both", applies_to=("agent", "skill")),
        make_rule("every"),
    )
    assert [f.rule for f in run(policy, "version: 1\n")] == ["skill.only", "both", "every"]
    agent = Artifact("agents/a/agent.yaml", "agent")
    assert [f.rule for f in run(policy, "version: 1\n", agent)] == ["agent.only", "both", "every"]


def test_rules_on_the_same_field_share_one_resolution_and_all_report() -> None:
    policy = policy_of(
        make_rule("a", params={"required": True}),
        make_rule("b", params={"pattern": "^x$"}),
        make_rule("c", params={"required": True}),
    )
    assert [f.rule for f in run(policy, "version: 1\n")] == ["a", "c"]
    assert [f.rule for f in run(policy, "name: y\n")] == ["b"]


def test_explicit_rules_replace_the_policy_rules() -> None:
    policy = policy_of(make_rule("in.policy"))
    findings = check_document(policy, SKILL, load_yaml_text("x: 1\n"), rules=[make_rule("given")])
    assert [f.rule for f in findings] == ["given"]


def test_json_documents_are_checked_with_positions() -> None:
    rule = make_rule("n", params={"pattern": "^[a-z]+$"})
    document = load_json_text('{\n  "name": "Bad Name"\n}\n')
    (finding,) = check_document(policy_of(rule), Artifact("plugin.spec.json", "skill"), document)
    assert (finding.line, finding.column) == (2, 11)


def test_the_default_pack_on_a_broken_skill() -> None:
    policy = build_policy(PolicyInputs())
    text = "name: Data Transform\nversion: 1.0\nstatus: generated\nentrypoints:\n  - permissions: [network:http]\n"
    findings = run(policy, text)
    assert sorted((f.rule, f.line, f.column) for f in findings) == [
        ("skill.name-format", 1, 7),
        ("skill.permissions", 5, 19),
        ("skill.status-values", 3, 9),
        ("skill.version-semver", 2, 10),
    ]
    by_rule = {f.rule: f for f in findings}
    assert by_rule["skill.name-format"].message == "name 'Data Transform' must be lowercase words joined by dots"
    assert all(f.pack == "default@1.0" for f in findings)


# --- patterns that take too long -----------------------------------------------------------------


def test_a_pattern_that_times_out_becomes_a_finding_at_the_pack_rule() -> None:
    slow = make_rule(
        "slow",
        "name",
        params={"pattern": r"(a|aa)+\1c"},
        source="packs/team.yaml",
        line=12,
        column=5,
    )
    after = make_rule("after", "version")
    findings = run(policy_of(slow, after), f"name: {'a' * 64}\n")
    assert [(f.rule, f.path, f.line, f.column, f.severity) for f in findings] == [
        ("pack.regex-timeout", "packs/team.yaml", 12, 5, Severity.ERROR),
        ("after", SKILL.path, 1, 1, Severity.ERROR),
    ]
    timeout = findings[0]
    assert (
        timeout.message == f"rule slow: pattern timed out on {SKILL.path}; the rest of the file was not checked by it"
    )
    # packwarden's own finding (so enforce knows it for a broken input), naming the pack's rule
    assert timeout.pack == "packwarden"
    assert timeout.metadata == {"rule": "slow", "rule_pack": "t@1.0"}
    assert "back-references" in timeout.fix
    assert timeout.scope == "skill"


def test_a_timeout_in_text_mode_without_a_source_is_reported_against_the_pack() -> None:
    slow = make_rule("slow", None, params={"forbidden_pattern": r"(a|aa)+\1c"})
    (finding,) = run(policy_of(slow), f"k: {'a' * 64}\n")
    assert (finding.rule, finding.path, finding.line) == ("pack.regex-timeout", "t@1.0", 1)


def test_a_timeout_from_a_real_pack_points_at_the_rule_in_the_pack_file() -> None:
    from packwarden.packs.reader import read_pack

    pack = read_pack(
        b"meta: {key: slow, version: '1'}\nrules:\n  - id: ok\n    field: version\n    required: true\n"
        b"  - id: slow.name\n    field: name\n    pattern: '(a|aa)+\\1c'\n",
        "packs/slow.yaml",
    )
    findings = run(EffectivePolicy(packs=(pack.ref,), rules=pack.rules), f"name: {'a' * 64}\n")
    assert [(f.rule, f.path, f.line, f.column, f.pack) for f in findings] == [
        ("ok", SKILL.path, 1, 1, "slow@1"),
        ("pack.regex-timeout", "packs/slow.yaml", 6, 5, "packwarden"),
    ]
    assert findings[1].metadata["rule_pack"] == "slow@1"


def test_each_rule_set_gets_its_own_plan_even_when_they_alternate() -> None:
    """Which rules apply to a kind is worked out once per rule set; switching sets switches plans."""
    requires_owner = policy_of(make_rule("t.owner", field="owner"))
    agents_only = policy_of(make_rule("t.owner", field="owner", applies_to=("agent",)))
    text = "name: x\n"
    for _ in range(2):
        assert [f.rule for f in run(requires_owner, text)] == ["t.owner"]
        assert run(agents_only, text) == []
        assert [f.rule for f in run(agents_only, text, Artifact("agents/x/agent.yaml", "agent"))] == ["t.owner"]
