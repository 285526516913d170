"""Layered resolution: packs and what they extend, the repository config, the command line."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from packwarden.model.errors import PolicyNotFoundError, PolicyValidationError
from packwarden.model.finding import Severity
from packwarden.model.policy import DEFAULT_ARTIFACTS, EffectivePolicy
from packwarden.packs import builtin
from packwarden.packs.resolve import (
    CONFIG_PATH,
    DEFAULT_PACK,
    PolicyInputs,
    build_policy,
    is_pack_file,
    load_chain,
    read_config,
)

DEFAULT_RULES = 14


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def pack_text(key: str, extends: list[str] | None = None, body: str = "") -> str:
    head = f"meta: {{key: {key}, version: '1.0'}}\n"
    if extends is not None:
        head += f"extends: [{', '.join(repr(e) for e in extends)}]\n"
    return head + textwrap.dedent(body)


def build(tmp_path: Path, config: str | None = None, pack: str | None = None, strict: bool = False) -> EffectivePolicy:
    raw = None if config is None else textwrap.dedent(config).encode("utf-8")
    return build_policy(PolicyInputs(raw, pack, strict, tmp_path, tmp_path))


def rule_ids(policy: EffectivePolicy) -> list[str]:
    return sorted(rule.id for rule in policy.rules)


def validation_errors(excinfo: pytest.ExceptionInfo[PolicyValidationError]) -> list[tuple[str, str, int, str]]:
    return [(e.rule, e.path, e.line, e.message) for e in excinfo.value.errors]


# --- the default ------------------------------------------------------------------------------


def test_without_config_the_default_pack_applies(tmp_path: Path) -> None:
    policy = build(tmp_path)
    assert policy.packs == (DEFAULT_PACK,)
    assert policy.pack == DEFAULT_PACK
    assert policy.mode == "warn"
    assert policy.fail_on is Severity.ERROR
    assert len(policy.rules) == DEFAULT_RULES
    assert dict(policy.artifacts) == {k: tuple(v) for k, v in DEFAULT_ARTIFACTS.items()}
    assert policy.origins["mode"] == "pack default@1.0 (built-in)"
    assert policy.origins["fail_on"] == "pack default@1.0 (built-in)"
    assert policy.origins["rule:skill.name-format"] == "pack default@1.0 (built-in)"
    assert policy.origins["severity:skill.name-format"] == "pack default@1.0 (built-in)"
    assert policy.warnings == ()
    assert policy.builtin_severities == {}


def test_a_bare_builtin_key_resolves_to_its_newest_version(tmp_path: Path) -> None:
    assert build(tmp_path, pack="default").packs == ("default@1.0",)


def test_an_unknown_builtin_pack_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(PolicyNotFoundError, match=r"no built-in pack 'nosuch@9' \(built-in packs: .*\bdefault@1\.0\b"):
        build(tmp_path, pack="nosuch@9")


@pytest.mark.parametrize(
    ("named", "message"),
    [("unknown@1.0", "no built-in pack 'unknown@1.0'"), ("packs/gone.yaml", "cannot read pack file packs/gone.yaml")],
)
def test_a_missing_pack_named_by_the_config_is_reported_at_its_line(tmp_path: Path, named: str, message: str) -> None:
    with pytest.raises(PolicyNotFoundError) as info:
        build(tmp_path, config=f"mode: warn\npack: {named}\n")
    assert str(info.value).startswith(f".packwarden/policy.yml:2:7: {message}")


def test_builtin_refs_and_resolution() -> None:
    assert "default@1.0" in builtin.builtin_refs()
    assert builtin.resolve_ref("default@1.0") == "default@1.0"
    assert builtin.pack_dir("default").name == "default@1.0"
    with pytest.raises(PolicyNotFoundError):
        builtin.resolve_ref("default@0.9")
    with pytest.raises(PolicyNotFoundError, match="no built-in pack 'nosuch'"):
        builtin.resolve_ref("nosuch")


@pytest.mark.parametrize(
    ("ref", "is_file"),
    [
        ("default@1.0", False),
        ("team", False),
        ("packs/team.yaml", True),
        ("team.yml", True),
        ("..\\x", True),
        ("./t", True),
    ],
)
def test_is_pack_file(ref: str, is_file: bool) -> None:
    assert is_pack_file(ref) is is_file


# --- extends --------------------------------------------------------------------------------------


def test_an_extends_chain_of_files_by_relative_path(tmp_path: Path) -> None:
    write(
        tmp_path / "shared" / "base.yaml",
        pack_text(
            "base",
            ["default@1.0"],
            """\
        rules:
          - {id: base.description, field: description, required: true, severity: warning}
        """,
        ),
    )
    write(
        tmp_path / "packs" / "team.yaml",
        pack_text(
            "team",
            ["../shared/base.yaml"],
            """\
        rules:
          - {id: skill.name-format, field: name, pattern: '^[a-z]+$', severity: block}
        """,
        ),
    )
    policy = build(tmp_path, pack="packs/team.yaml")
    assert policy.packs == ("default@1.0", "base@1.0", "team@1.0")
    assert len(policy.rules) == DEFAULT_RULES + 1
    by_id = {rule.id: rule for rule in policy.rules}
    assert by_id["skill.name-format"].severity is Severity.BLOCK
    assert by_id["skill.name-format"].pack == "team@1.0"
    assert dict(by_id["skill.name-format"].params) == {"pattern": "^[a-z]+$"}
    assert policy.origins["rule:skill.name-format"] == "pack team@1.0 (repository, packs/team.yaml)"
    assert policy.origins["rule:base.description"] == "pack base@1.0 (repository, shared/base.yaml)"
    assert policy.origins["rule:skill.version-semver"] == "pack default@1.0 (built-in)"
    assert by_id["base.description"].source == "shared/base.yaml"  # repository-relative
    assert by_id["skill.name-format"].source == "packs/team.yaml"


def test_a_pack_extended_twice_is_loaded_once(tmp_path: Path) -> None:
    write(tmp_path / "a.yaml", pack_text("a", ["default@1.0"]))
    write(tmp_path / "b.yaml", pack_text("b", ["default@1.0"]))
    write(tmp_path / "top.yaml", pack_text("top", ["a.yaml", "b.yaml"]))
    chain = load_chain("top.yaml", tmp_path)
    assert [pack.ref for pack in chain] == ["default@1.0", "a@1.0", "b@1.0", "top@1.0"]


def test_an_extends_cycle_is_an_error(tmp_path: Path) -> None:
    write(tmp_path / "a.yaml", pack_text("a", ["b.yaml"]))
    write(tmp_path / "b.yaml", pack_text("b", ["a.yaml"]))
    with pytest.raises(PolicyValidationError) as info:
        build(tmp_path, pack="a.yaml")
    assert validation_errors(info) == [("pack.invalid", "b.yaml", 2, "extends cycle: a.yaml -> b.yaml -> a.yaml")]


def test_a_pack_that_extends_itself_is_a_cycle(tmp_path: Path) -> None:
    write(tmp_path / "self.yaml", pack_text("self", ["./self.yaml"]))
    with pytest.raises(PolicyValidationError, match=r"self.yaml:2:11: extends cycle: self.yaml -> self.yaml"):
        build(tmp_path, pack="self.yaml")


def test_a_disabled_pack_cannot_be_used(tmp_path: Path) -> None:
    write(tmp_path / "off.yaml", "meta: {key: off, version: '1', status: disabled}\n")
    with pytest.raises(PolicyValidationError) as info:
        build(tmp_path, pack="off.yaml")
    assert validation_errors(info) == [("pack.invalid", "off.yaml", 1, "pack off@1 is disabled and cannot be used")]


def test_a_deprecated_pack_still_applies(tmp_path: Path) -> None:
    write(tmp_path / "old.yaml", "meta: {key: old, version: '1', status: deprecated}\n")
    assert build(tmp_path, pack="old.yaml").packs == ("old@1",)


def test_a_missing_pack_file_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(PolicyNotFoundError, match=re.escape("cannot read pack file nope.yaml: no such file")):
        build(tmp_path, pack="nope.yaml")


def test_a_missing_parent_pack_is_not_found(tmp_path: Path) -> None:
    write(tmp_path / "child.yaml", pack_text("child", ["gone/parent.yaml"]))
    with pytest.raises(PolicyNotFoundError, match=re.escape("parent.yaml")):
        build(tmp_path, pack="child.yaml")


def test_a_broken_parent_pack_fails_the_child(tmp_path: Path) -> None:
    write(tmp_path / "parent.yaml", "meta: {key: parent, version: '1'}\nbogus: 1\n")
    write(tmp_path / "child.yaml", pack_text("child", ["parent.yaml"]))
    with pytest.raises(PolicyValidationError) as info:
        build(tmp_path, pack="child.yaml")
    assert [(e.path, e.line, e.message) for e in info.value.errors] == [("parent.yaml", 2, "bogus: unknown key")]


def test_a_betty_profile_can_be_selected_by_path(tmp_path: Path) -> None:
    write(tmp_path / "p.yaml", "policy: {name: Team, version: 2.0.0, rules: [{field: a, required: true}]}\n")
    policy = build(tmp_path, pack="p.yaml")
    assert policy.packs == ("team@2.0.0",)
    assert rule_ids(policy) == ["team.rule-1"]
    assert policy.mode == "warn"
    assert policy.origins["mode"] == "pack team@2.0.0 (repository, p.yaml)"


# --- what packs set -----------------------------------------------------------------------------------


def test_pack_enforcement_artifacts_and_defaults_are_folded_with_origins(tmp_path: Path) -> None:
    write(
        tmp_path / "team.yaml",
        pack_text(
            "team",
            ["default@1.0"],
            """\
        enforcement:
          mode: block
          fail_on: block
          severities: {skill.name-format: warning, parse.yaml-anchor: warning, path.symlink: error}
        artifacts:
          skill: ["skills/*/skill.yaml"]
          plugin: ["plugins/*/"]
        defaults: {models: {default: small}}
        constraints: {x: 1}
        """,
        ),
    )
    policy = build(tmp_path, pack="team.yaml")
    assert (policy.mode, policy.fail_on) == ("block", Severity.BLOCK)
    assert policy.origins["mode"] == policy.origins["fail_on"] == "pack team@1.0 (repository, team.yaml)"
    by_id = {rule.id: rule for rule in policy.rules}
    assert by_id["skill.name-format"].severity is Severity.WARNING
    assert policy.origins["rule:skill.name-format"] == "pack default@1.0 (built-in)"
    assert policy.origins["severity:skill.name-format"] == "pack team@1.0 (repository, team.yaml)"
    assert policy.builtin_severities == {"parse.yaml-anchor": Severity.WARNING, "path.symlink": Severity.ERROR}
    assert policy.origins["severity:parse.yaml-anchor"] == "pack team@1.0 (repository, team.yaml)"
    assert policy.artifacts["skill"] == ("skills/*/skill.yaml",)
    assert policy.artifacts["agent"] == DEFAULT_ARTIFACTS["agent"]
    assert policy.artifacts["plugin"] == ("plugins/*/",)
    assert policy.origins["artifacts:skill"] == "pack team@1.0 (repository, team.yaml)"
    assert policy.defaults == {"models": {"default": "small"}}
    assert [w.message for w in policy.warnings] == ["section 'constraints' is not enforced by this packwarden version"]


def test_a_child_that_does_not_set_the_mode_keeps_the_parent_mode(tmp_path: Path) -> None:
    write(tmp_path / "strict.yaml", "meta: {key: strict, version: '1'}\nenforcement: {mode: block}\n")
    write(tmp_path / "child.yaml", pack_text("child", ["strict.yaml"], "enforcement: {severities: {}}\n"))
    policy = build(tmp_path, pack="child.yaml")
    assert policy.mode == "block"
    assert policy.origins["mode"] == "pack strict@1 (repository, strict.yaml)"
    assert policy.origins["fail_on"] == "default"


def test_enforcement_severities_naming_an_unknown_rule_is_an_error(tmp_path: Path) -> None:
    write(
        tmp_path / "t.yaml",
        pack_text("t", ["default@1.0"], "enforcement: {severities: {nope: error, skill.nah: info}}\n"),
    )
    with pytest.raises(PolicyValidationError) as info:
        build(tmp_path, pack="t.yaml")
    assert validation_errors(info) == [
        ("pack.invalid", "t.yaml", 1, "enforcement.severities names unknown rules: nope, skill.nah")
    ]


@pytest.mark.parametrize("rule", ["pack.invalid", "config.invalid", "pack.regex-timeout"])
def test_pack_and_config_rules_cannot_be_weakened(tmp_path: Path, rule: str) -> None:
    write(tmp_path / "t.yaml", pack_text("t", None, f"enforcement: {{severities: {{{rule}: info}}}}\n"))
    with pytest.raises(PolicyValidationError, match=f"unknown rules: {rule}"):
        build(tmp_path, pack="t.yaml")


# --- the repository config ------------------------------------------------------------------------------


def test_config_mode_overrides_the_pack_mode(tmp_path: Path) -> None:
    policy = build(tmp_path, config="mode: block\n")
    assert policy.mode == "block"
    assert policy.origins["mode"] == CONFIG_PATH


def test_strict_overrides_everything_and_says_so(tmp_path: Path) -> None:
    policy = build(tmp_path, config="mode: warn\n", strict=True)
    assert policy.mode == "block"
    assert policy.origins["mode"] == "command line --strict"


def test_an_empty_config_changes_nothing(tmp_path: Path) -> None:
    assert build(tmp_path, config="").digest == build(tmp_path).digest
    assert build(tmp_path, config="# nothing\n").digest == build(tmp_path).digest


def test_config_selects_a_pack_relative_to_the_root(tmp_path: Path) -> None:
    write(tmp_path / "policies" / "team.yaml", pack_text("team", ["default@1.0"]))
    policy = build_policy(PolicyInputs(b"pack: policies/team.yaml\n", None, False, tmp_path, tmp_path / "sub"))
    assert policy.packs == ("default@1.0", "team@1.0")


def test_the_command_line_pack_wins_over_the_config_pack_and_is_relative_to_cwd(tmp_path: Path) -> None:
    write(tmp_path / "sub" / "mine.yaml", pack_text("mine"))
    inputs = PolicyInputs(b"pack: nosuch.yaml\n", "mine.yaml", False, tmp_path, tmp_path / "sub")
    assert build_policy(inputs).packs == ("mine@1.0",)


def test_config_overrides_severities_of_pack_and_builtin_rules(tmp_path: Path) -> None:
    policy = build(
        tmp_path,
        config="""\
        overrides:
          severities: {skill.name-format: block, parse.duplicate-key: warning}
        """,
    )
    by_id = {rule.id: rule for rule in policy.rules}
    assert by_id["skill.name-format"].severity is Severity.BLOCK
    assert policy.origins["severity:skill.name-format"] == CONFIG_PATH
    assert policy.origins["rule:skill.name-format"] == "pack default@1.0 (built-in)"
    assert policy.builtin_severities == {"parse.duplicate-key": Severity.WARNING}


def test_config_severity_for_an_unknown_rule_is_an_error_at_its_line(tmp_path: Path) -> None:
    with pytest.raises(PolicyValidationError) as info:
        build(tmp_path, config="mode: warn\noverrides:\n  severities:\n    skill.name-format: info\n    nope: info\n")
    assert validation_errors(info) == [("config.invalid", CONFIG_PATH, 5, "unknown rule 'nope'")]
    assert info.value.errors[0].column == 11


def test_config_disables_rules(tmp_path: Path) -> None:
    policy = build(tmp_path, config="overrides:\n  disable: [skill.name-format, agent.permissions]\n")
    assert "skill.name-format" not in rule_ids(policy)
    assert len(policy.rules) == DEFAULT_RULES - 2
    assert policy.origins["rule:skill.name-format"] == f"{CONFIG_PATH} (disabled)"


def test_disabling_an_unknown_rule_is_an_error_at_its_line(tmp_path: Path) -> None:
    with pytest.raises(PolicyValidationError) as info:
        build(tmp_path, config="overrides:\n  disable:\n    - skill.name-format\n    - skill.nope\n")
    assert validation_errors(info) == [
        ("config.invalid", CONFIG_PATH, 4, "cannot disable 'skill.nope': no such rule in the selected packs")
    ]
    assert info.value.errors[0].column == 7


def test_a_rule_disabled_twice_is_not_reported_as_unknown_at_the_first_entry(tmp_path: Path) -> None:
    config = "overrides:\n  disable:\n    - skill.name-format\n    - skill.name-format\n"
    try:
        policy = build(tmp_path, config=config)
    except PolicyValidationError as exc:
        assert [(e.line, "no such rule" in e.message) for e in exc.errors] == [(4, False)]
    else:
        assert "skill.name-format" not in rule_ids(policy)


def test_a_disabled_rule_cannot_have_its_severity_set(tmp_path: Path) -> None:
    with pytest.raises(PolicyValidationError, match=re.escape("unknown rule 'skill.name-format'")):
        build(tmp_path, config="overrides: {disable: [skill.name-format], severities: {skill.name-format: info}}\n")


def test_config_adds_local_rules(tmp_path: Path) -> None:
    policy = build(
        tmp_path,
        config="""\
        overrides:
          rules:
            - {id: local.owner, applies_to: [skill], field: owner, required: true, severity: warning}
        """,
    )
    local = next(rule for rule in policy.rules if rule.id == "local.owner")
    assert local.pack == "local"
    assert local.source == CONFIG_PATH
    assert (local.line, local.column) == (3, 7)
    assert policy.origins["rule:local.owner"] == CONFIG_PATH
    assert len(policy.rules) == DEFAULT_RULES + 1


def test_a_broken_local_rule_is_a_config_error_at_its_line(tmp_path: Path) -> None:
    with pytest.raises(PolicyValidationError) as info:
        build(tmp_path, config="overrides:\n  rules:\n    - {id: local.x, field: name}\n")
    assert [(e.rule, e.line, e.column) for e in info.value.errors] == [("config.invalid", 3, 7)]
    assert info.value.errors[0].message.startswith("rule local.x has no check")


@pytest.mark.parametrize(
    ("config", "line", "message"),
    [
        ("mode: strict-ish\n", 1, "mode: Input should be 'warn' or 'block'"),
        ("mode: warn\ncolour: red\n", 2, "colour: unknown key"),
        ("overrides:\n  disable: skill.x\n", 2, "overrides.disable: Input should be a valid list"),
        ("- a\n", 1, "Input should be a valid dictionary or instance of ConfigSpec"),
    ],
)
def test_an_invalid_config_is_a_located_config_error(tmp_path: Path, config: str, line: int, message: str) -> None:
    with pytest.raises(PolicyValidationError) as info:
        build(tmp_path, config=config)
    assert validation_errors(info) == [("config.invalid", CONFIG_PATH, line, message)]


def test_an_unparsable_config_keeps_the_parse_rule(tmp_path: Path) -> None:
    with pytest.raises(PolicyValidationError) as info:
        build(tmp_path, config="mode: [\n")
    assert [(e.rule, e.path) for e in info.value.errors] == [("parse.syntax", CONFIG_PATH)]


def test_read_config_returns_the_spec_and_its_positions() -> None:
    spec, data = read_config(b"mode: block\n")
    assert spec.mode == "block"
    assert data is not None
    assert data.marks["mode"] == (1, 7)
    empty_spec, empty_data = read_config(b"")
    assert empty_spec.mode is None
    assert empty_data is not None


def test_an_oversized_config_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PolicyValidationError) as info:
        build(tmp_path, config="# " + "x" * 70_000 + "\n")
    assert [e.rule for e in info.value.errors] == ["parse.too-large"]


# --- the policy hash ---------------------------------------------------------------------------------------


def test_the_digest_is_stable_across_runs(tmp_path: Path) -> None:
    write(tmp_path / "t.yaml", pack_text("t", ["default@1.0"], "rules:\n  - {id: t.a, field: a, pattern: '^x$'}\n"))
    first = build(tmp_path, pack="t.yaml")
    second = build(tmp_path, pack="t.yaml")
    assert first.digest == second.digest
    assert len(first.digest) == 64
    assert int(first.digest, 16) >= 0


def test_the_digest_changes_when_a_rule_changes(tmp_path: Path) -> None:
    path = write(tmp_path / "t.yaml", pack_text("t", None, "rules:\n  - {id: t.a, field: a, pattern: '^x$'}\n"))
    before = build(tmp_path, pack="t.yaml").digest
    path.write_text(pack_text("t", None, "rules:\n  - {id: t.a, field: a, pattern: '^y$'}\n"), encoding="utf-8")
    assert build(tmp_path, pack="t.yaml").digest != before
    path.write_text(pack_text("t", None, "rules:\n  - {id: t.a, field: a, pattern: '^x$', severity: info}\n"))
    assert build(tmp_path, pack="t.yaml").digest != before


def test_the_digest_ignores_rule_documentation(tmp_path: Path) -> None:
    path = write(tmp_path / "t.yaml", pack_text("t", None, "rules:\n  - {id: t.a, field: a, required: true}\n"))
    before = build(tmp_path, pack="t.yaml").digest
    path.write_text(pack_text("t", None, "rules:\n  - {id: t.a, field: a, required: true, why: reasons}\n"))
    assert build(tmp_path, pack="t.yaml").digest == before


def test_the_digest_changes_with_mode_and_builtin_severities(tmp_path: Path) -> None:
    base = build(tmp_path).digest
    assert build(tmp_path, strict=True).digest != base
    assert build(tmp_path, config="overrides: {severities: {parse.syntax: warning}}\n").digest != base


def test_canonical_form_lists_rules_sorted_by_id(tmp_path: Path) -> None:
    canonical = build(tmp_path).canonical()
    ids = [rule["id"] for rule in canonical["rules"]]  # type: ignore[attr-defined, index]
    assert ids == sorted(ids)
    assert canonical["packs"] == ["default@1.0"]
    assert canonical["mode"] == "warn"
    assert canonical["fail_on"] == "error"


def test_a_repository_pack_cannot_reach_outside_the_repository(tmp_path: Path) -> None:
    """The config and the repository's packs name packs inside it; a link cannot leave it either."""
    root = tmp_path / "repo"
    write(tmp_path / "outside.yaml", pack_text("outside", []))
    write(root / "packs" / "team.yaml", pack_text("team", ["../../outside.yaml"]))
    with pytest.raises(PolicyValidationError) as info:
        build(root, config="pack: packs/team.yaml\n")
    assert validation_errors(info) == [
        (
            "pack.invalid",
            "packs/team.yaml",
            2,
            "pack file ../../outside.yaml is outside the repository; a repository's packs stay inside it",
        )
    ]
    with pytest.raises(PolicyValidationError, match=r"policy.yml:1:7: pack file ../outside.yaml is outside"):
        build(root, config="pack: ../outside.yaml\n")


def test_a_pack_named_on_the_command_line_may_live_anywhere(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    write(tmp_path / "shared" / "base.yaml", pack_text("base", []))
    write(tmp_path / "shared" / "team.yaml", pack_text("team", ["base.yaml"]))
    assert build(root, pack=str(tmp_path / "shared" / "team.yaml")).packs == ("base@1.0", "team@1.0")
