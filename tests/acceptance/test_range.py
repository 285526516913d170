"""Range mode agrees with the local gate: commits made through the plain hooks (some with
`Policy-Waiver:` trailers) pass `check --from-ref/--to-ref`, one made with `--no-verify` that
the gate blocked fails it, named with its commit; the working tree never counts; a changed
policy input re-checks everything; `commits A..B` checks each message; pre-commit's
PRE_COMMIT_FROM_REF/TO_REF (pre-push, `run --from-ref/--to-ref`) reach both."""

from __future__ import annotations

import itertools
import subprocess
from pathlib import Path

import pytest

from tests.acceptance.conftest import configured_repo, pre_commit, run_git, run_tool
from tests.support.gated import GOOD, WAIVER, commit_through_hooks, gated_repo
from tests.support.gitrepo import git, make_repo, write_files

BAD = "name: Bad Name\nversion: 1.0.0\nstatus: draft\ndescription: a skill with a bad name\n"
WORSE = "name: Worse Name\nversion: 1.0.0\nstatus: draft\ndescription: another skill with a bad name\n"


_repo = gated_repo
_commit = commit_through_hooks


def _head(repo: Path) -> str:
    return git(repo, "rev-parse", "HEAD").strip()


def _range(repo: Path, start: str, end: str, *args: str) -> subprocess.CompletedProcess[str]:
    return run_tool(repo, "packwarden", "check", "--from-ref", start, "--to-ref", end, *args)


@pytest.fixture
def history(tmp_path: Path) -> tuple[Path, list[str], list[int]]:
    """A strict repository and its commits after the first: each with what the gate said (0: passed)."""
    repo = _repo(tmp_path)
    commits, gate = [_head(repo)], []
    steps: list[tuple[dict[str, str], tuple[str, ...]]] = [
        ({"skills/bad/skill.yaml": BAD}, ("-m", "add a legacy skill", "-m", WAIVER)),
        ({"skills/ok/skill.yaml": GOOD.replace("fine", "still fine")}, ("-m", "reword a skill")),
        ({"skills/worse/skill.yaml": WORSE}, ("--no-verify", "-m", "sneak a skill past the gate")),
    ]
    for files, args in steps:
        through_gate = "--no-verify" not in args
        write_files(repo, files)
        git(repo, "add", "-A")
        # what the gate says of this very commit (also for the one later forced through)
        asked = run_git(repo, "commit", "-q", *[a for a in args if a != "--no-verify"])
        gate.append(asked.returncode)
        if not through_gate:
            assert asked.returncode != 0, asked.stdout + asked.stderr  # the gate would have blocked it
            assert run_git(repo, "commit", "-q", *args).returncode == 0
        commits.append(_head(repo))
    return repo, commits, gate


def test_range_mode_passes_what_the_gate_passed_and_fails_the_no_verify_commit(
    history: tuple[Path, list[str], list[int]],
) -> None:
    repo, commits, gate = history

    one_by_one = [_range(repo, before, after) for before, after in itertools.pairwise(commits)]
    whole = _range(repo, commits[0], commits[-1])
    up_to_gated = _range(repo, commits[0], commits[-2])

    assert gate == [0, 0, 1]
    assert [done.returncode for done in one_by_one] == gate
    assert whole.returncode == 1
    assert "skills/worse/skill.yaml" in whole.stdout
    assert f"last changed by commit {commits[-1][:12]} (sneak a skill past the gate)" in whole.stdout
    assert "skills/bad/skill.yaml" not in whole.stdout  # its trailer holds, as in the gate
    assert up_to_gated.returncode == 0, up_to_gated.stdout + up_to_gated.stderr
    assert "1 waived" in up_to_gated.stdout


def test_the_working_tree_does_not_change_the_result(history: tuple[Path, list[str], list[int]]) -> None:
    repo, commits, _ = history
    before = _range(repo, commits[0], commits[-1], "--format", "json")

    # fix the sneaked skill, break another, loosen the policy: none of it is committed
    write_files(
        repo,
        {
            "skills/worse/skill.yaml": GOOD,
            "skills/ok/skill.yaml": WORSE,
            "skills/new/skill.yaml": BAD,
            ".packwarden/policy.yml": "mode: warn\n",
        },
    )
    after = _range(repo, commits[0], commits[-1], "--format", "json")

    assert before.returncode == after.returncode == 1
    assert before.stdout == after.stdout


def test_a_trailer_waives_only_for_the_commit_that_last_changed_the_file(
    history: tuple[Path, list[str], list[int]],
) -> None:
    repo, commits, _ = history
    # a later commit changes the waived file without saying anything about it
    done = _commit(repo, {"skills/bad/skill.yaml": BAD.replace("bad name", "bad name still")}, "--no-verify", "-m", "x")
    assert done.returncode == 0

    in_range = _range(repo, commits[0], _head(repo))
    every_file = run_tool(repo, "packwarden", "check", "--all-files", "--to-ref", commits[-1])
    every_file_now = run_tool(repo, "packwarden", "check", "--all-files", "--to-ref", "HEAD")

    assert "skills/bad/skill.yaml" in in_range.stdout
    assert in_range.returncode == 1
    assert "skills/bad/skill.yaml" not in every_file.stdout  # its last commit there carries the trailer
    assert "skills/worse/skill.yaml" in every_file.stdout
    assert "skills/bad/skill.yaml" in every_file_now.stdout


def test_a_changed_policy_input_in_the_range_rechecks_everything(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {".packwarden/policy.yml": "mode: warn\n", "skills/bad/skill.yaml": BAD})
    base = _head(repo)
    assert _commit(repo, {"README.md": "docs\n"}, "-m", "docs").returncode == 0
    docs_only = _head(repo)
    assert _commit(repo, {".packwarden/policy.yml": "mode: block\n"}, "-m", "strict").returncode == 0

    untouched = _range(repo, base, docs_only)
    rechecked = _range(repo, docs_only, "HEAD")

    assert untouched.returncode == 0
    assert "skills/bad/skill.yaml" not in untouched.stdout
    assert rechecked.returncode == 1
    assert "skills/bad/skill.yaml:1:7: error skill.name-format" in rechecked.stdout
    assert "(strict mode)" in rechecked.stdout  # the policy of the range's last commit


def test_pre_commit_variables_ask_for_range_mode(history: tuple[Path, list[str], list[int]]) -> None:
    repo, commits, _ = history
    env = {"PRE_COMMIT_FROM_REF": commits[0], "PRE_COMMIT_TO_REF": commits[-1]}

    check = run_tool(repo, "packwarden", "check", **env)
    hook = run_tool(repo, "policy-check", "skills/worse/skill.yaml", **env)
    earlier = run_tool(repo, "policy-check", **{**env, "PRE_COMMIT_TO_REF": commits[-2]})

    assert check.returncode == hook.returncode == 1
    assert commits[-1][:12] in check.stdout and commits[-1][:12] in hook.stdout
    assert earlier.returncode == 0, earlier.stdout + earlier.stderr


def test_half_a_range_or_a_missing_commit_is_a_usage_error(history: tuple[Path, list[str], list[int]]) -> None:
    repo, commits, _ = history

    half = run_tool(repo, "packwarden", "check", "--from-ref", commits[0])
    missing = _range(repo, commits[0], "no-such-branch")

    assert half.returncode == 2 and "--to-ref" in half.stderr
    assert missing.returncode == 2 and "no-such-branch" in missing.stderr
    assert "Traceback" not in half.stderr + missing.stderr


MESSAGES_PACK = """\
meta: {key: messages, version: '1'}
extends: [default@1.0]
requirements:
  commit_message:
    subject_max_length: 30
"""


def test_commits_checks_every_message_of_the_range(tmp_path: Path) -> None:
    files = {
        ".packwarden/packs/messages.yaml": MESSAGES_PACK,
        ".packwarden/policy.yml": "pack: .packwarden/packs/messages.yaml\nmode: block\n",
    }
    repo = make_repo(tmp_path / "repo", files)
    base = _head(repo)
    assert _commit(repo, {"a.txt": "a\n"}, "-m", "short subject").returncode == 0
    good = _head(repo)
    long = "a subject line far longer than the thirty characters allowed"
    assert _commit(repo, {"b.txt": "b\n"}, "-m", long).returncode == 0
    bad = _head(repo)

    clean = run_tool(repo, "packwarden", "commits", f"{base}..{good}")
    failed = run_tool(repo, "packwarden", "commits", f"{base}..{bad}")
    from_env = run_tool(repo, "packwarden", "commits", PRE_COMMIT_FROM_REF=base, PRE_COMMIT_TO_REF=bad)
    not_a_range = run_tool(repo, "packwarden", "commits", "HEAD")

    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert failed.returncode == 1
    assert f"commit {bad[:12]}:1:" in failed.stdout
    assert "commit.subject-length" in failed.stdout
    assert f"commit {good[:12]}" not in failed.stdout
    assert from_env.returncode == 1 and f"commit {bad[:12]}" in from_env.stdout
    assert not_a_range.returncode == 2


def test_the_real_pre_commit_runs_both_hooks_over_a_range(
    tmp_path: Path, hook_repo: tuple[Path, str], pre_commit_home: Path
) -> None:
    files = {
        ".packwarden/packs/messages.yaml": MESSAGES_PACK,
        ".packwarden/policy.yml": "pack: .packwarden/packs/messages.yaml\nmode: block\n",
        "skills/ok/skill.yaml": GOOD,
    }
    repo = configured_repo(tmp_path / "repo", hook_repo, files, "policy-check", "policy-commit-msg-range")
    base = _head(repo)
    long = "a subject line far longer than the thirty characters allowed"
    assert _commit(repo, {"skills/worse/skill.yaml": WORSE}, "--no-verify", "-m", long).returncode == 0
    head = _head(repo)
    write_files(repo, {"skills/worse/skill.yaml": GOOD})  # the working tree does not count

    checked = pre_commit(repo, pre_commit_home, "run", "policy-check", "--from-ref", base, "--to-ref", head)
    messages = pre_commit(
        repo,
        pre_commit_home,
        "run",
        "--hook-stage",
        "manual",
        "policy-commit-msg-range",
        "--from-ref",
        base,
        "--to-ref",
        head,
    )

    assert checked.code == 1, checked.output
    assert "skills/worse/skill.yaml" in checked.output and head[:12] in checked.output
    assert messages.code == 1, messages.output
    assert f"commit {head[:12]}" in messages.output
