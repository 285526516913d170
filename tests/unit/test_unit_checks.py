"""Unit checks (``SCOPE = "unit"``): required_file, step_section and registry, each given a
whole artifact unit built from really loaded documents."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from packwarden import checks
from packwarden.checks import registry, required_file, step_section
from packwarden.checks.target import Hit, UnitTarget
from packwarden.load.document import Document, Heading
from packwarden.load.json import load_json
from packwarden.load.yaml import load_yaml
from packwarden.model.errors import PolicyValidationError
from packwarden.model.finding import Severity
from packwarden.model.pattern import Budget
from packwarden.model.rule import Rule
from packwarden.packs.reader import read_pack
from tests.support.betty import (
    SKILL_ENTRIES_WITHOUT_MANIFEST,
    SKILL_MANIFESTS_WITHOUT_ENTRY,
    SKILL_STATUS_MISMATCHES,
)
from tests.support.gitrepo import corpus

RUN = ".protocols/run1"
INDEX = "registry/skills.json"
SPEC = {"path": INDEX, "list": "skills", "kind": "skill"}
MISMATCH_FIX = "make them agree: change one of them, or regenerate the registry"


def rule(**params: Any) -> Rule:
    return Rule(id="t.unit", severity=Severity.ERROR, pack="p@1", params=params)


def unit(root: str, members: Mapping[str, Document | None], kind: str = "protocol") -> UnitTarget:
    return UnitTarget(kind, root, dict(sorted(members.items())), Budget())


def markdown(*headings: tuple[int, str, int]) -> Document:
    """A markdown document with these headings (level, text, line), each at column 1."""
    return Document("", None, (), headings=tuple(Heading(level, text, line, 1) for level, text, line in headings))


def found(module: Any, params: dict[str, Any], target: UnitTarget) -> list[tuple[str, int, int, str, str]]:
    hits: list[Hit] = list(module.check(rule(**params), target))
    return [(hit.path, hit.line, hit.column, hit.message, hit.fix) for hit in hits]


def test_the_unit_kinds_are_registered_as_unit_checks_after_the_document_kinds() -> None:
    units = [kind for kind in checks.KINDS if getattr(kind, "SCOPE", "document") == "unit"]
    assert units[:3] == [required_file, step_section, registry]
    assert checks.KINDS[-len(units) :] == tuple(units)  # a unit rule's checks run after no document check
    table = checks.table()
    assert table.unit_keys[:6] == (
        "required_file",
        "step_section",
        "step_files",
        "registry",
        "registry_check",
        "registry_field",
    )
    assert all(not table.checks[key].needs_field for key in table.unit_keys)


def test_a_pack_may_use_them_and_their_problems_are_pack_errors() -> None:
    head = "meta: {key: team, version: '1.0'}\nrules:\n"
    pack = read_pack(
        (
            head + "  - {id: run.plan, applies_to: protocol, required_file: plan.md}\n"
            "  - {id: run.rollback, applies_to: protocol, step_section: Rollback, step_files: [step-*.md]}\n"
            "  - id: registry.status\n    applies_to: registry\n"
            "    registry: {path: registry/skills.json, list: skills, kind: skill}\n"
            "    registry_check: mismatch\n    registry_field: status\n"
        ).encode(),
        "team.yaml",
    )
    assert [dict(rule.params) for rule in pack.rules] == [
        {"required_file": "plan.md"},
        {"step_section": "Rollback", "step_files": ["step-*.md"]},
        {"registry": SPEC, "registry_check": "mismatch", "registry_field": "status"},
    ]
    for written, message in [
        ("required_file: ../plan.md", "rule a: required_file: '../plan.md' leaves the unit's folder ('..')"),
        ("registry: {path: x}", "rule a: registry: list and kind missing"),
        ("registry: [x]", "rules.0.registry: Input should be a valid dictionary"),
        ("registry_check: all", "rules.0.registry_check: Input should be"),
    ]:
        with pytest.raises(PolicyValidationError) as info:
            read_pack(f"{head}  - id: a\n    {written}\n".encode(), "team.yaml")
        assert info.value.errors[0].message.startswith(message), info.value.errors


# required_file


def test_a_run_with_the_file_passes() -> None:
    target = unit(RUN, {f"{RUN}/plan.md": markdown(), f"{RUN}/log.md": None})
    assert found(required_file, {"required_file": "plan.md"}, target) == []
    assert found(required_file, {"required_file": "log.md"}, target) == []  # present, not parsed: present


def test_a_run_without_the_file_is_reported_once_at_its_folder() -> None:
    target = unit(RUN, {f"{RUN}/context.md": markdown(), f"{RUN}/notes/plan.md": markdown()})
    assert found(required_file, {"required_file": "plan.md"}, target) == [
        (RUN, 1, 1, "run .protocols/run1 has no plan.md", "")
    ]
    (hit,) = required_file.check(rule(required_file="plan.md"), target)
    assert hit.field == "plan.md"


def test_a_file_of_another_run_does_not_count() -> None:
    target = unit(RUN, {".protocols/run10/plan.md": markdown(), "plan.md": markdown()})
    assert [hit[3] for hit in found(required_file, {"required_file": "plan.md"}, target)] == [
        "run .protocols/run1 has no plan.md"
    ]


def test_a_glob_matches_below_the_units_folder() -> None:
    params = {"required_file": "outputs/*.json"}
    assert found(required_file, params, unit(RUN, {f"{RUN}/outputs/a.json": None})) == []
    for path in (f"{RUN}/outputs/deep/a.json", f"{RUN}/a.json", f"{RUN}/outputs/a.yaml"):
        assert len(found(required_file, params, unit(RUN, {path: None}))) == 1, path
    assert found(required_file, {"required_file": "**/a.json"}, unit(RUN, {f"{RUN}/outputs/deep/a.json": None})) == []


def test_the_message_names_other_kinds_by_their_kind() -> None:
    assert found(required_file, {"required_file": "README.md"}, unit("plugins/x", {}, kind="plugin")) == [
        ("plugins/x", 1, 1, "plugin plugins/x has no README.md", "")
    ]


@pytest.mark.parametrize(
    ("glob", "problem"),
    [
        ("", "a file name or glob must not be empty"),
        ("  ", "a file name or glob must not be empty"),
        ("/plan.md", "'/plan.md' is absolute; write it relative to the unit's folder"),
        ("C:/plan.md", "'C:/plan.md' is absolute; write it relative to the unit's folder"),
        ("../plan.md", "'../plan.md' leaves the unit's folder ('..'); name a file inside it"),
        ("a/../plan.md", "'a/../plan.md' leaves the unit's folder ('..'); name a file inside it"),
        ("./plan.md", "'./plan.md' has an empty or '.' segment; write it as a plain relative path"),
        ("plan.md", None),
        ("outputs/*.json", None),
        ("outputs/", None),
        ("..plan.md", None),
    ],
)
def test_the_file_option_refuses_what_could_never_name_a_member(glob: str, problem: str | None) -> None:
    assert required_file.glob_problem(glob) == problem
    (option,) = required_file.OPTIONS
    assert option.problem is not None
    assert option.problem(glob) == (None if problem is None else f"required_file: {problem}")


# step_section


def test_a_step_without_the_section_is_reported_at_its_top() -> None:
    target = unit(RUN, {f"{RUN}/step-2.md": markdown((1, "Step 2", 1), (2, "Sub-tasks", 3))})
    assert found(step_section, {"step_section": "Rollback"}, target) == [
        (f"{RUN}/step-2.md", 1, 1, "step-2.md has no 'Rollback' section", "")
    ]


@pytest.mark.parametrize("text", ["rollback ", "ROLLBACK", " Rollback\t", "Rollback"])
def test_the_section_is_found_whatever_its_case_and_level(text: str) -> None:
    for level in (1, 2, 4):
        target = unit(RUN, {f"{RUN}/step-1.md": markdown((1, "Step", 1), (level, text, 5))})
        assert found(step_section, {"step_section": "Rollback"}, target) == []


def test_runs_of_white_space_compare_as_one_space() -> None:
    target = unit(RUN, {f"{RUN}/step-1.md": markdown((2, "definition   of\tdone", 4))})
    assert found(step_section, {"step_section": "Definition of  Done"}, target) == []


def test_a_misspelt_heading_is_reported_where_it_stands_with_the_rename() -> None:
    target = unit(RUN, {f"{RUN}/step-1.md": markdown((1, "Step", 1), (2, "Rolback", 7), (3, "Rollbak", 9))})
    assert found(step_section, {"step_section": "Rollback"}, target) == [
        (
            f"{RUN}/step-1.md",
            7,
            1,
            "heading 'Rolback' looks like the required section 'Rollback'",
            "rename '## Rolback' to '## Rollback'",
        )
    ]


def test_the_closest_near_miss_is_named_with_its_own_level() -> None:
    target = unit(RUN, {f"{RUN}/step-1.md": markdown((2, "Rollbak", 3), (3, "Rollbacks", 9))})
    assert found(step_section, {"step_section": "Rollback"}, target) == [
        (
            f"{RUN}/step-1.md",
            9,
            1,
            "heading 'Rollbacks' looks like the required section 'Rollback'",
            "rename '### Rollbacks' to '### Rollback'",
        )
    ]


def test_a_heading_less_alike_than_the_threshold_gives_the_plain_finding() -> None:
    assert difflib.SequenceMatcher(None, "roll back plan", "rollback").ratio() < step_section.NEAR_MISS
    target = unit(RUN, {f"{RUN}/step-3.md": markdown((2, "Roll back plan", 4), (2, "Rollout", 6))})
    assert found(step_section, {"step_section": "Rollback"}, target) == [
        (f"{RUN}/step-3.md", 1, 1, "step-3.md has no 'Rollback' section", "")
    ]


def test_only_step_files_are_read_and_each_is_reported() -> None:
    bare = markdown((1, "Title", 1))
    members = {
        f"{RUN}/plan.md": bare,
        f"{RUN}/step-1.md": bare,
        f"{RUN}/steps/two.md": bare,
        f"{RUN}/steps/deep/three.md": bare,
        f"{RUN}/step-4.md": None,  # present, not parsed
        f"{RUN}/step-5.md": Document("", None, load_yaml(b"a: [").problems),  # the engine reports it
        ".protocols/run2/step-1.md": bare,
    }
    paths = [hit[0] for hit in found(step_section, {"step_section": "Rollback"}, unit(RUN, members))]
    assert paths == [f"{RUN}/step-1.md", f"{RUN}/steps/two.md"]
    custom = {"step_section": "Rollback", "step_files": ["plan.md"]}
    assert [hit[0] for hit in found(step_section, custom, unit(RUN, members))] == [f"{RUN}/plan.md"]


def test_step_files_alone_checks_nothing() -> None:
    target = unit(RUN, {f"{RUN}/step-1.md": markdown()})
    assert found(step_section, {"step_files": ["step-*.md"]}, target) == []


def test_the_step_options_refuse_unusable_values() -> None:
    section, files = step_section.OPTIONS
    assert section.problem is not None and files.problem is not None
    assert section.problem(" ") == "a section name must not be empty"
    assert section.problem("Rollback") is None
    assert files.problem([]) == "step_files must name at least one glob"
    absolute = "step_files: '/x.md' is absolute; write it relative to the unit's folder"
    assert files.problem(["step-*.md", "/x.md"]) == absolute
    assert files.problem(["step-*.md", "steps/*.md"]) is None


# registry

REGISTRY = b"""{
  "registry_version": "1.0.0",
  "skills": [
    {
      "name": "a.one",
      "status": "active",
      "version": "1.0.0"
    },
    {
      "name": "b.two",
      "status": "draft"
    },
    {
      "name": "c.gone",
      "status": "active"
    }
  ]
}
"""
MANIFESTS = {
    "skills/a.one/skill.yaml": b"name: a.one\nstatus: active\nversion: 1.0.0\n",
    "skills/b.two/skill.yaml": b"name: b.two\nversion: 2.0.0\nstatus: active\n",
    "skills/d.new/skill.yaml": b"description: new\nname: d.new\n",
}


def registry_unit(index: bytes | None = REGISTRY, **manifests: bytes) -> UnitTarget:
    members: dict[str, Document | None] = {path: load_yaml(raw) for path, raw in (manifests or MANIFESTS).items()}
    if index is not None:
        members[INDEX] = load_json(index)
    return unit(INDEX, members, kind="registry")


def check_registry(target: UnitTarget, check: str | None = None, **params: Any) -> list[tuple[str, int, int, str, str]]:
    params = {"registry": {**SPEC, **params.pop("spec", {})}, **params}
    if check is not None:
        params["registry_check"] = check
    return found(registry, params, target)


def test_an_entry_without_a_manifest_is_reported_at_its_name() -> None:
    assert check_registry(registry_unit(), "missing-manifest") == [
        (INDEX, 14, 15, "registry entry 'c.gone' has no skill manifest", "")
    ]
    (hit,) = registry.check(rule(registry=SPEC, registry_check="missing-manifest"), registry_unit())
    assert (hit.field, hit.value) == ("skills[2].name", "c.gone")


def test_a_manifest_without_an_entry_is_reported_at_its_name() -> None:
    assert check_registry(registry_unit(), "missing-entry") == [
        ("skills/d.new/skill.yaml", 2, 7, "skill 'd.new' is not listed in registry/skills.json", "")
    ]


def test_a_field_that_differs_is_reported_in_the_manifest() -> None:
    assert check_registry(registry_unit(), "mismatch", registry_field="status") == [
        (
            "skills/b.two/skill.yaml",
            3,
            9,
            "status is 'active' here but 'draft' in registry/skills.json:11",
            MISMATCH_FIX,
        )
    ]


def test_a_field_missing_on_one_side_differs_and_on_both_sides_agrees() -> None:
    # b.two has a version only in its manifest; in a.one it agrees
    assert check_registry(registry_unit(), "mismatch", registry_field="version") == [
        (
            "skills/b.two/skill.yaml",
            2,
            10,
            "version is '2.0.0' here but missing in registry/skills.json:10",
            MISMATCH_FIX,
        )
    ]
    only_entry = {"skills/a.one/skill.yaml": b"name: a.one\nstatus: active\n"}
    assert check_registry(registry_unit(**only_entry), "mismatch", registry_field="version") == [
        (
            "skills/a.one/skill.yaml",
            1,
            7,
            "version is missing here but '1.0.0' in registry/skills.json:7",
            MISMATCH_FIX,
        )
    ]
    assert check_registry(registry_unit(), "mismatch", registry_field="owner") == []


def test_without_a_field_mismatch_compares_the_match_fields() -> None:
    hits = check_registry(registry_unit(), "mismatch", spec={"match": ["status", "version"]})
    assert [hit[3].split(" here")[0] for hit in hits] == ["status is 'active'", "version is '2.0.0'"]
    assert check_registry(registry_unit(), "mismatch") == []


def test_without_registry_check_every_check_runs_in_order() -> None:
    messages = [hit[3] for hit in check_registry(registry_unit(), registry_field="status")]
    assert messages == [
        "registry entry 'c.gone' has no skill manifest",
        "skill 'd.new' is not listed in registry/skills.json",
        "status is 'active' here but 'draft' in registry/skills.json:11",
    ]


def test_registry_check_or_field_alone_checks_nothing() -> None:
    assert found(registry, {"registry_check": "mismatch", "registry_field": "status"}, registry_unit()) == []


def test_a_missing_index_is_malformed_and_nothing_else() -> None:
    target = registry_unit(None)
    assert check_registry(target, "malformed") == [(INDEX, 1, 1, "registry/skills.json does not exist", "")]
    assert check_registry(target, "missing-entry") == []
    assert check_registry(target) == [(INDEX, 1, 1, "registry/skills.json does not exist", "")]


def test_an_index_that_did_not_load_is_left_to_the_engine() -> None:
    target = registry_unit(b'{"skills": [')
    assert target.members[INDEX] is not None and target.members[INDEX].problems
    assert check_registry(target) == []


@pytest.mark.parametrize(
    ("index", "expected"),
    [
        (b'[{"name": "a.one"}]', (1, 1, "registry/skills.json is a list, not a mapping holding 'skills'")),
        (b'"skills"', (1, 1, "registry/skills.json is 'skills', not a mapping holding 'skills'")),
        (b'{\n  "plugins": []\n}', (1, 1, "registry/skills.json has no 'skills' list")),
        (b'{\n  "skills": {"a": 1}\n}', (2, 13, "'skills' in registry/skills.json is a mapping, not a list")),
    ],
)
def test_an_index_without_a_list_of_entries_is_malformed(index: bytes, expected: tuple[int, int, str]) -> None:
    assert check_registry(registry_unit(index), "malformed") == [(INDEX, *expected, "")]
    assert check_registry(registry_unit(index), "missing-entry") == []  # not every manifest "missing"


def test_entries_without_a_text_name_are_malformed_and_otherwise_skipped() -> None:
    index = b"""{"skills": [
  {"name": "a.one"},
  {"title": "b.two"},
  "c.gone",
  {"name": 7},
  {"name": "b.two"}
]}"""
    assert check_registry(registry_unit(index), "malformed") == [
        (INDEX, 3, 3, "registry entry skills[1] has no 'name'", ""),
        (INDEX, 4, 3, "registry entry skills[2] is 'c.gone', not a mapping", ""),
        (INDEX, 5, 12, "registry entry skills[3].name is 7, not text", ""),
    ]
    assert check_registry(registry_unit(index), "missing-manifest") == []
    assert [hit[0] for hit in check_registry(registry_unit(index), "missing-entry")] == ["skills/d.new/skill.yaml"]


def test_an_entry_listed_twice_is_reported_at_the_second_naming_the_first() -> None:
    index = b'{"skills": [\n  {"name": "a.one"},\n  {"name": "b.two"},\n  {"name": "a.one", "status": "x"}\n]}'
    assert check_registry(registry_unit(index), "malformed") == [
        (INDEX, 4, 12, "registry entry 'a.one' is listed twice; first at line 2", "")
    ]
    (hit,) = registry.check(rule(registry=SPEC, registry_check="malformed"), registry_unit(index))
    assert hit.field == "skills[2].name"
    # the first entry is the one compared
    assert check_registry(registry_unit(index), "mismatch", registry_field="status")[0][3].startswith(
        "status is 'active' here but missing in registry/skills.json:2"
    )


def test_two_manifests_with_one_name_are_malformed_at_the_second() -> None:
    manifests = {**MANIFESTS, "skills/z.copy/skill.yaml": b"# a copy\nname: a.one\n"}
    assert check_registry(registry_unit(**manifests), "malformed") == [
        ("skills/z.copy/skill.yaml", 2, 7, "skill name 'a.one' is already used by skills/a.one/skill.yaml:1", "")
    ]


def test_manifests_that_did_not_load_or_have_no_name_are_skipped() -> None:
    manifests = {
        "skills/a.one/skill.yaml": b"name: a.one\nstatus: [\n",
        "skills/b.two/skill.yaml": b"- name: b.two\n",
        "skills/c.gone/skill.yaml": b"title: c.gone\n",
        "skills/x/skill.yaml": b"name: 12\n",
    }
    target = registry_unit(**manifests)
    messages = [hit[3] for hit in check_registry(target, registry_field="status")]
    assert messages == [f"registry entry '{name}' has no skill manifest" for name in ("a.one", "b.two", "c.gone")]


def test_a_key_other_than_name() -> None:
    index = b'{"items": [\n  {"id": "a.one"}\n]}'
    manifests = {"skills/a/skill.yaml": b"id: a.one\n", "skills/b/skill.yaml": b"id: b.two\n"}
    spec = {"list": "items", "key": "id"}
    assert check_registry(registry_unit(index, **manifests), spec=spec) == [
        ("skills/b/skill.yaml", 1, 5, "skill 'b.two' is not listed in registry/skills.json", "")
    ]


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ([INDEX], "registry must be a mapping with path, list and kind"),
        (
            {**SPEC, "lists": "x"},
            "registry: unknown key 'lists'; it takes path, list, key, kind, match, manifests"
            " (path, list, kind required)",
        ),
        (
            {"path": INDEX},
            "registry: list and kind missing; it takes path, list, key, kind, match, manifests"
            " (path, list, kind required)",
        ),
        ({**SPEC, "list": 3}, "registry.list must be text, not 3"),
        ({**SPEC, "kind": ""}, "registry.kind must be text, not ''"),
        ({**SPEC, "key": None}, "registry.key must be text, not null"),
        ({**SPEC, "match": "status"}, "registry.match must be a list of text, not 'status'"),
        ({**SPEC, "match": ["status", 1]}, "registry.match must be a list of text, not a list"),
        (
            {**SPEC, "path": "/registry/skills.json"},
            "registry.path: '/registry/skills.json' is absolute; write it relative to the unit's folder",
        ),
        (
            {**SPEC, "manifests": ["skills/*/skill.yaml", "../x"]},
            "registry.manifests: '../x' leaves the unit's folder ('..'); name a file inside it",
        ),
        ({**SPEC, "key": "id", "match": ["status"], "manifests": ["skills/*/skill.yaml"]}, None),
        (SPEC, None),
    ],
)
def test_the_registry_option_says_what_is_wrong_with_its_shape(value: object, problem: str | None) -> None:
    option = registry.OPTIONS[0]
    assert option.problem is not None
    assert option.problem(value) == problem


def test_the_registry_check_and_field_options() -> None:
    _, which, field = registry.OPTIONS
    assert which.choices == ("missing-entry", "missing-manifest", "mismatch", "malformed")
    assert field.problem is not None
    assert field.problem("") == "registry_field must not be empty"
    assert field.problem("status") is None


def test_the_betty_registry_and_its_manifests() -> None:
    root: Path = corpus("betty")
    members: dict[str, Document | None] = {INDEX: load_json((root / INDEX).read_bytes())}
    for path in root.glob("skills/*/skill.yaml"):
        members[path.relative_to(root).as_posix()] = load_yaml(path.read_bytes())
    target = unit(INDEX, members, kind="registry")

    def names(check: str, **params: Any) -> dict[str, int]:
        hits = list(registry.check(rule(registry=SPEC, registry_check=check, **params), target))
        assert all(hit.line >= 1 and hit.column >= 1 for hit in hits)
        return {str(hit.value if check != "mismatch" else hit.path.split("/")[1]): hit.line for hit in hits}

    assert names("malformed") == {}
    without_manifest = names("missing-manifest")
    assert set(without_manifest) == SKILL_ENTRIES_WITHOUT_MANIFEST
    assert without_manifest["test.hello"] == 6
    assert names("missing-entry") == dict.fromkeys(SKILL_MANIFESTS_WITHOUT_ENTRY, 1)
    status = names("mismatch", registry_field="status")
    assert set(status) == SKILL_STATUS_MISMATCHES
    assert status["artifact.create"] == 74
    assert status["test.example"] == 8
    assert names("mismatch", registry_field="version") == {}
