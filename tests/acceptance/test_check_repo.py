"""``packwarden check`` on the working tree of real git repositories."""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from packwarden.api import resolve
from tests.acceptance.conftest import BIN, Run, tool_env
from tests.support.gitrepo import git, make_repo

Cli = Callable[..., Run]

BAD_SKILL = "name: Bad Name\nversion: 1.0\n"
GOOD_SKILL = "name: data.transform\nversion: 1.0.0\nstatus: active\n"
BAD_FINDINGS = [
    "skills/x/skill.yaml:1:1: error skill.status-required",
    "skills/x/skill.yaml:1:7: error skill.name-format",
    "skills/x/skill.yaml:2:10: error skill.version-semver",
]
ANSI = "\x1b["


def _summary(run: Run) -> str:
    return run.out.rstrip("\n").splitlines()[-1]


@pytest.fixture
def bad_repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "repo", {"skills/x/skill.yaml": BAD_SKILL, "README.md": "# demo\n"})


# --- findings, locations, exit codes ---------------------------------------------------------------


def test_bad_skill_warn_mode_reports_exact_locations_and_passes(cli: Cli, bad_repo: Path) -> None:
    run = cli(bad_repo, "check")

    assert run.rc == 0
    assert run.prefixes() == BAD_FINDINGS
    assert (
        "skills/x/skill.yaml:1:7: error skill.name-format name 'Bad Name' must be lowercase words joined by dots"
        " (default@1.0)" in run.out.splitlines()
    )
    lines = run.out.splitlines()
    name_line = lines.index(next(line for line in lines if "skill.name-format" in line))
    assert lines[name_line + 1] == "    fix: rename it in lowercase with dots for namespaces, e.g. 'data.transform'"
    rules = len(resolve(cwd=bad_repo).rules)
    assert _summary(run) == f"1 file · {rules} rules · 0 block · 3 error · 0 warning — passed (warn mode)"
    assert run.err == ""


def test_bad_skill_strict_flag_blocks(cli: Cli, bad_repo: Path) -> None:
    run = cli(bad_repo, "check", "--strict")

    assert run.rc == 1
    assert run.prefixes() == BAD_FINDINGS
    assert _summary(run).endswith("· 0 block · 3 error · 0 warning — blocked by 3 finding(s) (strict mode)")


def test_bad_skill_blocks_when_repo_config_says_block(cli: Cli, bad_repo: Path) -> None:
    (bad_repo / ".packwarden").mkdir()
    (bad_repo / ".packwarden/policy.yml").write_text("pack: default@1.0\nmode: block\n")

    run = cli(bad_repo, "check", "--all-files")

    assert run.rc == 1
    assert run.prefixes() == BAD_FINDINGS
    assert "blocked by 3 finding(s) (strict mode)" in _summary(run)


def test_explicit_path_from_a_subdirectory_is_reported_from_the_root(cli: Cli, bad_repo: Path) -> None:
    run = cli(bad_repo / "skills", "check", "x/skill.yaml")

    assert run.rc == 0
    assert run.prefixes() == BAD_FINDINGS
    assert _summary(run).startswith("1 file · ")


def test_clean_skill_has_no_findings(cli: Cli, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {"skills/data.transform/skill.yaml": GOOD_SKILL})

    for args in (("check",), ("check", "--all-files", "--strict"), ("check", "skills/data.transform/skill.yaml")):
        run = cli(repo, *args)
        assert run.rc == 0, args
        assert run.prefixes() == []
        assert "fix:" not in run.out
        assert re.fullmatch(
            r"1 file · \d+ rules · 0 block · 0 error · 0 warning — passed \((warn|strict) mode\)", _summary(run)
        )


def test_non_manifest_files_are_not_checked(cli: Cli, bad_repo: Path) -> None:
    run = cli(bad_repo, "check", "README.md", "--strict")

    assert run.rc == 0
    assert run.prefixes() == []
    assert _summary(run).startswith("0 files · ")


# --- the repository config and packs: the tool's own inputs exit 2 ---------------------------------


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ("pack: default@1.0\nmode: strict-ish\n", ".packwarden/policy.yml:2:7: error config.invalid mode: "),
        ("pack: default@1.0\nmode: block: now\n", ".packwarden/policy.yml:2:12: error parse.syntax "),
        ("mode: &m block\n", ".packwarden/policy.yml:1:7: error parse.yaml-anchor "),
        ("pack: 12\n", ".packwarden/policy.yml:1:7: error config.invalid pack: "),
        ("overrides:\n  disable: [no.such-rule]\n", ".packwarden/policy.yml:2:13: error config.invalid cannot disable"),
        ("- just\n- a list\n", ".packwarden/policy.yml:1:1: error config.invalid "),
    ],
    ids=["bad-mode", "invalid-yaml", "anchor", "wrong-type", "disable-unknown-rule", "not-a-mapping"],
)
def test_broken_repo_config_exits_2_with_its_location(cli: Cli, bad_repo: Path, config: str, expected: str) -> None:
    (bad_repo / ".packwarden").mkdir()
    (bad_repo / ".packwarden/policy.yml").write_text(config)

    run = cli(bad_repo, "check", "--all-files")

    assert run.rc == 2
    assert run.out.startswith(expected), run.out
    assert "skill.name-format" not in run.out  # nothing was checked
    assert "the policy is invalid" in run.err
    run.assert_no_crash()


def test_unknown_key_in_repo_config_exits_2_naming_its_line(cli: Cli, bad_repo: Path) -> None:
    (bad_repo / ".packwarden").mkdir()
    (bad_repo / ".packwarden/policy.yml").write_text("mode: block\ncolour: red\n")

    run = cli(bad_repo, "check")

    assert run.rc == 2
    assert re.match(r"\.packwarden/policy\.yml:2:\d+: error config\.invalid colour: unknown key", run.out), run.out


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ("mode: block\ncolour: red\n", ".packwarden/policy.yml:2:1: error config.invalid colour: unknown key"),
        (
            "mode: block\noverrides:\n  colour:\n    a: 1\n",
            ".packwarden/policy.yml:3:3: error config.invalid overrides.colour: unknown key",
        ),
    ],
    ids=["inline-value", "block-value"],
)
def test_unknown_config_key_is_located_at_the_key(cli: Cli, bad_repo: Path, config: str, expected: str) -> None:
    (bad_repo / ".packwarden").mkdir()
    (bad_repo / ".packwarden/policy.yml").write_text(config)

    run = cli(bad_repo, "check")

    assert run.rc == 2
    assert run.out.splitlines()[0].startswith(expected), run.out


def test_oversized_repo_config_exits_2(cli: Cli, bad_repo: Path) -> None:
    (bad_repo / ".packwarden").mkdir()
    (bad_repo / ".packwarden/policy.yml").write_text("#" * 70_000 + "\n")

    run = cli(bad_repo, "check")

    assert run.rc == 2
    assert run.out.startswith(".packwarden/policy.yml:1:1: error config.invalid ")
    assert "the limit is 65536" in run.out


def test_unknown_builtin_pack_exits_2_with_a_clear_message(cli: Cli, bad_repo: Path) -> None:
    run = cli(bad_repo, "check", "--pack", "nope@9.9")

    assert run.rc == 2
    assert run.out == ""
    assert run.err.startswith("packwarden: error: no built-in pack 'nope@9.9' (built-in packs: ")
    assert "default@1.0" in run.err


def test_unknown_pack_selected_by_repo_config_exits_2(cli: Cli, bad_repo: Path) -> None:
    (bad_repo / ".packwarden").mkdir()
    (bad_repo / ".packwarden/policy.yml").write_text("pack: team-standard@7.0\n")

    run = cli(bad_repo, "check")

    assert run.rc == 2
    assert "no built-in pack 'team-standard@7.0'" in run.err


def test_missing_pack_file_exits_2(cli: Cli, bad_repo: Path) -> None:
    run = cli(bad_repo, "check", "--pack", "packs/missing.yaml")

    assert run.rc == 2
    assert run.err.startswith("packwarden: error: cannot read pack file packs/missing.yaml")


@pytest.mark.parametrize(
    ("pack", "expected", "fragment"),
    [
        (
            'meta: {key: broken, version: "1"}\nrules: [{id: a, severity: fatal}]\n',
            "packs/broken.yaml:2:27: error pack.invalid",
            "rules.0.severity: ",
        ),
        ("meta: {key: broken, version: '1'\n", "packs/broken.yaml:2:1: error parse.syntax", ""),
        (
            'meta: {key: broken, version: "1"}\nrules:\n  - {id: r, field: name, pattern: "(unclosed"}\n',
            "packs/broken.yaml:3:",  # the rule's line; the column is the rule's or the pattern's
            "invalid regular expression '(unclosed'",
        ),
        (
            'meta: {key: broken, version: "1"}\nenforcement: {mode: sometimes}\n',
            "packs/broken.yaml:2:21: error pack.invalid",
            "enforcement.mode: ",
        ),
        ("meta: {version: '1'}\n", "packs/broken.yaml:1:7: error pack.invalid", "meta.key: "),
    ],
    ids=["bad-severity", "invalid-yaml", "bad-regex", "bad-mode", "missing-key"],
)
def test_broken_pack_file_exits_2(cli: Cli, bad_repo: Path, pack: str, expected: str, fragment: str) -> None:
    (bad_repo / "packs").mkdir()
    (bad_repo / "packs/broken.yaml").write_text(pack)

    run = cli(bad_repo, "check", "--pack", "packs/broken.yaml")

    assert run.rc == 2
    assert run.out.startswith(expected), run.out
    assert fragment in run.out
    assert run.out.count(": error ") == 1
    assert "skill.name-format" not in run.out
    assert "the policy is invalid (1 error(s)); nothing was checked" in run.err
    run.assert_no_crash()


# --- hostile files ---------------------------------------------------------------------------------


def _billion_laughs() -> str:
    lines = ["name: lol", 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, 9):
        prev, cur = chr(ord("a") + level - 1), chr(ord("a") + level)
        lines.append(f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]")
    return "\n".join(lines) + "\n"


HOSTILE: dict[str, tuple[str | bytes, str, str]] = {
    # file content, expected first finding, a fragment of its message
    "billion-laughs": (_billion_laughs(), "skills/h/skill.yaml:2:4: error parse.yaml-anchor", "anchor &a"),
    "deep-flow": (
        "name: deep\nx: " + "[" * 100_000 + "]" * 100_000 + "\n",
        "skills/h/skill.yaml:2:67: error parse.too-deep",
        "nested deeper than 64 levels",
    ),
    "deep-block": (
        "name: deep\n" + "".join(" " * i + f"k{i}:\n" for i in range(100)),
        "skills/h/skill.yaml:",
        "nested deeper than 64 levels",
    ),
    "duplicate-key": (
        "name: a.b\nversion: 1.0.0\nstatus: draft\nname: c.d\n",
        "skills/h/skill.yaml:4:1: error parse.duplicate-key",
        "duplicate key 'name' (first at line 1)",
    ),
    "too-large": (
        "name: big\n# " + "x" * (2 * 1024 * 1024) + "\n",
        "skills/h/skill.yaml:1:1: error parse.too-large",
        "the limit is 1048576",
    ),
    "latin-1": (b"name: caf\xe9\nversion: 1.0.0\n", "skills/h/skill.yaml:1:10: error parse.encoding", "0xe9"),
    "python-tag": (
        "name: x.y\nhandler: !!python/name:os.system\n",
        "skills/h/skill.yaml:2:10: error parse.yaml-tag",
        "is not allowed",
    ),
    "two-documents": ("name: a.b\n---\nname: c.d\n", "skills/h/skill.yaml:2:1: error parse.multiple-documents", ""),
    "list-root": ("- name: a.b\n", "skills/h/skill.yaml:1:1: error parse.not-mapping", ""),
    "empty": ("", "skills/h/skill.yaml:1:1: error parse.not-mapping", ""),
    "huge-int": ("name: a.b\nsize: " + "9" * 5000 + "\n", "skills/h/skill.yaml:2:7: error parse.number", ""),
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_manifest_gives_one_located_parse_finding(cli: Cli, tmp_path: Path, case: str) -> None:
    content, expected, fragment = HOSTILE[case]
    repo = make_repo(tmp_path / "repo", {"skills/h/skill.yaml": content})

    run = cli(repo, "check", "--all-files")

    run.assert_no_crash()
    assert run.rc == 0  # warn mode
    assert len(run.prefixes()) == 1, run.out
    assert run.prefixes()[0].startswith(expected)
    assert fragment in run.out.splitlines()[0]
    assert "error" in run.prefixes()[0]
    strict = cli(repo, "check", "--all-files", "--strict")
    assert strict.rc == 1
    assert strict.prefixes() == run.prefixes()


def test_deep_block_document_is_refused_at_depth_64(cli: Cli, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {"skills/h/skill.yaml": HOSTILE["deep-block"][0]})

    run = cli(repo, "check")

    # key k63 (line 65) opens the 64th nested mapping on line 66, column 65
    assert run.prefixes() == ["skills/h/skill.yaml:66:65: error parse.too-deep"]


@pytest.fixture
def passwd_first_line() -> str:
    with open("/etc/passwd", encoding="utf-8", errors="replace") as handle:
        return handle.readline().strip()


def test_committed_symlink_to_etc_passwd_is_not_read(cli: Cli, tmp_path: Path, passwd_first_line: str) -> None:
    repo = make_repo(tmp_path / "repo", {"skills/ok/skill.yaml": GOOD_SKILL})
    (repo / "skills/x").mkdir()
    os.symlink("/etc/passwd", repo / "skills/x/skill.yaml")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "link")
    assert git(repo, "ls-files", "-s", "skills/x/skill.yaml").startswith("120000 ")

    for args in (("check",), ("check", "skills/x/skill.yaml"), ("check", "--all-files", "--format", "json")):
        run = cli(repo, *args)
        run.assert_no_crash()
        assert passwd_first_line not in run.text
        assert "root:" not in run.text
        if "json" in args:
            assert ("skills/x/skill.yaml", 1, 1, "error", "path.outside-repo") in run.findings()
            assert len(run.findings()) == 1
        else:
            assert run.prefixes() == ["skills/x/skill.yaml:1:1: error path.outside-repo"]


def test_symlink_inside_repo_is_reported_and_not_followed(cli: Cli, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {"skills/real/skill.yaml": BAD_SKILL.replace("Bad Name", "BAD")})
    (repo / "skills/alias").mkdir()
    os.symlink("../real/skill.yaml", repo / "skills/alias/skill.yaml")
    git(repo, "add", "-A")

    run = cli(repo, "check", "--all-files")

    assert "skills/alias/skill.yaml:1:1: warning path.symlink" in run.prefixes()
    assert not [p for p in run.prefixes() if p.startswith("skills/alias/") and "path.symlink" not in p]
    assert "skills/real/skill.yaml:1:7: error skill.name-format" in run.prefixes()


def test_directory_named_with_a_newline_is_shown_escaped(cli: Cli, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {"skills/a\nb/skill.yaml": "name: Bad\nversion: 1.0.0\nstatus: draft\n"})

    run = cli(repo, "check", "--all-files")

    assert run.prefixes() == ["skills/a\\nb/skill.yaml:1:7: error skill.name-format"]
    assert not any(line.startswith("b/skill.yaml") for line in run.out.splitlines())
    assert run.out.count("\n") == 3  # finding, fix hint, summary: the newline never reaches the output
    data = cli(repo, "check", "--all-files", "--format", "json").data()
    assert [f["path"] for f in data["findings"]] == ["skills/a\nb/skill.yaml"]


def test_control_characters_in_values_are_escaped(cli: Cli, tmp_path: Path) -> None:
    repo = make_repo(
        tmp_path / "repo", {"skills/x/skill.yaml": 'name: "evil\\e[31mred\\rover"\nversion: 1.0.0\nstatus: draft\n'}
    )

    run = cli(repo, "check", "--color", "never")

    assert run.prefixes() == ["skills/x/skill.yaml:1:7: error skill.name-format"]
    assert "\x1b" not in run.out
    assert "\r" not in run.out


# --- output formats and colour ---------------------------------------------------------------------


def test_json_output(cli: Cli, bad_repo: Path) -> None:
    run = cli(bad_repo, "check", "--format", "json")

    assert run.rc == 0
    data = run.data()
    assert set(data) == {"findings", "summary", "policy"}
    assert run.findings() == [
        ("skills/x/skill.yaml", 1, 1, "error", "skill.status-required"),
        ("skills/x/skill.yaml", 1, 7, "error", "skill.name-format"),
        ("skills/x/skill.yaml", 2, 10, "error", "skill.version-semver"),
    ]
    name = data["findings"][1]
    assert name["pack"] == "default@1.0"
    assert name["metadata"] == {"field": "name"}
    assert name["fix"].startswith("rename it in lowercase")
    assert re.fullmatch(r"sha256:[0-9a-f]{64}", data["policy"]["hash"])
    assert data["policy"]["packs"] == ["default@1.0"]
    summary = data["summary"]
    assert summary["files"] == 1
    assert (summary["error"], summary["warning"], summary["block"], summary["blocking"]) == (3, 0, 0, 0)
    assert (summary["mode"], summary["exit_code"]) == ("warn", 0)

    strict = cli(bad_repo, "check", "--format", "json", "--strict").data()
    assert strict["summary"]["exit_code"] == 1
    assert strict["summary"]["blocking"] == 3
    assert strict["policy"]["hash"] != data["policy"]["hash"]  # the mode is part of the policy


def test_policy_hash_is_stable(cli: Cli, bad_repo: Path, tmp_path: Path) -> None:
    other = make_repo(tmp_path / "other", {"skills/y/skill.yaml": GOOD_SKILL})

    first = cli(bad_repo, "check", "--format", "json").data()["policy"]["hash"]
    second = cli(other, "check", "--format", "json").data()["policy"]["hash"]

    assert first == second


def test_color_never_and_always(cli: Cli, bad_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    never = cli(bad_repo, "check", "--color", "never")
    always = cli(bad_repo, "check", "--color", "always")
    monkeypatch.setenv("NO_COLOR", "1")
    no_color = cli(bad_repo, "check")
    explicit = cli(bad_repo, "check", "--color", "always")

    assert ANSI not in never.out
    assert ANSI not in no_color.out
    assert ANSI in always.out
    assert ANSI in explicit.out  # an explicit flag beats the environment
    strip = re.compile(r"\x1b\[[0-9;]*m")
    assert strip.sub("", always.out) == never.out


def _in_terminal(repo: Path, *args: str, **env: str) -> str:
    """Run ``packwarden`` with a pseudo-terminal as stdout; return what it wrote."""
    controller, terminal = pty.openpty()
    try:
        process = subprocess.Popen(
            [str(BIN / "packwarden"), *args],
            cwd=repo,
            stdout=terminal,
            stderr=terminal,
            env=tool_env(TERM="xterm", **env),
        )
        os.close(terminal)
        chunks = []
        while True:
            try:
                chunk = os.read(controller, 65536)
            except OSError:  # EIO: the other side closed
                break
            if not chunk:
                break
            chunks.append(chunk)
        assert process.wait(timeout=60) == 0
    finally:
        os.close(controller)
    return b"".join(chunks).decode("utf-8", "replace")


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_no_color_is_honoured_on_a_terminal(bad_repo: Path) -> None:
    coloured = _in_terminal(bad_repo, "check")
    plain = _in_terminal(bad_repo, "check", NO_COLOR="1")
    forced_off = _in_terminal(bad_repo, "check", "--color", "never")

    assert "skill.name-format" in coloured
    assert ANSI in coloured
    assert "skill.name-format" in plain
    assert ANSI not in plain
    assert ANSI not in forced_off


def test_closed_stdout_is_not_an_internal_error(tmp_path: Path) -> None:
    # far more output than a pipe buffer holds, so the writer is still writing when the reader leaves
    repo = make_repo(tmp_path / "repo", {f"skills/s{i}/skill.yaml": BAD_SKILL for i in range(200)})
    home = tmp_path / "pwhome"
    process = subprocess.Popen(
        [str(BIN / "packwarden"), "check", "--format", "json"],
        cwd=repo,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=tool_env(PACKWARDEN_HOME=str(home)),
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.read(1)
    process.stdout.close()
    err = process.stderr.read().decode()
    process.stderr.close()
    rc = process.wait(timeout=60)

    assert "internal error" not in err
    assert not (home / "crash.log").exists()
    assert rc != 3
