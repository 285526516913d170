"""The gate memo: a check of files leaves it, and the gate's answer from it is the full check's.

Every test builds a real git repository, checks files as ``policy-check`` does, and compares
the memo's answer with what ``check --staged`` (the full re-evaluation) says.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from packwarden.api import check
from packwarden.artifacts.units import UnitTable
from packwarden.cache import gate
from packwarden.enforce import decide_in
from packwarden.model.finding import Finding, Severity
from tests.support.gitrepo import git, make_repo, stage, write_files
from tests.support.packs import REGISTRY_INDEX, REGISTRY_PACK

GOOD = "name: good.skill\nversion: 1.0.0\nstatus: draft\n"
BAD = "name: Bad Name\nversion: 1.0.0\nstatus: draft\n"
STRICT = "mode: block\n"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "repo", {"skills/a/skill.yaml": GOOD, "README.md": "x\n"})


def answer(repo: Path, strict: bool = False, pack: str | None = None) -> tuple[int, list[dict[str, object]]] | None:
    """The gate's answer from the memo: its exit code and what blocks, decided as ``check`` decides."""
    found = gate.recall(os.path.realpath(repo), pack, strict)
    if found is None:
        return None
    mode, fail_on, raw, _ = found
    findings = [(Finding.from_dict(item), waived) for _, _, item, waived, _ in raw]
    waived = {finding: None for finding, covered in findings if covered}
    verdict = decide_in([finding for finding, _ in findings], mode, Severity(fail_on), waived)  # type: ignore[arg-type]
    return verdict.exit_code, [finding.to_dict() for finding in verdict.blocking]


def full(repo: Path, strict: bool = False) -> int:
    return check(cwd=repo, staged=True, strict=strict, use_cache=False).exit_code


def test_a_check_of_staged_files_answers_the_gate(repo: Path) -> None:
    stage(repo, {"skills/b/skill.yaml": BAD, "skills/a/skill.yaml": GOOD + "# more\n", "notes.txt": "x"})

    check(["skills/a/skill.yaml", "skills/b/skill.yaml"], cwd=repo)

    assert answer(repo) == (0, [])
    assert full(repo) == 0


def test_in_strict_mode_the_answer_names_what_blocks(repo: Path) -> None:
    stage(repo, {"skills/b/skill.yaml": BAD})

    check(["skills/b/skill.yaml"], cwd=repo, strict=True)
    found = answer(repo, strict=True)

    assert found is not None
    assert found[0] == full(repo, strict=True) == 1
    assert [(f["path"], f["rule"]) for f in found[1]] == [("skills/b/skill.yaml", "skill.name-format")]
    assert answer(repo) is None  # another request (not strict): another memo


def test_a_config_that_makes_the_mode_strict_is_part_of_the_answer(repo: Path) -> None:
    stage(repo, {".packwarden/policy.yml": STRICT})
    git(repo, "commit", "-q", "-m", "strict")
    stage(repo, {"skills/b/skill.yaml": BAD})

    check(["skills/b/skill.yaml"], cwd=repo)

    found = answer(repo)
    assert found is not None
    assert found[0] == full(repo) == 1


def test_a_file_staged_after_the_check_is_not_answered(repo: Path) -> None:
    stage(repo, {"skills/b/skill.yaml": GOOD.replace("good", "b")})
    check(["skills/b/skill.yaml"], cwd=repo, strict=True)

    stage(repo, {"skills/b/skill.yaml": BAD})

    assert answer(repo, strict=True) is None
    assert full(repo, strict=True) == 1


def test_working_tree_changes_that_were_not_staged_are_not_what_the_commit_holds(repo: Path) -> None:
    stage(repo, {"skills/b/skill.yaml": BAD})
    write_files(repo, {"skills/b/skill.yaml": GOOD})  # fixed on disk only

    check(["skills/b/skill.yaml"], cwd=repo, strict=True)  # passes: it read the disk

    assert answer(repo, strict=True) is None
    assert full(repo, strict=True) == 1


def test_a_staged_artifact_the_check_never_saw_is_not_answered(repo: Path) -> None:
    stage(repo, {"skills/b/skill.yaml": GOOD, "agents/c/agent.yml": "name: Bad Name\n"})

    check(["skills/b/skill.yaml"], cwd=repo)

    assert answer(repo) is None


def test_nothing_staged_since_an_earlier_check_answers_with_no_findings(repo: Path) -> None:
    stage(repo, {"skills/b/skill.yaml": BAD})
    check(["skills/b/skill.yaml"], cwd=repo, strict=True)
    git(repo, "reset", "-q")  # unstaged again: the commit would hold no manifest

    assert answer(repo, strict=True) == (0, [])
    assert full(repo, strict=True) == 0


def test_a_staged_config_is_left_to_the_full_check(repo: Path) -> None:
    stage(repo, {".packwarden/policy.yml": STRICT, "skills/b/skill.yaml": GOOD})

    check([".packwarden/policy.yml", "skills/b/skill.yaml"], cwd=repo)

    assert answer(repo) is None


def test_a_config_changed_on_disk_but_not_staged_is_not_the_commits_policy(repo: Path) -> None:
    stage(repo, {"skills/b/skill.yaml": BAD})
    write_files(repo, {".packwarden/policy.yml": "mode: warn\n"})  # untracked: the commit has no config

    check(["skills/b/skill.yaml"], cwd=repo)

    assert answer(repo) is None


def test_a_pack_changed_on_disk_but_not_staged_is_not_the_commits_policy(repo: Path) -> None:
    pack = "meta: {key: ours, version: '1.0'}\nextends: [default@1.0]\n"
    stage(repo, {".packwarden/policy.yml": "pack: packs/ours.yaml\n", "packs/ours.yaml": pack})
    git(repo, "commit", "-q", "-m", "pack")
    stage(repo, {"skills/b/skill.yaml": BAD})
    write_files(repo, {"packs/ours.yaml": pack + "enforcement: {mode: block}\n"})  # not staged

    check(["skills/b/skill.yaml"], cwd=repo)  # read the working tree's pack: strict

    assert answer(repo) is None  # the index holds another pack than the one the check read
    assert full(repo) == 0  # the commit's own pack is in warn mode


def test_a_staged_pack_change_is_not_answered(repo: Path) -> None:
    pack = "meta: {key: ours, version: '1.0'}\nextends: [default@1.0]\n"
    stage(repo, {".packwarden/policy.yml": "pack: packs/ours.yaml\n", "packs/ours.yaml": pack})
    git(repo, "commit", "-q", "-m", "pack")
    stage(repo, {"skills/b/skill.yaml": GOOD})
    check(["skills/b/skill.yaml"], cwd=repo)
    assert answer(repo) == (0, [])

    stage(repo, {"packs/ours.yaml": pack + "enforcement: {mode: block}\n"})
    check(["packs/ours.yaml"], cwd=repo)  # a changed policy input: everything, at the new policy

    assert answer(repo) is None  # a staged policy input re-checks the whole index


def test_a_config_in_conflict_is_not_answered(repo: Path) -> None:
    stage(repo, {".packwarden/policy.yml": "mode: warn\n"})
    git(repo, "commit", "-q", "-m", "warn")
    git(repo, "checkout", "-q", "-b", "other")
    stage(repo, {".packwarden/policy.yml": "mode: block\n"})
    git(repo, "commit", "-q", "-m", "block")
    git(repo, "checkout", "-q", "main")
    stage(repo, {".packwarden/policy.yml": "mode: warn\n# ours\n"})
    git(repo, "commit", "-q", "-m", "ours")
    git(repo, "merge", "-q", "other", check=False)  # conflicts in the config
    write_files(repo, {".packwarden/policy.yml": "mode: warn\n# ours\n"})
    stage(repo, {"skills/b/skill.yaml": GOOD})
    check(["skills/b/skill.yaml"], cwd=repo)

    assert "U" in git(repo, "status", "--porcelain", "--", ".packwarden/policy.yml")[:2]
    assert answer(repo) is None


def test_a_memo_that_cannot_be_written_only_costs_speed(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a folder")

    written = gate.store(
        str(tmp_path / "file" / "memo"),
        inputs={},
        outside=[],
        specs=[],
        units=[],
        policy_findings=[],
        mode="warn",
        fail_on="error",
    )

    assert written is False


@pytest.mark.parametrize("damage", [b"", b"not marshal data", b"\xff" * 64])
def test_a_damaged_memo_is_not_answered(repo: Path, damage: bytes) -> None:
    stage(repo, {"skills/b/skill.yaml": GOOD})
    check(["skills/b/skill.yaml"], cwd=repo)

    Path(gate.memo_path(os.path.realpath(repo), None, False)).write_bytes(damage)

    assert answer(repo) is None


def test_a_memo_outside_a_git_work_tree_is_not_answered(repo: Path) -> None:
    stage(repo, {"skills/b/skill.yaml": GOOD})
    check(["skills/b/skill.yaml"], cwd=repo)

    os.rename(repo / ".git", repo / "git-moved")

    assert answer(repo) is None


def test_a_staged_link_at_an_artifact_path_is_not_answered(repo: Path) -> None:
    stage(repo, {"skills/b/skill.yaml": GOOD})
    check(["skills/b/skill.yaml"], cwd=repo)
    os.unlink(repo / "skills/b/skill.yaml")
    os.symlink("../a/skill.yaml", repo / "skills/b/skill.yaml")
    git(repo, "add", "skills/b/skill.yaml")

    assert answer(repo) is None


def test_check_staged_leaves_a_memo_too(repo: Path) -> None:
    stage(repo, {"skills/b/skill.yaml": BAD})

    check(cwd=repo, staged=True, strict=True)

    assert answer(repo, strict=True) is not None


@pytest.mark.parametrize(
    "how",
    [
        {"all_files": True},
        {"use_cache": False},
        {"cwd_below": True},
    ],
    ids=["all-files", "no-cache", "not-from-the-root"],
)
def test_runs_the_gate_does_not_follow_leave_no_memo(repo: Path, how: dict[str, bool]) -> None:
    stage(repo, {"skills/b/skill.yaml": GOOD})
    if how.get("cwd_below"):
        check(["b/skill.yaml"], cwd=repo / "skills")
    else:
        check(
            ["skills/b/skill.yaml"],
            cwd=repo,
            all_files=how.get("all_files", False),
            use_cache=how.get("use_cache", True),
        )

    assert not os.path.exists(gate.memo_path(os.path.realpath(repo), None, False))


def test_a_run_over_more_files_than_the_memo_holds_leaves_none(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gate, "MAX_FILES", 1)
    stage(repo, {"skills/b/skill.yaml": GOOD})

    check(["skills/a/skill.yaml", "skills/b/skill.yaml"], cwd=repo)

    assert not os.path.exists(gate.memo_path(os.path.realpath(repo), None, False))


SLOW_PACK = "meta: {key: slow, version: '1'}\nrules:\n  - {id: slow.name, field: name, pattern: '(a|aa)+\\1c'}\n"


def test_a_run_whose_pattern_timed_out_leaves_no_memo(repo: Path) -> None:
    """A timeout may not happen next time, and it is an input error (exit 2) now."""
    stage(repo, {"slow.yaml": SLOW_PACK, "skills/b/skill.yaml": f"name: {'a' * 64}\n"})

    result = check(["skills/b/skill.yaml"], cwd=repo, pack="slow.yaml")

    assert result.exit_code == 2
    assert not os.path.exists(gate.memo_path(os.path.realpath(repo), "slow.yaml", False))


@pytest.mark.parametrize(
    ("globs", "specs"),
    [
        (("**/skill.yaml",), [":(glob)**/skill.yaml"]),
        (("plugins/",), [":(glob)plugins/**"]),
        (("a/*/b*.yml", "x/**/y"), [":(glob)a/*/b*.yml", ":(glob)x/**/y"]),
        (("a/?/skill.yaml",), None),  # one character to packwarden, one byte to git
        (("odd[1].yaml",), None),
        (("back\\slash",), None),
    ],
)
def test_pathspecs_say_what_the_globs_say_or_nothing(globs: tuple[str, ...], specs: list[str] | None) -> None:
    assert gate.pathspecs({"skill": globs}) == specs


PATHS = [
    "skill.yaml",
    "a/skill.yaml",
    "a/b/c/skill.yaml",
    "a/skill.yaml.bak",
    "askill.yaml",
    "plugins/p/x.json",
    "plugins.json",
    "x/y",
    "x/1/2/y",
    "xy",
    "a/q/b1.yml",
    "a/q/r/b1.yml",
    "a/q/b12.yml",
    "sp ace/skill.yaml",
    "ünï/skill.yaml",
]
GLOBS = ("**/skill.yaml", "plugins/", "x/**/y", "a/*/b*.yml")


def test_git_matches_the_pathspecs_exactly_where_the_globs_match(tmp_path: Path) -> None:
    """The gate's safety rests on this: git must list every staged path a glob matches."""
    repo = make_repo(tmp_path / "globs", dict.fromkeys(PATHS, "x\n"), commit=False)
    specs = gate.pathspecs({"kind": GLOBS})
    assert specs is not None

    listed = git(repo, "-c", "core.quotepath=off", "ls-files", "--", *specs).splitlines()

    table = UnitTable({"kind": GLOBS})
    assert sorted(listed) == sorted(path for path in PATHS if table.kind_of(path))


# --- artifact units: a protocol run (a folder) and a registry (an index and its manifests) ---------

RUN = ".protocols/run1"
RUN_PACK = (
    "meta: {key: runs, version: '1'}\n"
    "extends: [default@1.0]\n"
    "requirements:\n"
    "  protocol_files: [plan.md, context.md, log.md]\n"
    "  step_sections: [Sub-tasks, Verification, Rollback, Definition of Done]\n"
)
SECTIONS = ("Sub-tasks", "Verification", "Rollback", "Definition of Done")


def step(number: int, sections: tuple[str, ...] = SECTIONS) -> str:
    return f"# Step {number}\n" + "".join(f"\n## {section}\n- done\n" for section in sections)


def verdict(repo: Path, strict: bool = False) -> tuple[int, list[dict[str, object]]]:
    """The full re-evaluation of the index, as ``answer`` says it: exit code and what blocks."""
    result = check(cwd=repo, staged=True, strict=strict, use_cache=False)
    return result.exit_code, [finding.to_dict() for finding in result.verdict.blocking]


def blocking(found: tuple[int, list[dict[str, object]]] | None) -> list[tuple[str, str]]:
    """(path, rule) of what blocks, sorted."""
    assert found is not None
    return sorted((str(item["path"]), str(item["rule"])) for item in found[1])


@pytest.fixture
def run_repo(tmp_path: Path) -> Path:
    """A repository pack asking for plan.md, context.md and log.md, and a run without log.md."""
    return make_repo(
        tmp_path / "runs",
        {
            ".packwarden/policy.yml": "pack: packs/runs.yaml\n",
            "packs/runs.yaml": RUN_PACK,
            f"{RUN}/plan.md": "# Plan\n",
            f"{RUN}/context.md": "# Context\n",
            f"{RUN}/step-1.md": step(1),
        },
    )


def checked_step_2(repo: Path) -> None:
    """What ``policy-check`` does for a commit that adds only step-2.md to the run."""
    stage(repo, {f"{RUN}/step-2.md": step(2)})
    check([f"{RUN}/step-2.md"], cwd=repo, strict=True)


def test_a_protocol_run_is_answered_after_the_check_of_one_of_its_members(run_repo: Path) -> None:
    checked_step_2(run_repo)

    found = answer(run_repo, strict=True)

    assert found == verdict(run_repo, strict=True)
    assert found is not None and found[0] == 1
    assert blocking(found) == [(RUN, "protocol.missing-file.log.md")]


def test_a_member_of_a_checked_run_staged_afterwards_is_not_answered(run_repo: Path) -> None:
    checked_step_2(run_repo)

    stage(run_repo, {f"{RUN}/step-1.md": step(1, SECTIONS[:2])})

    assert answer(run_repo, strict=True) is None
    assert blocking(verdict(run_repo, strict=True)) == [
        (RUN, "protocol.missing-file.log.md"),
        (f"{RUN}/step-1.md", "protocol.missing-step-section.definition-of-done"),
        (f"{RUN}/step-1.md", "protocol.missing-step-section.rollback"),
    ]


def test_a_file_added_to_a_checked_run_and_staged_is_not_answered(run_repo: Path) -> None:
    checked_step_2(run_repo)

    stage(run_repo, {f"{RUN}/log.md": "# Log\n"})

    assert answer(run_repo, strict=True) is None  # the memo would still say: no log.md
    assert verdict(run_repo, strict=True) == (0, [])


def test_a_member_of_a_checked_run_deleted_and_staged_is_not_answered(run_repo: Path) -> None:
    checked_step_2(run_repo)

    git(run_repo, "rm", "-q", f"{RUN}/context.md")

    assert answer(run_repo, strict=True) is None
    assert blocking(verdict(run_repo, strict=True)) == [
        (RUN, "protocol.missing-file.context.md"),
        (RUN, "protocol.missing-file.log.md"),
    ]


def test_members_changed_on_disk_after_the_check_are_not_what_the_commit_holds(run_repo: Path) -> None:
    checked_step_2(run_repo)

    write_files(run_repo, {f"{RUN}/log.md": "# Log\n", f"{RUN}/step-1.md": step(1, SECTIONS[:1])})  # not staged
    os.unlink(run_repo / RUN / "plan.md")  # not staged either

    found = answer(run_repo, strict=True)
    assert found is not None  # the index still holds exactly what the check read
    assert found == verdict(run_repo, strict=True)
    assert blocking(found) == [(RUN, "protocol.missing-file.log.md")]


def test_a_run_checked_with_a_member_only_on_disk_is_not_answered(run_repo: Path) -> None:
    stage(run_repo, {f"{RUN}/step-2.md": step(2)})
    write_files(run_repo, {f"{RUN}/log.md": "# Log\n"})  # untracked: the commit has no log.md

    assert check([f"{RUN}/step-2.md"], cwd=run_repo, strict=True).exit_code == 0  # it read the disk

    assert answer(run_repo, strict=True) is None
    assert blocking(verdict(run_repo, strict=True)) == [(RUN, "protocol.missing-file.log.md")]


INDEX = REGISTRY_INDEX


def skill(name: str, status: str = "draft") -> str:
    return f"name: {name}\nversion: 1.0.0\nstatus: {status}\n"


@pytest.fixture
def registry_repo(tmp_path: Path) -> Path:
    """A registry pack, an index listing a.skill and b.skill (draft), and their manifests."""
    listed = ", ".join(f'{{"name": "{name}", "status": "draft"}}' for name in ("a.skill", "b.skill"))
    return make_repo(
        tmp_path / "registry",
        {
            ".packwarden/policy.yml": "pack: packs/reg.yaml\n",
            "packs/reg.yaml": REGISTRY_PACK,
            INDEX: f'{{"skills": [{listed}]}}\n',
            "skills/a/skill.yaml": skill("a.skill"),
            "skills/b/skill.yaml": skill("b.skill"),
        },
    )


def test_a_registry_is_answered_after_the_check_of_one_manifest(registry_repo: Path) -> None:
    stage(registry_repo, {"skills/a/skill.yaml": skill("a.skill", "active")})
    check(["skills/a/skill.yaml"], cwd=registry_repo, strict=True)

    found = answer(registry_repo, strict=True)

    assert found == verdict(registry_repo, strict=True)
    assert blocking(found) == [("skills/a/skill.yaml", "registry.skills.mismatch.status")]


def test_another_manifest_of_a_checked_registry_staged_afterwards_is_not_answered(registry_repo: Path) -> None:
    stage(registry_repo, {"skills/a/skill.yaml": skill("a.skill", "active")})
    check(["skills/a/skill.yaml"], cwd=registry_repo, strict=True)

    stage(registry_repo, {"skills/b/skill.yaml": skill("b.skill", "active")})

    assert answer(registry_repo, strict=True) is None
    assert blocking(verdict(registry_repo, strict=True)) == [
        ("skills/a/skill.yaml", "registry.skills.mismatch.status"),
        ("skills/b/skill.yaml", "registry.skills.mismatch.status"),
    ]
