"""The command line, called in-process: parse, run, render, exit code."""

from __future__ import annotations

import importlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import packwarden
from packwarden.cli import errors as cli_errors
from packwarden.cli.main import COMMANDS, build_parser, main
from packwarden.cli.options import use_color
from packwarden.cli.policy_check import main as policy_check
from tests.support.gitrepo import git, make_repo

GOOD = "name: data.transform\nversion: 1.0.0\nstatus: active\n"
BAD_NAME = "name: Data Transform\nversion: 1.0.0\nstatus: active\n"


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = make_repo(
        tmp_path / "repo",
        {
            "skills/good/skill.yaml": GOOD,
            "skills/bad/skill.yaml": BAD_NAME,
            "README.md": "# readme\n",
        },
    )
    monkeypatch.chdir(root)
    return root


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# --- the parser ----------------------------------------------------------------------------------


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--version")
    assert code == 0
    assert out == f"packwarden {packwarden.__version__}\n"


def test_help_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--help")
    assert code == 0
    for name in COMMANDS:
        assert name in out


@pytest.mark.parametrize("argv", [["nosuch"], [], ["check", "--format", "xml"], ["packs"], ["explain"]])
def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert "usage:" in err


def test_every_command_has_a_module_with_arguments_and_a_run_function() -> None:
    assert build_parser().prog == "packwarden"
    for name, (module_name, summary) in COMMANDS.items():
        module = importlib.import_module(module_name)
        assert callable(module.add_arguments), name
        assert callable(module.run), name
        assert summary


def test_main_reads_sys_argv_by_default(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(sys, "argv", ["packwarden", "--version"])
    assert main() == 0
    assert capsys.readouterr().out.startswith("packwarden ")


def test_python_dash_m_runs_the_cli() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "packwarden", "--version"], capture_output=True, text=True, check=False, timeout=60
    )
    assert done.returncode == 0
    assert done.stdout == f"packwarden {packwarden.__version__}\n"


# --- check -----------------------------------------------------------------------------------------


def test_check_reports_findings_and_passes_in_warn_mode(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "check", "--color", "never")
    assert code == 0
    assert out.splitlines() == [
        "skills/bad/skill.yaml:1:7: error skill.name-format name 'Data Transform' must be lowercase words joined "
        "by dots (default@1.0)",
        "    fix: rename it in lowercase with dots for namespaces, e.g. 'data.transform'",
        "2 files · 14 rules · 0 block · 1 error · 0 warning — passed (warn mode)",
    ]


def test_check_strict_blocks(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "check", "--strict", "skills/bad/skill.yaml")
    assert code == 1
    assert (
        out.splitlines()[-1]
        == "1 file · 14 rules · 0 block · 1 error · 0 warning — blocked by 1 finding(s) (strict mode)"
    )


def test_check_a_clean_path(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "check", "--strict", "skills/good")
    assert code == 0
    assert out == "1 file · 14 rules · 0 block · 0 error · 0 warning — passed (strict mode)\n"


def test_check_json(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "check", "--format", "json", "--all-files")
    assert code == 0
    data = json.loads(out)
    assert [(f["rule"], f["path"], f["line"], f["column"]) for f in data["findings"]] == [
        ("skill.name-format", "skills/bad/skill.yaml", 1, 7)
    ]
    assert data["summary"]["files"] == 2
    assert data["summary"]["exit_code"] == 0
    assert data["policy"]["packs"] == ["default@1.0"]


def test_check_colour_always_writes_ansi(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "check", "--color", "always", "skills/bad/skill.yaml")
    assert code == 0
    assert "\x1b[" in out
    assert "skill.name-format" in out


def test_check_staged_reads_the_index(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "skills" / "good" / "skill.yaml").write_text(BAD_NAME, encoding="utf-8")  # not staged
    (repo / "skills" / "new").mkdir()
    (repo / "skills" / "new" / "skill.yaml").write_text("name: New Thing\nversion: '1'\nstatus: draft\n")
    git(repo, "add", "skills/new/skill.yaml")
    code, out, _ = run(capsys, "check", "--staged", "--strict")
    assert code == 1
    paths = {line.split(":")[0] for line in out.splitlines() if line.startswith("skills/")}
    assert paths == {"skills/new/skill.yaml"}


def test_check_a_path_outside_the_repository(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo.parent / "elsewhere").mkdir()
    (repo.parent / "elsewhere" / "skill.yaml").write_text("name: x\n", encoding="utf-8")
    code, out, _ = run(capsys, "check", "--format", "json", "../elsewhere/skill.yaml")
    data = json.loads(out)
    assert code == 0
    assert [(f["rule"], f["path"]) for f in data["findings"]] == [("path.outside-repo", "../elsewhere/skill.yaml")]


def test_check_with_a_repository_config(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / ".packwarden").mkdir()
    (repo / ".packwarden" / "policy.yml").write_text(
        "mode: block\noverrides: {severities: {skill.name-format: warning}}\n"
    )
    code, out, _ = run(capsys, "check", "skills")
    assert code == 0
    assert "warning skill.name-format" in out
    assert out.splitlines()[-1].endswith("passed (strict mode)")


def test_check_with_an_invalid_config_exits_2_and_shows_where(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / ".packwarden").mkdir()
    (repo / ".packwarden" / "policy.yml").write_text("mode: warn\nmood: happy\n")
    code, out, err = run(capsys, "check")
    assert code == 2
    assert out.startswith(".packwarden/policy.yml:2:1: error config.invalid mood: unknown key (packwarden)")
    assert "the policy is invalid (1 error(s)); nothing was checked" in err


def test_check_with_an_unknown_pack_exits_2(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "check", "--pack", "nosuch@1")
    assert code == 2
    assert out == ""
    assert err.startswith("packwarden: error: no built-in pack 'nosuch@1'")


def test_check_outside_git_uses_the_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "skill.yaml").write_text(BAD_NAME, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(capsys, "check", "--strict")
    assert code == 1
    assert out.startswith("s/skill.yaml:1:7: error skill.name-format")


@pytest.mark.parametrize(
    "args",
    [
        ["--strict", "skills/bad/skill.yaml"],  # read by hand
        ["--pack=default@1.0", "skills/bad/skill.yaml", "skills/good/skill.yaml"],  # read by hand
        ["--color", "never", "skills/bad/skill.yaml"],  # through argparse
    ],
)
def test_policy_check_is_check(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    expected = run(capsys, "check", *args)
    monkeypatch.setattr(sys, "argv", ["policy-check", *args])

    assert (policy_check(), *capsys.readouterr()) == expected


def test_policy_check_without_argparse_has_argparses_defaults() -> None:
    from packwarden.cli.check import DEFAULTS

    parsed = vars(build_parser("check").parse_args(["check"]))
    del parsed["command"]

    assert parsed == DEFAULTS


def test_policy_check_with_a_bad_argument_is_a_usage_error(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "argv", ["policy-check", "--frobnicate", "skills/bad/skill.yaml"])

    assert policy_check() == 2
    assert "unrecognized arguments: --frobnicate" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["a.yaml", "b.yaml"], (["a.yaml", "b.yaml"], None, False)),
        (["--strict", "a.yaml"], (["a.yaml"], None, True)),
        (["--pack", "team@1", "m"], (["m"], "team@1", False)),
        (["--pack=team@1", "--strict"], ([], "team@1", True)),
        ([], ([], None, False)),
        (["--pack"], None),
        (["--help"], None),
        (["--color=never", "a.yaml"], None),
        (["-"], None),
    ],
)
def test_hook_arguments_are_read_by_hand_or_left_to_argparse(
    argv: list[str], expected: tuple[list[str], str | None, bool] | None
) -> None:
    from packwarden.cli.hookargs import read_hook_arguments

    assert read_hook_arguments(argv) == expected


# --- packs -------------------------------------------------------------------------------------------


def test_packs_list(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "packs", "list")
    assert code == 0
    (line,) = [line for line in out.splitlines() if line.startswith("default@1.0 ")]
    assert line.split()[:6] == ["default@1.0", "active", "14", "rules", "(14", "own)"]
    assert "Skill and agent manifest basics." in line


def test_packs_show_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "packs", "show", "default@1.0", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["packs"] == ["default@1.0"]
    assert len(data["rules"]) == 14
    assert data["hash"] == f"sha256:{packwarden.resolve(pack='default@1.0').sha256}"
    assert data["origins"]["rule:skill.name-format"] == "pack default@1.0 (built-in)"


def test_packs_show_text_explains_origins(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "packs", "show", "default")
    assert code == 0
    assert out.startswith("packs: default@1.0\n")
    assert "defined by pack default@1.0 (built-in)" in out


def test_packs_diff(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "team.yaml").write_text(
        "meta: {key: team, version: '1'}\nextends: [default@1.0]\nenforcement: {mode: block, severities: "
        "{skill.name-format: block}}\nrules:\n  - {id: team.desc, field: description, required: true}\n"
    )
    code, out, _ = run(capsys, "packs", "diff", "default@1.0", "team.yaml")
    assert code == 0
    assert out.splitlines() == [
        "--- default@1.0",
        "+++ team@1",
        "~ mode: warn -> block",
        "~ skill.name-format: severity error -> block",
        "+ team.desc (error) description: required",
    ]


def test_packs_test_prints_both_verdicts(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "packs", "test", "default@1.0", "skills/bad/skill.yaml")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("skills/bad/skill.yaml:1:7: error skill.name-format")
    assert lines[-2:] == ["in warn mode: exit 0 (0 blocking)", "in strict mode: exit 1 (1 blocking)"]


def test_packs_test_with_a_pack_that_times_out_exits_2(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "slow.yaml").write_text(
        "meta: {key: slow, version: '1'}\nrules:\n  - {id: slow.name, field: name, pattern: '(a|aa)+\\1c'}\n"
    )
    (repo / "skills" / "bad" / "skill.yaml").write_text(f"name: {'a' * 64}\n")
    code, out, _ = run(capsys, "packs", "test", "slow.yaml", "skills/bad/skill.yaml")
    assert code == 2
    assert "slow.yaml:3:5: error pack.regex-timeout rule slow.name: pattern timed out on skills/bad/skill.yaml" in out
    assert "in warn mode: exit 2 (0 blocking)" in out


def test_packs_show_a_broken_pack_exits_2_with_located_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "broken.yaml").write_text(
        "meta: {key: b, version: '1'}\nrules:\n  - {id: x, field: name, severity: fatal}\n"
    )
    code, out, err = run(capsys, "packs", "show", "broken.yaml")
    assert code == 2
    assert out.startswith("broken.yaml:3:")
    assert "error pack.invalid rules.0.severity" in out
    assert "nothing was checked" in err


# --- explain, effective --------------------------------------------------------------------------------


def test_explain_a_rule(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "explain", "skill.name-format")
    assert code == 0
    assert out.startswith("skill.name-format  error · default@1.0 · applies to skill\n")
    assert "A skill name is lowercase letters and digits, with dots for namespaces." in out
    assert "why it matters:" in out
    assert "bad:\n    name: Data Transform\n" in out
    assert "good:\n    name: data.transform\n" in out


def test_explain_a_builtin_rule_and_a_check(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "explain", "parse.yaml-anchor")[1].startswith("parse.yaml-anchor  error · built into packwarden")
    assert run(capsys, "explain", "allowed_values")[1].startswith("allowed_values  check kind\n")


def test_explain_an_unknown_rule_suggests_close_ids(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "explain", "skill.name-formt")
    assert code == 2
    assert out == ""
    assert err.startswith(
        "packwarden: error: no rule 'skill.name-formt' in the effective policy; did you mean skill.name-format"
    )
    assert err.endswith("?\n")


def test_explain_nosuch_exits_2_and_points_at_effective(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "explain", "nosuch")
    assert code == 2
    assert "no rule 'nosuch' in the effective policy" in err
    assert "`packwarden effective` lists the rules" in err


def test_effective_explain(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "effective", "--explain")
    assert code == 0
    assert "mode: warn  (set by pack default@1.0 (built-in))" in out
    assert "defined by pack default@1.0 (built-in)" in out


def test_effective_strict_explain(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        "mode: block (strict)  (set by command line --strict)" in run(capsys, "effective", "--strict", "--explain")[1]
    )


def test_effective_json(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "effective", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["hash"] == f"sha256:{packwarden.resolve().sha256}"
    assert data["mode"] == "warn"
    assert data["origins"]["mode"] == "pack default@1.0 (built-in)"


def test_effective_staged_reads_the_config_from_the_index(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / ".packwarden").mkdir()
    config = repo / ".packwarden" / "policy.yml"
    config.write_text("mode: block\n")
    git(repo, "add", ".packwarden/policy.yml")
    config.write_text("mode: warn\n")
    assert json.loads(run(capsys, "effective", "--json", "--staged")[1])["mode"] == "block"
    assert json.loads(run(capsys, "effective", "--json")[1])["mode"] == "warn"


def test_check_staged_outside_git_is_an_input_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "check", "--staged")
    assert code == 2
    assert out == ""
    assert err.startswith("packwarden: error: not a git repository: ")  # one plain line, no traceback
    assert err.count("\n") == 1


def test_check_staged_all_files_reads_the_whole_index(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "skills" / "bad" / "skill.yaml").write_text(GOOD, encoding="utf-8")  # fixed, but not staged
    code, out, _ = run(capsys, "check", "--staged", "--all-files", "--strict", "--no-cache")
    assert code == 1
    assert out.startswith("skills/bad/skill.yaml:1:7: error skill.name-format")


# --- cache -------------------------------------------------------------------------------------------------


def test_cache_dir_and_clear(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = Path(os.environ["PACKWARDEN_HOME"]) / "cache"
    assert run(capsys, "cache", "dir") == (0, f"{folder}\n", "")
    assert run(capsys, "cache", "clear") == (0, f"nothing to remove at {folder}\n", "")
    run(capsys, "check")
    assert folder.is_dir()
    assert run(capsys, "cache", "clear") == (0, f"removed {folder}\n", "")
    assert not folder.exists()


def test_check_without_the_cache_writes_no_results(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, _ = run(capsys, "check", "--no-cache", "--jobs", "1")
    assert code == 0
    from packwarden.cache.results import FILE_NAME

    assert not (Path(os.environ["PACKWARDEN_HOME"]) / "cache" / FILE_NAME).exists()


# --- internal errors --------------------------------------------------------------------------------------


def test_an_unexpected_exception_exits_3_with_a_crash_log(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import packwarden.api

    def explode(**_: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(packwarden.api, "resolve", explode)  # a fault the real code cannot be made to raise
    log = Path(os.environ["PACKWARDEN_HOME"]) / "crash.log"
    assert Path(cli_errors.crash_log_path()) == log
    assert not log.exists()
    code, out, err = run(capsys, "effective", "--json")
    assert code == 3
    assert out == ""
    assert err == f"packwarden: internal error: RuntimeError: boom; details in {log}\n"
    text = log.read_text(encoding="utf-8")
    assert text.startswith(f"packwarden {packwarden.__version__}\npython ")
    assert "argv: ['effective', '--json']" in text
    assert f"cwd: {repo}" in text
    assert "Traceback (most recent call last):" in text
    assert "RuntimeError: boom" in text


def test_a_crash_log_that_cannot_be_written_is_left_out_of_the_message(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import packwarden.api

    blocker = tmp_path / "not-a-dir"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv("PACKWARDEN_HOME", str(blocker / "home"))

    def explode(**_: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(packwarden.api, "resolve", explode)
    code, _, err = run(capsys, "effective")
    assert code == 3
    assert err == "packwarden: internal error: RuntimeError: boom\n"


def test_the_crash_log_defaults_to_the_user_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    from platformdirs import user_cache_dir

    monkeypatch.delenv("PACKWARDEN_HOME")
    assert Path(cli_errors.crash_log_path()) == Path(user_cache_dir("packwarden")) / "crash.log"


def test_interrupt_exits_130(capsys: pytest.CaptureFixture[str]) -> None:
    def interrupted() -> int:
        raise KeyboardInterrupt

    assert cli_errors.guarded(interrupted, [], color=False) == 130


# --- output nobody reads ------------------------------------------------------------------------------


class _Gone(io.StringIO):
    """A stream whose reader left (EPIPE) or whose descriptor is closed (EBADF) after ``room`` characters."""

    def __init__(self, error: OSError, room: int = 0) -> None:
        super().__init__()
        self.error = error
        self.room = room

    def write(self, text: str) -> int:
        if self.tell() + len(text) > self.room:
            raise self.error
        return super().write(text)


@pytest.mark.parametrize("error", [BrokenPipeError(32, "Broken pipe"), OSError(9, "Bad file descriptor")])
@pytest.mark.parametrize(
    ("argv", "verdict"), [(["check"], 0), (["check", "--strict"], 1), (["check", "--format", "json"], 0)]
)
def test_output_that_cannot_be_written_keeps_the_verdict(
    repo: Path, monkeypatch: pytest.MonkeyPatch, error: OSError, argv: list[str], verdict: int
) -> None:
    gone = _Gone(error, room=10)
    monkeypatch.setattr(sys, "stdout", gone)

    assert main(argv) == verdict
    assert sys.stdout is gone  # the command's own stream is given back
    assert len(gone.getvalue()) <= 10


def test_guarded_drops_output_after_a_lost_reader_and_gives_stdout_back(monkeypatch: pytest.MonkeyPatch) -> None:
    gone = _Gone(BrokenPipeError(32, "Broken pipe"))
    monkeypatch.setattr(sys, "stdout", gone)
    written: list[bool] = []

    def command() -> int:
        print("first")
        written.append(isinstance(sys.stdout, cli_errors.Output) and sys.stdout.lost)
        print("second")
        return 1

    assert cli_errors.guarded(command, [], color=False) == 1
    assert written == [True]
    assert sys.stdout is gone


def test_guarded_without_stdout_runs_the_command(monkeypatch: pytest.MonkeyPatch) -> None:
    """``packwarden check >&-``: Python starts with sys.stdout None."""
    monkeypatch.setattr(sys, "stdout", None)

    def command() -> int:
        print("nobody reads this")
        sys.stdout.write("nor this")
        assert not sys.stdout.isatty()
        return 0

    assert cli_errors.guarded(command, [], color=False) == 0
    assert sys.stdout is None


def test_an_output_error_other_than_a_lost_reader_is_an_internal_error(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    full = _Gone(OSError(28, "No space left on device"))

    def command() -> int:
        sys.stdout.write("x" * 10)
        return 0

    monkeypatch.setattr(sys, "stdout", full)
    assert cli_errors.guarded(command, [], color=False) == 3
    assert "internal error: OSError: [Errno 28] No space left on device" in capsys.readouterr().err


def test_git_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    from packwarden.model.errors import GitError

    def failing() -> int:
        raise GitError("git ls-files failed: fatal")

    assert cli_errors.guarded(failing, [], color=False) == 2
    assert capsys.readouterr().err == "packwarden: error: git ls-files failed: fatal\n"


# --- colour ------------------------------------------------------------------------------------------------


class _Stream(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self._tty = tty

    def isatty(self) -> bool:
        return self._tty


def test_use_color(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TERM", raising=False)
    assert use_color("always", _Stream(False)) is True
    assert use_color("never", _Stream(True)) is False
    assert use_color("auto", _Stream(True)) is True
    assert use_color("auto", _Stream(False)) is False
    monkeypatch.setenv("NO_COLOR", "1")
    assert use_color("auto", _Stream(True)) is False
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.setenv("TERM", "dumb")
    assert use_color("auto", _Stream(True)) is False
    monkeypatch.delenv("TERM")
    assert use_color("auto", None) is False  # stdout closed before the process started
    assert use_color("always", None) is True


def test_without_a_command_no_command_module_is_imported() -> None:
    """``--version`` and the top-level help list commands from the table, not from their modules."""
    script = (
        "import sys\n"
        "from packwarden.cli.main import COMMANDS, main\n"
        "main(['--version'])\n"
        "print(sorted(m for m, _ in COMMANDS.values() if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    assert out.splitlines() == [f"packwarden {packwarden.__version__}", "[]"]


def test_the_top_level_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--help")
    words = " ".join(out.split())  # summaries may wrap
    assert code == 0
    assert all(f"{name} {summary}" in words for name, (_, summary) in COMMANDS.items())
