"""A repository with packwarden's plain hooks installed (`packwarden install-hooks`), and commits
made through them: what the strict-gate and range-mode tests share."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.acceptance.conftest import run_git, run_tool
from tests.support.gitrepo import git, make_repo, write_files

BAD_NAME = "name: Bad Name\nversion: 1.0.0\nstatus: draft\ndescription: a skill with a bad name\n"
GOOD = "name: good.skill\nversion: 1.0.0\nstatus: draft\ndescription: a skill that is fine\n"
WAIVER = "Policy-Waiver: skill.name-format the legacy importer needs this exact name until it is rewritten"


def gated_repo(tmp_path: Path, config: str = "mode: block\n", files: dict[str, str] | None = None) -> Path:
    """A committed repository of one good skill and ``config``, with both plain hooks installed."""
    repo = make_repo(
        tmp_path / "repo", {".packwarden/policy.yml": config, "skills/ok/skill.yaml": GOOD, **(files or {})}
    )
    assert run_tool(repo, "packwarden", "install-hooks").returncode == 0
    return repo


def commit_through_hooks(repo: Path, files: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Write ``files``, stage everything and ``git commit -q *args``: the hooks decide."""
    write_files(repo, files)
    git(repo, "add", "-A")
    return run_git(repo, "commit", "-q", *args)
