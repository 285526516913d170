"""Registry units in two phases: a manifest's projection, kept by the unit that parsed it, gives
a registry unit exactly the findings the whole manifest gives, in one process or forked, with
the result cache or without, whatever the repository holds and however it changes."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Sequence
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from packwarden import runner
from packwarden.api import resolve
from packwarden.artifacts.members import cost_of, load_members, load_registry
from packwarden.artifacts.projection import Projection, Projections, project, registry_keys, restore, wanted
from packwarden.artifacts.units import Unit, UnitTable, attached_of, registries_of
from packwarden.checks.registry import manifest_keys
from packwarden.engine import check_unit
from packwarden.load.document import Document
from packwarden.load.yaml import load_yaml
from packwarden.model.finding import Finding, Severity
from packwarden.model.policy import EffectivePolicy
from packwarden.model.rule import Rule
from packwarden.packs.reader import read_pack
from packwarden.workspace import DiskFiles
from tests.support.gitrepo import make_repo, write_files

SKILLS_INDEX = "registry/skills.json"
IDS_INDEX = "registry/ids.json"
# Two registries over the same manifests: the second names its entries by ``id`` and compares a
# key whose name reads like a field path (the check reads it as one top-level key) and a list.
PACK = f"""\
meta: {{key: reg, version: "1"}}
extends: [default@1.0]
requirements:
  registry:
    - {{path: {SKILLS_INDEX}, list: skills, kind: skill, match: [version, status], manifests: ["skills/*/skill.yaml"]}}
    - {{path: {IDS_INDEX}, list: items, key: id, kind: skill, match: [x.y, tags], manifests: ["skills/*/skill.yaml"]}}
"""
CONFIG = "pack: packs/reg.yaml\n"
POLICY = EffectivePolicy(packs=("reg@1",), rules=read_pack(PACK.encode(), "reg@1").rules)
REGISTRY_UNIT = Unit(
    "registry",
    SKILLS_INDEX,
    tuple(sorted({SKILLS_INDEX, *(f"skills/{n}/skill.yaml" for n in range(5))})),
    "skill",
    tuple(f"skills/{n}/skill.yaml" for n in range(5)),
)


def findings(found: Sequence[Finding]) -> list[Finding]:
    return sorted(found, key=repr)


# Manifests and indexes: few names and values, so that names repeat and fields differ or
# agree; manifests that do not parse, are no mapping, have problems or are not UTF-8.
NAMES = st.sampled_from(["a.one", "b.two", "c.three"])
NOT_TEXT = st.sampled_from([3, None, ["a.one"], {"k": "v"}])
FIELDS = {
    "version": st.sampled_from(["1.0.0", "2.0.0", 3, None]),
    "status": st.sampled_from(["active", "draft", None, {"k": "v"}]),
    "x.y": st.sampled_from(["p", "q", ["p"]]),
    "tags": st.sampled_from([["x"], ["x", "y"], "x", []]),
    "description": st.sampled_from(["long text", {"nested": ["a"]}]),
}
NAMED = st.one_of(NAMES, NAMES, NAMES, NOT_TEXT)


def fields(draw: st.DrawFn, key: str) -> dict[str, object]:
    """Some of FIELDS, in any order, and most often ``key`` with a name."""
    chosen = draw(st.permutations(list(FIELDS)))[: draw(st.integers(0, len(FIELDS)))]
    found = {field: draw(FIELDS[field]) for field in chosen}
    if draw(st.integers(0, 5)):
        found[key] = draw(NAMED)
    return found


@st.composite
def manifests(draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from(["mapping"] * 12 + ["broken", "list", "empty", "anchor", "twice", "latin-1"]))
    if kind != "mapping":
        return {
            "broken": b"name: [unclosed\n",
            "list": b"- name: a.one\n",
            "empty": b"",
            "anchor": b"name: &n a.one\nid: *n\n",
            "twice": b"name: a.one\nname: b.two\n",
            "latin-1": b"name: caf\xe9\n",
        }[kind]
    found = {**fields(draw, "name"), **({"id": draw(NAMED)} if draw(st.integers(0, 3)) else {})}
    lines = [f"{key}: {json.dumps(value)}" for key, value in found.items()]
    if draw(st.booleans()):  # x.y as a path would reach it; the check reads the key "x.y" only
        lines.insert(draw(st.integers(0, len(lines))), f"x:\n  y: {json.dumps(draw(FIELDS['x.y']))}")
    return "\n".join(lines).encode() + b"\n"


@st.composite
def indexes(draw: st.DrawFn, listed: str, key: str) -> bytes:
    kind = draw(st.sampled_from(["entries"] * 8 + ["broken", "list", "no-list", "not-a-list"]))
    if kind != "entries":
        return {"broken": b"{", "list": b"[]", "no-list": b"{}", "not-a-list": b'{"%s": 3}' % listed.encode()}[kind]
    entries: list[object] = []
    for _ in range(draw(st.integers(0, 6))):
        entries.append(draw(NOT_TEXT) if not draw(st.integers(0, 9)) else fields(draw, key))
    return json.dumps({listed: entries}, indent=2).encode()


def whole_and_projected(unit: Unit, members: dict[str, bytes], parsed: dict[str, bytes]) -> tuple[object, object]:
    """The registry unit's findings with every manifest loaded whole, and with the projections
    kept while each manifest's own unit parsed ``parsed`` (its bytes then)."""
    keep = Projections(POLICY.rules, wanted([unit]))
    for path, raw in parsed.items():
        load_members(Unit("skill", path, (path,)), {path: raw}, keep)
    whole = check_unit(POLICY, unit, load_members(unit, dict(members)))
    projected = check_unit(POLICY, unit, load_registry(unit, dict(members), keep.found, {}))
    return findings(whole), findings(projected)


@settings(max_examples=500, deadline=None)
@given(
    registry=st.sampled_from([(SKILLS_INDEX, "skills", "name"), (IDS_INDEX, "items", "id")]),
    data=st.data(),
    manifests=st.lists(st.tuples(manifests(), st.sampled_from(["same", "changed", "absent"])), max_size=5),
)
def test_a_registry_finds_the_same_from_projections_as_from_whole_manifests(
    registry: tuple[str, str, str], data: st.DataObject, manifests: list[tuple[bytes, str]]
) -> None:
    """Also when a manifest changed after its own unit parsed it (its projection is for other
    bytes) and when no unit parsed it: the registry unit then parses it itself."""
    path, listed, key = registry
    members = {path: data.draw(indexes(listed, key))}
    parsed = {}
    for number, (raw, when) in enumerate(manifests):
        manifest = f"skills/{number}/skill.yaml"
        members[manifest] = raw
        if when != "absent":
            parsed[manifest] = raw if when == "same" else raw + b"status: changed\n"
    unit = REGISTRY_UNIT._replace(root=path, members=tuple(sorted(members)))
    whole, projected = whole_and_projected(unit, dict(sorted(members.items())), parsed)
    assert projected == whole


def test_the_check_reads_its_key_match_fields_and_field() -> None:
    spec = {"path": SKILLS_INDEX, "list": "skills", "kind": "skill", "key": "id", "match": ["version", "a.b"]}
    assert manifest_keys({"registry": spec}) == {"id", "version", "a.b"}
    assert manifest_keys({"registry": spec, "registry_field": "status"}) == {"id", "version", "a.b", "status"}
    assert manifest_keys({"registry": {**spec, "key": None, "match": None}}) == {"name"}
    assert manifest_keys({"registry_field": "status"}) == frozenset()  # no registry: reads nothing


def test_a_projection_keeps_the_keys_asked_for_with_their_subtrees_and_positions() -> None:
    raw = b"name: a.one\ndescription: long\nx:\n  y: [1, 2]\nstatus: draft\n"
    whole = load_yaml(raw)
    kept = restore(project("yaml", raw, whole, frozenset({"name", "x", "version"})))
    assert kept.data == {"name": "a.one", "x": {"y": [1, 2]}}
    assert kept.data.marks == {"name": (1, 7), "x": (4, 3)}
    assert kept.data.key_marks == {"name": (1, 1), "x": (3, 1)}
    assert kept.data["x"].marks == whole.data["x"].marks
    assert kept.data.mark == whole.data.mark
    broken = load_yaml(b"name: [unclosed\n")
    assert restore(project("yaml", b"name: [unclosed\n", broken, frozenset({"name"}))).problems == broken.problems


def test_registry_keys_name_what_each_registry_reads() -> None:
    keys = registry_keys(POLICY.rules)
    assert keys == {
        SKILLS_INDEX: {"name", "version", "status"},
        IDS_INDEX: {"id", "x.y", "x", "tags"},  # x: a path's first segment is kept too
    }


@pytest.mark.parametrize(
    ("params", "narrow"),
    [
        ({"required_file": "README.md"}, True),  # asks only whether a member exists
        ({"plugin_spec": "invalid"}, False),  # reads a member's data
        ({"step_section": "Rollback"}, False),
    ],
)
def test_other_unit_rules_on_registries_may_stop_projections(params: dict[str, object], narrow: bool) -> None:
    """A unit rule on every kind (no applies_to) applies to registry units too."""
    other = Rule(id="t.other", severity=Severity.ERROR, pack="p@1", params=params)
    keys = registry_keys((*POLICY.rules, other))
    assert (keys is not None) == narrow
    if keys is None:
        keep = Projections((*POLICY.rules, other), wanted([REGISTRY_UNIT]))
        load_members(
            Unit("skill", "skills/0/skill.yaml", ("skills/0/skill.yaml",)), {"skills/0/skill.yaml": b"a: 1\n"}, keep
        )
        assert keep.found == {}  # every registry unit then loads its manifests whole


def test_a_unit_weighs_what_its_members_cost_to_parse() -> None:
    run = Unit("protocol", ".protocols/r", (".protocols/r/plan.md", ".protocols/r/step-1.md", ".protocols/r/out.bin"))
    skill = Unit("skill", "skills/a/skill.yaml", ("skills/a/skill.yaml",))
    assert cost_of(run) == 50 + 50 + 1  # two markdown files and an output only present
    assert cost_of(skill) == 10


# Whole repositories, run by the runner itself: one process, forked, cached and not.


@st.composite
def states(draw: st.DrawFn) -> dict[str, bytes | None]:
    """What the repository holds: up to six skill manifests (None: deleted) and both indexes."""
    files: dict[str, bytes | None] = {
        SKILLS_INDEX: draw(indexes("skills", "name")),
        IDS_INDEX: draw(st.one_of(st.none(), indexes("items", "id"), indexes("items", "id"))),
    }
    for number in range(6):
        files[f"skills/s{number}/skill.yaml"] = draw(st.one_of(st.none(), manifests(), manifests(), manifests()))
    files["agents/b/agent.yaml"] = draw(st.one_of(st.none(), manifests()))
    return files


def write_state(root: Path, state: dict[str, bytes | None], link: bool) -> None:
    for path, raw in state.items():
        if raw is None:
            (root / path).unlink(missing_ok=True)
        else:
            write_files(root, {path: raw})
    linked = root / "skills/link/skill.yaml"
    if link and not linked.is_symlink():  # a read problem: the registry reads it, never a projection
        linked.parent.mkdir(parents=True, exist_ok=True)
        linked.symlink_to("../s0/skill.yaml")


def reference(policy: EffectivePolicy, root: Path) -> tuple[list[Finding], int]:
    """A fresh run without any cache, in one process, each unit loading its members whole."""
    source = DiskFiles(str(root), True, untracked=True)
    table = UnitTable(policy.artifacts, registries_of(policy.rules), attached_of(policy.rules))
    found: list[Finding] = []
    files = set()
    for unit in table.units(source.all_paths(), source.listing):
        members = {path: raw for path in unit.members if (raw := source.read(path)) is not None}
        if members:
            files |= set(members)
            found.extend(check_unit(policy, unit, load_members(unit, members)))
    return findings(found), len(files)


def two_phases(policy: EffectivePolicy, root: Path, use_cache: bool, jobs: int) -> tuple[list[Finding], int]:
    source = DiskFiles(str(root), True, untracked=True)
    table = UnitTable(policy.artifacts, registries_of(policy.rules), attached_of(policy.rules))
    units = table.units(source.all_paths(), source.listing)
    results, files = runner.run_checks(policy, source, units, use_cache=use_cache, jobs=jobs)
    return findings([finding for _, found in results for finding in found]), files


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
)
@given(history=st.lists(states(), min_size=1, max_size=3), link=st.booleans())
def test_two_phases_find_what_each_unit_loading_its_own_members_finds(
    history: list[dict[str, bytes | None]], link: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A repository changed between runs, checked after each change in one process and forked
    into two (every run forks: the threshold is lowered), with the result cache (which then
    holds what earlier runs and states left) and without."""
    monkeypatch.setattr(runner, "PARALLEL_THRESHOLD", 1)
    with tempfile.TemporaryDirectory() as folder:
        root = make_repo(Path(folder) / "repo", {".packwarden/policy.yml": CONFIG, "packs/reg.yaml": PACK})
        policy = resolve(cwd=root, use_cache=False)
        for state in history:
            write_state(root, state, link)
            expected = reference(policy, root)
            for use_cache, jobs in ((True, 1), (True, 2), (False, 2), (True, 2), (False, 1)):
                assert two_phases(policy, root, use_cache, jobs) == expected, (use_cache, jobs)


def test_forked_runs_hand_back_projections_and_parse_each_manifest_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The point of it all: the registry takes every manifest from the skill units' projections."""
    files: dict[str, str] = {".packwarden/policy.yml": CONFIG, "packs/reg.yaml": PACK}
    entries = []
    for number in range(8):
        files[f"skills/s{number}/skill.yaml"] = f"name: s.{number}\nversion: 1.0.0\nstatus: draft\n"
        entries.append({"name": f"s.{number}", "version": "1.0.0", "status": "active" if number else "draft"})
    files[SKILLS_INDEX] = json.dumps({"skills": entries}, indent=2)
    root = make_repo(tmp_path / "repo", files)
    policy = resolve(cwd=root, use_cache=False)
    monkeypatch.setattr(runner, "PARALLEL_THRESHOLD", 1)
    whole: list[str] = []  # the members the registry unit loaded itself (a projection has no text)
    real_load = runner.load_registry

    def spying(
        unit: Unit, members: runner.Members, found: dict[str, Projection], ready: dict[str, Document | None]
    ) -> dict[str, Document | None]:
        documents = real_load(unit, members, found, ready)
        whole.extend(path for path, document in documents.items() if document is not None and document.text)
        return documents

    monkeypatch.setattr(runner, "load_registry", spying)
    found, _ = two_phases(policy, root, use_cache=False, jobs=2)
    assert whole == [SKILLS_INDEX]  # the index, loaded at the start of this process's share
    assert [(f.path, f.rule) for f in found if f.rule.startswith("registry.skills.")] == [
        (f"skills/s{n}/skill.yaml", "registry.skills.mismatch.status") for n in range(1, 8)
    ]
