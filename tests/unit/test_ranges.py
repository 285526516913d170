"""Range mode's parts on real repositories: the commit log read without ambiguity whatever the
names and messages hold, a commit's tree read under the same safety rules as the index, and
the range syntax."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from packwarden import git as packwarden_git
from packwarden.model import builtin_rules as R
from packwarden.model.errors import GitError, UsageError
from packwarden.ranges import check_range, split_range
from packwarden.treefiles import TreeFiles
from tests.support.gitrepo import git, make_repo, write_files

GOOD = "name: good.skill\nversion: 1.0.0\nstatus: draft\ndescription: a skill that is fine\n"
BAD = "name: Bad Name\nversion: 1.0.0\nstatus: draft\ndescription: a skill with a bad name\n"


def _commit(repo: Path, files: dict[str, str | bytes], message: str) -> str:
    write_files(repo, files)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--no-verify", "--allow-empty-message", "--cleanup=verbatim", "-m", message)
    return git(repo, "rev-parse", "HEAD").strip()


def test_the_log_keeps_odd_paths_and_messages_apart(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {"base.txt": "x\n"})
    odd = {":100644 looks like raw.txt": "a\n", "new\nline.txt": "b\n", "tab\there.txt": "c\n"}
    first = _commit(repo, odd, ":100644 100644 abc def M\nnot/a/path\n\nPolicy-Waiver: x y")
    second = _commit(repo, {"base.txt": "y\n"}, "")

    logged = packwarden_git.commit_log(str(repo), [f"{first}~1..{second}"])

    assert [commit.sha for commit in logged] == [second, first]
    assert logged[0].paths == ("base.txt",)
    assert logged[0].message == ""
    assert sorted(logged[1].paths) == sorted(odd)
    assert logged[1].message.startswith(":100644 100644 abc def M\nnot/a/path")


def test_a_commit_tree_is_read_as_the_index_is(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {"skills/ok/skill.yaml": GOOD})
    os.symlink("/etc/passwd", repo / "out.yaml")
    os.symlink("skills/ok/skill.yaml", repo / "in.yaml")
    big = b"x" * (1_048_576 + 1)
    end = _commit(repo, {"big.yaml": big}, "links and a big file")
    write_files(repo, {"skills/ok/skill.yaml": BAD})  # not committed: never read

    source = TreeFiles(str(repo), end, ["out.yaml", "in.yaml", "big.yaml", "gone.yaml"])

    assert source.read("skills/ok/skill.yaml") == GOOD.encode()
    out, inside, large = source.read("out.yaml"), source.read("in.yaml"), source.read("big.yaml")
    assert not isinstance(out, bytes) and out is not None and out.rule is R.PATH_OUTSIDE_REPO
    assert not isinstance(inside, bytes) and inside is not None and inside.rule is R.PATH_SYMLINK
    assert not isinstance(large, bytes) and large is not None and large.rule is R.PARSE_TOO_LARGE
    assert source.deleted == ["gone.yaml"]
    assert source.all_paths() == ["out.yaml", "in.yaml", "big.yaml"]


def test_a_submodule_in_the_tree_is_not_entered(tmp_path: Path) -> None:
    inner = make_repo(tmp_path / "inner", {"skill.yaml": BAD})
    repo = make_repo(tmp_path / "repo", {"skills/ok/skill.yaml": GOOD})
    oid = git(inner, "rev-parse", "HEAD").strip()
    git(repo, "update-index", "--add", "--cacheinfo", f"160000,{oid},vendor")
    git(repo, "commit", "-q", "--no-verify", "-m", "a submodule")

    source = TreeFiles(str(repo), git(repo, "rev-parse", "HEAD").strip(), ["vendor"])
    read = source.read("vendor")

    assert not isinstance(read, bytes) and read is not None and read.rule is R.PATH_SUBMODULE


def test_a_link_out_changed_in_the_range_is_an_error_with_its_path(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {"skills/ok/skill.yaml": GOOD})
    start = git(repo, "rev-parse", "HEAD").strip()
    (repo / "skills" / "x").mkdir(parents=True)
    os.symlink("/etc/passwd", repo / "skills" / "x" / "skill.yaml")
    end = _commit(repo, {}, "a link out")

    done = check_range(start, end, cwd=repo, use_cache=False)

    assert [(f.rule, f.path) for f in done.result.findings] == [(R.PATH_OUTSIDE_REPO.id, "skills/x/skill.yaml")]
    assert done.changed_by == {"skills/x/skill.yaml": end}


def test_a_ref_that_names_no_commit_is_a_git_error(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {"a.txt": "a\n"})

    with pytest.raises(GitError, match="nope: not a commit"):
        check_range("HEAD", "nope", cwd=repo)
    with pytest.raises(GitError, match="not a commit"):
        check_range("HEAD", "--output=/tmp/x", cwd=repo)


@given(st.text(alphabet="abc./~^-_", min_size=1, max_size=12), st.text(alphabet="abc/~^-_", min_size=1, max_size=12))
def test_a_range_splits_at_its_two_dots(start: str, end: str) -> None:
    if ".." in start or start.endswith("."):
        return
    assert split_range(f"{start}..{end}") == (start, end)


@pytest.mark.parametrize("text", ["HEAD", "..HEAD", "HEAD..", "a...b"])
def test_anything_else_is_not_a_range(text: str) -> None:
    with pytest.raises(UsageError, match="not a range"):
        split_range(text)
