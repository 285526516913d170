"""Real git repositories for tests, built from files given as a dict or a folder."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test",
    "GIT_AUTHOR_EMAIL": "test@example.invalid",
    "GIT_COMMITTER_NAME": "Test",
    "GIT_COMMITTER_EMAIL": "test@example.invalid",
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_ENV)
    env["HOME"] = env.get("PACKWARDEN_TEST_HOME", env.get("HOME", "/tmp"))
    return env


def git(repo: Path, *args: str, check: bool = True) -> str:
    done = subprocess.run(["git", *args], cwd=repo, env=git_env(), capture_output=True, text=True, check=False)
    if check and done.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed: {done.stderr}")
    return done.stdout


def write_files(root: Path, files: Mapping[str, str | bytes]) -> None:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


def stage(root: Path, files: Mapping[str, str | bytes]) -> None:
    """Write ``files`` and ``git add`` exactly them."""
    write_files(root, files)
    git(root, "add", "--", *files)


def make_repo(root: Path, files: Mapping[str, str | bytes] | None = None, *, commit: bool = True) -> Path:
    """``git init`` in ``root`` with ``files`` written (and committed unless commit=False)."""
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "commit.gpgsign", "false")
    if files:
        write_files(root, files)
        git(root, "add", "-A")
        if commit:
            git(root, "commit", "-q", "-m", "initial")
    return root


def copy_tree_repo(source: Path, root: Path) -> Path:
    """A git repository holding a copy of ``source`` (read-only corpora stay untouched)."""
    shutil.copytree(source, root)
    for path in [root, *root.rglob("*")]:
        path.chmod(path.stat().st_mode | 0o200)
    make_repo(root)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "copy")
    return root


REPO_ROOT = Path(__file__).resolve().parents[2]
SHARED = REPO_ROOT.parent / "shared"
CORPUS = SHARED / "corpus"
