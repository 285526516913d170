"""Sub-command usage errors and the ``packs`` commands, run as a user runs them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from packwarden.api import resolve
from packwarden.packs import builtin
from packwarden.packs.reader import read_pack
from tests.acceptance.conftest import Run, run_tool
from tests.support.gitrepo import make_repo

Cli = Callable[..., Run]

BAD_SKILL = "name: Bad Name\nversion: 1.0\n"  # three default@1.0 errors
GOOD_SKILL = "name: data.transform\nversion: 1.0.0\nstatus: active\n"
# A Betty profile with a key packwarden ignores (a pack warning, pack.meaningless at 10:3).
PROFILE = """\
policy:
  name: tiny
  version: 0.1.0
  enforcement: warning
  rules:
    - field: name
      pattern: '^[a-z]+$'
      message: name must be lowercase letters
      severity: error
  config:
    verbose: true
"""
PROFILE_WARNING = (
    "profile.yaml:10:3: warning pack.meaningless profile key 'config' has no meaning for packwarden; ignored"
)
STRICT_PACK = "meta: {key: strict-team, version: '1'}\nextends: [default@1.0]\nenforcement: {mode: block}\n"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository whose own config selects a strict pack with extra rules."""
    return make_repo(
        tmp_path / "repo",
        {
            ".packwarden/policy.yml": "pack: team-standard@1.0\nmode: block\n",
            "skills/bad/skill.yaml": BAD_SKILL,
            "skills/good/skill.yaml": GOOD_SKILL,
            "profile.yaml": PROFILE,
            "strict.yaml": STRICT_PACK,
        },
    )


# --- usage errors name the sub-command ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "usage"),
    [
        (["check", "--bogus"], "usage: packwarden check "),
        (["check", "--bogus", "skills/bad/skill.yaml"], "usage: packwarden check "),
        (["gate", "--bogus"], "usage: packwarden gate "),
        (["packs", "show", "default@1.0", "--bogus"], "usage: packwarden packs show "),
        (["packs", "test", "--bogus", "default@1.0", "x.yaml"], "usage: packwarden packs test "),
        (["effective", "--bogus"], "usage: packwarden effective "),
    ],
)
def test_an_unknown_option_prints_the_sub_commands_usage(cli: Cli, repo: Path, argv: list[str], usage: str) -> None:
    run = cli(repo, *argv)

    assert run.rc == 2
    assert run.err.startswith(usage), run.err
    assert "unrecognized arguments: --bogus" in run.err
    prog = usage.removeprefix("usage: ").rstrip()
    assert f"{prog}: error: unrecognized arguments: --bogus\n" in run.err


def test_policy_check_with_an_unknown_option_prints_checks_usage(repo: Path) -> None:
    done = run_tool(repo, "policy-check", "--bogus", "skills/bad/skill.yaml")

    assert done.returncode == 2
    assert done.stderr.startswith("usage: packwarden check ")
    assert "packwarden check: error: unrecognized arguments: --bogus" in done.stderr
    assert "COMMAND" not in done.stderr  # not the top-level usage


# --- packs list / show ------------------------------------------------------------------------------------


def test_packs_list_counts_every_rule_that_applies_and_the_packs_own(cli: Cli, tmp_path: Path) -> None:
    run = cli(tmp_path, "packs", "list")

    assert run.rc == 0
    lines = {line.split()[0]: line for line in run.out.splitlines()}
    assert sorted(lines) == sorted(builtin.builtin_refs())
    for ref, line in lines.items():
        _, raw = builtin.read_builtin(ref)
        own = len(read_pack(raw, ref).rules)
        total = len(resolve(cwd=tmp_path, pack=ref).rules)
        assert f" {total} rules ({own} own) " in line, line
    extending = [ref for ref in lines if "(extends " in lines[ref]]
    assert extending  # the built-in packs that extend another count more than their own rules
    for ref in extending:
        words = lines[ref].split()
        assert int(words[2]) > int(words[4].strip("(")), lines[ref]


def test_packs_show_prints_the_packs_warnings_with_their_locations(cli: Cli, repo: Path) -> None:
    run = cli(repo, "packs", "show", "profile.yaml", "--color", "never")

    assert run.rc == 0
    lines = run.out.splitlines()
    assert lines[0] == "packs: tiny@0.1.0"
    assert lines[-2:] == ["warnings (1):", f"{PROFILE_WARNING} (packwarden)"]
    assert lines.index("warnings (1):") > lines.index("rules (1):")


def test_packs_show_json_has_the_packs_warnings(cli: Cli, repo: Path) -> None:
    run = cli(repo, "packs", "show", "profile.yaml", "--json")

    assert run.rc == 0
    (warning,) = run.data()["warnings"]
    assert (warning["path"], warning["line"], warning["column"], warning["rule"]) == (
        "profile.yaml",
        10,
        3,
        "pack.meaningless",
    )


def test_packs_show_without_warnings_prints_no_warnings_heading(cli: Cli, repo: Path) -> None:
    run = cli(repo, "packs", "show", "default@1.0")

    assert run.rc == 0
    assert "warnings" not in run.out


# --- packs test -----------------------------------------------------------------------------------------


def test_packs_test_judges_the_pack_alone_not_the_repository_config(cli: Cli, repo: Path) -> None:
    check = cli(repo, "check", "skills/bad/skill.yaml")
    assert check.rc == 1  # the repository's own config: team-standard, strict
    assert any("team-standard@1.0" in line for line in check.out.splitlines())

    run = cli(repo, "packs", "test", "default@1.0", "skills/bad/skill.yaml")

    assert run.rc == 0  # default@1.0 is in warn mode
    assert run.prefixes() == [
        "skills/bad/skill.yaml:1:1: error skill.status-required",
        "skills/bad/skill.yaml:1:7: error skill.name-format",
        "skills/bad/skill.yaml:2:10: error skill.version-semver",
    ]
    assert "team-standard" not in run.out
    rules = len(resolve(cwd=repo, pack="default@1.0").rules)
    assert run.out.splitlines()[-3:] == [
        f"1 file · {rules} rules · 0 block · 3 error · 0 warning — passed (warn mode)",
        "in warn mode: exit 0 (0 blocking)",
        "in strict mode: exit 1 (3 blocking)",
    ]


def test_packs_test_exits_as_the_packs_own_mode_decides(cli: Cli, repo: Path) -> None:
    blocked = cli(repo, "packs", "test", "strict.yaml", "skills/bad/skill.yaml")
    clean = cli(repo, "packs", "test", "strict.yaml", "skills/good/skill.yaml")

    assert blocked.rc == 1
    assert "blocked by 3 finding(s) (strict mode)" in blocked.out
    assert blocked.out.splitlines()[-2:] == ["in warn mode: exit 0 (0 blocking)", "in strict mode: exit 1 (3 blocking)"]
    assert clean.rc == 0
    assert clean.out.splitlines()[-2:] == ["in warn mode: exit 0 (0 blocking)", "in strict mode: exit 0 (0 blocking)"]


def test_packs_test_prints_the_packs_warnings(cli: Cli, repo: Path) -> None:
    run = cli(repo, "packs", "test", "profile.yaml", "skills/bad/skill.yaml")

    assert run.rc == 0  # enforcement: warning
    assert f"{PROFILE_WARNING} (packwarden)" in run.out.splitlines()
    assert "skills/bad/skill.yaml:1:7: error tiny.name-must-be-lowercase-letters" in run.prefixes()
    assert run.out.splitlines()[-2:] == ["in warn mode: exit 0 (0 blocking)", "in strict mode: exit 1 (1 blocking)"]


def test_packs_test_of_a_directory_checks_its_files(cli: Cli, repo: Path) -> None:
    run = cli(repo, "packs", "test", "default@1.0", "skills")

    assert run.rc == 0
    assert "2 files · " in run.out


@pytest.mark.parametrize(
    "files",
    [["missing.yaml"], ["skills/bad/skill.yaml", "skills/nope/skill.yaml"]],
)
def test_packs_test_of_a_file_that_does_not_exist_is_an_error_naming_it(cli: Cli, repo: Path, files: list[str]) -> None:
    run = cli(repo, "packs", "test", "default@1.0", *files)

    assert run.rc == 2
    assert run.out == ""
    missing = [name for name in files if not (repo / name).exists()]
    assert run.err == f"packwarden: error: {missing[0]}: no such file or directory\n"  # as check says it


def test_packs_test_with_a_broken_pack_exits_2(cli: Cli, repo: Path) -> None:
    broken = "meta: {key: b, version: '1'}\nrules:\n  - {id: x, field: name, severity: fatal}\n"
    (repo / "broken.yaml").write_text(broken, encoding="utf-8")

    run = cli(repo, "packs", "test", "broken.yaml", "skills/bad/skill.yaml")

    assert run.rc == 2
    run.assert_no_crash()
    assert "nothing was checked" in run.err
