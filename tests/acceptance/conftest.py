"""Shared pieces of the acceptance tests: the CLI run in-process, and the plain git hook."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from packwarden.cli.main import main
from tests.support.gitrepo import REPO_ROOT, git_env, make_repo

# ``path:line:col: severity rule-id`` at the start of a finding line.
FINDING_LINE = re.compile(
    r"^(?P<where>.+):(?P<line>\d+):(?P<col>\d+): (?P<sev>info|warning|error|block) (?P<rule>\S+) "
)
BIN = Path(sys.executable).parent


@dataclass(frozen=True)
class Run:
    """What one ``packwarden`` invocation returned and printed."""

    rc: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err

    def prefixes(self) -> list[str]:
        """``path:line:col: severity rule`` of every finding line, in output order."""
        found = []
        for line in self.out.splitlines():
            match = FINDING_LINE.match(line)
            if match:
                found.append(f"{match['where']}:{match['line']}:{match['col']}: {match['sev']} {match['rule']}")
        return found

    def data(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.out)
        return parsed

    def findings(self) -> list[tuple[str, int, int, str, str]]:
        """(path, line, column, severity, rule) from ``--format json`` output."""
        return [(f["path"], f["line"], f["column"], f["severity"], f["rule"]) for f in self.data()["findings"]]

    def assert_no_crash(self) -> None:
        assert self.rc in (0, 1, 2), self.text
        assert "Traceback" not in self.text
        assert "internal error" not in self.text


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Callable[..., Run]:
    """``cli(cwd, "check", ...)``: run ``packwarden`` in-process in ``cwd``."""

    def run(cwd: Path, *args: str) -> Run:
        monkeypatch.chdir(cwd)
        capsys.readouterr()
        rc = main(list(args))
        out, err = capsys.readouterr()
        return Run(rc, out, err)

    return run


def tool_env(**extra: str) -> dict[str, str]:
    """Environment for real processes: test git identity, no user config, this venv first on PATH."""
    env = git_env()
    env["GIT_CONFIG_GLOBAL"] = os.devnull
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env.pop("NO_COLOR", None)
    env.update(extra)
    return env


def install_hook(repo: Path, name: str = "pre-commit") -> Path:
    """Copy the repository's plain ``hooks/<name>`` into ``repo``'s git hooks folder."""
    hooks = Path(
        subprocess.run(
            ["git", "rev-parse", "--git-path", "hooks"],
            cwd=repo,
            env=tool_env(),
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    hooks = hooks if hooks.is_absolute() else repo / hooks
    hooks.mkdir(parents=True, exist_ok=True)
    target = hooks / name
    shutil.copyfile(REPO_ROOT / "hooks" / name, target)
    target.chmod(0o755)
    return target


def run_git(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """A git command whose failure is a result, not an error (``git commit`` blocked by a hook)."""
    return subprocess.run(["git", *args], cwd=repo, env=tool_env(), capture_output=True, text=True, check=False)


# --- the real pre-commit, with this working tree as the hook repository -------------------------

HOOK_ID = "policy-check"


def _env(home: Path) -> dict[str, str]:
    return tool_env(PRE_COMMIT_HOME=str(home), PRE_COMMIT_COLOR="never")


@pytest.fixture(scope="session")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A committed copy of this working tree: (path, commit)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO_ROOT,
        capture_output=True,
        check=False,
    )
    if listed.returncode != 0:
        pytest.skip("the project is not a git work tree")
    root = tmp_path_factory.mktemp("hook-repo") / "packwarden"
    for name in {part.decode() for part in listed.stdout.split(b"\0") if part}:
        source = REPO_ROOT / name
        if source.is_file():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, root / name)
    env = tool_env(HOME=str(tmp_path_factory.mktemp("hook-repo-home")))
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "--no-verify", "-m", "snapshot"]):
        subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True)
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, env=env, check=True, capture_output=True, text=True)
    return root, head.stdout.strip()


@pytest.fixture(scope="session")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


class Ran(NamedTuple):
    code: int
    output: str  # stdout, then stderr


def pre_commit(repo: Path, home: Path, *args: str) -> Ran:
    done = subprocess.run(
        [sys.executable, "-m", "pre_commit", *args],
        cwd=repo,
        env=_env(home),
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    return Ran(done.returncode, done.stdout + done.stderr)


def hooks_config(hook_repo: tuple[Path, str], *ids: str) -> str:
    """A .pre-commit-config.yaml using this working tree's hooks ``ids`` (default: policy-check)."""
    path, rev = hook_repo
    hooks = "".join(f"      - id: {hook_id}\n" for hook_id in ids or (HOOK_ID,))
    return f"repos:\n  - repo: {path}\n    rev: {rev}\n    hooks:\n{hooks}"


def configured_repo(
    root: Path, hook_repo: tuple[Path, str], files: dict[str, str], *ids: str, commit: bool = True
) -> Path:
    """A repository of ``files`` whose .pre-commit-config.yaml uses this tree's hooks ``ids``."""
    return make_repo(root, {".pre-commit-config.yaml": hooks_config(hook_repo, *ids), **files}, commit=commit)


def run_tool(cwd: Path, tool: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """One of this venv's console scripts (``packwarden``, ``policy-check``) as a real process."""
    return subprocess.run(
        [str(BIN / tool), *args], cwd=cwd, env=tool_env(**env), capture_output=True, text=True, check=False, timeout=120
    )
