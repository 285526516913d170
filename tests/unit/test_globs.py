"""Repository path globs and the artifact table built from them."""

from __future__ import annotations

import pytest

from packwarden.artifacts.units import Unit, UnitTable
from packwarden.model.globs import compile_globs, glob_to_regex
from packwarden.model.policy import DEFAULT_ARTIFACTS


def matches(glob: str, path: str) -> bool:
    return compile_globs((glob,)).match(path) is not None


@pytest.mark.parametrize(
    ("glob", "path", "expected"),
    [
        ("**/skill.yaml", "skill.yaml", True),
        ("**/skill.yaml", "skills/x/skill.yaml", True),
        ("**/skill.yaml", "a/b/c/d/skill.yaml", True),
        ("**/skill.yaml", "skills/x/skill.yaml.bak", False),
        ("**/skill.yaml", "skills/x/myskill.yaml", False),
        ("**/skill.yaml", "skills/x/skill.yml", False),
        ("skills/*/skill.yaml", "skills/x/skill.yaml", True),
        ("skills/*/skill.yaml", "skills/x/y/skill.yaml", False),
        ("skills/*/skill.yaml", "skills/skill.yaml", False),
        ("*.yaml", "a.yaml", True),
        ("*.yaml", "dir/a.yaml", False),
        ("*", "a", True),
        ("*", "a/b", False),
        ("skill.?ml", "skill.yml", True),
        ("skill.?ml", "skill.xml", True),
        ("skill.?ml", "skill.yaml", False),
        ("a?b", "a/b", False),
        (".protocols/*/", ".protocols/run1/plan.md", True),
        (".protocols/*/", ".protocols/run1/steps/s1.md", True),
        (".protocols/*/", ".protocols/run1", False),
        (".protocols/*/", ".protocols/plan.md", False),
        ("skills/**", "skills/a/b", True),
        ("skills/**", "other/a", False),
        ("a/**/b.md", "a/b.md", True),
        ("a/**/b.md", "a/x/y/b.md", True),
        ("a/**/b.md", "ab.md", False),
        ("a.b", "axb", False),
        ("[x].md", "[x].md", True),
        ("[x].md", "x.md", False),
        ("/skill.yaml", "skill.yaml", True),
    ],
)
def test_glob_matches(glob: str, path: str, expected: bool) -> None:
    assert matches(glob, path) is expected


def test_glob_to_regex_sources() -> None:
    assert glob_to_regex("**/skill.yaml") == r"(?:[^/]+/)*skill\.yaml"
    assert glob_to_regex("a/*/") == "a/[^/]*/.*"
    assert glob_to_regex("**") == ".*"
    assert glob_to_regex("a?") == "a[^/]"


def test_compile_globs_matches_any_of_several_globs() -> None:
    pattern = compile_globs(("**/skill.yaml", "**/skill.yml"))
    assert pattern.match("x/skill.yml")
    assert pattern.match("skill.yaml")
    assert not pattern.match("x/agent.yaml")


def test_no_globs_match_nothing() -> None:
    assert compile_globs(()).match("") is None
    assert compile_globs(()).match("skill.yaml") is None


def test_compiled_globs_are_cached() -> None:
    assert compile_globs(("x/*",)) is compile_globs(("x/*",))


def test_the_artifact_table_gives_the_first_matching_kind() -> None:
    table = UnitTable({"skill": ("**/skill.yaml",), "any": ("**",)})
    assert table.kind_of("a/skill.yaml") == "skill"
    assert table.kind_of("a/other.txt") == "any"
    assert UnitTable({}).kind_of("a/skill.yaml") is None


def test_the_artifact_table_keeps_only_paths_of_a_kind_in_order() -> None:
    table = UnitTable(DEFAULT_ARTIFACTS)
    paths = ["README.md", "skills/b/skill.yaml", "agents/a/agent.yml", "skill.yaml", "agents/a/agent.json"]
    never = lambda below: pytest.fail("file units need no listing")  # noqa: E731
    assert table.units(paths, never) == [
        Unit("skill", "skills/b/skill.yaml", ("skills/b/skill.yaml",)),
        Unit("agent", "agents/a/agent.yml", ("agents/a/agent.yml",)),
        Unit("skill", "skill.yaml", ("skill.yaml",)),
    ]
    assert table.units([], never) == []
