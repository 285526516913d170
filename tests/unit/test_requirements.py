"""A pack's ``requirements`` compiled into ordinary rules (``packs.requirements``): their ids,
params and positions, the errors a bad section gives, and severities set like any rule's."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from packwarden.api import check
from packwarden.model.errors import PolicyValidationError
from packwarden.model.finding import Severity
from packwarden.model.rule import Rule
from packwarden.packs.inputs import CONFIG_PATH, PolicyInputs
from packwarden.packs.reader import LoadedPack, read_pack
from packwarden.packs.requirements import slug
from packwarden.packs.resolve import build_policy
from tests.support.packs import pack_errors

SOURCE = "pack.yaml"
HEAD = "meta: {key: t, version: '1.0'}\n"
STEP_FILES = ["step-*.md", "steps/*.md"]
DEFAULT_IDS = [
    "protocol.missing-file.plan.md",
    "protocol.missing-file.context.md",
    "protocol.missing-file.log.md",
    "protocol.missing-step-section.sub-tasks",
    "protocol.missing-step-section.verification",
    "protocol.missing-step-section.rollback",
    "protocol.missing-step-section.definition-of-done",
]
# Registry tests ask for no protocol rules, so that only the registry's rules are compiled.
NO_PROTOCOL = "requirements:\n  protocol_files: []\n  step_sections: []\n"


def read(text: str) -> LoadedPack:
    return read_pack((HEAD + textwrap.dedent(text)).encode("utf-8"), SOURCE)


def rules(text: str) -> dict[str, Rule]:
    return {rule.id: rule for rule in read(text).rules}


def errors(text: str) -> list[tuple[str, int, int, str]]:
    return pack_errors(HEAD + textwrap.dedent(text), SOURCE)


# --- protocol runs ----------------------------------------------------------------------------


def test_an_empty_section_asks_for_the_defaults() -> None:
    pack = read("requirements: {}\n")
    assert pack.warnings == ()
    compiled = {rule.id: rule for rule in pack.rules}
    assert list(compiled) == DEFAULT_IDS
    for name in ("plan.md", "context.md", "log.md"):
        assert dict(compiled[f"protocol.missing-file.{name}"].params) == {"required_file": name}
    for section, rid in [
        ("Sub-tasks", "sub-tasks"),
        ("Verification", "verification"),
        ("Rollback", "rollback"),
        ("Definition of Done", "definition-of-done"),
    ]:
        params = dict(compiled[f"protocol.missing-step-section.{rid}"].params)
        assert params == {"step_section": section, "step_files": STEP_FILES}
    for rule in compiled.values():
        assert rule.severity is Severity.ERROR
        assert rule.applies_to == ("protocol",)
        assert rule.pack == "t@1.0"
        assert (rule.source, rule.line) == (SOURCE, 2)
        assert rule.field is None
        assert rule.fix and rule.doc.summary and rule.doc.why and rule.doc.bad and rule.doc.good


def test_a_pack_without_the_section_asks_for_nothing() -> None:
    assert read("rules: []\n").rules == ()


def test_explicit_lists_replace_the_defaults_and_locate_each_rule_at_its_entry() -> None:
    compiled = rules(
        """\
        requirements:
          protocol_files: [plan.md, notes/decisions.md]
          step_files: ["phases/*.md"]
          step_sections:
            - Risks
            - Definition of Done
        """
    )
    assert list(compiled) == [
        "protocol.missing-file.plan.md",
        "protocol.missing-file.notes-decisions.md",
        "protocol.missing-step-section.risks",
        "protocol.missing-step-section.definition-of-done",
    ]
    assert dict(compiled["protocol.missing-file.notes-decisions.md"].params) == {"required_file": "notes/decisions.md"}
    assert dict(compiled["protocol.missing-step-section.risks"].params) == {
        "step_section": "Risks",
        "step_files": ["phases/*.md"],
    }
    where = {rid: (rule.line, rule.column) for rid, rule in compiled.items()}
    assert where == {
        "protocol.missing-file.plan.md": (3, 20),
        "protocol.missing-file.notes-decisions.md": (3, 29),
        "protocol.missing-step-section.risks": (6, 7),
        "protocol.missing-step-section.definition-of-done": (7, 7),
    }


@pytest.mark.parametrize(
    ("section", "left"),
    [
        ("{protocol_files: []}", DEFAULT_IDS[3:]),
        ("{step_sections: []}", DEFAULT_IDS[:3]),
        ("{protocol_files: [], step_sections: [], artifacts: []}", []),
    ],
)
def test_an_empty_list_asks_for_nothing(section: str, left: list[str]) -> None:
    assert list(rules(f"requirements: {section}\n")) == left


def test_an_empty_list_of_step_files_asks_for_no_step_sections() -> None:
    assert list(rules("requirements: {step_files: []}\n")) == DEFAULT_IDS[:3]


def test_artifacts_compile_into_missing_artifact_rules() -> None:
    compiled = rules(
        """\
        requirements:
          protocol_files: []
          step_sections: []
          artifacts: [outputs/report.json, "outputs/*.csv"]
        """
    )
    assert {rid: dict(rule.params) for rid, rule in compiled.items()} == {
        "protocol.missing-artifact.outputs-report.json": {"required_file": "outputs/report.json"},
        "protocol.missing-artifact.outputs-any.csv": {"required_file": "outputs/*.csv"},
    }
    assert [(rule.line, rule.column) for rule in compiled.values()] == [(5, 15), (5, 36)]
    assert all(rule.applies_to == ("protocol",) for rule in compiled.values())


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Definition of Done", "definition-of-done"),
        ("Sub-tasks", "sub-tasks"),
        ("  Rollback  ", "rollback"),
        ("Risks & Mitigations", "risks-mitigations"),
        ("v2.Notes", "v2.notes"),
        ("plan.md", "plan.md"),
        ("notes/decisions.md", "notes-decisions.md"),
        ("snake_case", "snake_case"),
        ("..Rollback..", "rollback"),
        ("Étape", "etape"),  # accents are dropped, the letters kept
        ("!!!", ""),  # nothing left: the reader refuses the id (test below)
    ],
)
def test_slug(name: str, expected: str) -> None:
    assert slug(name) == expected


def test_odd_section_names_compile_into_well_formed_ids_and_keep_their_text() -> None:
    compiled = rules("requirements: {protocol_files: [], step_sections: ['Risks & Mitigations', 'Étape 2']}\n")
    assert {rid: rule.params["step_section"] for rid, rule in compiled.items()} == {
        "protocol.missing-step-section.risks-mitigations": "Risks & Mitigations",
        "protocol.missing-step-section.etape-2": "Étape 2",
    }


def test_a_name_that_gives_no_rule_id_is_an_error_at_its_entry() -> None:
    found = errors("requirements: {protocol_files: [], step_sections: ['!!!']}\n")
    assert found == [
        (
            "pack.invalid",
            2,
            52,
            "requirements: 'protocol.missing-step-section.' is no usable rule id: name it with letters or digits",
        )
    ]


# --- registries -------------------------------------------------------------------------------


def test_each_registry_compiles_into_one_rule_per_check_and_matched_field() -> None:
    compiled = rules(
        NO_PROTOCOL
        + "  registry:\n"
        + "    - {path: registry/skills.json, list: skills, kind: skill, match: [version, status]}\n"
        + "    - path: registry/agents.json\n"
        + "      list: Agent List\n"
        + "      key: id\n"
        + "      kind: agent\n"
    )
    assert list(compiled) == [
        "registry.skills.malformed",
        "registry.skills.missing-manifest",
        "registry.skills.missing-entry",
        "registry.skills.mismatch.version",
        "registry.skills.mismatch.status",
        "registry.agent-list.malformed",
        "registry.agent-list.missing-manifest",
        "registry.agent-list.missing-entry",
    ]
    skills = {
        "path": "registry/skills.json",
        "list": "skills",
        "key": "name",
        "kind": "skill",
        "match": ["version", "status"],
        "manifests": [],
    }
    assert dict(compiled["registry.skills.malformed"].params) == {"registry": skills, "registry_check": "malformed"}
    assert dict(compiled["registry.skills.mismatch.status"].params) == {
        "registry": skills,
        "registry_check": "mismatch",
        "registry_field": "status",
    }
    agents = compiled["registry.agent-list.missing-entry"].params["registry"]
    assert isinstance(agents, dict)
    assert (agents["key"], agents["list"]) == ("id", "Agent List")
    for rule in compiled.values():
        assert rule.applies_to == ("registry",)
        assert rule.severity is Severity.ERROR
    assert (compiled["registry.skills.missing-entry"].line, compiled["registry.skills.missing-entry"].column) == (6, 7)
    assert (compiled["registry.agent-list.malformed"].line, compiled["registry.agent-list.malformed"].column) == (7, 7)


def test_two_registries_with_one_list_name_are_an_error_at_the_second() -> None:
    found = errors(
        NO_PROTOCOL
        + "  registry:\n"
        + "    - {path: registry/skills.json, list: skills, kind: skill}\n"
        + "    - {path: registry/more-skills.json, list: Skills, kind: skill}\n"
    )
    assert found == [("pack.invalid", 7, 7, "requirements.registry: list 'Skills' is also entry 0")]


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("widget", "artifact kind 'widget' is unknown; the kinds are "),
        ("protocol", "registry kind 'protocol' is not a kind of manifest file"),
        ("registry", "registry kind 'registry' is not a kind of manifest file"),
    ],
)
def test_a_registry_of_no_manifest_kind_is_an_error_at_its_entry(kind: str, message: str) -> None:
    found = errors(NO_PROTOCOL + f"  registry:\n    - {{path: r.json, list: things, kind: {kind}}}\n")
    assert len(found) == 1  # said once, not once per rule the entry compiles into
    for rule, line, column, text in found:
        assert (rule, line, column) == ("pack.invalid", 6, 7)
        assert text.startswith(f"requirements: {message}")


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("{path: /srv/registry.json, list: s, kind: skill}", "registry.path: '/srv/registry.json' is absolute"),
        ("{path: r.json, list: s, kind: skill, manifests: [../x/skill.yaml]}", "registry.manifests: '../x/skill.yaml'"),
    ],
)
def test_a_registry_path_outside_the_repository_is_an_error_at_its_entry(entry: str, message: str) -> None:
    found = errors(NO_PROTOCOL + f"  registry:\n    - {entry}\n")
    assert len(found) == 1
    for rule, line, column, text in found:
        assert (rule, line, column) == ("pack.invalid", 6, 7)
        assert message in text


# --- errors and warnings ------------------------------------------------------------------------


def test_a_compiled_id_that_a_written_rule_already_has_is_an_error() -> None:
    found = errors(
        """\
        rules:
          - {id: protocol.missing-file.plan.md, applies_to: protocol, required_file: plan.md}
        requirements:
          protocol_files: [context.md, plan.md]
          step_sections: []
        """
    )
    message = "requirements: rule id protocol.missing-file.plan.md is defined twice, in rules and by requirements"
    assert found == [("pack.invalid", 5, 32, message)]


def test_a_compiled_id_that_a_written_registry_rule_already_has_is_an_error() -> None:
    found = errors(
        """\
        rules:
          - id: registry.skills.missing-entry
            applies_to: registry
            registry: {path: r.json, list: skills, kind: skill}
            registry_check: missing-entry
        requirements:
          protocol_files: []
          step_sections: []
          registry: [{path: r.json, list: skills, kind: skill}]
        """
    )
    assert [(line, message) for _, line, _, message in found] == [
        (10, "requirements: rule id registry.skills.missing-entry is defined twice, in rules and by requirements")
    ]


@pytest.mark.parametrize(
    ("section", "second", "rid"),
    [
        (
            "{protocol_files: [], step_sections: [Rollback, ' rollback ']}",
            "' rollback '",
            "missing-step-section.rollback",
        ),
        ("{protocol_files: [plan.md, Plan.md], step_sections: []}", "Plan.md", "missing-file.plan.md"),
    ],
)
def test_two_entries_with_one_id_are_an_error_at_the_second(section: str, second: str, rid: str) -> None:
    line = f"requirements: {section}"
    found = errors(line + "\n")
    assert [(rule, ln, col) for rule, ln, col, _ in found] == [("pack.invalid", 2, line.index(second) + 1)]
    assert found[0][3] == f"requirements: rule id protocol.{rid} is defined twice, by requirements"


def test_commit_message_compiles_into_commit_rules_at_its_keys() -> None:
    """(tests/unit/test_commit_rules.py has the rules themselves)"""
    pack = read(
        "requirements:\n  protocol_files: []\n  step_sections: []\n  commit_message: {subject_max_length: 72}\n"
    )
    assert [(rule.id, rule.line) for rule in pack.rules] == [("commit.subject-length", 5)]
    assert pack.warnings == ()


@pytest.mark.parametrize(
    ("section", "column", "message"),
    [
        ("protocol_files: [/etc/plan.md]", 20, "'/etc/plan.md' is absolute; write it relative to the unit's folder"),
        ("protocol_files: [context.md, ../plan.md]", 32, "'../plan.md' leaves the unit's folder ('..')"),
        ("protocol_files: ['C:/runs/plan.md']", 20, "'C:/runs/plan.md' is absolute"),
        ("protocol_files: ['./plan.md']", 20, "'./plan.md' has an empty or '.' segment"),
        ("protocol_files: ['']", 20, "a file name or glob must not be empty"),
        ("artifacts: [out/../../secret.txt]", 15, "'out/../../secret.txt' leaves the unit's folder ('..')"),
        ("artifacts: ['/tmp/*.json']", 15, "'/tmp/*.json' is absolute"),
    ],
)
def test_a_required_file_outside_the_run_is_an_error_at_its_entry(section: str, column: int, message: str) -> None:
    found = errors(f"requirements:\n  step_sections: []\n  {section}\n")
    assert len(found) == 1
    rule, line, col, text = found[0]
    assert (rule, line, col) == ("pack.invalid", 4, column)
    assert "required_file: " + message in text


def test_step_files_outside_the_run_are_an_error() -> None:
    found = errors("requirements:\n  protocol_files: []\n  step_sections: [Rollback]\n  step_files: [../steps/*.md]\n")
    # located at the rule's entry in step_sections (line 4), not yet at the glob itself (line 5)
    assert [message for _, _, _, message in found] == [
        "requirements: step_files: '../steps/*.md' leaves the unit's folder ('..'); name a file inside it"
    ]
    assert found[0][1] in (4, 5)


def test_an_empty_section_name_is_an_error_at_its_entry() -> None:
    found = errors("requirements:\n  protocol_files: []\n  step_sections: [Rollback, '  ']\n")
    assert [(line, column) for _, line, column, _ in found] == [(4, 29)]
    assert found[0][3].endswith("a section name must not be empty")


@pytest.mark.parametrize(
    ("text", "line", "column", "message"),
    [
        ("requirements:\n  protocol_files: []\n  protocol_fils: [a.md]\n", 4, 3, "requirements.protocol_fils"),
        ("requirements:\n  step_section: [Rollback]\n", 3, 3, "requirements.step_section"),
        ("requirements:\n  registry:\n    - {path: r.json, list: s, kind: skill, colour: red}\n", 4, 44, "colour"),
    ],
)
def test_an_unknown_key_under_requirements_is_an_error_at_its_line(
    text: str, line: int, column: int, message: str
) -> None:
    found = errors(text)
    assert [(rule, ln, col) for rule, ln, col, _ in found] == [("pack.invalid", line, column)]
    assert message in found[0][3] and "unknown key" in found[0][3]


@pytest.mark.parametrize(
    ("section", "line"),
    [
        ("requirements: [plan.md]", 2),
        ("requirements:\n  protocol_files: plan.md", 3),
        ("requirements:\n  step_sections: [{name: Rollback}]", 3),
    ],
)
def test_a_section_of_the_wrong_shape_is_an_error_at_its_line(section: str, line: int) -> None:
    found = errors(section + "\n")
    assert found and all(rule == "pack.invalid" for rule, _, _, _ in found)
    assert found[0][1] == line


# --- severities -----------------------------------------------------------------------------------


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")


def _policy(tmp_path: Path, config: str | None = None, pack: str | None = "packs/child.yaml") -> dict[str, Rule]:
    raw = None if config is None else textwrap.dedent(config).encode("utf-8")
    policy = build_policy(PolicyInputs(raw, pack, False, str(tmp_path), str(tmp_path)))
    return {rule.id: rule for rule in policy.rules}


def _packs(tmp_path: Path) -> None:
    """``child`` extends ``parent`` (which asks for the defaults), raises one compiled rule and lowers another."""
    _write(tmp_path / "packs/parent.yaml", "meta: {key: parent, version: '1.0'}\nrequirements: {}\n")
    _write(
        tmp_path / "packs/child.yaml",
        """\
        meta: {key: child, version: '1.0'}
        extends: [parent.yaml]
        enforcement:
          severities:
            protocol.missing-step-section.rollback: block
            protocol.missing-file.log.md: warning
        """,
    )


def test_a_pack_sets_the_severity_of_its_own_compiled_rules(tmp_path: Path) -> None:
    text = """\
        meta: {key: child, version: '1.0'}
        enforcement: {severities: {protocol.missing-file.plan.md: warning}}
        requirements: {protocol_files: [plan.md], step_sections: []}
        """
    _write(tmp_path / "packs/child.yaml", text)
    assert [rule.severity for rule in read_pack(textwrap.dedent(text).encode(), SOURCE).rules] == [Severity.ERROR]
    compiled = _policy(tmp_path)
    assert [(rid, rule.severity) for rid, rule in compiled.items()] == [
        ("protocol.missing-file.plan.md", Severity.WARNING)
    ]


def test_a_pack_sets_the_severity_of_compiled_rules_it_inherits(tmp_path: Path) -> None:
    _packs(tmp_path)
    compiled = _policy(tmp_path)
    assert compiled["protocol.missing-step-section.rollback"].severity is Severity.BLOCK
    assert compiled["protocol.missing-file.log.md"].severity is Severity.WARNING
    assert compiled["protocol.missing-file.plan.md"].severity is Severity.ERROR
    assert compiled["protocol.missing-file.plan.md"].pack == "parent@1.0"


def test_a_severity_for_a_rule_the_requirements_do_not_compile_is_an_error(tmp_path: Path) -> None:
    _write(
        tmp_path / "packs/child.yaml",
        """\
        meta: {key: child, version: '1.0'}
        enforcement: {severities: {protocol.missing-step-section.rollback: warning}}
        requirements: {step_sections: []}
        """,
    )
    with pytest.raises(
        PolicyValidationError, match=re.escape("names unknown rules: protocol.missing-step-section.rollback")
    ):
        _policy(tmp_path)


def test_the_repository_config_sets_severities_of_and_disables_compiled_rules(tmp_path: Path) -> None:
    _packs(tmp_path)
    compiled = _policy(
        tmp_path,
        config="""\
        overrides:
          severities: {protocol.missing-file.log.md: error, protocol.missing-file.plan.md: info}
          disable: [protocol.missing-step-section.rollback]
        """,
    )
    assert "protocol.missing-step-section.rollback" not in compiled
    assert compiled["protocol.missing-file.log.md"].severity is Severity.ERROR
    assert compiled["protocol.missing-file.plan.md"].severity is Severity.INFO
    assert compiled["protocol.missing-step-section.verification"].severity is Severity.ERROR


def test_the_repository_config_names_compiled_rules_of_a_builtin_pack(tmp_path: Path) -> None:
    compiled = _policy(
        tmp_path,
        config="pack: team-standard@1.0\noverrides: {severities: {protocol.missing-file.context.md: warning}}\n",
        pack=None,
    )
    assert compiled["protocol.missing-file.context.md"].severity is Severity.WARNING
    assert compiled["protocol.missing-file.plan.md"].severity is Severity.ERROR


def test_the_repository_config_cannot_name_a_compiled_rule_that_is_not_there(tmp_path: Path) -> None:
    _packs(tmp_path)
    with pytest.raises(PolicyValidationError) as info:
        _policy(tmp_path, config="overrides:\n  disable: [protocol.missing-file.outputs.md]\n")
    assert [(e.rule, e.path, e.line) for e in info.value.errors] == [("config.invalid", CONFIG_PATH, 2)]


def test_findings_of_compiled_rules_carry_the_severities_set_for_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """End to end: the pack lowers log.md and raises rollback, the config disables verification."""
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    _packs(tmp_path)
    _write(
        tmp_path / ".packwarden/policy.yml",
        "pack: packs/child.yaml\noverrides: {disable: [protocol.missing-step-section.verification]}\n",
    )
    _write(tmp_path / ".protocols/run-1/plan.md", "# Plan\n")
    _write(tmp_path / ".protocols/run-1/context.md", "# Context\n")
    _write(
        tmp_path / ".protocols/run-1/step-1.md",
        "# Step 1\n## Sub-tasks\n- one\n## Definition of Done\n- done\n```\n## Rollback\n```\n",
    )
    result = check([".protocols/run-1"], cwd=tmp_path)
    assert sorted((f.rule, f.path, f.severity) for f in result.findings) == [
        ("protocol.missing-file.log.md", ".protocols/run-1", Severity.WARNING),
        ("protocol.missing-step-section.rollback", ".protocols/run-1/step-1.md", Severity.BLOCK),
    ]
    assert result.exit_code == 1  # block blocks in warn mode too


# --- inheritance ---------------------------------------------------------------------------------


def _effective(tmp_path: Path, requirements: str, extends: str) -> dict[str, str]:
    """Rule id -> severity of the protocol and registry rules of a pack extending ``extends``."""
    from packwarden.api import resolve

    pack = tmp_path / "child.yaml"
    pack.write_text(f"meta: {{key: child, version: '1.0'}}\nextends: [{extends}]\nrequirements: {requirements}\n")
    policy = resolve(cwd=tmp_path, pack=str(pack), use_cache=False)
    return {r.id: r.severity.value for r in policy.rules if r.id.startswith(("protocol.", "registry."))}


def test_a_list_left_out_is_inherited_with_its_severities(tmp_path: Path) -> None:
    parent = _effective(tmp_path, "{}", "beginner-guided@1.0")
    child = _effective(tmp_path, "{registry: [{path: r.json, list: skills, kind: skill}]}", "beginner-guided@1.0")

    assert set(parent.values()) == {"warning"}
    assert {rid: sev for rid, sev in child.items() if rid.startswith("protocol.")} == parent
    assert child["registry.skills.missing-entry"] == "error"


def test_a_written_list_replaces_the_inherited_one(tmp_path: Path) -> None:
    child = _effective(tmp_path, "{protocol_files: [plan.md], step_sections: []}", "team-standard@1.0")

    assert child == {"protocol.missing-file.plan.md": "error"}


def test_defaults_apply_where_no_pack_of_the_chain_wrote_a_list(tmp_path: Path) -> None:
    assert list(_effective(tmp_path, "{step_sections: []}", "default@1.0")) == [
        "protocol.missing-file.plan.md",
        "protocol.missing-file.context.md",
        "protocol.missing-file.log.md",
    ]
    assert list(_effective(tmp_path, "{}", "startup-fast@1.0")) == ["protocol.missing-file.plan.md"]
