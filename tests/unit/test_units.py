"""Artifact units: which units paths belong to, how members are read, what a unit's check sees."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from packwarden.api import check
from packwarden.artifacts.members import load_members, loader_of
from packwarden.artifacts.units import Registry, Unit, UnitTable, registries_of
from packwarden.engine import check_unit
from packwarden.load.document import Problem
from packwarden.model import builtin_rules as R
from packwarden.model.finding import Severity
from packwarden.model.policy import DEFAULT_ARTIFACTS, EffectivePolicy
from packwarden.model.rule import Rule
from packwarden.packs.files import PolicyInputMap
from packwarden.workspace import below_folders
from tests.support.gitrepo import git, make_repo, stage

RUN = ".protocols/run1"
LISTING = [
    f"{RUN}/plan.md",
    f"{RUN}/step-1.md",
    f"{RUN}/steps/deep.md",
    f"{RUN}/out/data.bin",
    ".protocols/run10/plan.md",
    ".protocols/loose.md",
    "skills/a/skill.yaml",
    "skills/b/skill.yaml",
    "examples/skills/c/skill.yaml",
    "registry/skills.json",
]
SKILLS = Registry("registry/skills.json", "skill", ("skills/*/skill.yaml",))


def listing(below: Sequence[str] | None = None) -> list[str]:
    return [
        path
        for path in LISTING
        if below is None or any(path.startswith(f"{folder}/") or path == folder for folder in below)
    ]


def table(*registries: Registry) -> UnitTable:
    return UnitTable(DEFAULT_ARTIFACTS, registries)


def test_a_member_maps_to_its_run_with_every_member_from_the_listing() -> None:
    (unit,) = table().units([f"{RUN}/steps/deep.md"], listing)

    assert unit == Unit(
        "protocol", RUN, (f"{RUN}/out/data.bin", f"{RUN}/plan.md", f"{RUN}/step-1.md", f"{RUN}/steps/deep.md")
    )


def test_a_file_directly_in_the_protocols_folder_is_no_run() -> None:
    assert table().units([".protocols/loose.md"], listing) == []
    assert table().folder_of("plan.md") is None


def test_runs_are_told_apart_by_their_whole_folder_name() -> None:
    units = table().units([f"{RUN}/plan.md", ".protocols/run10/plan.md"], listing)

    assert {unit.root: unit.members for unit in units} == {
        RUN: (f"{RUN}/out/data.bin", f"{RUN}/plan.md", f"{RUN}/step-1.md", f"{RUN}/steps/deep.md"),
        ".protocols/run10": (".protocols/run10/plan.md",),
    }


def test_a_given_path_the_listing_lacks_is_still_a_member() -> None:
    (unit,) = table().units([f"{RUN}/new.md"], lambda below: [f"{RUN}/plan.md"])

    assert unit.members == (f"{RUN}/new.md", f"{RUN}/plan.md")


def test_only_the_folders_units_can_be_in_are_listed() -> None:
    asked: list[Sequence[str] | None] = []

    def recording(below: Sequence[str] | None) -> list[str]:
        asked.append(below)
        return listing(below)

    table(SKILLS).units([f"{RUN}/plan.md", "skills/a/skill.yaml"], recording)
    everywhere = Registry("registry/skills.json", "skill", ())
    table(everywhere).units(["registry/skills.json"], recording)

    assert asked == [[RUN, "skills", "registry/skills.json"], None]  # ``**/skill.yaml``: the whole tree


@given(
    paths=st.lists(st.sampled_from(["a", "a/b", "a/b/c", "ab/c", "b/a", "/a", "a/", ""]), max_size=8),
    below=st.lists(st.sampled_from(["a", "a/b", "ab", "b/", "", "/"]), max_size=4),
)
def test_a_listing_below_folders_keeps_the_paths_at_or_inside_them(paths: list[str], below: list[str]) -> None:
    """A set lookup per folder a path is in, as the scan of every folder for every path found."""
    inside = [path for path in paths if any(path == folder or path.startswith(folder + "/") for folder in below)]
    assert below_folders(paths, below) == inside


def test_file_units_never_ask_for_the_listing() -> None:
    def never(below: Sequence[str] | None) -> list[str]:
        raise AssertionError("listed")

    assert table(SKILLS).units(["README.md"], never) == []
    assert [unit.kind for unit in table().units(["skills/a/skill.yaml"], never)] == ["skill"]


@pytest.mark.parametrize("path", ["skills/a/skill.yaml", "registry/skills.json"])
def test_a_manifest_or_the_index_maps_to_the_registry_unit(path: str) -> None:
    units = table(SKILLS).units([path], listing)

    registry = [unit for unit in units if unit.kind == "registry"]
    manifests = ("skills/a/skill.yaml", "skills/b/skill.yaml")
    assert registry == [
        Unit("registry", "registry/skills.json", ("registry/skills.json", *manifests), "skill", manifests)
    ]


def test_a_manifest_outside_the_registry_globs_is_no_member() -> None:
    units = table(SKILLS).units(["examples/skills/c/skill.yaml"], listing)

    assert [unit.kind for unit in units] == ["skill"]


def test_a_registry_without_globs_lists_every_manifest_of_its_kind() -> None:
    everywhere = Registry("registry/skills.json", "skill", ())
    (registry,) = [u for u in table(everywhere).units(["registry/skills.json"], listing) if u.kind == "registry"]

    assert "examples/skills/c/skill.yaml" in registry.members
    assert table(everywhere).manifest_globs(registry) == DEFAULT_ARTIFACTS["skill"]


def test_registries_come_from_the_rules_that_check_them_each_once() -> None:
    spec = {"path": "registry/skills.json", "list": "skills", "kind": "skill", "manifests": ["skills/*/skill.yaml"]}
    rules = [Rule(f"r{i}", Severity.ERROR, "p@1", {"registry": spec, "registry_check": "malformed"}) for i in range(3)]

    assert registries_of([*rules, Rule("x", Severity.ERROR, "p@1", {"required": True})]) == [SKILLS]


def test_only_members_a_kind_parses_are_loaded() -> None:
    unit = Unit("protocol", RUN, ())

    assert loader_of(unit, f"{RUN}/plan.md") == "markdown"
    assert loader_of(unit, f"{RUN}/out/data.bin") is None
    assert loader_of(Unit("registry", "registry/skills.json", (), "skill"), "registry/skills.json") == "json"
    assert loader_of(Unit("registry", "registry/skills.json", (), "skill"), "skills/a/skill.yaml") == "yaml"


def test_a_large_output_in_a_run_is_present_while_a_link_is_reported() -> None:
    unit = Unit("protocol", RUN, ())
    too_large = Problem(R.PARSE_TOO_LARGE, "file is 9 bytes; the limit is 1")
    link = Problem(R.PATH_SYMLINK, "is a symbolic link")

    documents = load_members(unit, {f"{RUN}/out/big.bin": too_large, f"{RUN}/out/link": link})

    assert documents[f"{RUN}/out/big.bin"] is None
    linked = documents[f"{RUN}/out/link"]
    assert linked is not None and linked.problems == (link,)


def test_a_registry_reports_no_problem_of_the_manifests_it_only_reads() -> None:
    policy = EffectivePolicy(packs=("p@1",))
    unit = Unit(
        "registry",
        "registry/skills.json",
        ("registry/skills.json", "skills/a/skill.yaml"),
        "skill",
        ("skills/a/skill.yaml",),
    )
    documents = load_members(unit, {"registry/skills.json": b"{}", "skills/a/skill.yaml": b"a: &x 1\n"})

    assert check_unit(policy, unit, documents) == []  # the skill's own unit reports the anchor


def test_what_an_input_governs_is_rechecked() -> None:
    inputs = PolicyInputMap({".packwarden/policy.yml": None, "core/CONTRACT.md": frozenset({"plugin"})})

    assert inputs.touched(["README.md"]) == frozenset()
    assert inputs.touched(["core/CONTRACT.md", "README.md"]) == frozenset({"plugin"})
    assert inputs.touched(["core/CONTRACT.md", ".packwarden/policy.yml"]) is None
    assert inputs.paths() == [".packwarden/policy.yml", "core/CONTRACT.md"]


STEP = "# Step\n\n## Sub-tasks\n- a\n\n## Verification\nok\n\n## Rollback\nundo\n\n## Definition of Done\ndone\n"
PACK = """\
meta: {key: runs, version: "1.0"}
requirements: {protocol_files: [plan.md, log.md]}
"""


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(
        tmp_path / "repo",
        {
            ".packwarden/policy.yml": "pack: .packwarden/runs.yaml\n",
            ".packwarden/runs.yaml": PACK,
            f"{RUN}/plan.md": "# Plan\n",
            f"{RUN}/log.md": "# Log\n",
            f"{RUN}/step-1.md": STEP,
        },
    )


def rules_at(repo: Path, *paths: str, staged: bool = False) -> list[tuple[str, str]]:
    found = check(list(paths), cwd=repo, staged=staged, use_cache=False).findings
    return sorted((finding.path, finding.rule) for finding in found)


def test_a_staged_deletion_rechecks_its_run(repo: Path) -> None:
    git(repo, "rm", "-q", f"{RUN}/log.md")

    assert rules_at(repo, staged=True) == [(RUN, "protocol.missing-file.log.md")]


def test_a_member_changed_after_staging_is_judged_as_staged(repo: Path) -> None:
    stage(repo, {f"{RUN}/step-2.md": STEP})
    (repo / RUN / "log.md").unlink()  # on disk only: the commit still holds it

    assert rules_at(repo, staged=True) == []
    assert rules_at(repo, f"{RUN}/step-2.md") == [(RUN, "protocol.missing-file.log.md")]
