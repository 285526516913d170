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
    mode, fail_on, raw = found
    verdict = decide_in([Finding.from_dict(item) for item in raw], mode, Severity(fail_on))
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
