"""Real git repositories for tests, built from files given as a dict or a folder."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType

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
REQUIRE_CORPUS = "PACKWARDEN_REQUIRE_CORPUS"  # set by .ci/run: a missing corpus fails, never skips

# The Betty profiles of ../shared/corpus/betty/registry/policies (a test holds the folder to it).
BETTY_PROFILES = (
    "betty-core.yaml",
    "default.yaml",
    "no-secrets.yaml",
    "permissions.yaml",
    "production-ready-v2.yaml",
    "production.yaml",
    "skill-naming.yaml",
    "skill-status.yaml",
    "strict.yaml",
)


def corpus(*parts: str) -> Path:
    """A path in ``../shared/corpus``, the real-world files CI puts beside this clone.

    A user's clone has no ``../shared``: the test is skipped, saying why. Under
    PACKWARDEN_REQUIRE_CORPUS (CI) a missing corpus is a failure instead, so CI always runs them.
    """
    import pytest

    if not CORPUS.is_dir():
        reason = f"needs the shared corpus at {CORPUS} (beside this clone), which is not there"
        if os.environ.get(REQUIRE_CORPUS):
            pytest.fail(f"{reason}; {REQUIRE_CORPUS} is set")
        pytest.skip(reason)
    return CORPUS.joinpath(*parts)


def load_script(name: str) -> ModuleType:
    """A maintainer's script of ``scripts/`` as a module (they are not part of the package)."""
    spec = importlib.util.spec_from_file_location(name, REPO_ROOT / "scripts" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
