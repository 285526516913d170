"""Output that cannot be written as asked: a reader that leaves, no stdout, file names that are
not UTF-8. The verdict's exit code survives, and nothing crashes or prints a traceback."""

from __future__ import annotations

import base64
import json
import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.acceptance.conftest import BIN, Run, tool_env
from tests.support.gitrepo import git, make_repo

Cli = Callable[..., Run]

BAD_SKILL = "name: Bad Name\nversion: 1.0\n"  # three error findings: passes in warn mode, blocks in strict
BAD_NAME = b"bad\xff/skill.yaml"  # a directory name that is not UTF-8
SHOWN = "bad\\xff/skill.yaml"  # how packwarden writes it: the byte as the four characters \xff


@pytest.fixture(scope="module")
def many_findings(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Enough findings (~300 kB of JSON) that the output cannot fit in a pipe's buffer."""
    root = tmp_path_factory.mktemp("many") / "repo"
    return make_repo(root, {f"skills/s{i:03}/skill.yaml": BAD_SKILL for i in range(300)})


@pytest.fixture
def bad_name_repo(tmp_path: Path) -> Path:
    # os.fsdecode gives the str that pathlib, git and packwarden turn back into exactly these bytes
    return make_repo(tmp_path / "repo", {os.fsdecode(BAD_NAME): BAD_SKILL, "skills/ok/skill.yaml": BAD_SKILL})


def _packwarden(
    repo: Path, *args: str, stdout: int | None = subprocess.PIPE, **env: str
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [str(BIN / "packwarden"), *args],
        cwd=repo,
        env=tool_env(**env),
        stdout=stdout,
        stderr=subprocess.PIPE,
        check=False,
        timeout=120,
    )


def _assert_quiet(stderr: bytes) -> None:
    """Nothing on stderr, or one short line; never a traceback or the interpreter's complaint."""
    text = stderr.decode("utf-8", "replace")
    assert "Traceback" not in text
    assert "Exception ignored" not in text
    assert "internal error" not in text
    assert len(text.splitlines()) <= 1, text


# --- a reader that leaves, no stdout -------------------------------------------------------------------


@pytest.mark.parametrize(("strict", "verdict"), [((), 0), (("--strict",), 1)])
@pytest.mark.parametrize("output", ["text", "json"])
def test_a_broken_pipe_keeps_the_verdicts_exit_code(
    many_findings: Path, strict: tuple[str, ...], verdict: int, output: str
) -> None:
    # A pipe whose reading end is closed before packwarden starts: every write fails with EPIPE.
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        done = _packwarden(many_findings, "check", "--all-files", "--format", output, *strict, stdout=write_end)
    finally:
        os.close(write_end)

    assert done.returncode == verdict
    _assert_quiet(done.stderr)


def _shell(cwd: Path, shell: str, script: str, *args: str) -> subprocess.CompletedProcess[bytes]:
    """``script`` run by a real shell in ``cwd``, as a user's terminal or CI job runs it."""
    return subprocess.run(
        [shell, "-c", script, *args], cwd=cwd, env=tool_env(), capture_output=True, check=False, timeout=120
    )


@pytest.mark.parametrize(("strict", "verdict"), [("", 0), ("--strict", 1)])
def test_check_piped_into_head_keeps_the_verdicts_exit_code(many_findings: Path, strict: str, verdict: int) -> None:
    script = f'"$0" check --all-files --format json {strict} | head -c1 >/dev/null; exit "${{PIPESTATUS[0]}}"'
    done = _shell(many_findings, "bash", script, str(BIN / "packwarden"))

    assert done.returncode == verdict
    _assert_quiet(done.stderr)


@pytest.mark.parametrize(("strict", "verdict"), [("", 0), ("--strict", 1)])
@pytest.mark.parametrize("command", ["packwarden check --all-files", "policy-check skills/s000/skill.yaml"])
def test_a_closed_stdout_keeps_the_verdicts_exit_code(
    many_findings: Path, command: str, strict: str, verdict: int
) -> None:
    done = _shell(many_findings, "sh", f'exec "{BIN}"/{command} {strict} >&-')

    assert done.returncode == verdict
    _assert_quiet(done.stderr)


def test_a_closed_stdout_on_a_usage_error_still_exits_2(many_findings: Path) -> None:
    done = _shell(many_findings, "sh", f'exec "{BIN}"/packwarden check --bogus >&-')

    assert done.returncode == 2
    assert b"unrecognized arguments: --bogus" in done.stderr
    assert b"Traceback" not in done.stderr


# --- file names that are not UTF-8 ---------------------------------------------------------------------


def test_json_with_a_non_utf8_file_name_is_valid_and_keeps_the_exact_bytes(cli: Cli, bad_name_repo: Path) -> None:
    run = cli(bad_name_repo, "check", "--all-files", "--format", "json")

    run.assert_no_crash()
    assert run.rc == 0
    run.out.encode("utf-8")  # no lone surrogate left: the text is valid Unicode
    findings = run.data()["findings"]
    bad = [f for f in findings if f["path"] == SHOWN]
    assert [f["rule"] for f in bad] == ["skill.status-required", "skill.name-format", "skill.version-semver"]
    for finding in bad:
        assert base64.b64decode(finding["path_bytes"], validate=True) == BAD_NAME
        assert list(finding)[:5] == ["rule", "severity", "message", "path", "path_bytes"]
    good = [f for f in findings if f["path"] == "skills/ok/skill.yaml"]
    assert good
    assert all("path_bytes" not in f for f in good)  # only names that are not UTF-8 carry it


@pytest.mark.parametrize("encoding", ["utf-8:strict", "utf-8:surrogateescape", "ascii:strict", "latin-1:strict"])
def test_json_with_a_non_utf8_file_name_is_utf8_whatever_the_output_encoding(
    bad_name_repo: Path, encoding: str
) -> None:
    """A UTF-8 locale (strict errors) used to crash with exit 3; a C.UTF-8 one wrote the raw byte."""
    done = _packwarden(bad_name_repo, "check", "--all-files", "--format", "json", PYTHONIOENCODING=encoding)

    assert done.returncode == 0, done.stderr
    _assert_quiet(done.stderr)
    assert done.stderr == b""
    data = json.loads(done.stdout.decode("utf-8"))  # strict: invalid UTF-8 raises
    paths = {(f["path"], f.get("path_bytes")) for f in data["findings"]}
    assert paths == {(SHOWN, base64.b64encode(BAD_NAME).decode()), ("skills/ok/skill.yaml", None)}


def test_json_of_a_staged_non_utf8_file_name(cli: Cli, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {"README.md": "# x\n"})
    (repo / os.fsdecode(b"bad\xff")).mkdir()
    (repo / os.fsdecode(BAD_NAME)).write_text(BAD_SKILL, encoding="utf-8")
    git(repo, "add", "-A")

    run = cli(repo, "check", "--staged", "--format", "json")

    run.assert_no_crash()
    assert {(f["path"], f["path_bytes"]) for f in run.data()["findings"]} == {
        (SHOWN, base64.b64encode(BAD_NAME).decode())
    }


@pytest.mark.parametrize("encoding", ["utf-8:strict", "utf-8:surrogateescape", "ascii:strict"])
def test_text_with_a_non_utf8_file_name_shows_the_byte_escaped(bad_name_repo: Path, encoding: str) -> None:
    done = _packwarden(bad_name_repo, "check", "--all-files", "--strict", PYTHONIOENCODING=encoding)

    assert done.returncode == 1
    assert done.stderr == b""
    lines = done.stdout.decode("utf-8").splitlines()  # strict: the raw byte would raise
    assert [line.split(" ")[0] for line in lines if line.startswith("bad")] == [
        f"{SHOWN}:1:1:",
        f"{SHOWN}:1:7:",
        f"{SHOWN}:2:10:",
    ]
    assert lines[-1].endswith("blocked by 6 finding(s) (strict mode)")


def test_text_in_process_with_a_non_utf8_file_name(cli: Cli, bad_name_repo: Path) -> None:
    run = cli(bad_name_repo, "check", "--all-files", "--color", "always")

    run.assert_no_crash()
    assert run.rc == 0
    run.out.encode("utf-8")
    assert SHOWN in run.out
