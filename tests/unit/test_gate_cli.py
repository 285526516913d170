"""``packwarden gate`` and the hook's own entry (``python -c`` in .pre-commit-hooks.yaml)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from packwarden.cli.main import main
from tests.support.gitrepo import git_env, make_repo, stage, write_files

GOOD = "name: good.skill\nversion: 1.0.0\nstatus: draft\n"
BAD = "name: Bad Name\nversion: 1.0.0\nstatus: draft\n"
HOOK_ENTRY = "from packwarden.cli.gate import main; raise SystemExit(main())"
MESSAGE = ".git/COMMIT_EDITMSG"


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = make_repo(tmp_path / "repo", {"skills/a/skill.yaml": GOOD})
    (root / MESSAGE).write_text("A change\n")
    monkeypatch.chdir(root)
    return root


def gate(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["gate", *args])
    out, err = capsys.readouterr()
    return code, out, err


def hook(repo: Path, *args: str, cwd: Path | None = None, measured: bool = True) -> subprocess.CompletedProcess[str]:
    """The hook as pre-commit starts it, with the import tree on standard error. ``measured``:
    with coverage's start-up hook, when the tests run under coverage (it imports modules too)."""
    env = git_env()
    if not measured:
        env = {name: value for name, value in env.items() if not name.startswith(("COV_CORE_", "COVERAGE_"))}
    return subprocess.run(
        [sys.executable, "-X", "importtime", "-c", HOOK_ENTRY, *args],
        cwd=cwd or repo,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_warn_mode_errors_pass_the_gate_silently(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stage(repo, {"skills/b/skill.yaml": BAD})

    assert gate(capsys, MESSAGE) == (0, "", "")


def test_strict_mode_blocks_and_prints_only_what_blocks(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stage(repo, {"skills/b/skill.yaml": BAD, "skills/c/skill.yaml": GOOD.replace("draft", "drafty")})

    code, out, _ = gate(capsys, "--strict", "--color", "never", MESSAGE)

    lines = out.splitlines()
    assert code == 1
    assert [line.split(" ")[0] for line in lines if not line.startswith(" ")][:-2] == [
        "skills/b/skill.yaml:1:7:",
        "skills/c/skill.yaml:3:9:",
    ]
    assert lines[-2] == "packwarden gate: commit blocked by 2 finding(s) in the staged files (strict mode)"
    assert lines[-1] == f"packwarden gate: your message is kept; to commit with it again: git commit -e -F {MESSAGE}"


def test_the_command_also_answers_from_the_memo(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stage(repo, {"skills/b/skill.yaml": BAD})
    main(["check", "skills/b/skill.yaml"])
    write_files(repo, {"skills/b/skill.yaml": GOOD})  # the memo knows the staged bytes; disk differs

    assert gate(capsys, MESSAGE) == (0, "", "")


def test_a_policy_that_fails_to_evaluate_exits_2(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    slow = "meta: {key: slow, version: '1'}\nrules:\n  - {id: slow.name, field: name, pattern: '(a|aa)+\\1c'}\n"
    stage(repo, {"slow.yaml": slow, "skills/b/skill.yaml": f"name: {'a' * 64}\n"})

    code, out, _ = gate(capsys, "--pack", "slow.yaml", MESSAGE)

    assert code == 2
    assert out.startswith("slow.yaml:3:5: error pack.regex-timeout")
    assert out.splitlines()[-2] == "packwarden gate: the policy itself is broken; commit blocked"


def test_outside_git_the_gate_is_an_input_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    (tmp_path / "message").write_text("A change\n")

    code, _, err = gate(capsys, "message")

    assert code == 2
    assert err.startswith("packwarden: error: not a git repository: ")  # item 18: said plainly
    assert "--output" not in err


def test_right_after_policy_check_the_hook_answers_without_the_checker(repo: Path) -> None:
    stage(repo, {"skills/b/skill.yaml": GOOD.replace("good", "b")})
    main(["check", "--strict", "skills/b/skill.yaml"])

    done = hook(repo, "--strict", MESSAGE, measured=False)

    assert done.returncode == 0
    assert done.stdout == ""
    imported = [line.split("|")[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")]
    assert "packwarden.cache.gate" in imported
    assert not [name for name in imported if name in ("packwarden.api", "argparse", "re", "subprocess")]


def test_what_policy_check_did_not_see_is_checked_in_full(repo: Path) -> None:
    stage(repo, {"skills/b/skill.yaml": GOOD.replace("good", "b")})
    main(["check", "--strict", "skills/b/skill.yaml"])
    stage(repo, {"skills/b/skill.yaml": BAD})  # staged again after the check

    done = hook(repo, "--strict", MESSAGE)

    assert done.returncode == 1
    assert done.stdout.startswith("skills/b/skill.yaml:1:7: error skill.name-format")


@pytest.mark.parametrize("args", [["--help"], ["--color", "never", "--strict", MESSAGE], ["two", "messages"]])
def test_other_arguments_go_to_the_full_command(repo: Path, args: list[str]) -> None:
    stage(repo, {"skills/b/skill.yaml": BAD})

    done = hook(repo, *args)

    assert done.returncode == {"--help": 0, "--color": 1, "two": 2}[args[0]]
    assert ("usage: packwarden gate" in done.stdout) == (args == ["--help"])


def test_from_below_the_top_the_full_check_decides(repo: Path) -> None:
    stage(repo, {"skills/b/skill.yaml": BAD})
    main(["check", "--strict", "skills/b/skill.yaml"])

    done = hook(repo, "--strict", f"../{MESSAGE}", cwd=repo / "skills")

    assert done.returncode == 1
    assert "packwarden.api" in done.stderr  # not answered from the memo


def test_the_message_file_is_read_and_one_that_is_missing_is_an_input_error(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["check", "skills/a/skill.yaml"])  # a memo that would pass

    assert gate(capsys, "no-such-message") == (
        2,
        "",
        "packwarden: error: no-such-message: no such file (the commit message file)\n",
    )
    done = hook(repo, "no-such-message")  # the hook's memo answer never passes over it
    assert done.returncode == 2
    assert "no such file (the commit message file)" in done.stderr


def test_a_message_fifo_is_refused_not_waited_on(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    os.mkfifo(repo / "message-fifo")

    code, out, err = gate(capsys, "message-fifo")

    assert (code, out) == (2, "")
    assert "message-fifo: is not a regular file" in err
    done = hook(repo, "message-fifo")
    assert done.returncode == 2


def test_a_strict_gate_answers_from_what_a_check_without_strict_found(repo: Path) -> None:
    """``policy-check`` with no arguments, the gate with ``--strict`` (a common configuration):
    the memo's raw findings are decided in strict mode, without checking again."""
    stage(repo, {"skills/b/skill.yaml": BAD})
    main(["check", "skills/b/skill.yaml"])  # warn mode: passes, leaves the memo

    blocked = hook(repo, "--strict", MESSAGE, measured=False)
    assert blocked.returncode == 1  # strict: the error blocks (printed by the full check)

    stage(repo, {"skills/b/skill.yaml": GOOD.replace("good", "b")})
    main(["check", "skills/b/skill.yaml"])
    passed = hook(repo, "--strict", MESSAGE, measured=False)
    assert passed.returncode == 0
    imported = [line.split("|")[-1].strip() for line in passed.stderr.splitlines() if line.startswith("import time:")]
    assert "packwarden.api" not in imported  # answered from the memo
