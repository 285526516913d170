"""Betty's registries against Betty's manifests (corpus/betty, data written outside this project).

Betty keeps an index of its skills (``registry/skills.json``) and of its agents
(``registry/agents.json``) next to the manifests. A repository pack asks for both registries to
agree with the manifests, and the real CLI must find exactly what a Betty user would call wrong:
index entries whose skill is gone, manifests the index never listed, and statuses the index
did not follow; nothing about the example skill outside the manifest globs.

The expected lines and columns are read off the corpus with PyYAML (a parser packwarden does
not use), and the expected names are recomputed from the files, so that the sets below are the
corpus and not packwarden's output copied back.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.acceptance.conftest import run_tool
from tests.support.betty import (
    AGENT_MANIFESTS_WITHOUT_ENTRY,
    SKILL_ENTRIES_WITHOUT_MANIFEST,
    SKILL_MANIFESTS_WITHOUT_ENTRY,
    SKILL_STATUS_MISMATCHES,
)
from tests.support.gitrepo import copy_tree_repo, corpus, git, write_files

SKILLS_INDEX = "registry/skills.json"
AGENTS_INDEX = "registry/agents.json"
SKILL_GLOB = "skills/*/skill.yaml"
AGENT_GLOB = "agents/*/agent.yaml"
EXAMPLE = "examples/skills/hello.world/skill.yaml"  # a skill outside SKILL_GLOB
CHANGED = "skills/code.format/skill.yaml"  # the one file pre-commit gives the hook
PACK_PATH = ".packwarden/packs/registry.yaml"
PACK = f"""\
meta:
  key: betty-registry
  version: "1.0"
  name: Betty registries
  description: Betty's skill and agent indexes agree with the manifests.
  status: active
extends: [default@1.0]
requirements:
  protocol_files: []
  step_sections: []
  registry:
    - {{path: {SKILLS_INDEX}, list: skills, kind: skill, match: [version, status], manifests: ["{SKILL_GLOB}"]}}
    - {{path: {AGENTS_INDEX}, list: agents, kind: agent, match: [version, status], manifests: ["{AGENT_GLOB}"]}}
"""
POLICY = f"pack: {PACK_PATH}\n"


Place = tuple[int, int]  # 1-based line and column of a scalar's first character
Fields = dict[str, tuple[str, Place]]  # a mapping's scalar values (as written) and places, by key


@pytest.fixture(scope="module")
def betty_root() -> Path:
    return corpus("betty")  # skipped in a user's clone, a failure in CI (PACKWARDEN_REQUIRE_CORPUS)


# --- the corpus, read with PyYAML -----------------------------------------------------------------


def _mapping(node: yaml.Node | None) -> Fields:
    """A composed mapping node's scalar values by key, each with its place."""
    assert isinstance(node, yaml.MappingNode)
    return {
        key.value: (value.value, (value.start_mark.line + 1, value.start_mark.column + 1))
        for key, value in node.value
        if isinstance(key, yaml.ScalarNode) and isinstance(value, yaml.ScalarNode)
    }


def index_entries(root: Path, index: str, listed: str) -> dict[str, Fields]:
    """The index's entries by name: each field's value (as text) and place."""
    document = yaml.compose((root / index).read_text(encoding="utf-8"))
    assert isinstance(document, yaml.MappingNode)
    items = next(value for key, value in document.value if key.value == listed)
    assert isinstance(items, yaml.SequenceNode)
    entries: dict[str, Fields] = {}
    for item in items.value:
        fields = _mapping(item)
        name = fields["name"][0]
        assert name not in entries, f"{index}: {name} is listed twice"
        entries[name] = fields
    return entries


def manifests(root: Path, glob: str) -> dict[str, tuple[str, Fields]]:
    """The manifests ``glob`` reaches, by name: (path, each top-level field's value and place)."""
    found: dict[str, tuple[str, Fields]] = {}
    for path in sorted(root.glob(glob)):
        fields = _mapping(yaml.compose(path.read_text(encoding="utf-8")))
        name = fields["name"][0]
        assert name not in found, f"{glob}: {name} is used twice"
        found[name] = (str(path.relative_to(root)), fields)
    return found


def mismatches(root: Path, index: str, listed: str, glob: str, field: str) -> set[str]:
    """The listed manifests whose ``field`` differs from their entry's (missing on one side counts)."""
    entries = index_entries(root, index, listed)

    def value(fields: Fields) -> str | None:
        return fields[field][0] if field in fields else None

    return {
        name
        for name, (_, fields) in manifests(root, glob).items()
        if name in entries and value(fields) != value(entries[name])
    }


def test_expected_names_are_the_corpus(betty_root: Path) -> None:
    """The sets above are what the files say, computed without packwarden."""
    skills = index_entries(betty_root, SKILLS_INDEX, "skills")
    skill_manifests = manifests(betty_root, SKILL_GLOB)
    agents = index_entries(betty_root, AGENTS_INDEX, "agents")
    agent_manifests = manifests(betty_root, AGENT_GLOB)

    assert set(skills) - set(skill_manifests) == SKILL_ENTRIES_WITHOUT_MANIFEST
    assert set(skill_manifests) - set(skills) == SKILL_MANIFESTS_WITHOUT_ENTRY
    assert mismatches(betty_root, SKILLS_INDEX, "skills", SKILL_GLOB, "status") == SKILL_STATUS_MISMATCHES
    assert mismatches(betty_root, SKILLS_INDEX, "skills", SKILL_GLOB, "version") == set()
    assert set(agents) - set(agent_manifests) == set()
    assert set(agent_manifests) - set(agents) == AGENT_MANIFESTS_WITHOUT_ENTRY
    assert mismatches(betty_root, AGENTS_INDEX, "agents", AGENT_GLOB, "status") == set()
    assert mismatches(betty_root, AGENTS_INDEX, "agents", AGENT_GLOB, "version") == set()
    # The example skill would be a missing entry if the glob reached it: excluding it is the point.
    example = _mapping(yaml.compose((betty_root / EXAMPLE).read_text(encoding="utf-8")))
    assert example["name"][0] not in skills
    assert not re.fullmatch(re.escape(SKILL_GLOB).replace(r"\*", "[^/]*"), EXAMPLE)
    assert re.fullmatch(re.escape(SKILL_GLOB).replace(r"\*", "[^/]*"), CHANGED)


# --- the real CLI ---------------------------------------------------------------------------------


@pytest.fixture
def betty(betty_root: Path, tmp_path: Path) -> Path:
    """A git repository holding Betty, with the registry pack selected and committed."""
    repo = copy_tree_repo(betty_root, tmp_path / "betty")
    write_files(repo, {PACK_PATH: PACK, ".packwarden/policy.yml": POLICY})
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "registry pack")
    return repo


def check(repo: Path, *args: str) -> list[dict[str, Any]]:
    """``packwarden check ARGS --format json`` as a real process: its findings."""
    done = run_tool(repo, "packwarden", "check", *args, "--format", "json")
    assert done.returncode in (0, 1), done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    findings: list[dict[str, Any]] = json.loads(done.stdout)["findings"]
    return findings


def registry_findings(findings: list[dict[str, Any]], prefix: str = "registry.") -> list[dict[str, Any]]:
    return sorted(
        (f for f in findings if f["rule"].startswith(prefix)),
        key=lambda f: (f["path"], f["line"], f["column"], f["rule"], f["message"]),
    )


def expected(root: Path) -> Iterator[tuple[str, str, int, int]]:
    """(rule, path, line, column) of every registry finding a Betty user would call wrong."""
    skills = index_entries(root, SKILLS_INDEX, "skills")
    skill_manifests = manifests(root, SKILL_GLOB)
    agent_manifests = manifests(root, AGENT_GLOB)
    for name in SKILL_ENTRIES_WITHOUT_MANIFEST:
        yield ("registry.skills.missing-manifest", SKILLS_INDEX, *skills[name]["name"][1])
    for name in SKILL_MANIFESTS_WITHOUT_ENTRY:
        path, fields = skill_manifests[name]
        yield ("registry.skills.missing-entry", path, *fields["name"][1])
    for name in SKILL_STATUS_MISMATCHES:
        path, fields = skill_manifests[name]
        yield ("registry.skills.mismatch.status", path, *fields["status"][1])
    for name in AGENT_MANIFESTS_WITHOUT_ENTRY:
        path, fields = agent_manifests[name]
        yield ("registry.agents.missing-entry", path, *fields["name"][1])


def test_registries_find_exactly_what_a_betty_user_would(betty: Path, betty_root: Path) -> None:
    found = registry_findings(check(betty, "--all-files"))

    assert {(f["rule"], f["path"], f["line"], f["column"]) for f in found} == set(expected(betty_root))
    assert len(found) == len(set(expected(betty_root)))  # each once
    assert {f["severity"] for f in found} == {"error"}
    assert {f["pack"] for f in found} == {"betty-registry@1.0"}
    assert not [f for f in found if f["path"] == EXAMPLE]
    assert not [f for f in found if f["rule"] == "registry.skills.mismatch.version"]


def test_each_finding_names_what_disagrees(betty: Path, betty_root: Path) -> None:
    found = registry_findings(check(betty, "--all-files"))
    skills = index_entries(betty_root, SKILLS_INDEX, "skills")
    skill_manifests = manifests(betty_root, SKILL_GLOB)
    by_place = {(f["rule"], f["path"], f["line"]): f["message"] for f in found}

    for name in SKILL_ENTRIES_WITHOUT_MANIFEST:
        line = skills[name]["name"][1][0]
        assert by_place["registry.skills.missing-manifest", SKILLS_INDEX, line] == (
            f"registry entry {name!r} has no skill manifest"
        )
    for name in SKILL_STATUS_MISMATCHES:
        path, fields = skill_manifests[name]
        here, there = fields["status"][0], skills[name]["status"]
        # the message names the entry's status line in the index, so the user can jump to both
        assert by_place["registry.skills.mismatch.status", path, fields["status"][1][0]] == (
            f"status is {here!r} here but {there[0]!r} in {SKILLS_INDEX}:{there[1][0]}"
        )
    for name in SKILL_MANIFESTS_WITHOUT_ENTRY:
        path, fields = skill_manifests[name]
        assert by_place["registry.skills.missing-entry", path, fields["name"][1][0]] == (
            f"skill {name!r} is not listed in {SKILLS_INDEX}"
        )


def test_one_changed_manifest_reports_its_whole_registry(betty: Path) -> None:
    """pre-commit gives the hook one manifest; the registry's findings are the whole unit's."""
    one = check(betty, CHANGED)  # first, with a cold cache: nothing is answered from the run below

    whole = registry_findings(check(betty, "--all-files"), "registry.skills.")
    assert registry_findings(one) == whole
    assert CHANGED in {f["path"] for f in whole}  # code.format's own status mismatch is among them
    assert len({f["path"] for f in whole}) > 1


def test_staged_reads_the_other_members_from_the_index(betty: Path) -> None:
    """The plain git hook: one staged manifest, and the rest of the registry as the index holds it."""
    whole = registry_findings(check(betty, "--all-files"), "registry.skills.")
    with (betty / CHANGED).open("a", encoding="utf-8") as handle:
        handle.write("# reviewed\n")  # a change that moves no line
    git(betty, "add", CHANGED)
    # Unstaged, in the working tree only: --staged must not see these.
    (betty / "skills/epic.write/skill.yaml").unlink()
    write_files(betty, {SKILLS_INDEX: '{"skills": []}\n'})

    staged = check(betty, "--staged")

    assert registry_findings(staged) == whole


def test_a_fix_to_one_manifest_is_seen_by_every_route(betty: Path) -> None:
    """After a full run, code.format's status is made to agree: its mismatch, and only it, goes."""
    whole = registry_findings(check(betty, "--all-files"), "registry.skills.")
    text = (betty / CHANGED).read_text(encoding="utf-8")
    fixed, count = re.subn(r"^status: active$", "status: draft", text, count=1, flags=re.MULTILINE)
    assert count == 1
    write_files(betty, {CHANGED: fixed})
    rest = [f for f in whole if not (f["path"] == CHANGED and f["rule"] == "registry.skills.mismatch.status")]
    assert len(rest) == len(whole) - 1

    assert registry_findings(check(betty, CHANGED)) == rest
    assert registry_findings(check(betty, "--staged")) == []  # nothing staged yet: no unit to check
    git(betty, "add", CHANGED)
    assert registry_findings(check(betty, "--staged")) == rest
    assert registry_findings(check(betty, "--all-files"), "registry.skills.") == rest
