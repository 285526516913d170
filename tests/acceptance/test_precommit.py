"""The real pre-commit framework running this repository's ``policy-check`` hook.

pre-commit installs a hook repository at a commit. ``pre-commit try-repo <local path>`` would
use the repository's HEAD plus a shadow commit of its *tracked* changes only (``git add -u``;
see pre_commit/commands/try_repo.py), so an untracked ``.pre-commit-hooks.yaml`` or
``hooks/`` in a working copy would be missing. The tests therefore commit a copy of this
working tree (tracked and untracked, not ignored: exactly what the next commit would hold)
into a temporary hook repository, once per session.

``try-repo`` always builds the hook environment in a throw-away store, whatever
PRE_COMMIT_HOME says; the other tests use a ``.pre-commit-config.yaml`` pointing at the hook
repository, so they share one environment in a session-scoped PRE_COMMIT_HOME.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.acceptance.conftest import HOOK_ID, _env, configured_repo, hooks_config, pre_commit
from tests.support.gitrepo import REPO_ROOT, git, make_repo, stage, write_files

BAD = "name: Bad Name\nversion: 1.0.0\nstatus: draft\n"
GOOD = "name: good.skill\nversion: 1.0.0\nstatus: draft\n"
BAD_PREFIX = "skills/x/skill.yaml:1:7: error skill.name-format"
STRICT = {".packwarden/policy.yml": "pack: default@1.0\nmode: block\n"}


def test_manifest_is_valid() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pre_commit", "validate-manifest", str(REPO_ROOT / ".pre-commit-hooks.yaml")],
        capture_output=True,
        text=True,
        check=False,
    )

    assert done.returncode == 0, done.stdout + done.stderr


def _sample(glob: str) -> str:
    """A path ``glob`` matches: ``**`` and ``*`` filled in, a folder given a markdown file."""
    path = glob.replace("**/", "deep/er/").replace("*", "x")
    return path + "plan.md" if path.endswith("/") else path


def test_the_hook_receives_every_path_the_policy_can_use() -> None:
    """The hook's file filter, against the table it must cover: every artifact glob of every
    built-in pack and the policy inputs (the config, and repository packs wherever the config
    says they live). A ``files:`` regex derived from the built-in globs would keep out the
    artifacts of a repository pack's own globs (a silent pass), so the hook takes every file and
    link and policy-check selects by the effective policy: the filter matches everything, and
    pre-commit's own matching is asked about each path of the table."""
    import yaml
    from cfgv import apply_defaults
    from pre_commit.clientlib import MANIFEST_HOOK_DICT
    from pre_commit.commands.run import filter_by_include_exclude

    from packwarden.api import resolve
    from packwarden.packs.builtin import builtin_refs

    (raw,) = [h for h in yaml.safe_load((REPO_ROOT / ".pre-commit-hooks.yaml").read_text()) if h["id"] == HOOK_ID]
    hook = apply_defaults(raw, MANIFEST_HOOK_DICT)  # the filters pre-commit uses, defaults filled in
    globs = {glob for ref in builtin_refs() for kinds in resolve(pack=ref).artifacts.values() for glob in kinds}
    table = {_sample(glob) for glob in globs}
    table |= {".packwarden/policy.yml", ".packwarden/packs/ours.yaml", "elsewhere/pack.yml", "manifests/x.yml"}

    assert list(filter_by_include_exclude(sorted(table), hook["files"], hook["exclude"])) == sorted(table)
    assert hook["types"] == [] and set(hook["types_or"]) == {"file", "symlink"}


# --- pre-commit try-repo -------------------------------------------------------------------------


@pytest.mark.slow
def test_try_repo_warn_mode_passes_and_shows_findings(tmp_path: Path, hook_repo: tuple[Path, str]) -> None:
    repo = make_repo(tmp_path / "repo", {"skills/x/skill.yaml": BAD, "skills/y/skill.yaml": GOOD})

    done = pre_commit(repo, tmp_path / "unused-home", "try-repo", str(hook_repo[0]), HOOK_ID, "--all-files")

    assert done.code == 0, done.output
    assert "policy check (skills, agents, plugins, protocol runs, registries)" in done.output
    assert "Passed" in done.output
    assert BAD_PREFIX in done.output
    assert "    fix: rename it in lowercase" in done.output
    assert "2 files · " in done.output
    assert "passed (warn mode)" in done.output
    assert "Traceback" not in done.output


@pytest.mark.slow
def test_try_repo_strict_mode_fails(tmp_path: Path, hook_repo: tuple[Path, str]) -> None:
    repo = make_repo(tmp_path / "repo", {"skills/x/skill.yaml": BAD, "skills/y/skill.yaml": GOOD, **STRICT})

    done = pre_commit(
        repo, tmp_path / "unused-home", "try-repo", str(hook_repo[0]), HOOK_ID, "--files", "skills/x/skill.yaml"
    )

    assert done.code == 1, done.output
    assert "Failed" in done.output
    assert "- exit code: 1" in done.output
    assert BAD_PREFIX in done.output
    assert "1 file · " in done.output
    assert "blocked by 1 finding(s) (strict mode)" in done.output


# --- pre-commit run with a configuration (one shared environment) --------------------------------


@pytest.mark.slow
def test_run_checks_what_is_staged(tmp_path: Path, hook_repo: tuple[Path, str], pre_commit_home: Path) -> None:
    repo = configured_repo(tmp_path / "repo", hook_repo, {"skills/y/skill.yaml": GOOD, **STRICT})
    stage(repo, {"skills/x/skill.yaml": BAD})
    write_files(repo, {"skills/x/skill.yaml": GOOD})  # fixed only in the working tree

    done = pre_commit(repo, pre_commit_home, "run")

    assert done.code == 1, done.output
    assert BAD_PREFIX in done.output
    assert "1 file · " in done.output  # only the staged file, not skills/y
    assert (repo / "skills/x/skill.yaml").read_text() == GOOD  # pre-commit put the unstaged fix back


@pytest.mark.slow
def test_run_clean_staged_file_passes_in_strict_mode(
    tmp_path: Path, hook_repo: tuple[Path, str], pre_commit_home: Path
) -> None:
    repo = configured_repo(tmp_path / "repo", hook_repo, {"skills/y/skill.yaml": BAD, **STRICT})
    stage(repo, {"skills/x/skill.yaml": GOOD})

    done = pre_commit(repo, pre_commit_home, "run")

    assert done.code == 0, done.output
    assert "Passed" in done.output
    assert "skill.name-format" not in done.output  # the committed bad skill is not among the staged files


@pytest.mark.slow
def test_run_changed_config_rechecks_every_manifest(
    tmp_path: Path, hook_repo: tuple[Path, str], pre_commit_home: Path
) -> None:
    repo = configured_repo(tmp_path / "repo", hook_repo, {"skills/x/skill.yaml": BAD})
    stage(repo, STRICT)

    done = pre_commit(repo, pre_commit_home, "run")

    assert done.code == 1, done.output
    assert BAD_PREFIX in done.output
    assert "blocked by 1 finding(s) (strict mode)" in done.output


@pytest.mark.slow
def test_files_that_are_not_artifacts_are_passed_over(
    tmp_path: Path, hook_repo: tuple[Path, str], pre_commit_home: Path
) -> None:
    repo = configured_repo(
        tmp_path / "repo", hook_repo, {"README.md": "x\n", "docs/skill.yaml.md": "x\n", "notes/skills.yaml": "x: 1\n"}
    )

    done = pre_commit(repo, pre_commit_home, "run", "--files", "README.md", "docs/skill.yaml.md", "notes/skills.yaml")

    # the hook sees every changed file (any of them could be a policy input) and checks none
    assert done.code == 0, done.output
    assert "0 files · " in done.output
    assert "passed (warn mode)" in done.output


@pytest.mark.slow
def test_run_with_a_config_reports_every_finding_once_in_one_summary(
    tmp_path: Path, hook_repo: tuple[Path, str], pre_commit_home: Path
) -> None:
    """Before ``require_serial``, pre-commit split the files among processes (one per core); the
    one given the config re-checked every manifest, so the others' findings printed twice."""
    count = 60
    skills = {f"skills/s{i:02d}/skill.yaml": BAD for i in range(count)}
    config = {".packwarden/policy.yml": "pack: default@1.0\n"}
    repo = configured_repo(tmp_path / "repo", hook_repo, {**skills, "skills/ok/skill.yaml": GOOD, **config})

    done = pre_commit(repo, pre_commit_home, "run", "--all-files")

    assert done.code == 0, done.output
    for name in skills:
        assert done.output.count(f"{name}:1:7: error skill.name-format") == 1
    assert done.output.count(": error skill.name-format ") == count
    summaries = [line for line in done.output.splitlines() if " rules · " in line]
    assert [line.split(" · ")[0] for line in summaries] == [f"{count + 1} files"]


@pytest.mark.slow
def test_installed_hook_blocks_git_commit_in_strict_mode(
    tmp_path: Path, hook_repo: tuple[Path, str], pre_commit_home: Path
) -> None:
    repo = configured_repo(tmp_path / "repo", hook_repo, {"skills/y/skill.yaml": GOOD, **STRICT})
    installed = pre_commit(repo, pre_commit_home, "install")
    assert installed.code == 0, installed.output
    stage(repo, {"skills/x/skill.yaml": BAD})
    before = git(repo, "rev-parse", "HEAD")

    env = _env(pre_commit_home)
    done = subprocess.run(
        ["git", "commit", "-m", "bad"], cwd=repo, env=env, capture_output=True, text=True, check=False
    )

    output = done.stdout + done.stderr
    assert done.returncode != 0, output
    assert BAD_PREFIX in output
    assert git(repo, "rev-parse", "HEAD") == before

    stage(repo, {"skills/x/skill.yaml": GOOD.replace("good.skill", "x.skill")})
    fixed = subprocess.run(
        ["git", "commit", "-m", "ok"], cwd=repo, env=env, capture_output=True, text=True, check=False
    )

    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert git(repo, "rev-parse", "HEAD") != before
    assert os.path.exists(repo / ".git/hooks/pre-commit")


@pytest.mark.slow
def test_commit_msg_gate_answers_after_policy_check_and_blocks_what_it_skipped(
    tmp_path: Path, hook_repo: tuple[Path, str], pre_commit_home: Path
) -> None:
    config = hooks_config(hook_repo, "policy-check", "policy-commit-msg")
    repo = make_repo(tmp_path / "repo", {".pre-commit-config.yaml": config, "skills/y/skill.yaml": GOOD, **STRICT})
    installed = pre_commit(repo, pre_commit_home, "install", "-t", "pre-commit", "-t", "commit-msg")
    assert installed.code == 0, installed.output
    env = _env(pre_commit_home)

    def commit(*args: str, **extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["git", "commit", *args], cwd=repo, env={**env, **extra}, capture_output=True, text=True, check=False
        )

    stage(repo, {"skills/x/skill.yaml": GOOD.replace("good.skill", "x.skill")})
    passed = commit("-m", "good")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "policy gate (staged files, at commit-msg)" in passed.stdout + passed.stderr

    before = git(repo, "rev-parse", "HEAD")
    stage(repo, {"skills/x/skill.yaml": BAD})
    skipped = commit("-m", "bad", SKIP="policy-check")
    output = skipped.stdout + skipped.stderr
    assert skipped.returncode != 0, output
    assert BAD_PREFIX in output
    assert "commit blocked by 1 finding(s) in the staged files (strict mode)" in output
    assert git(repo, "rev-parse", "HEAD") == before

    git(repo, "reset", "-q", "--hard")
    write_files(repo, {"skills/y/skill.yaml": BAD})  # not staged: `commit -a` stages it in a temporary index
    everything = commit("-a", "-m", "bad", SKIP="policy-check")
    assert everything.returncode != 0, everything.stdout + everything.stderr
    assert "skills/y/skill.yaml:1:7: error skill.name-format" in everything.stdout + everything.stderr
    assert git(repo, "rev-parse", "HEAD") == before
