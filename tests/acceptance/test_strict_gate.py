"""Strict mode as a gate, with real `git commit`s: through the plain hooks `install-hooks` writes,
and through the pre-commit framework. An `error` finding blocks unless a `Policy-Waiver:`
trailer acknowledges it; a `block` finding never passes a trailer; the waivers file holds, and
an expired entry brings its finding back; provenance trailers record the policy's hash."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.acceptance.conftest import _env, configured_repo, pre_commit, run_git, run_tool
from tests.support.gated import BAD_NAME, GOOD, WAIVER, commit_through_hooks, gated_repo
from tests.support.gitrepo import git, write_files

_repo = gated_repo
_commit = commit_through_hooks


def _subjects(repo: Path) -> list[str]:
    return git(repo, "log", "--format=%s").splitlines()


def test_an_error_blocks_and_a_policy_waiver_trailer_lets_it_through(tmp_path: Path) -> None:
    repo = _repo(tmp_path)

    blocked = _commit(repo, {"skills/bad/skill.yaml": BAD_NAME}, "-m", "add a skill")
    waived = run_git(repo, "commit", "-q", "-m", "add a skill", "-m", WAIVER)

    assert blocked.returncode != 0
    assert "skill.name-format" in blocked.stdout + blocked.stderr
    assert "git commit -e -F .git/COMMIT_EDITMSG" in blocked.stdout + blocked.stderr
    assert waived.returncode == 0, waived.stdout + waived.stderr
    assert _subjects(repo) == ["add a skill", "initial"]


def test_a_trailer_without_a_real_reason_is_refused(tmp_path: Path) -> None:
    repo = _repo(tmp_path)

    done = _commit(repo, {"skills/bad/skill.yaml": BAD_NAME}, "-m", "add", "-m", "Policy-Waiver: skill.name-format wip")

    assert done.returncode != 0
    assert "waiver.invalid" in done.stdout + done.stderr


def _soon(days: int = 30) -> str:
    import datetime

    return (datetime.datetime.now(datetime.UTC).date() + datetime.timedelta(days=days)).isoformat()


def _waivers(expires: str) -> str:
    return (
        "waivers:\n  - rule: skill.name-format\n    paths: ['skills/bad/**']\n"
        "    reason: the legacy importer needs this exact name until it is rewritten\n"
        f"    owner: data-platform\n    expires: {expires}\n"
    )


def test_a_block_finding_never_passes_a_trailer_but_the_waivers_file_holds(tmp_path: Path) -> None:
    repo = _repo(tmp_path, "mode: block\noverrides:\n  severities: {skill.name-format: block}\n")

    trailer = _commit(repo, {"skills/bad/skill.yaml": BAD_NAME}, "-m", "add", "-m", WAIVER)
    too_far = _commit(repo, {".packwarden/waivers.yml": _waivers("2099-01-01")}, "-m", "add")
    reviewed = _commit(repo, {".packwarden/waivers.yml": _waivers(_soon())}, "-m", "add")

    assert trailer.returncode != 0
    assert "skill.name-format" in trailer.stdout + trailer.stderr
    assert too_far.returncode != 0  # beyond the pack's horizon (90 days): the waiver is invalid
    assert "waiver.invalid" in too_far.stdout + too_far.stderr
    assert reviewed.returncode == 0, reviewed.stdout + reviewed.stderr


def test_an_expired_waiver_brings_its_finding_back(tmp_path: Path) -> None:
    repo = _repo(tmp_path, files={".packwarden/waivers.yml": _waivers(_soon(10))})
    write_files(repo, {"skills/bad/skill.yaml": BAD_NAME})
    git(repo, "add", "-A")

    def commit(**env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["git", "commit", "-q", "-m", "a"],
            cwd=repo,
            env={**_plain_env(), **env},
            capture_output=True,
            text=True,
            check=False,
        )

    expired = commit(PACKWARDEN_TODAY=_soon(20))
    today = run_git(repo, "commit", "-q", "-m", "a")

    assert expired.returncode != 0
    assert "waiver.expired" in expired.stdout + expired.stderr
    assert today.returncode == 0, today.stdout + today.stderr


def _plain_env() -> dict[str, str]:
    from tests.acceptance.conftest import tool_env

    return tool_env()


def test_warn_mode_commits_and_shows_the_findings(tmp_path: Path) -> None:
    repo = _repo(tmp_path, "mode: warn\n")

    done = _commit(repo, {"skills/bad/skill.yaml": BAD_NAME}, "-m", "add")

    assert done.returncode == 0
    assert "skill.name-format" in done.stdout + done.stderr


AI = "pack: ai-provenance@1.0\nmode: block\n"


def test_message_rules_read_the_message_as_git_stores_it(tmp_path: Path) -> None:
    """`git commit -v` (a scissors line and the diff below it) and a custom core.commentChar: the
    Assisted-by trailer is found where git will keep it, and a commented one does not count."""
    repo = _repo(tmp_path, AI)
    git(repo, "config", "core.commentChar", ";")
    write_files(repo, {"skills/new/skill.yaml": GOOD.replace("good.skill", "new.skill")})
    git(repo, "add", "-A")
    editor = tmp_path / "editor.sh"
    editor.write_text(
        '#!/bin/sh\nprintf "add a skill\\n\\nAssisted-by: claude\\n" | cat - "$1" > "$1.new" && mv "$1.new" "$1"\n'
    )
    editor.chmod(0o755)
    commented = tmp_path / "commented.sh"
    commented.write_text(
        '#!/bin/sh\nprintf "add a skill\\n; Assisted-by: claude\\n" | cat - "$1" > "$1.new" && mv "$1.new" "$1"\n'
    )
    commented.chmod(0o755)

    refused = subprocess.run(
        ["git", "commit", "-v"],
        cwd=repo,
        env={**_plain_env(), "GIT_EDITOR": str(commented)},
        capture_output=True,
        text=True,
        check=False,
    )
    made = subprocess.run(
        ["git", "commit", "-v"],
        cwd=repo,
        env={**_plain_env(), "GIT_EDITOR": str(editor)},
        capture_output=True,
        text=True,
        check=False,
    )

    assert refused.returncode != 0
    assert "Assisted-by" in refused.stdout + refused.stderr
    assert made.returncode == 0, made.stdout + made.stderr
    assert "Assisted-by: claude" in git(repo, "log", "-1", "--format=%B")


def test_an_agent_as_co_author_is_a_finding_with_the_fix(tmp_path: Path) -> None:
    repo = _repo(tmp_path, AI)

    done = _commit(
        repo, {"skills/new/skill.yaml": GOOD}, "-m", "add", "-m", "Co-authored-by: Claude <noreply@anthropic.com>"
    )

    assert done.returncode != 0
    assert "commit.agent-co-author" in done.stdout + done.stderr
    assert "Assisted-by" in done.stdout + done.stderr


def test_provenance_trailers_record_the_policys_hash(tmp_path: Path) -> None:
    repo = _repo(tmp_path, "pack: enterprise-compliance@1.0\n")
    hashed = json.loads(run_tool(repo, "packwarden", "effective", "--json").stdout)["hash"]

    done = _commit(repo, {"notes.txt": "no artifact\n"}, "-m", "notes")

    assert done.returncode == 0, done.stdout + done.stderr
    body = git(repo, "log", "-1", "--format=%B")
    assert f"Policy: enterprise-compliance@1.0 {hashed}" in body


@pytest.fixture
def framework(tmp_path: Path, hook_repo: tuple[Path, str], pre_commit_home: Path) -> Callable[..., Path]:
    """``framework(config, files)``: a repository whose hooks pre-commit installed
    (``pre-commit install -t pre-commit -t commit-msg``) from this working tree's hooks."""

    def build(config: str = "mode: block\n", files: dict[str, str] | None = None) -> Path:
        repo = configured_repo(
            tmp_path / "fw",
            hook_repo,
            {".packwarden/policy.yml": config, "skills/ok/skill.yaml": GOOD, **(files or {})},
            "policy-check",
            "policy-commit-msg",
        )
        installed = pre_commit(repo, pre_commit_home, "install", "-t", "pre-commit", "-t", "commit-msg")
        assert installed.code == 0, installed.output
        return repo

    return build


def _framework_commit(
    repo: Path, home: Path, files: dict[str, str], *args: str, **env: str
) -> subprocess.CompletedProcess[str]:
    write_files(repo, files)
    git(repo, "add", "-A")
    return subprocess.run(
        ["git", "commit", *args], cwd=repo, env={**_env(home), **env}, capture_output=True, text=True, check=False
    )


@pytest.mark.slow
def test_through_pre_commit_a_block_finding_never_passes_a_trailer_and_the_waivers_file_holds(
    framework: Callable[..., Path], pre_commit_home: Path
) -> None:
    repo = framework("mode: block\noverrides:\n  severities: {skill.name-format: block}\n")

    trailer = _framework_commit(repo, pre_commit_home, {"skills/bad/skill.yaml": BAD_NAME}, "-m", "add", "-m", WAIVER)
    reviewed = _framework_commit(repo, pre_commit_home, {".packwarden/waivers.yml": _waivers(_soon())}, "-m", "add")
    expired = _framework_commit(
        repo,
        pre_commit_home,
        {"skills/bad/skill.yaml": BAD_NAME + "# again\n"},
        "-m",
        "later",
        PACKWARDEN_TODAY=_soon(60),
    )

    assert trailer.returncode != 0
    assert reviewed.returncode == 0, reviewed.stdout + reviewed.stderr
    assert expired.returncode != 0
    assert "waiver.expired" in expired.stdout + expired.stderr


@pytest.mark.slow
def test_through_pre_commit_warn_mode_commits_and_git_commit_v_is_read_right(
    framework: Callable[..., Path], pre_commit_home: Path, tmp_path: Path
) -> None:
    warn = framework("pack: ai-provenance@1.0\nmode: warn\n")
    git(warn, "config", "core.commentChar", ";")
    editor = tmp_path / "editor.sh"
    editor.write_text(
        '#!/bin/sh\nprintf "add\\n; Assisted-by: claude\\n" | cat - "$1" > "$1.new" && mv "$1.new" "$1"\n'
    )
    editor.chmod(0o755)

    done = _framework_commit(warn, pre_commit_home, {"skills/bad/skill.yaml": BAD_NAME}, "-v", GIT_EDITOR=str(editor))

    assert done.returncode == 0, done.stdout + done.stderr
    assert "skill.name-format" in done.stdout + done.stderr  # warn mode shows what it found
    assert "Assisted-by: claude" not in git(warn, "log", "-1", "--format=%B")  # the commented line is gone


@pytest.mark.slow
def test_through_the_pre_commit_framework_a_trailer_acknowledges_an_error(
    framework: Callable[..., Path], pre_commit_home: Path
) -> None:
    repo = framework()

    blocked = _framework_commit(repo, pre_commit_home, {"skills/bad/skill.yaml": BAD_NAME}, "-m", "add")
    waived = _framework_commit(repo, pre_commit_home, {}, "-m", "add", "-m", WAIVER)

    assert blocked.returncode != 0
    assert "left to the commit-msg gate" in blocked.stdout + blocked.stderr
    assert waived.returncode == 0, waived.stdout + waived.stderr
