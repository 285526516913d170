"""What a commit will contain: ``check --staged``, the plain git hook, and file subsets.

Every ``--staged`` behaviour is asserted twice where it can be: through ``--staged`` (what the
hook runs: only the changed index entries) and through ``--staged --all-files`` (every index
entry).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import pytest

from tests.acceptance.conftest import Run, install_hook, run_git
from tests.support.gitrepo import git, make_repo, stage, write_files

Cli = Callable[..., Run]

BAD = "name: Bad Name\nversion: 1.0.0\nstatus: draft\n"
GOOD = "name: good.skill\nversion: 1.0.0\nstatus: draft\n"
BAD_PREFIX = "skills/x/skill.yaml:1:7: error skill.name-format"
STRICT = {".packwarden/policy.yml": "pack: default@1.0\nmode: block\n"}
WARN = {".packwarden/policy.yml": "pack: default@1.0\nmode: warn\n"}

STAGED_MODES = [
    pytest.param(("--staged",), id="staged"),
    pytest.param(("--staged", "--all-files"), id="staged-all-files"),
]


def _head(repo: Path) -> str:
    return git(repo, "rev-parse", "HEAD").strip()


# --- the index, not the working tree -----------------------------------------------------------------


@pytest.mark.parametrize("mode", STAGED_MODES)
@pytest.mark.parametrize(
    ("in_index", "on_disk"),
    [pytest.param(BAD, GOOD, id="bad-staged-fixed-on-disk"), pytest.param(GOOD, BAD, id="good-staged-broken-on-disk")],
)
def test_staged_runs_see_the_index_and_plain_runs_the_working_tree(
    cli: Cli, tmp_path: Path, mode: tuple[str, ...], in_index: str, on_disk: str
) -> None:
    repo = make_repo(tmp_path / "repo", {"README.md": "x\n"})
    stage(repo, {"skills/x/skill.yaml": in_index})
    write_files(repo, {"skills/x/skill.yaml": on_disk})  # changed again, not staged

    staged = cli(repo, "check", *mode, "--strict")
    worktree = cli(repo, "check", "--strict")

    for run, text in ((staged, in_index), (worktree, on_disk)):
        assert run.prefixes() == ([BAD_PREFIX] if text == BAD else [])
        assert run.rc == (1 if text == BAD else 0)
    assert staged.out.rstrip().splitlines()[-1].startswith("1 file · ")


def test_staged_checks_only_changed_entries(cli: Cli, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {"skills/old/skill.yaml": BAD.replace("Bad Name", "Old")})
    stage(repo, {"skills/x/skill.yaml": BAD})

    run = cli(repo, "check", "--staged")

    assert run.prefixes() == [BAD_PREFIX]  # the committed, unchanged bad skill is not re-checked


def test_staged_deletion_and_unrelated_files_pass(cli: Cli, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {"skills/x/skill.yaml": BAD, **STRICT})
    git(repo, "rm", "-q", "skills/x/skill.yaml")
    stage(repo, {"README.md": "docs\n"})

    run = cli(repo, "check", "--staged")

    assert run.rc == 0
    assert run.prefixes() == []
    assert run.out.rstrip().splitlines()[-1].startswith("0 files · ")


def test_staged_config_is_the_one_that_counts(cli: Cli, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {"skills/x/skill.yaml": BAD, **WARN})
    stage(repo, STRICT)
    write_files(repo, WARN)  # the working tree says warn, the commit says block

    staged = cli(repo, "check", "--staged", "--all-files")
    worktree = cli(repo, "check", "--all-files")

    assert staged.rc == 1
    assert "(strict mode)" in staged.out
    assert worktree.rc == 0
    assert "(warn mode)" in worktree.out
    assert staged.prefixes() == worktree.prefixes() == [BAD_PREFIX]


@pytest.mark.parametrize("mode", STAGED_MODES)
def test_broken_staged_config_exits_2(cli: Cli, tmp_path: Path, mode: tuple[str, ...]) -> None:
    repo = make_repo(tmp_path / "repo", {"skills/x/skill.yaml": GOOD, **STRICT})
    stage(repo, {".packwarden/policy.yml": "mode: strict-ish\n"})
    write_files(repo, STRICT)

    run = cli(repo, "check", *mode)

    assert run.rc == 2
    assert run.out.startswith(".packwarden/policy.yml:1:7: error config.invalid mode: ")


@pytest.mark.parametrize("mode", STAGED_MODES)
def test_staged_large_blob_is_too_large(cli: Cli, tmp_path: Path, mode: tuple[str, ...]) -> None:
    repo = make_repo(tmp_path / "repo", {"README.md": "x\n"})
    write_files(repo, {"skills/x/skill.yaml": "name: big\n# " + "x" * (2 * 1024 * 1024) + "\n"})
    git(repo, "add", "-A")
    write_files(repo, {"skills/x/skill.yaml": GOOD})

    run = cli(repo, "check", *mode)

    assert run.prefixes() == ["skills/x/skill.yaml:1:1: error parse.too-large"]
    assert "file is 2097165 bytes; the limit is 1048576" in run.out


# --- links and submodules in the index -------------------------------------------------------------


@pytest.mark.parametrize("mode", [("--staged",), ("--staged", "--all-files")])  # no blob is read: no KeyError
def test_staged_symlink_is_a_warning_and_not_followed(cli: Cli, tmp_path: Path, mode: tuple[str, ...]) -> None:
    repo = make_repo(tmp_path / "repo", {"skills/real/skill.yaml": BAD.replace("Bad Name", "BAD")})
    (repo / "skills/alias").mkdir()
    os.symlink("../real/skill.yaml", repo / "skills/alias/skill.yaml")
    git(repo, "add", "skills/alias/skill.yaml")
    assert git(repo, "ls-files", "-s", "skills/alias/skill.yaml").startswith("120000 ")

    run = cli(repo, "check", *mode)

    alias = [p for p in run.prefixes() if p.startswith("skills/alias/")]
    assert alias == ["skills/alias/skill.yaml:1:1: warning path.symlink"]
    assert "not followed" in run.out
    assert run.rc == 0


def test_staged_symlink_leading_outside_matches_the_working_tree_verdict(cli: Cli, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {"README.md": "x\n", **STRICT})
    (repo / "skills/x").mkdir(parents=True)
    os.symlink("/etc/passwd", repo / "skills/x/skill.yaml")
    git(repo, "add", "-A")

    worktree = cli(repo, "check", "--all-files")
    staged = cli(repo, "check", "--staged", "--all-files")

    assert worktree.prefixes() == ["skills/x/skill.yaml:1:1: error path.outside-repo"]
    assert worktree.rc == 1
    assert staged.prefixes() == worktree.prefixes()
    assert staged.rc == 1


def test_submodules_are_not_crashed_on(cli: Cli, tmp_path: Path) -> None:
    other = make_repo(tmp_path / "other", {"skills/inner/skill.yaml": BAD})
    repo = make_repo(tmp_path / "repo", {"skills/x/skill.yaml": GOOD})
    added = run_git(repo, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(other), "vendor/lib")
    assert added.returncode == 0, added.stderr
    # a gitlink where a manifest is expected
    git(repo, "update-index", "--add", "--cacheinfo", f"160000,{_head(other)},skills/sub/skill.yaml")

    staged = cli(repo, "check", "--staged", "--all-files")
    worktree = cli(repo, "check", "--all-files")

    for run in (staged, worktree):
        run.assert_no_crash()
        assert not [p for p in run.prefixes() if "inner" in p]  # the submodule's own files are its business
    assert staged.prefixes() == ["skills/sub/skill.yaml:1:1: warning path.submodule"]
    assert staged.rc == 0


# --- linked worktrees ------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", STAGED_MODES)
def test_linked_worktree(cli: Cli, tmp_path: Path, mode: tuple[str, ...]) -> None:
    repo = make_repo(tmp_path / "repo", {"skills/ok/skill.yaml": GOOD, **STRICT})
    git(repo, "worktree", "add", "-q", "-b", "feature", str(tmp_path / "wt"))
    wt = tmp_path / "wt"
    stage(wt, {"skills/x/skill.yaml": BAD})

    in_wt = cli(wt, "check", *mode)
    in_main = cli(repo, "check", *mode)

    assert in_wt.prefixes() == [BAD_PREFIX]
    assert in_wt.rc == 1
    assert in_main.prefixes() == []  # the main worktree's index does not hold it
    assert in_main.rc == 0


# --- the plain git hook (hooks/pre-commit) and real `git commit` -----------------------------------


@pytest.fixture
def hooked(tmp_path: Path) -> Callable[[dict[str, str]], Path]:
    """A repository with a committed good skill, the given config, and the plain hook installed."""

    def build(config: dict[str, str]) -> Path:
        repo = make_repo(tmp_path / "repo", {"skills/x/skill.yaml": GOOD, "skills/y/skill.yaml": GOOD, **config})
        install_hook(repo)
        return repo

    return build


class Commit(NamedTuple):
    code: int
    output: str
    landed: bool  # HEAD moved


def commit(repo: Path, *args: str) -> Commit:
    """``git commit -q ARGS`` through the installed hook."""
    before = _head(repo)
    done = run_git(repo, "commit", "-q", *args)
    return Commit(done.returncode, done.stdout + done.stderr, _head(repo) != before)


def test_hook_passes_a_commit_without_manifests_in_strict_mode(hooked: Callable[[dict[str, str]], Path]) -> None:
    repo = hooked(STRICT)
    stage(repo, {"README.md": "docs\n"})

    done = commit(repo, "-m", "docs")

    assert (done.code, done.landed) == (0, True), done.output
    assert "0 files · " in done.output


def test_hook_blocks_a_bad_staged_skill_in_strict_mode(hooked: Callable[[dict[str, str]], Path]) -> None:
    repo = hooked(STRICT)
    stage(repo, {"skills/x/skill.yaml": BAD})

    done = commit(repo, "-m", "bad")

    assert done.code != 0
    assert not done.landed
    assert BAD_PREFIX in done.output
    assert "blocked by 1 finding(s) (strict mode)" in done.output
    assert "internal error" not in done.output


def test_hook_lets_a_bad_skill_through_in_warn_mode_and_shows_it(hooked: Callable[[dict[str, str]], Path]) -> None:
    repo = hooked(WARN)
    stage(repo, {"skills/x/skill.yaml": BAD})

    done = commit(repo, "-m", "bad but warned")

    assert (done.code, done.landed) == (0, True), done.output
    assert BAD_PREFIX in done.output
    assert "passed (warn mode)" in done.output


def test_hook_commit_all_sees_the_unstaged_bad_change(hooked: Callable[[dict[str, str]], Path]) -> None:
    repo = hooked(STRICT)
    write_files(repo, {"skills/x/skill.yaml": BAD})  # tracked, modified, not staged

    done = commit(repo, "-a", "-m", "all")

    assert done.code != 0
    assert not done.landed
    assert BAD_PREFIX in done.output
    assert git(repo, "diff", "--cached", "--name-only") == ""  # the real index was left as it was


def test_hook_commit_all_uses_the_worktree_version_over_a_bad_staged_one(
    hooked: Callable[[dict[str, str]], Path],
) -> None:
    repo = hooked(STRICT)
    stage(repo, {"skills/x/skill.yaml": BAD})  # the real index holds the bad version...
    write_files(repo, {"skills/x/skill.yaml": GOOD.replace("draft", "active")})  # ...`-a` commits this one

    done = commit(repo, "-a", "-m", "fixed")

    assert (done.code, done.landed) == (0, True), done.output
    assert "skill.name-format" not in done.output
    assert git(repo, "show", "HEAD:skills/x/skill.yaml") == GOOD.replace("draft", "active")


def test_hook_commit_path_ignores_a_bad_skill_staged_elsewhere(hooked: Callable[[dict[str, str]], Path]) -> None:
    """``git commit <path>``: the temporary index is HEAD plus <path> from the working tree."""
    repo = hooked(STRICT)
    stage(repo, {"skills/y/skill.yaml": BAD})  # staged, but not part of this commit
    write_files(repo, {"skills/x/skill.yaml": GOOD.replace("draft", "active")})

    done = commit(repo, "-m", "only x", "skills/x/skill.yaml")

    assert (done.code, done.landed) == (0, True), done.output
    assert "skill.name-format" not in done.output
    assert git(repo, "show", "HEAD:skills/y/skill.yaml") == GOOD
    assert git(repo, "diff", "--cached", "--name-only") == "skills/y/skill.yaml\n"  # still staged, uncommitted


def test_hook_commit_path_takes_the_worktree_version_of_that_path(hooked: Callable[[dict[str, str]], Path]) -> None:
    repo = hooked(STRICT)
    stage(repo, {"skills/x/skill.yaml": GOOD.replace("draft", "active")})  # a good version staged...
    write_files(repo, {"skills/x/skill.yaml": BAD})  # ...but `git commit <path>` takes this one

    done = commit(repo, "-m", "x", "skills/x/skill.yaml")

    assert done.code != 0
    assert not done.landed
    assert BAD_PREFIX in done.output


def test_hook_in_a_linked_worktree_blocks(hooked: Callable[[dict[str, str]], Path], tmp_path: Path) -> None:
    repo = hooked(STRICT)
    wt = tmp_path / "wt"
    git(repo, "worktree", "add", "-q", "-b", "feature", str(wt))
    stage(wt, {"skills/x/skill.yaml": BAD})

    done = commit(wt, "-m", "bad")

    assert done.code != 0
    assert not done.landed
    assert BAD_PREFIX in done.output


def test_hook_blocks_on_a_broken_staged_config(hooked: Callable[[dict[str, str]], Path]) -> None:
    repo = hooked(WARN)
    stage(repo, {".packwarden/policy.yml": "mode: sometimes\n"})

    done = commit(repo, "-m", "config")

    assert done.code != 0
    assert not done.landed
    assert ".packwarden/policy.yml:1:7: error config.invalid" in done.output


# --- subsets: pre-commit splits the file list into chunks and runs them in parallel ----------------


SUBSET_FILES = {
    "skills/a/skill.yaml": "name: Alpha\nversion: 1.0\n",
    "skills/b/skill.yaml": GOOD,
    "skills/c/skill.yaml": "name: c.skill\nversion: 2.0.0\nstatus: generated\nentrypoints:\n  - permissions: [net]\n",
    "skills/d/skill.yml": "name: d\nversion: 1.0.0\nname: dup\n",
    "agents/e/agent.yaml": "name: E Agent\nversion: 0.1.0\nstatus: active\npermissions: [registry:write]\n",
    "nested/deep/skills/f/skill.yaml": "version: one\n",
    "README.md": "# not a manifest\n",
    "skills/a/notes.yaml": "name: Not A Manifest\n",
}


@pytest.mark.parametrize(
    "subset",
    [
        ["skills/a/skill.yaml"],
        ["skills/b/skill.yaml"],
        ["skills/c/skill.yaml", "agents/e/agent.yaml"],
        ["skills/d/skill.yml", "README.md", "skills/a/notes.yaml"],
        ["nested/deep/skills/f/skill.yaml", "skills/a/skill.yaml", "skills/b/skill.yaml"],
        ["README.md"],
        sorted(SUBSET_FILES),
    ],
    ids=lambda subset: f"{len(subset)}-files",
)
def test_a_subset_gives_the_full_result_filtered_to_it(cli: Cli, tmp_path: Path, subset: list[str]) -> None:
    repo = make_repo(tmp_path / "repo", SUBSET_FILES)
    full = cli(repo, "check", "--all-files", "--format", "json", "--strict").data()
    assert full["summary"]["files"] == 6
    assert len(full["findings"]) == 11
    assert {f["path"] for f in full["findings"]} == {p for p in SUBSET_FILES if p.endswith((".yaml", ".yml"))} - {
        "skills/a/notes.yaml",
        "skills/b/skill.yaml",
    }

    part = cli(repo, "check", *subset, "--format", "json", "--strict")

    expected = [f for f in full["findings"] if f["path"] in subset]
    assert part.data()["findings"] == expected
    manifests = [p for p in subset if p.rsplit("/", 1)[-1] in ("skill.yaml", "skill.yml", "agent.yaml")]
    assert part.data()["summary"]["files"] == len(manifests)
    assert part.rc == (1 if expected else 0)
    assert part.data()["policy"]["hash"] == full["policy"]["hash"]


def test_chunks_together_give_the_full_result(cli: Cli, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", SUBSET_FILES)
    full = cli(repo, "check", "--all-files", "--format", "json").data()["findings"]
    paths = sorted(SUBSET_FILES)

    for size in (1, 2, 3):
        merged = []
        for start in range(0, len(paths), size):
            merged.extend(cli(repo, "check", *paths[start : start + size], "--format", "json").data()["findings"])
        assert sorted(merged, key=lambda f: (f["path"], f["line"], f["column"], f["rule"])) == full


def test_a_changed_config_rechecks_everything(cli: Cli, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {**SUBSET_FILES, **STRICT})
    full = cli(repo, "check", "--all-files", "--format", "json").data()

    only_config = cli(repo, "check", ".packwarden/policy.yml", "--format", "json")

    assert only_config.data()["findings"] == full["findings"]
    assert only_config.data()["summary"] == full["summary"]
    assert only_config.rc == 1


def test_a_staged_config_change_rechecks_every_manifest_in_the_index(cli: Cli, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {"skills/x/skill.yaml": BAD, **WARN})
    stage(repo, STRICT)

    run = cli(repo, "check", "--staged")

    assert run.rc == 1
    assert BAD_PREFIX in run.out


@pytest.mark.parametrize("with_pre_commit", [True, False], ids=["both-hooks", "commit-msg-only"])
def test_plain_commit_msg_hook_is_the_final_gate(tmp_path: Path, with_pre_commit: bool) -> None:
    repo = make_repo(tmp_path / "repo", {"skills/y/skill.yaml": GOOD, **STRICT})
    install_hook(repo, "commit-msg")
    if with_pre_commit:
        install_hook(repo)
    stage(repo, {"skills/x/skill.yaml": GOOD.replace("good.skill", "x.skill")})

    good = commit(repo, "-m", "good")
    stage(repo, {"skills/x/skill.yaml": BAD})
    bad = commit(repo, "-m", "bad")

    assert (good.code, good.landed) == (0, True), good.output
    assert (bad.code, bad.landed) == (1, False), bad.output
    assert BAD_PREFIX in bad.output
    blocked_by_gate = "packwarden gate: commit blocked by 1 finding(s)" in bad.output
    assert blocked_by_gate != with_pre_commit  # with both, the pre-commit hook stops it first
