"""Reading one pack file: located schema errors, compiled rules, warnings, Betty detection."""

from __future__ import annotations

import textwrap

import pytest

from packwarden import checks
from packwarden.model.errors import PolicyValidationError
from packwarden.model.finding import Finding, Severity
from packwarden.model.rule import RuleDoc
from packwarden.packs import builtin
from packwarden.packs.locate import key_mark, locate
from packwarden.packs.reader import Problems, read_pack
from tests.support.packs import pack_errors

SOURCE = "packs/team.yaml"
HEAD = "meta: {key: team, version: '1.0'}\nrules:\n"


def read(text: str) -> object:
    return read_pack(textwrap.dedent(text).encode("utf-8"), SOURCE)


def errors(text: str) -> list[tuple[str, int, int, str]]:
    return pack_errors(text, SOURCE)


# --- a valid native pack ------------------------------------------------------------------------


def test_a_native_pack_compiles_its_rules_with_their_positions() -> None:
    pack = read_pack(
        (
            HEAD
            + "  - id: skill.name\n"
            + "    applies_to: [skill]\n"
            + "    field: name\n"
            + "    pattern: '^[a-z]+$'\n"
            + "    required: true\n"
            + "    severity: block\n"
            + "    message: bad name\n"
            + "    fix: rename it\n"
            + "    why: because\n"
            + "    example: {bad: 'name: X', good: 'name: x'}\n"
            + "  - id: text.rule\n"
            + "    forbidden_pattern: 'TODO'\n"
            + "    summary: no TODOs\n"
        ).encode(),
        SOURCE,
    )
    assert pack.ref == "team@1.0"
    assert pack.source == SOURCE
    assert pack.warnings == ()
    first, second = pack.rules
    assert first.id == "skill.name"
    assert first.severity is Severity.BLOCK
    assert first.pack == "team@1.0"
    assert dict(first.params) == {"required": True, "pattern": "^[a-z]+$"}
    assert first.field == "name"
    assert first.applies_to == ("skill",)
    assert (first.message, first.fix) == ("bad name", "rename it")
    assert first.doc == RuleDoc("bad name", "because", "name: X", "name: x")
    assert (first.source, first.line, first.column) == (SOURCE, 3, 5)
    assert second.field is None
    assert second.severity is Severity.ERROR  # the default
    assert dict(second.params) == {"forbidden_pattern": "TODO"}
    assert second.doc == RuleDoc("no TODOs")
    assert (second.line, second.column) == (13, 5)


def test_every_check_key_is_carried_into_params() -> None:
    pack = read(
        """\
        meta: {key: t, version: '2'}
        rules:
          - id: all
            field: v
            required: false
            type: string
            pattern: a
            forbidden_pattern: b
            allowed_values: [a, 1, true, null, 1.5]
            forbidden_values: [c]
            semver: true
            min_length: 0
            max_length: 9
        """
    )
    (rule,) = pack.rules
    assert dict(rule.params) == {
        "required": False,
        "type": "string",
        "pattern": "a",
        "forbidden_pattern": "b",
        "allowed_values": ["a", 1, True, None, 1.5],
        "forbidden_values": ["c"],
        "semver": True,
        "min_length": 0,
        "max_length": 9,
    }
    assert [type(v) for v in rule.params["allowed_values"]] == [str, int, bool, type(None), float]  # type: ignore[attr-defined]


def test_the_builtin_default_pack_reads_cleanly() -> None:
    ref, raw = builtin.read_builtin("default@1.0")
    pack = read_pack(raw, ref)
    assert pack.ref == "default@1.0"
    assert pack.warnings == ()
    assert len(pack.rules) == 14
    assert all(rule.doc.summary and rule.doc.why and rule.doc.bad and rule.doc.good for rule in pack.rules)


# --- located errors --------------------------------------------------------------------------------


def test_an_unknown_rule_key_is_an_error_on_its_line() -> None:
    found = errors(HEAD + "  - id: a\n    field: name\n    required: true\n    colour: red\n")
    assert [(rule, line, message) for rule, line, _, message in found] == [
        ("pack.invalid", 6, "rules.0.colour: unknown key")
    ]


def test_an_unknown_key_is_located_at_the_key_itself() -> None:
    found = errors("meta: {key: t, version: '1'}\nfoo: 1\n")
    assert [(line, column) for _, line, column, _ in found] == [(2, 1)]
    nested = errors(HEAD + "  - id: a\n    field: name\n    required: true\n    colour: red\n")
    assert [(line, column) for _, line, column, _ in nested] == [(6, 5)]
    flow = errors("meta: {key: t, version: '1', colour: red}\n")
    assert [(line, column, message) for _, line, column, message in flow] == [(1, 30, "meta.colour: unknown key")]


def test_an_unknown_top_level_key_is_an_error() -> None:
    assert [(line, message) for _, line, _, message in errors("meta: {key: t, version: '1'}\nfoo: 1\n")] == [
        (2, "foo: unknown key")
    ]


def test_a_bad_severity_is_an_error_at_the_value() -> None:
    found = errors(HEAD + "  - id: a\n    field: name\n    required: true\n    severity: fatal\n")
    assert found == [("pack.invalid", 6, 15, "rules.0.severity: Input should be 'info', 'warning', 'error' or 'block'")]


def test_a_version_written_as_a_number_is_an_error() -> None:
    assert errors("meta: {key: t, version: 1.0}\n") == [
        ("pack.invalid", 1, 25, "meta.version: Input should be a valid string")
    ]


def test_a_missing_meta_is_an_error_at_the_root() -> None:
    assert errors("rules: []\n") == [("pack.invalid", 1, 1, "meta: Field required")]


def test_a_bad_rule_id_is_an_error() -> None:
    found = errors(HEAD + "  - id: 'has space'\n    field: name\n    required: true\n")
    assert [(line, message.split(":")[0]) for _, line, _, message in found] == [(3, "rules.0.id")]


def test_a_duplicate_rule_id_is_an_error_at_the_second_rule() -> None:
    found = errors(
        HEAD + "  - id: a\n    field: name\n    required: true\n  - id: a\n    field: version\n    required: true\n"
    )
    assert found == [("pack.invalid", 6, 5, "rule id a is defined twice")]


def test_a_rule_without_a_check_is_an_error() -> None:
    (found,) = errors(HEAD + "  - id: a\n    field: name\n    severity: warning\n")
    assert found[1:3] == (3, 5)
    assert found[3].startswith("rule a has no check (required, type, pattern")


@pytest.mark.parametrize("check", ["required: true", "type: string", "allowed_values: [a]", "semver: true"])
def test_a_text_rule_with_a_check_that_needs_a_field_is_an_error(check: str) -> None:
    assert errors(HEAD + f"  - id: a\n    {check}\n") == [
        ("pack.invalid", 3, 5, f"rule a: only {' and '.join(checks.table().text_keys)} work without a field")
    ]


@pytest.mark.parametrize("key", ["pattern", "forbidden_pattern"])
def test_an_invalid_regex_is_an_error_at_the_rule(key: str) -> None:
    found = errors(HEAD + "  - id: ok\n    field: name\n    required: true\n" + f"  - id: a\n    {key}: '('\n")
    assert [(line, column) for _, line, column, _ in found] == [(6, 5)]
    assert found[0][3].startswith("rule a: invalid regular expression '('")


def test_an_invalid_field_path_is_an_error() -> None:
    assert errors(HEAD + "  - id: a\n    field: 'a..b'\n    required: true\n") == [
        ("pack.invalid", 3, 5, "rule a: invalid field path 'a..b' at character 2")
    ]


def test_every_bad_rule_is_reported_not_only_the_first() -> None:
    found = errors(HEAD + "  - id: a\n    field: name\n  - id: b\n    required: true\n  - id: c\n    field: x\n")
    assert [(line, message.split(" ")[1]) for _, line, _, message in found] == [(3, "a"), (5, "b:"), (7, "c")]


def test_a_yaml_error_in_a_pack_keeps_its_parse_rule() -> None:
    (found,) = errors("meta: [\n")
    assert (found[0], found[1]) == ("parse.syntax", 2)


def test_a_yaml_anchor_in_a_pack_is_refused() -> None:
    assert [rule for rule, *_ in errors("meta: &m {key: t, version: '1'}\n")] == ["parse.yaml-anchor"]


@pytest.mark.parametrize("text", ["- a\n", "just text\n", "", "5\n", "null\n", "[meta]\n"])
def test_a_pack_that_is_not_a_mapping_is_an_error(text: str) -> None:
    assert errors(text) == [
        ("pack.invalid", 1, 1, "a pack must be a mapping with 'meta' (or a Betty profile with 'policy')")
    ]


@pytest.mark.parametrize(
    ("rules", "column", "message"),
    [
        ("{a: 1}", 8, "rules: Input should be a valid list"),
        ("x", 8, "rules: Input should be a valid list"),
        ("5", 8, "rules: Input should be a valid list"),
        ("null", 8, "rules: Input should be a valid list"),
        ("", 7, "rules: Input should be a valid list"),
    ],
)
def test_rules_that_are_not_a_list_are_an_error_at_the_value(rules: str, column: int, message: str) -> None:
    assert errors(f"meta: {{key: t, version: '1'}}\nrules: {rules}\n") == [("pack.invalid", 2, column, message)]


@pytest.mark.parametrize("rule", ["5", "x", "[a]", "null"])
def test_a_rule_that_is_not_a_mapping_is_an_error_at_the_rule(rule: str) -> None:
    found = errors(HEAD + "  - {id: a, field: n, required: true}\n" + f"  - {rule}\n")
    assert [(line, column, message.split(":")[0]) for _, line, column, message in found] == [(4, 5, "rules.1")]


def test_the_validation_error_names_the_first_error_and_counts_the_rest() -> None:
    with pytest.raises(PolicyValidationError) as info:
        read(HEAD + "  - id: a\n    field: name\n  - id: b\n    field: name\n")
    assert len(info.value.errors) == 2
    assert str(info.value) == (
        f"invalid policy: {SOURCE}:3:5: rule a has no check ({', '.join(checks.table().options)}) (and 1 more)"
    )


# --- warnings ---------------------------------------------------------------------------------------


def test_reserved_sections_are_accepted_with_a_warning_each() -> None:
    """``requirements``, ``plugin_contract``, ``capabilities``, ``decisions`` and
    ``clarifications`` are enforced (they compile into rules); the others are carried."""
    pack = read(
        """\
        meta: {key: t, version: '1'}
        requirements: {protocol_files: [plan.md]}
        plugin_contract: {smoke_run: false}
        clarifications: []
        constraints: {forbid_stub_execution: true}
        """
    )
    assert [(w.rule, w.severity, w.line, w.column, w.message) for w in pack.warnings] == [
        ("pack.meaningless", Severity.WARNING, line, 1, f"section {name!r} is not enforced by this packwarden version")
        for line, name in [(5, "constraints")]
    ]
    assert all(w.path == SOURCE for w in pack.warnings)


@pytest.mark.parametrize(
    ("applies_to", "column", "message"),
    [
        ("[skill, skil]", 25, "artifact kind 'skil' is unknown (did you mean 'skill'?)"),
        ("agnet", 17, "artifact kind 'agnet' is unknown (did you mean 'agent'?)"),
        ("[widget]", 18, "artifact kind 'widget' is unknown"),
    ],
)
def test_an_unknown_artifact_kind_is_an_error_with_the_nearest_kind(applies_to: str, column: int, message: str) -> None:
    found = errors(HEAD + f"  - id: a\n    applies_to: {applies_to}\n    field: name\n    required: true\n")
    kinds = "skill, agent, plugin, protocol, capability, commit, registry"
    assert found == [("pack.invalid", 4, column, f"rule a: {message}; the kinds are {kinds}")]


def test_applies_to_takes_one_kind_or_a_list() -> None:
    pack = read(
        HEAD
        + "  - {id: a, applies_to: skill, field: name, required: true}\n"
        + "  - {id: b, applies_to: [skill, agent], field: name, required: true}\n"
        + "  - {id: c, field: name, required: true}\n"
    )
    assert [r.applies_to for r in pack.rules] == [("skill",), ("skill", "agent"), ()]


@pytest.mark.parametrize("applies_to", ["5", "{skill: 1}", "[[skill]]", "null", "[1]"])
def test_applies_to_that_is_not_kind_names_is_an_error(applies_to: str) -> None:
    found = errors(HEAD + f"  - id: a\n    applies_to: {applies_to}\n    field: name\n    required: true\n")
    assert [(line, message.split(":")[0]) for _, line, _, message in found] == [(4, found[0][3].split(":")[0])]
    assert found[0][3].startswith("rules.0.applies_to")


def test_an_unknown_kind_in_artifacts_is_an_error_at_its_key() -> None:
    found = errors("meta: {key: t, version: '1'}\nartifacts:\n  skill: ['**/skill.yaml']\n  skils: ['**/s.yaml']\n")
    assert found == [
        (
            "pack.invalid",
            4,
            3,
            "artifacts: artifact kind 'skils' is unknown (did you mean 'skill'?); "
            "the kinds are skill, agent, plugin, protocol, capability, commit, registry",
        )
    ]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            "protocol: ['.protocols/*/plan.md']",
            "a protocol is a folder: end the glob with '/' ('.protocols/*/plan.md' names files)",
        ),
        ("registry: ['registry/*.json']", "a registry unit is where requirements.registry says, not an artifact glob"),
    ],
)
def test_a_glob_that_cannot_name_the_kinds_units_is_an_error(line: str, message: str) -> None:
    """A file glob for a folder kind would match no unit: every run would pass unchecked."""
    found = errors(f"meta: {{key: t, version: '1'}}\nartifacts:\n  {line}\n")
    assert found == [("pack.invalid", 3, 3, f"artifacts: {message}")]


@pytest.mark.parametrize(("written", "mode"), [("warn", "warn"), ("block", "block"), ("strict", "block")])
def test_strict_is_another_name_for_block(written: str, mode: str) -> None:
    pack = read(f"meta: {{key: t, version: '1'}}\nenforcement: {{mode: {written}}}\n")
    assert pack.spec.enforcement.mode == mode
    assert pack.warnings == ()


@pytest.mark.parametrize("mode", ["Strict", "blocking", "{a: 1}", "[block]", "null", "true"])
def test_any_other_mode_is_an_error_at_the_value(mode: str) -> None:
    found = errors(f"meta: {{key: t, version: '1'}}\nenforcement:\n  mode: {mode}\n")
    assert [(line, column, message.split(":")[0]) for _, line, column, message in found] == [(3, 9, "enforcement.mode")]


@pytest.mark.parametrize(
    "prefix",
    ["parse.", "pack.", "config.", "path.", "waiver.", "clarification.", "commit.", "lock.", "packwarden.", "Parse."],
)
def test_rule_ids_in_packwardens_namespaces_are_an_error_at_the_id(prefix: str) -> None:
    found = errors(HEAD + f"  - id: {prefix}mine\n    field: name\n    required: true\n")
    namespace = prefix.lower()
    assert found == [
        ("pack.invalid", 3, 9, f"rule id {prefix}mine: {namespace}* rule ids belong to packwarden; choose another id")
    ]


def test_rule_ids_that_only_look_like_a_namespace_are_fine() -> None:
    pack = read(HEAD + "  - {id: parser.x, field: a, required: true}\n  - {id: commits, field: a, required: true}\n")
    assert [r.id for r in pack.rules] == ["parser.x", "commits"]


def test_the_reserved_prefixes_cover_every_builtin_rule_and_no_shipped_pack_rule() -> None:
    from packwarden.model import builtin_rules
    from packwarden.packs.schema import RESERVED_RULE_PREFIXES

    assert all(rule.id.startswith(RESERVED_RULE_PREFIXES) for rule in builtin_rules.BY_ID.values())
    refs = builtin.builtin_refs()
    assert len(refs) >= 5
    for ref in refs:
        pack = read_pack(builtin.read_builtin(ref)[1], ref)
        assert pack.rules
        # packwarden's own namespaces hold the rules it compiles for a pack, by design: the commit.*
        # rules of requirements.commit_message, and the clarification.* rules of its questions
        sectioned = pack.spec.requirements is not None and pack.spec.requirements.commit_message is not None
        written = [
            rule
            for rule in pack.rules
            if "clarification" not in rule.params and not (sectioned and rule.id.startswith("commit."))
        ]
        assert not any(rule.id.lower().startswith(RESERVED_RULE_PREFIXES) for rule in written)
        asked = [rule.id for rule in pack.rules if "clarification" in rule.params]
        assert all(rid.startswith("clarification.unanswered.") for rid in asked)


@pytest.mark.parametrize(
    ("checks", "written"),
    [
        ("required: false", "required: false"),
        ("semver: false", "semver: false"),
        ("forbidden_values: []", "forbidden_values: []"),
        ("min_length: 0", "min_length: 0"),
        ("pattern: ''", "pattern: ''"),
        ("{required: false, semver: false}", "required: false, semver: false"),
    ],
)
def test_a_rule_that_can_never_find_anything_is_a_warning_and_skipped(checks: str, written: str) -> None:
    if checks.startswith("{"):
        checks = checks.strip("{}").replace(", ", "\n    ")
    pack = read(
        HEAD + "  - id: ok\n    field: name\n    required: true\n" + f"  - id: a\n    field: name\n    {checks}\n"
    )
    assert [r.id for r in pack.rules] == ["ok"]
    assert [(w.rule, w.line, w.column, w.message) for w in pack.warnings] == [
        ("pack.meaningless", 6, 5, f"rule a can never find anything ({written}); skipped")
    ]


def test_an_inert_check_next_to_a_live_one_is_fine() -> None:
    pack = read(HEAD + "  - {id: a, field: name, required: false, min_length: 0, max_length: 3}\n")
    assert dict(pack.rules[0].params) == {"required": False, "min_length": 0, "max_length": 3}
    assert pack.warnings == ()


def test_warnings_travel_with_the_errors() -> None:
    with pytest.raises(PolicyValidationError) as info:
        read("meta: {key: t, version: '1'}\nconstraints: {}\nrules:\n  - id: a\n    field: name\n")
    assert [w.message for w in info.value.warnings] == [
        "section 'constraints' is not enforced by this packwarden version"
    ]
    assert len(info.value.errors) == 1


# --- Betty detection ---------------------------------------------------------------------------------


def test_a_betty_profile_is_detected_and_converted() -> None:
    pack = read(
        """\
        policy:
          name: Team Naming
          version: 2.1.0
          rules:
            - field: name
              pattern: '^[a-z.]+$'
              message: lowercase names
        """
    )
    assert pack.ref == "team-naming@2.1.0"
    assert [(r.id, r.field, dict(r.params), r.line) for r in pack.rules] == [
        ("team-naming.lowercase-names", "name", {"pattern": "^[a-z.]+$"}, 5)
    ]


def test_a_mapping_with_meta_and_policy_is_a_native_pack() -> None:
    found = errors("meta: {key: t, version: '1'}\npolicy: {name: x}\n")
    assert found == [("pack.invalid", 2, 1, "policy: unknown key")]


def test_betty_conversion_errors_are_pack_errors() -> None:
    found = errors("policy:\n  name: x\n  rules:\n    - 5\n")
    assert found == [("pack.invalid", 4, 7, "rule 1 must be a mapping, not the number 5")]


# --- locate helpers ------------------------------------------------------------------------------------


def test_problems_collects_errors_and_warnings_with_the_chosen_rule() -> None:
    problems = Problems("x.yml")
    problems.warn("w", (2, 3))
    problems.raise_if_errors()  # warnings alone do not raise
    problems.error("e", (4, 5))
    with pytest.raises(PolicyValidationError) as info:
        problems.raise_if_errors()
    assert info.value.errors == (Finding("pack.invalid", Severity.ERROR, "e", "x.yml", 4, 5),)
    assert info.value.warnings == (Finding("pack.meaningless", Severity.WARNING, "w", "x.yml", 2, 3),)


def test_locate_falls_back_to_the_deepest_existing_part() -> None:
    from packwarden.load.yaml import load_yaml_text

    data = load_yaml_text("a:\n  b: [x, y]\n").data
    assert locate(data, ("a", "b", 1)) == (2, 10)
    assert locate(data, ("a", "b", 7)) == (2, 6)
    assert locate(data, ("a", "c")) == (2, 3)
    assert locate(data, ("a", "b", "k")) == (2, 6)
    assert locate(data, ()) == (1, 1)
    assert locate(None, ("a",)) == (1, 1)
    assert key_mark(data, "a") == (1, 1)
    assert key_mark(data["a"], "b") == (2, 3)
    assert key_mark(data["a"], "zzz") == (2, 3)
    assert key_mark(data["a"]["b"], "x") == (2, 6)
    assert key_mark(None, "x") == (1, 1)


# --- the repository config's overrides.rules go through compile_rules too ----------------------------------


def config_errors(text: str) -> list[tuple[str, int, int, str]]:
    from packwarden.packs.inputs import PolicyInputs
    from packwarden.packs.resolve import build_policy

    with pytest.raises(PolicyValidationError) as info:
        build_policy(PolicyInputs(textwrap.dedent(text).encode()))
    return [(e.rule, e.line, e.column, e.message) for e in info.value.errors]


def test_config_override_rules_cannot_use_packwardens_namespaces() -> None:
    found = config_errors("overrides:\n  rules:\n    - {id: waiver.mine, field: name, required: true}\n")
    assert found == [
        ("config.invalid", 3, 12, "rule id waiver.mine: waiver.* rule ids belong to packwarden; choose another id")
    ]


def test_config_override_rules_name_known_kinds() -> None:
    found = config_errors("overrides:\n  rules:\n    - {id: a, applies_to: [agnt], field: name, required: true}\n")
    assert [(rule, line, column) for rule, line, column, _ in found] == [("config.invalid", 3, 28)]
    assert "did you mean 'agent'?" in found[0][3]


@pytest.mark.parametrize(("written", "mode"), [("strict", "block"), ("block", "block"), ("warn", "warn")])
def test_config_mode_strict_is_block(written: str, mode: str) -> None:
    from packwarden.packs.inputs import PolicyInputs
    from packwarden.packs.resolve import build_policy
    from packwarden.packs.schema import ConfigSpec

    assert ConfigSpec.model_validate({"mode": written}).mode == mode
    assert build_policy(PolicyInputs(f"mode: {written}\n".encode())).mode == mode
