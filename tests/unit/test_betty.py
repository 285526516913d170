"""Betty policy profiles as packs: the real profiles from the corpus, and each conversion rule."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from packwarden.artifacts.kinds import Artifact
from packwarden.engine import check_document
from packwarden.load.document import PosDict
from packwarden.load.yaml import load_yaml, load_yaml_text
from packwarden.model.errors import PolicyValidationError
from packwarden.model.finding import Severity
from packwarden.model.policy import EffectivePolicy
from packwarden.packs import betty
from packwarden.packs.reader import LoadedPack, read_pack
from tests.support.gitrepo import BETTY_PROFILES, corpus


def profiles() -> Path:
    return corpus("betty", "registry", "policies")


def profile(name: str) -> LoadedPack:
    path = profiles() / name
    return read_pack(path.read_bytes(), f"registry/policies/{name}")


def read(text: str) -> LoadedPack:
    return read_pack(textwrap.dedent(text).encode("utf-8"), "profile.yaml")


def errors(text: str) -> list[tuple[int, int, str]]:
    with pytest.raises(PolicyValidationError) as info:
        read(text)
    assert all(error.rule == "pack.invalid" and error.path == "profile.yaml" for error in info.value.errors)
    return [(e.line, e.column, e.message) for e in info.value.errors]


def warnings(pack: LoadedPack) -> list[tuple[int, int, str]]:
    for warning in pack.warnings:
        assert warning.rule == "pack.meaningless"
        assert warning.severity is Severity.WARNING
    return [(w.line, w.column, w.message) for w in pack.warnings]


def summary(pack: LoadedPack) -> list[tuple[str, str, str | None, dict[str, object], tuple[str, ...]]]:
    return [(r.id, r.severity.value, r.field, dict(r.params), r.applies_to) for r in pack.rules]


def test_the_corpus_holds_the_profiles_these_tests_expect() -> None:
    assert sorted(p.name for p in profiles().glob("*.yaml")) == list(BETTY_PROFILES)


@pytest.mark.parametrize("name", BETTY_PROFILES)
def test_every_corpus_profile_is_detected_and_loads(name: str) -> None:
    assert betty.is_profile(load_yaml((profiles() / name).read_bytes()).data)
    pack = profile(name)
    assert pack.rules
    assert all(rule.source == f"registry/policies/{name}" for rule in pack.rules)
    assert len({rule.id for rule in pack.rules}) == len(pack.rules)


MANIFESTS = ("skill", "agent")
PERMISSIONS = [
    "filesystem",
    "filesystem:read",
    "filesystem:write",
    "network",
    "network:read",
    "network:write",
    "read",
    "write",
]
STATUSES = ["draft", "active", "deprecated", "archived"]


def test_betty_core() -> None:
    pack = profile("betty-core.yaml")
    assert pack.ref == "betty-core@0.1.0"
    assert pack.spec.enforcement.mode == "block"
    assert pack.spec.meta.description == "Core Betty Framework validation policies for skills and agents"
    assert summary(pack) == [
        ("naming_convention_no_spaces", "error", "name", {"forbidden_pattern": r"\s"}, MANIFESTS),
        ("naming_convention_lowercase", "error", "name", {"pattern": "^[a-z][a-z0-9.]*[a-z0-9]$"}, MANIFESTS),
        (
            "semantic_versioning",
            "error",
            "version",
            {"pattern": r"^\d+\.\d+\.\d+(-[a-zA-Z0-9.-]+)?(\+[a-zA-Z0-9.-]+)?$"},
            MANIFESTS,
        ),
        ("name_required", "error", "name", {"required": True}, MANIFESTS),
        ("version_required", "error", "version", {"required": True}, MANIFESTS),
        ("status_required", "error", "status", {"required": True}, MANIFESTS),
        ("allowed_status_values", "error", "status", {"allowed_values": STATUSES}, MANIFESTS),
        (
            "skill_allowed_permissions",
            "error",
            "entrypoints.*.permissions.*",
            {"allowed_values": PERMISSIONS},
            ("skill",),
        ),
        ("agent_allowed_permissions", "error", "permissions.*", {"allowed_values": PERMISSIONS}, ("agent",)),
    ]
    assert [r.line for r in pack.rules] == [14, 23, 33, 43, 51, 59, 68, 82, 101]
    assert warnings(pack) == [(120, 3, "profile key 'config' has no meaning for packwarden; ignored")]


def test_default_profile() -> None:
    pack = profile("default.yaml")
    assert pack.ref == "default@0.1.0"
    assert pack.spec.enforcement.mode == "block"
    assert summary(pack) == [
        (
            "default.disallow-secrets-in-debug-logs-security",
            "error",
            None,
            {"forbidden_pattern": r"logger\.debug\(\$\{secret\}\)"},
            MANIFESTS,
        ),
        (
            "default.insecure-crypto-library-detected-use",
            "error",
            "imports",
            {"pattern": "import crypto(?!graphy)", "forbidden_values": ["crypto"]},
            MANIFESTS,
        ),
        (
            "default.version-must-follow-semantic-versioning-e-g-1-0",
            "warning",
            "version",
            {"pattern": r"^\d+\.\d+\.\d+$"},
            MANIFESTS,
        ),
        (
            "default.dangerous-permissions-require-security-review",
            "warning",
            "permissions",
            {"forbidden_values": ["filesystem.delete", "secrets.write"]},
            MANIFESTS,
        ),
    ]
    assert warnings(pack) == [
        (
            15,
            7,
            "rule default.openapi-specifications-must-include-a-title checks nothing "
            "(no pattern, required: true, allowed_values or forbidden_values); skipped",
        ),
        (
            21,
            16,
            "rule default.insecure-crypto-library-detected-use: a field pattern must match; "
            "if it describes what is forbidden, say check: forbidden_pattern",
        ),
    ]


def test_no_secrets_profile_scans_the_file_text() -> None:
    pack = profile("no-secrets.yaml")
    assert pack.ref == "no-secrets@0.1.0"
    assert [r.id for r in pack.rules] == [
        "no-secrets.aws-access-keys",
        "no-secrets.api-keys-and-tokens",
        "no-secrets.generic-secrets",
        "no-secrets.private-keys",
        "no-secrets.database-connection-strings",
    ]
    assert all(r.field is None and list(r.params) == ["forbidden_pattern"] for r in pack.rules)
    assert all(r.applies_to == MANIFESTS and r.severity is Severity.ERROR for r in pack.rules)
    assert warnings(pack) == []


def test_no_secrets_profile_finds_secrets_without_echoing_them() -> None:
    pack = profile("no-secrets.yaml")
    policy = EffectivePolicy(packs=(pack.ref,), rules=pack.rules)
    key = "AKIA" + "Q" * 16
    text = f"name: x\nenv:\n  url: postgresql://u:hunter22@db\n  aws: {key}\n"
    findings = check_document(policy, Artifact("skills/x/skill.yaml", "skill"), load_yaml_text(text))
    assert [(f.rule, f.line, f.column) for f in findings] == [
        ("no-secrets.aws-access-keys", 4, 8),
        ("no-secrets.database-connection-strings", 3, 8),
    ]
    assert all(key not in f.message and "hunter22" not in f.message for f in findings)
    assert [f.message for f in findings] == ["AWS Access Keys", "Database Connection Strings"]


def test_permissions_profile_warns_about_scopes_that_are_not_artifacts() -> None:
    pack = profile("permissions.yaml")
    assert pack.ref == "permission-controls@1.0.0"
    assert pack.spec.enforcement.mode == "warn"
    assert summary(pack) == [
        (
            "permission-controls.dangerous-permission-detected-requires-security",
            "warning",
            "permissions",
            {"forbidden_values": ["filesystem.delete", "network.unrestricted", "secrets.write"]},
            MANIFESTS,
        ),
    ]
    assert warnings(pack) == [
        (6, column, f"scope {name!r} is not an artifact kind packwarden checks; ignored")
        for column, name in ((11, "create"), (19, "update"), (27, "register"))
    ]


def test_production_ready_v2_skips_rules_that_check_nothing() -> None:
    pack = profile("production-ready-v2.yaml")
    assert [(r.id, dict(r.params)) for r in pack.rules] == [
        ("production-ready-v2.version-must-be-semantic", {"pattern": r"^\d+\.\d+\.\d+$"}),
        ("production-ready-v2.name-must-be-production-ready-format", {"pattern": "^[a-z][a-z0-9.]*[a-z0-9]$"}),
    ]
    assert [(line, message.split(" checks nothing")[0]) for line, _, message in warnings(pack)] == [
        (9, "rule production-ready-v2.status-must-be-active"),
        (20, "rule production-ready-v2.description-required"),
    ]


def test_production_profile_maps_action_warn_to_a_warning() -> None:
    pack = profile("production.yaml")
    assert pack.ref == "production@2.0.0"
    assert summary(pack) == [
        ("production.require-semantic-versioning", "error", "version", {"pattern": r"^\d+\.\d+\.\d+$"}, MANIFESTS),
        (
            "production.no-test-status-in-production",
            "error",
            "status",
            {"forbidden_values": ["test", "experimental"]},
            MANIFESTS,
        ),
        ("production.description-is-mandatory", "warning", "description", {"required": True}, MANIFESTS),
    ]
    assert warnings(pack) == []


def test_skill_naming_profile() -> None:
    pack = profile("skill-naming.yaml")
    assert pack.ref == "skill-naming-convention@1.0.0"
    assert summary(pack) == [
        (
            "skill-naming-convention.skill-names-must-follow-lowercase-dotted-format",
            "error",
            "name",
            {"pattern": r"^[a-z][a-z0-9]*\.[a-z][a-z0-9]*$"},
            MANIFESTS,
        ),
    ]
    assert [message for _, _, message in warnings(pack)] == [
        "scope 'create' is not an artifact kind packwarden checks; ignored",
        "scope 'update' is not an artifact kind packwarden checks; ignored",
    ]


def test_skill_status_profile() -> None:
    pack = profile("skill-status.yaml")
    assert summary(pack) == [
        (
            "skill-status-values.skill-status-must-be-one-of-draft-active",
            "error",
            "status",
            {"allowed_values": STATUSES},
            MANIFESTS,
        ),
        ("skill-status-values.skill-status-is-required", "error", "status", {"required": True}, MANIFESTS),
    ]
    assert len(warnings(pack)) == 3


def test_strict_profile() -> None:
    pack = profile("strict.yaml")
    assert pack.ref == "strict@1.0.0"
    assert [(r.id, r.severity.value, r.field, list(r.params)) for r in pack.rules] == [
        ("strict.no-hardcoded-secrets", "error", None, ["forbidden_pattern"]),
        ("strict.require-version-field", "warning", "version", ["required"]),
        ("strict.disallow-deprecated-imports", "error", None, ["forbidden_pattern"]),
        ("strict.require-description-field", "warning", "description", ["required"]),
        ("strict.enforce-status-values", "error", "status", ["allowed_values"]),
    ]
    assert warnings(pack) == []


def test_betty_core_on_the_corpus_manifests() -> None:
    pack = profile("betty-core.yaml")
    policy = EffectivePolicy(packs=(pack.ref,), rules=pack.rules)
    root = corpus("betty")
    found = []
    for path in sorted(root.glob("*/*/*.yaml")):
        kind = "agent" if path.name == "agent.yaml" else "skill" if path.name == "skill.yaml" else None
        if kind is None:
            continue
        relative = path.relative_to(root).as_posix()
        found += [
            (f.path, f.line, f.rule)
            for f in check_document(policy, Artifact(relative, kind), load_yaml(path.read_bytes()))
        ]
    assert ("skills/agent.run/skill.yaml", 76, "skill_allowed_permissions") in found
    assert ("agents/ai.orchestrator/agent.yaml", 55, "allowed_status_values") in found
    assert ("agents/meta.create/agent.yaml", 32, "agent_allowed_permissions") in found
    assert all(rule != "parse.syntax" for _, _, rule in found)


# --- each conversion rule ---------------------------------------------------------------------------


def test_is_profile() -> None:
    assert betty.is_profile(load_yaml_text("policy: {name: x}\n").data)
    assert not betty.is_profile(load_yaml_text("policy: {}\nmeta: {}\n").data)
    assert not betty.is_profile(load_yaml_text("meta: {}\n").data)
    assert not betty.is_profile({"policy": {}})  # plain dicts come from nowhere we read
    assert not betty.is_profile(load_yaml_text("- policy\n").data)


def test_minimal_profile_defaults() -> None:
    pack = read(
        """\
        policy:
          rules:
            - field: name
              required: true
        """
    )
    assert pack.ref == "unnamed@0"
    assert pack.spec.enforcement.mode == "warn"
    assert summary(pack) == [("unnamed.rule-1", "error", "name", {"required": True}, MANIFESTS)]


def test_unknown_top_level_keys_and_profile_keys_are_warnings() -> None:
    pack = read(
        """\
        policy:
          name: p
          colour: red
          rules: [{field: a, required: true}]
        extra: 1
        """
    )
    assert [(line, message) for line, _, message in warnings(pack)] == [
        (5, "top-level key 'extra' has no meaning in a Betty profile; ignored"),
        (3, "profile key 'colour' has no meaning for packwarden; ignored"),
    ]


def test_informational_keys_are_silent() -> None:
    pack = read(
        """\
        policy:
          name: p
          description: d
          type: security
          environments: [prod]
          metadata: {owner: me}
          tags: [a]
          rules: [{field: a, required: true}]
        """
    )
    assert pack.warnings == ()
    assert pack.spec.meta.description == "d"


@pytest.mark.parametrize(
    ("enforcement", "mode"),
    [("blocking", "block"), ("block", "block"), ("strict", "block"), ("warning", "warn"), ("warn", "warn")],
)
def test_enforcement_modes(enforcement: str, mode: str) -> None:
    pack = read(f"policy: {{name: p, enforcement: {enforcement}, rules: [{{field: a, required: true}}]}}\n")
    assert pack.spec.enforcement.mode == mode
    assert pack.warnings == ()


def test_an_unknown_enforcement_falls_back_to_warn_with_a_warning() -> None:
    pack = read("policy:\n  name: p\n  enforcement: lenient\n  rules: [{field: a, required: true}]\n")
    assert pack.spec.enforcement.mode == "warn"
    assert warnings(pack) == [(3, 16, "enforcement 'lenient' is not 'blocking' or 'warning'; using warn mode")]


@pytest.mark.parametrize("value", ["{mode: blocking}", "[blocking]", "null", "1", "true"])
def test_an_enforcement_that_is_not_a_name_is_an_error(value: str) -> None:
    found = errors(f"policy:\n  name: p\n  enforcement: {value}\n  rules: [{{field: a, required: true}}]\n")
    assert [(line, column) for line, column, _ in found] == [(3, 16)]
    assert found[0][2].startswith("enforcement must be 'blocking' or 'warning', not ")


@pytest.mark.parametrize(
    ("scope", "kinds"),
    [
        ("skill", ("skill",)),
        ("agent", ("agent",)),
        ("artifact", MANIFESTS),
        ("[agent, skill, agent]", ("agent", "skill")),
    ],
)
def test_scopes_map_to_artifact_kinds(scope: str, kinds: tuple[str, ...]) -> None:
    pack = read(f"policy: {{name: p, scope: {scope}, rules: [{{field: a, required: true}}]}}\n")
    assert pack.rules[0].applies_to == kinds
    assert pack.warnings == ()


@pytest.mark.parametrize(
    ("scope", "message"),
    [
        ("5", "scope the number 5 is not a kind name or a list of them; ignored"),
        ("null", "scope null is not a kind name or a list of them; ignored"),
        ("{x: 1}", "scope a mapping is not a kind name or a list of them; ignored"),
        ("[]", "scope names no kind; ignored"),
    ],
)
def test_a_scope_that_is_not_a_name_falls_back_to_manifests_with_a_warning(scope: str, message: str) -> None:
    pack = read(f"policy:\n  name: p\n  scope: {scope}\n  rules: [{{field: a, required: true}}]\n")
    assert pack.rules[0].applies_to == MANIFESTS
    assert warnings(pack) == [(3, 10, message)]


def test_scope_items_that_are_not_names_are_warnings_at_the_item() -> None:
    pack = read("policy:\n  name: p\n  scope: [1, [2], agent]\n  rules: [{field: a, required: true}]\n")
    assert pack.rules[0].applies_to == ("agent",)
    assert warnings(pack) == [
        (3, 11, "scope item the number 1 is not a kind name; ignored"),
        (3, 14, "scope item a list is not a kind name; ignored"),
    ]


def test_a_rule_scope_with_no_kind_left_falls_back_to_the_profile_scope() -> None:
    pack = read("policy:\n  name: p\n  scope: skill\n  rules:\n    - {field: a, required: true, scope: [{}]}\n")
    assert pack.rules[0].applies_to == ("skill",)
    assert warnings(pack) == [(5, 42, "scope item a mapping is not a kind name; ignored")]


def test_a_rule_scope_overrides_the_profile_scope_and_warns_for_unknown_names() -> None:
    pack = read(
        """\
        policy:
          name: p
          scope: skill
          rules:
            - {field: a, required: true, scope: [agent, update]}
        """
    )
    assert pack.rules[0].applies_to == ("agent",)
    assert [message for _, _, message in warnings(pack)] == [
        "scope 'update' is not an artifact kind packwarden checks; ignored"
    ]


def test_a_pattern_with_a_field_must_match_and_without_one_is_forbidden_text() -> None:
    pack = read(
        """\
        policy:
          name: p
          rules:
            - {id: f, field: name, pattern: '^x$'}
            - {id: t, pattern: 'SECRET'}
            - {id: c, field: content, pattern: 'TODO'}
        """
    )
    assert [(r.id, r.field, dict(r.params)) for r in pack.rules] == [
        ("f", "name", {"pattern": "^x$"}),
        ("t", None, {"forbidden_pattern": "SECRET"}),
        ("c", None, {"forbidden_pattern": "TODO"}),
    ]


@pytest.mark.parametrize("check", ["pattern", "forbidden_pattern"])
def test_an_explicit_pattern_check(check: str) -> None:
    pack = read(f"policy: {{name: p, rules: [{{id: r, field: name, check: {check}, pattern: '^x'}}]}}\n")
    assert dict(pack.rules[0].params) == {check: "^x"}


def test_an_explicit_pattern_check_without_a_pattern_is_an_error() -> None:
    with pytest.raises(PolicyValidationError) as info:
        read("policy:\n  name: p\n  rules:\n    - {id: r, field: name, check: pattern}\n")
    assert [(e.line, e.column, e.message) for e in info.value.errors] == [
        (4, 7, "rule r: check pattern needs a pattern")
    ]


def test_explicit_required_and_value_checks() -> None:
    pack = read(
        """\
        policy:
          name: p
          rules:
            - {id: r, field: a, check: required}
            - {id: v, field: a, check: allowed_values, allowed_values: [x], forbidden_values: [y]}
            - {id: w, field: a, check: forbidden_values, allowed_values: [x], forbidden_values: [y]}
        """
    )
    assert [(r.id, dict(r.params)) for r in pack.rules] == [
        ("r", {"required": True}),
        ("v", {"allowed_values": ["x"]}),
        ("w", {"forbidden_values": ["y"]}),
    ]


def test_an_unknown_check_is_a_warning_and_the_rule_is_skipped() -> None:
    pack = read("policy:\n  name: p\n  rules:\n    - {id: r, field: a, check: regex_match, pattern: x}\n  other: 1\n")
    assert pack.rules == ()
    assert [message for _, _, message in warnings(pack)] == [
        "profile key 'other' has no meaning for packwarden; ignored",
        "rule r: check 'regex_match' is unknown; ignored",
        "rule r checks nothing (no pattern, required: true, allowed_values or forbidden_values); skipped",
    ]


def test_unknown_rule_keys_and_rule_types_are_warnings() -> None:
    pack = read("policy:\n  name: p\n  rules:\n    - {id: r, field: a, required: true, type: schema, when: x}\n")
    assert len(pack.rules) == 1
    assert [(line, message) for line, _, message in warnings(pack)] == [
        (4, "rule r: key 'when' has no meaning; ignored"),
        (4, "rule r: type 'schema' is not 'field_check'; checked as one"),
    ]


@pytest.mark.parametrize(
    ("severity", "action", "expected"),
    [
        ("info", "block", "info"),
        ("warning", "block", "warning"),
        ("warn", "block", "warning"),
        ("error", "block", "error"),
        ("ERROR", "block", "error"),
        ("critical", "block", "block"),
        ("block", "block", "block"),
        ("error", "warn", "warning"),
        ("critical", "warn", "warning"),
        ("info", "warn", "info"),
    ],
)
def test_severity_and_action(severity: str, action: str, expected: str) -> None:
    pack = read(f"policy: {{name: p, rules: [{{field: a, required: true, severity: {severity}, action: {action}}}]}}\n")
    assert pack.rules[0].severity.value == expected
    assert pack.warnings == ()


def test_an_unknown_severity_is_a_warning_and_means_error() -> None:
    pack = read("policy:\n  name: p\n  rules:\n    - {id: r, field: a, required: true, severity: fatal}\n")
    assert pack.rules[0].severity is Severity.ERROR
    assert [(line, column, message) for line, column, message in warnings(pack)] == [
        (4, 51, "rule r: severity 'fatal' is unknown; using error")
    ]


def test_an_unknown_action_is_a_warning_and_ignored() -> None:
    pack = read("policy:\n  name: p\n  rules:\n    - {id: r, field: a, required: true, action: deny}\n")
    assert pack.rules[0].severity is Severity.ERROR
    assert [message for _, _, message in warnings(pack)] == ["rule r: action 'deny' is not 'block' or 'warn'; ignored"]


def test_message_and_description_become_message_and_summary() -> None:
    pack = read("policy: {name: p, rules: [{field: a, required: true, message: m, description: d}]}\n")
    (rule,) = pack.rules
    assert (rule.id, rule.message, rule.doc.summary) == ("p.d", "m", "d")


def test_generated_ids_are_unique_and_cut_at_a_word_boundary() -> None:
    long = "word " * 20
    pack = read(
        f"""\
        policy:
          name: P
          rules:
            - {{field: a, required: true, message: same}}
            - {{field: b, required: true, message: same}}
            - {{field: c, required: true, message: same}}
            - {{field: d, required: true, message: '{long}'}}
            - {{field: e, required: true, message: '!!!'}}
        """
    )
    ids = [r.id for r in pack.rules]
    assert ids[:3] == ["p.same", "p.same-2", "p.same-2-2"]
    assert ids[3] == "p." + "-".join(["word"] * 9)
    assert ids[4] == "p.rule"


def test_a_policy_that_is_not_a_mapping_is_an_error() -> None:
    with pytest.raises(PolicyValidationError) as info:
        read("policy: [a]\n")
    assert ("'policy' must be a mapping", 1, 9) in [(e.message, e.line, e.column) for e in info.value.errors]


@pytest.mark.parametrize(
    ("rules", "shape"),
    [("{a: 1}", "a mapping"), ("x", "'x'"), ("5", "the number 5"), ("null", "null"), ("''", "''")],
)
def test_rules_that_are_not_a_list_are_an_error(rules: str, shape: str) -> None:
    assert errors(f"policy:\n  name: p\n  rules: {rules}\n") == [
        (3, 10, f"'rules' must be a list of rules, not {shape}")
    ]


def test_a_profile_without_rules_warns_that_it_checks_nothing() -> None:
    assert warnings(read("policy: {name: p}\n")) == [(1, 9, "the profile has no 'rules'; it checks nothing")]
    assert warnings(read("policy: {name: p, rules: []}\n")) == [(1, 26, "'rules' is empty; the profile checks nothing")]


def test_convert_keeps_positions_for_the_native_tree() -> None:
    root = load_yaml_text("policy:\n  name: p\n  version: '3'\n  rules:\n    - field: a\n      required: true\n").data
    converted = betty.convert(root)
    assert converted.errors == []
    data = converted.data
    assert isinstance(data, PosDict)
    assert data["meta"]["key"] == "p"
    assert data["meta"].marks["version"] == (3, 12)
    assert data["rules"].marks == [(5, 7)]
    assert data["rules"][0].marks["required"] == (6, 17)


def test_a_corpus_profile_selected_by_path_becomes_the_policy(tmp_path: Path) -> None:
    """The Betty name and version become the pack ref used by `extends` and `--pack`."""
    from packwarden.packs.inputs import PolicyInputs
    from packwarden.packs.resolve import build_policy

    (tmp_path / "skill-status.yaml").write_bytes((profiles() / "skill-status.yaml").read_bytes())
    (tmp_path / "team.yaml").write_text(
        "meta: {key: team, version: '1'}\nextends: [skill-status.yaml]\nenforcement: {mode: warn}\n"
    )
    policy = build_policy(PolicyInputs(pack="team.yaml", root=tmp_path, cwd=tmp_path))
    assert policy.packs == ("skill-status-values@1.0.0", "team@1")
    assert policy.mode == "warn"
    assert policy.origins["mode"] == "pack team@1 (repository, team.yaml)"
    assert len(policy.rules) == 2
    assert [w.message for w in policy.warnings][:1] == [
        "scope 'create' is not an artifact kind packwarden checks; ignored"
    ]


# --- malformed profiles: located errors, or located warnings that say what was ignored ---------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("name: {a: 1}", (2, 9, "the profile name must be text, not a mapping")),
        ("name: 5", (2, 9, "the profile name must be text, not the number 5")),
        ("name: ''", (2, 9, "the profile name must not be empty")),
        ("version: [1]", (2, 12, "the profile version must be text, not a list")),
        ("version: 1.10", (2, 12, "the profile version must be text, not the number 1.1; quote it")),
        ("version: true", (2, 12, "the profile version must be text, not true")),
        ("description: {a: 1}", (2, 16, "the profile description must be text, not a mapping")),
    ],
)
def test_profile_fields_of_the_wrong_shape_are_errors(line: str, expected: tuple[int, int, str]) -> None:
    assert errors(f"policy:\n  {line}\n  rules: [{{field: a, required: true}}]\n") == [expected]


def test_a_whole_number_version_is_text() -> None:
    assert read("policy: {name: p, version: 2, rules: [{field: a, required: true}]}\n").ref == "p@2"


def test_rule_keys_at_the_profile_level_are_warnings() -> None:
    pack = read("policy:\n  name: p\n  field: name\n  required: true\n  rules: [{field: a, required: true}]\n")
    assert [(line, message) for line, _, message in warnings(pack)] == [
        (3, "profile key 'field' has no meaning for packwarden; ignored"),
        (4, "profile key 'required' has no meaning for packwarden; ignored"),
    ]


@pytest.mark.parametrize(
    ("pair", "message"),
    [
        ("id: {}", "rule 1: id must be text, not a mapping"),
        ("id: 5", "rule 1: id must be text, not the number 5"),
        ("id: ''", "rule 1: id must not be empty"),
        ("field: {}", "rule p.rule-1: field must be text, not a mapping"),
        ("field: 5", "rule p.rule-1: field must be text, not the number 5"),
        ("pattern: 5", "rule p.rule-1: pattern must be text, not the number 5"),
        ("pattern: null", "rule p.rule-1: pattern must be text, not null"),
        ("check: [pattern]", "rule p.rule-1: check must be text, not a list"),
        ("required: 'yes'", "rule p.rule-1: required must be true or false, not 'yes'"),
        ("required: null", "rule p.rule-1: required must be true or false, not null"),
        ("allowed_values: x", "rule p.rule-1: allowed_values must be a list of values, not 'x'"),
        ("forbidden_values: {a: 1}", "rule p.rule-1: forbidden_values must be a list of values, not a mapping"),
        ("message: [m]", "rule p.rule-1: message must be text, not a list"),
        ("description: {}", "rule p.rule-1: description must be text, not a mapping"),
    ],
)
def test_rule_fields_of_the_wrong_shape_are_errors_at_the_value(pair: str, message: str) -> None:
    key, value = pair.split(": ", 1)
    rule = {"field": "a", "required": "true", key: value}  # one key a line, the odd one last or replacing
    found = errors(
        "policy:\n  name: p\n  rules:\n    - " + "\n      ".join(f"{k}: {v}" for k, v in rule.items()) + "\n"
    )
    value_line = 4 + list(rule).index(key)
    assert found == [(value_line, 7 + len(key) + 2, message)]


def test_values_inside_a_list_are_checked_by_the_pack_schema() -> None:
    found = errors("policy:\n  name: p\n  rules:\n    - {field: a, allowed_values: [a, {b: 1}]}\n")
    assert [(line, column) for line, column, _ in found] == [(4, 38)]


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("severity: [1]", "rule r: severity a list is unknown; using error"),
        ("severity: 5", "rule r: severity the number 5 is unknown; using error"),
        ("action: {}", "rule r: action a mapping is not 'block' or 'warn'; ignored"),
        ("type: [x]", "rule r: type a list is not 'field_check'; checked as one"),
    ],
)
def test_odd_severities_actions_and_types_are_warnings(rule: str, message: str) -> None:
    pack = read(f"policy:\n  name: p\n  rules:\n    - {{id: r, field: a, required: true, {rule}}}\n")
    assert pack.rules[0].severity is Severity.ERROR
    assert [text for _, _, text in warnings(pack)] == [message]


def test_required_false_checks_nothing_and_the_rule_is_skipped_with_a_warning() -> None:
    pack = read("policy:\n  name: p\n  rules:\n    - {id: r, field: a, required: false}\n")
    assert pack.rules == ()
    assert warnings(pack) == [
        (4, 7, "rule r checks nothing (no pattern, required: true, allowed_values or forbidden_values); skipped")
    ]


def test_required_false_next_to_a_pattern_means_optional() -> None:
    pack = read("policy:\n  name: p\n  rules:\n    - {id: r, field: a, required: false, pattern: '^x'}\n")
    assert dict(pack.rules[0].params) == {"pattern": "^x"}
    assert pack.warnings == ()


def test_an_empty_forbidden_values_list_can_never_find_anything() -> None:
    pack = read("policy:\n  name: p\n  rules:\n    - {id: r, field: a, forbidden_values: []}\n")
    assert pack.rules == ()
    assert warnings(pack) == [(4, 7, "rule r can never find anything (forbidden_values: []); skipped")]


def test_required_false_with_check_required_is_checked_with_a_warning() -> None:
    pack = read("policy:\n  name: p\n  rules:\n    - {id: r, field: a, check: required, required: false}\n")
    assert dict(pack.rules[0].params) == {"required": True}
    assert warnings(pack) == [(4, 52, "rule r: required: false contradicts check: required; checked")]


def test_values_that_an_explicit_check_does_not_use_are_warnings() -> None:
    pack = read(
        "policy:\n  name: p\n  rules:\n    - {id: v, field: a, check: allowed_values, allowed_values: [x],"
        " forbidden_values: [y]}\n"
    )
    assert dict(pack.rules[0].params) == {"allowed_values": ["x"]}
    assert [text for _, _, text in warnings(pack)] == [
        "rule v: forbidden_values is not checked with check: allowed_values; ignored"
    ]


def test_explicit_duplicate_ids_are_an_error_and_generated_ids_avoid_explicit_ones() -> None:
    found = errors(
        "policy:\n  name: p\n  rules:\n    - {id: r, field: a, required: true}\n"
        "    - {id: r, field: b, required: true}\n"
    )
    assert found == [(5, 7, "rule id r is defined twice")]
    pack = read(
        "policy:\n  name: p\n  rules:\n    - {field: a, required: true, message: same}\n"
        "    - {id: p.same, field: b, required: true}\n"
    )
    assert [r.id for r in pack.rules] == ["p.same-2", "p.same"]


@pytest.mark.parametrize("name", ["parse", "config", "Commit", "waiver"])
def test_generated_ids_stay_out_of_packwardens_namespaces(name: str) -> None:
    pack = read(f"policy: {{name: {name}, rules: [{{field: a, required: true, message: m}}]}}\n")
    assert [r.id for r in pack.rules] == [f"betty-{name.lower()}.m"]


def test_explicit_ids_in_packwardens_namespaces_are_an_error() -> None:
    found = errors("policy:\n  name: p\n  rules:\n    - {id: pack.mine, field: a, required: true}\n")
    assert found == [(4, 12, "rule id pack.mine: pack.* rule ids belong to packwarden; choose another id")]
