"""The run memo answers a repeated whole-tree run only while nothing it read has changed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from packwarden.api import check
from packwarden.cache import runs
from packwarden.cache.location import cache_dir
from packwarden.cache.results import FILE_NAME
from tests.support.gitrepo import git, make_repo, write_files

GOOD = "name: good.skill\nversion: 1.0.0\nstatus: draft\n"
BAD = "name: Bad Name\nversion: 1.0.0\nstatus: draft\n"
BAD_TOO = "name: Bad Nome\nversion: 1.0.0\nstatus: draft\n"  # same size as BAD


@pytest.fixture
def trusting(monkeypatch: pytest.MonkeyPatch) -> None:
    """Trust stats at once: the tests write their files a moment before checking them."""
    monkeypatch.setattr(runs, "RACY_NANOSECONDS", 0)


def found(repo: Path, **options: bool) -> list[tuple[str, str]]:
    return [(f.path, f.rule) for f in check(cwd=repo, all_files=True, **options).findings]


def memos() -> list[Path]:
    folder = Path(cache_dir()) / "runs"
    return sorted(folder.iterdir()) if folder.is_dir() else []


def forget_results() -> Path:
    database = Path(cache_dir()) / FILE_NAME
    database.unlink()
    return database


@pytest.mark.usefixtures("trusting")
def test_a_repeated_run_is_answered_without_reading_a_file(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {"skills/a/skill.yaml": BAD, "skills/b/skill.yaml": GOOD})
    first = check(cwd=repo, all_files=True)
    assert len(memos()) == 1
    database = forget_results()
    second = check(cwd=repo, all_files=True)
    assert second.findings == first.findings
    assert second.files == first.files == 2
    assert second.verdict == first.verdict
    assert not database.exists()  # the per-file cache was never opened


@pytest.mark.usefixtures("trusting")
def test_a_change_that_keeps_size_and_mtime_is_still_seen(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {"skills/a/skill.yaml": BAD})
    assert found(repo) == [("skills/a/skill.yaml", "skill.name-format")]
    assert len(memos()) == 1
    target = repo / "skills/a/skill.yaml"
    before = target.stat()
    write_files(repo, {"skills/a/skill.yaml": BAD.replace("Bad Name", "ok.skill")})
    os.utime(target, ns=(before.st_atime_ns, before.st_mtime_ns))  # as a careful tool would leave it
    assert target.stat().st_size == before.st_size
    assert found(repo) == []  # the ctime moved; the memo is not used


@pytest.mark.usefixtures("trusting")
def test_a_newly_tracked_file_is_checked(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {"skills/a/skill.yaml": GOOD})
    assert found(repo) == []
    assert len(memos()) == 1
    write_files(repo, {"skills/b/skill.yaml": BAD})
    assert found(repo) == []  # untracked: not part of --all-files in a git repository
    git(repo, "add", "skills/b/skill.yaml")
    assert found(repo) == [("skills/b/skill.yaml", "skill.name-format")]


@pytest.mark.usefixtures("trusting")
def test_a_deleted_file_that_comes_back_is_checked(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {"skills/a/skill.yaml": BAD})
    (repo / "skills/a/skill.yaml").unlink()
    assert found(repo) == []
    assert len(memos()) == 1
    write_files(repo, {"skills/a/skill.yaml": BAD_TOO})
    assert found(repo) == [("skills/a/skill.yaml", "skill.name-format")]


@pytest.mark.usefixtures("trusting")
def test_a_folder_swapped_for_a_link_out_of_the_repository_is_seen(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {"skills/a/skill.yaml": GOOD})
    assert found(repo) == []
    assert len(memos()) == 1
    outside = tmp_path / "elsewhere"
    (repo / "skills/a").rename(outside)
    (repo / "skills/a").symlink_to(outside, target_is_directory=True)
    assert found(repo) == [("skills/a/skill.yaml", "path.outside-repo")]


@pytest.mark.usefixtures("trusting")
@pytest.mark.parametrize("swapped", ["skills", "skills/a", "skills/a/deep"])
def test_a_folder_swapped_at_any_depth_is_seen(tmp_path: Path, swapped: str) -> None:
    """Moved out with everything in it and linked back: every file keeps its inode, so only the
    folders' identities (or their parents' entries) can tell."""
    repo = make_repo(tmp_path / "repo", {"skills/a/deep/skill.yaml": GOOD, "skills/b/skill.yaml": GOOD})
    assert found(repo) == []
    assert len(memos()) == 1
    outside = tmp_path / "elsewhere"
    (repo / swapped).rename(outside)
    (repo / swapped).symlink_to(outside, target_is_directory=True)
    expected = [("skills/a/deep/skill.yaml", "path.outside-repo")]
    if swapped == "skills":
        expected.append(("skills/b/skill.yaml", "path.outside-repo"))
    assert found(repo) == expected


@pytest.mark.usefixtures("trusting")
def test_a_new_folder_beside_the_checked_ones_keeps_the_memo(tmp_path: Path) -> None:
    """Its parent's times move, so the folders in it are compared one by one, and are unchanged."""
    repo = make_repo(tmp_path / "repo", {"skills/a/skill.yaml": BAD, "skills/b/skill.yaml": GOOD})
    first = check(cwd=repo, all_files=True)
    (repo / "skills/c").mkdir()
    database = forget_results()
    assert check(cwd=repo, all_files=True).findings == first.findings
    assert not database.exists()


@pytest.mark.usefixtures("trusting")
def test_files_read_by_forked_workers_are_watched_too(tmp_path: Path) -> None:
    """Each worker reads its own share; the memo must hold every share's stats, not only this process's."""
    files = {f"skills/s{i:03}/skill.yaml": GOOD for i in range(210)}
    repo = make_repo(tmp_path / "repo", files)
    first = check(cwd=repo, all_files=True, jobs=2)
    assert (first.files, first.findings) == (210, ())
    write_files(repo, {"skills/s209/skill.yaml": BAD})  # in the last share: a forked worker's
    assert [(f.path, f.rule) for f in check(cwd=repo, all_files=True, jobs=2).findings] == [
        ("skills/s209/skill.yaml", "skill.name-format")
    ]


@pytest.mark.usefixtures("trusting")
def test_a_changed_policy_is_a_different_memo(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {"skills/a/skill.yaml": BAD})
    assert found(repo) == [("skills/a/skill.yaml", "skill.name-format")]
    write_files(repo, {".packwarden/policy.yml": "overrides:\n  disable: [skill.name-format]\n"})
    assert found(repo) == []
    assert found(repo, strict=True) == []
    assert len(memos()) == 3


@pytest.mark.usefixtures("trusting")
def test_a_corrupt_memo_is_ignored(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {"skills/a/skill.yaml": BAD})
    expected = found(repo)
    for text in (b"{not json", b'{"files": 3}', b'{"files": {}, "folders": {}, "absent": [], "findings": [{}]}'):
        memos()[0].write_bytes(text)
        assert found(repo) == expected


@pytest.mark.usefixtures("trusting")
def test_only_whole_tree_runs_of_the_working_tree_are_memoised(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {"skills/a/skill.yaml": BAD})
    check(["skills/a/skill.yaml"], cwd=repo)
    check(cwd=repo, staged=True, all_files=True)
    check(cwd=repo, all_files=True, use_cache=False)
    assert memos() == []
    plain = tmp_path / "plain"
    write_files(plain, {"skills/a/skill.yaml": BAD})
    check(cwd=plain)  # no git: nothing stands for the listing of a walked tree
    assert memos() == []


@pytest.mark.usefixtures("trusting")
def test_a_redirected_index_is_never_memoised(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = make_repo(tmp_path / "repo", {"skills/a/skill.yaml": BAD})
    monkeypatch.setenv("GIT_INDEX_FILE", str(repo / ".git" / "index"))
    assert found(repo) == [("skills/a/skill.yaml", "skill.name-format")]
    assert memos() == []


def test_files_changed_a_moment_ago_are_not_trusted(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {"skills/a/skill.yaml": BAD})
    assert found(repo) == [("skills/a/skill.yaml", "skill.name-format")]
    assert memos() == []  # within the racy window: the next run reads the files again


@pytest.mark.usefixtures("trusting")
def test_memos_are_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runs, "MAX_MEMOS", 2)
    for name in ("one", "two", "three"):
        check(cwd=make_repo(tmp_path / name, {"skills/a/skill.yaml": GOOD}), all_files=True)
    assert len(memos()) == 2


@pytest.mark.usefixtures("trusting")
def test_an_unwritable_cache_only_costs_speed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv("PACKWARDEN_HOME", str(blocker))
    repo = make_repo(tmp_path / "repo", {"skills/a/skill.yaml": BAD})
    assert found(repo) == [("skills/a/skill.yaml", "skill.name-format")]
