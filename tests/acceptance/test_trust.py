"""Nothing cached, named or planted in a repository makes packwarden pass what a fresh check blocks.

One regression test (or a few) per finding of the trust review, through the CLI or the real
hook as a user meets it. The numbers are the review's.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

import packwarden
from packwarden.model.errors import UsageError
from tests.acceptance.conftest import BIN, Run, _env, configured_repo, pre_commit, run_tool, tool_env
from tests.support.gitrepo import git, make_repo, stage, write_files

Cli = Callable[..., Run]
GOOD = "name: good.skill\nversion: 1.0.0\nstatus: draft\n"
BAD = "name: Bad Name\nversion: 1.0.0\nstatus: draft\n"
BAD_PREFIX = "skills/b/skill.yaml:1:7: "


def pack(key: str, extends: list[str], rules: str = "") -> str:
    return f"meta: {{key: {key}, version: '1'}}\nextends: {json.dumps(extends)}\n{rules}"


BLOCK_NAMES = "rules:\n  - {id: team.name, field: name, pattern: '^[a-z.]+$', severity: block}\n"
WARN_NAMES = "rules:\n  - {id: team.name, field: name, pattern: '^[a-z.]+$', severity: warning}\n"


def verdicts(cli: Cli, repo: Path) -> dict[str, int]:
    """The exit code of every entry point a user meets, on the same repository."""
    return {
        "check --all-files": cli(repo, "check", "--all-files").rc,
        "check --all-files --no-cache": cli(repo, "check", "--all-files", "--no-cache").rc,
        "check (plain pre-commit hook)": cli(repo, "check", "--staged", "--all-files").rc,
        "gate (plain commit-msg hook)": cli(repo, "gate", ".git/COMMIT_EDITMSG").rc,
    }


# --- 1 and 2: packs reached through extends and through links are inputs of the cached policy ----


def test_1_a_committed_change_to_an_extended_pack_is_seen_everywhere(cli: Cli, tmp_path: Path) -> None:
    repo = make_repo(
        tmp_path / "repo",
        {
            ".packwarden/policy.yml": "pack: packs/team.yaml\n",
            "packs/team.yaml": pack("team", ["base.yaml"]),
            "packs/base.yaml": pack("base", ["default@1.0"], WARN_NAMES),
            "skills/b/skill.yaml": BAD,
        },
    )
    stage(repo, {"skills/b/skill.yaml": BAD + "# staged\n"})
    assert set(verdicts(cli, repo).values()) == {0}

    write_files(repo, {"packs/base.yaml": pack("base", ["default@1.0"], BLOCK_NAMES)})
    git(repo, "commit", "-qam", "base: block")
    stage(repo, {"skills/b/skill.yaml": BAD + "# staged again\n"})  # what the gate's next commit holds

    assert set(verdicts(cli, repo).values()) == {1}
    effective = cli(repo, "effective", "--json")
    assert {r["id"]: r["severity"] for r in json.loads(effective.out)["rules"]}["team.name"] == "block"


@pytest.mark.parametrize("linked", ["file", "folder"])
def test_2_a_pack_link_switched_to_another_target_is_seen(cli: Cli, tmp_path: Path, linked: str) -> None:
    files = {
        "v1/team.yaml": pack("team", ["default@1.0"], WARN_NAMES),
        "v2/team.yaml": pack("team", ["default@1.0"], BLOCK_NAMES),
        "skills/b/skill.yaml": BAD,
    }
    if linked == "file":
        files[".packwarden/policy.yml"] = "pack: packs/team.yaml\n"
    else:
        files[".packwarden/policy.yml"] = "pack: current/team.yaml\n"
    repo = make_repo(tmp_path / "repo", files, commit=False)
    link, target = ("packs/team.yaml", "../v1/team.yaml") if linked == "file" else ("current", "v1")
    (repo / link).parent.mkdir(exist_ok=True)
    (repo / link).symlink_to(target)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "v1")
    assert cli(repo, "check", "--all-files").rc == 0

    (repo / link).unlink()
    (repo / link).symlink_to(target.replace("v1", "v2"))
    git(repo, "commit", "-qam", "v2")
    stage(repo, {"skills/b/skill.yaml": BAD + "# staged\n"})

    assert set(verdicts(cli, repo).values()) == {1}


def test_2_a_repository_pack_that_links_out_of_the_repository_is_refused(cli: Cli, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.yaml"
    outside.write_text(pack("outside", []), encoding="utf-8")
    repo = make_repo(
        tmp_path / "repo", {".packwarden/policy.yml": "pack: packs/team.yaml\n", "skills/b/skill.yaml": BAD}
    )
    (repo / "packs").mkdir()
    (repo / "packs/team.yaml").symlink_to(outside)

    run = cli(repo, "check", "--all-files")

    assert run.rc == 2
    assert run.prefixes() == [".packwarden/policy.yml:1:7: error pack.invalid"]
    assert "outside the repository" in run.out


# --- 3: a file name is never read as an option --------------------------------------------------

OPTION_SPELLINGS = [
    "--pack=evil",
    "--strict",
    "--no-cache",
    "--all-files",
    "--staged",
    "--format=json",
    "--jobs=1",
    "--color=never",
    "--help",
    "-h",
    "--pack",
    "--version",
    "-",
]


def _policy_check(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """policy-check as pre-commit calls it: the config's args, then the file names."""
    return run_tool(repo, "policy-check", *args, PACKWARDEN_HOME=str(repo.parent / "home"))


@pytest.mark.parametrize("spelling", OPTION_SPELLINGS)
def test_3_every_option_spelling_planted_as_a_path_is_never_read_as_an_option(tmp_path: Path, spelling: str) -> None:
    """Planted as a folder holding a manifest that blocks (and, beside it, as a folder that would
    be an empty pack): the manifest is checked and blocks, or, where the file's whole name is
    itself an option (``--pack=evil/skill.yaml``), the run is refused; it never passes."""
    planted = f"{spelling}/skill.yaml"
    repo = make_repo(
        tmp_path / "repo",
        {
            ".packwarden/policy.yml": "mode: block\n",
            planted: BAD,
            "evil/skill.yaml": "meta: {key: empty, version: '1'}\n",  # an empty pack, were it read as one
            "skills/g/skill.yaml": GOOD,
        },
    )

    done = _policy_check(repo, "--strict", planted, "skills/g/skill.yaml")

    if spelling.startswith(("--pack=", "--format=", "--jobs=", "--color=")):
        assert done.returncode == 2, done.stdout + done.stderr
        assert f"{planted} is both a file in the repository and an option" in done.stderr
    else:
        assert done.returncode == 1, done.stdout + done.stderr
        assert done.stdout.startswith(f"{planted}:1:7: error skill.name-format"), done.stdout


@pytest.mark.parametrize("spelling", ["--strict", "--pack=evil.yaml", "--no-cache"])
def test_3_a_file_that_is_also_an_option_is_refused_not_guessed(tmp_path: Path, spelling: str) -> None:
    repo = make_repo(tmp_path / "repo", {spelling: "x: 1\n", "skills/g/skill.yaml": GOOD})

    done = _policy_check(repo, spelling, "skills/g/skill.yaml")

    assert done.returncode == 2
    assert f"{spelling} is both a file in the repository and an option" in done.stderr


@pytest.mark.slow
def test_3_through_pre_commit_a_planted_option_folder_does_not_empty_the_policy(
    tmp_path: Path, hook_repo: tuple[Path, str], pre_commit_home: Path
) -> None:
    files = {
        ".packwarden/policy.yml": "mode: block\n",
        "--pack=evil/skill.yaml": BAD,
        "evil/skill.yaml": "meta: {key: empty, version: '1'}\n",
    }
    repo = configured_repo(tmp_path / "repo", hook_repo, files)

    done = pre_commit(repo, pre_commit_home, "run", "policy-check", "--all-files")

    assert done.code == 1, done.output  # pre-commit's "failed": the hook exited 2
    assert "- exit code: 2" in done.output
    assert "--pack=evil/skill.yaml is both a file in the repository and an option" in done.output
    assert "passed" not in done.output


# --- 4: the gate's git calls do not depend on the user's pathspec variables ------------------------


@pytest.mark.parametrize(
    "variable", ["GIT_LITERAL_PATHSPECS", "GIT_NOGLOB_PATHSPECS", "GIT_ICASE_PATHSPECS", "GIT_GLOB_PATHSPECS"]
)
def test_4_pathspec_variables_do_not_empty_the_gate(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    repo = make_repo(tmp_path / "repo", {".packwarden/policy.yml": "mode: block\n", "skills/a/skill.yaml": GOOD})
    stage(repo, {"skills/b/skill.yaml": BAD})
    assert cli(repo, "check", "skills/b/skill.yaml").rc == 1  # leaves the gate memo
    monkeypatch.setenv(variable, "1")

    gate = cli(repo, "gate", ".git/COMMIT_EDITMSG")

    assert gate.rc == 1, gate.text
    assert cli(repo, "check", "--staged").rc == 1


# --- 5: the commit-msg hook never imports code from the repository it checks ---------------------


def _hook_entry() -> list[str]:
    """The policy-commit-msg entry of .pre-commit-hooks.yaml, as pre-commit splits it."""
    import shlex

    import yaml

    from tests.support.gitrepo import REPO_ROOT

    hooks = yaml.safe_load((REPO_ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    (entry,) = [hook["entry"] for hook in hooks if hook["id"] == "policy-commit-msg"]
    return shlex.split(entry)


def _imported_top_level_names(repo: Path, env: dict[str, str]) -> set[str]:
    """Every top-level module the gate's full path imports, asked of a real run in ``repo``."""
    probe = (
        "import sys; sys.argv = ['gate', '.git/COMMIT_EDITMSG']; from packwarden.cli.gate import main; main(); "
        "print(' '.join(sorted({name.partition('.')[0] for name in sys.modules})))"
    )
    done = subprocess.run(
        [sys.executable, "-I", "-c", probe], cwd=repo, env=env, capture_output=True, text=True, check=False
    )
    names = set(done.stdout.split()[-1000:])
    assert {"packwarden", "yaml", "pydantic"} <= names, done.stdout + done.stderr
    return names


def test_5_modules_planted_under_every_name_the_gate_imports_are_never_run(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {".packwarden/policy.yml": "mode: block\n", "skills/a/skill.yaml": GOOD})
    stage(repo, {"skills/b/skill.yaml": BAD})
    (repo / ".git" / "COMMIT_EDITMSG").write_text("message\n", encoding="utf-8")
    env = tool_env(PACKWARDEN_HOME=str(tmp_path / "home"))
    # coverage's own start-up in child processes would measure the planted package as packwarden
    env = {name: value for name, value in env.items() if not name.startswith("COVERAGE")}
    names = _imported_top_level_names(repo, env) - set(sys.builtin_module_names)
    marker = tmp_path / "planted-code-ran"
    payload = f"open({str(marker)!r}, 'a').write(__name__ + '\\n')\ndef main():\n    return 0\n"
    for name in names:
        (repo / f"{name}.py").write_text(payload, encoding="utf-8")
    (repo / "packwarden" / "cli").mkdir(parents=True)
    for module in ("packwarden/__init__.py", "packwarden/cli/__init__.py", "packwarden/cli/gate.py"):
        (repo / module).write_text(payload, encoding="utf-8")
    (repo / "packwarden.py").unlink(missing_ok=True)

    entry = _hook_entry()
    done = subprocess.run(
        [str(BIN / entry[0]), *entry[1:], ".git/COMMIT_EDITMSG"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )

    assert not marker.exists(), marker.read_text(encoding="utf-8")
    assert done.returncode == 1, done.stdout + done.stderr
    assert BAD_PREFIX in done.stdout


# --- 7: tampered cache entries are never trusted; --no-cache uses and writes none ------------------


def _home() -> Path:
    return Path(os.environ["PACKWARDEN_HOME"]) / "cache"


def test_7_a_tampered_compiled_policy_is_rebuilt(cli: Cli, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {".packwarden/policy.yml": "mode: block\n", "skills/b/skill.yaml": BAD})
    assert cli(repo, "check", "--all-files").rc == 1
    for entry in (_home() / "policies").glob("*.json"):
        entry.write_bytes(entry.read_bytes().replace(b'"mode":"block"', b'"mode":"warn"'))
        entry.write_bytes(entry.read_bytes().replace(b"**/skill.yaml", b"**/skill.nope"))

    assert cli(repo, "check", "--all-files").rc == 1
    assert cli(repo, "check", "skills/b/skill.yaml").rc == 1


def test_7_a_result_row_edited_to_no_findings_is_not_trusted(cli: Cli, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {".packwarden/policy.yml": "mode: block\n", "skills/b/skill.yaml": BAD})
    assert cli(repo, "check", "skills/b/skill.yaml").rc == 1
    (database,) = _home().glob("results-*.sqlite3")
    with sqlite3.connect(database) as db:
        changed = db.execute("UPDATE results SET findings = '[]'").rowcount
    assert changed == 1

    assert cli(repo, "check", "skills/b/skill.yaml").rc == 1


def test_7_no_cache_reads_and_writes_no_cache(cli: Cli, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {".packwarden/policy.yml": "mode: block\n", "skills/b/skill.yaml": BAD})
    stage(repo, {"skills/b/skill.yaml": BAD + "# staged\n"})
    for args in (["check", "--all-files"], ["check", "skills/b/skill.yaml"], ["gate", "--no-cache"]):
        assert cli(repo, *args, "--no-cache" if args[0] == "check" else "--strict").rc == 1

    written = [p for p in _home().rglob("*") if p.is_file()] if _home().exists() else []
    assert written == []


def test_14_a_result_cache_that_is_a_folder_only_costs_speed(cli: Cli, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {"skills/b/skill.yaml": BAD})
    from packwarden.cache.results import FILE_NAME

    (_home() / FILE_NAME).mkdir(parents=True)

    run = cli(repo, "check", "skills/b/skill.yaml")

    run.assert_no_crash()
    assert run.rc == 0
    assert run.prefixes() == ["skills/b/skill.yaml:1:7: error skill.name-format"]


def test_14_jobs_are_capped_by_the_usable_cores() -> None:
    from packwarden.api import jobs_for
    from packwarden.runner import default_jobs

    assert jobs_for(100_000) == default_jobs()
    assert jobs_for(0) == 1
    assert jobs_for(None) == default_jobs()


# --- 9: a change to the repository's own pack re-checks everything it governs ---------------------


@pytest.mark.slow
def test_9_a_commit_that_only_changes_the_pack_is_checked_at_both_hooks(
    tmp_path: Path, hook_repo: tuple[Path, str], pre_commit_home: Path
) -> None:
    files = {
        ".packwarden/policy.yml": "pack: packs/ours.yaml\n",
        "packs/ours.yaml": pack("ours", ["base.yaml"]),
        "packs/base.yaml": pack("base", ["default@1.0"]),
        "skills/b/skill.yaml": BAD,
    }
    repo = configured_repo(tmp_path / "repo", hook_repo, files, "policy-check", "policy-commit-msg")
    assert pre_commit(repo, pre_commit_home, "install", "-t", "pre-commit", "-t", "commit-msg").code == 0
    env = _env(pre_commit_home)

    def commit(**extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["git", "commit", "-m", "pack"], cwd=repo, env={**env, **extra}, capture_output=True, text=True, check=False
        )

    stage(repo, {"packs/base.yaml": pack("base", ["default@1.0"], BLOCK_NAMES)})  # a file of the extends chain
    for skipped in ("", "policy-check"):
        done = commit(SKIP=skipped)
        assert done.returncode != 0, done.stdout + done.stderr
        assert "skills/b/skill.yaml:1:7: block team.name" in done.stdout + done.stderr


# --- 10 and 11: extends is bounded and packs are read like every untrusted file --------------------


def test_10_a_deep_diamond_of_extends_reads_every_pack_once(tmp_path: Path) -> None:
    from packwarden.packs.files import PackFiles
    from packwarden.packs.resolve import load_chain

    levels = 30
    (tmp_path / "l0a.yaml").write_text(pack("l0a", ["default@1.0"]), encoding="utf-8")
    (tmp_path / "l0b.yaml").write_text(pack("l0b", ["default@1.0"]), encoding="utf-8")
    for level in range(1, levels):
        parents = [f"l{level - 1}a.yaml", f"l{level - 1}b.yaml"]
        for side in "ab":
            (tmp_path / f"l{level}{side}.yaml").write_text(pack(f"l{level}{side}", parents), encoding="utf-8")
    files = PackFiles(str(tmp_path))

    chain = load_chain(f"l{levels - 1}a.yaml", tmp_path, files)

    assert len(chain) == 2 * levels  # every pack once, and default@1.0
    assert len(files.read) == 2 * levels  # every file read once


def test_10_a_very_long_extends_chain_is_a_located_input_error(cli: Cli, tmp_path: Path) -> None:
    files = {f"packs/p{i}.yaml": pack(f"p{i}", [f"p{i + 1}.yaml"]) for i in range(1500)}
    files["packs/p1500.yaml"] = pack("p1500", [])
    repo = make_repo(tmp_path / "repo", {**files, ".packwarden/policy.yml": "pack: packs/p0.yaml\n"}, commit=False)

    run = cli(repo, "check", "--all-files")

    run.assert_no_crash()
    assert run.rc == 2
    assert run.prefixes() == ["packs/p31.yaml:2:11: error pack.invalid"]
    assert "deeper than 32 packs" in run.out


@pytest.mark.parametrize("kind", ["fifo", "device", "huge"])
def test_11_a_pack_that_is_a_fifo_a_device_or_huge_is_refused_without_hanging(tmp_path: Path, kind: str) -> None:
    repo = make_repo(
        tmp_path / "repo", {".packwarden/policy.yml": "pack: packs/team.yaml\n", "skills/b/skill.yaml": BAD}
    )
    (repo / "packs").mkdir()
    target = repo / "packs" / "team.yaml"
    if kind == "fifo":
        os.mkfifo(target)
    elif kind == "device":
        target.symlink_to("/dev/zero")
    else:
        target.write_bytes(b"# " + b"x" * 2_000_000 + b"\n")

    done = subprocess.run(
        [str(BIN / "packwarden"), "check", "--all-files"],
        cwd=repo,
        env=tool_env(PACKWARDEN_HOME=str(tmp_path / "home")),
        capture_output=True,
        text=True,
        check=False,
        timeout=60,  # a hang fails the test
    )

    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stdout.startswith(".packwarden/policy.yml:1:7: error pack.invalid"), done.stdout
    assert "Traceback" not in done.stderr


# --- 17 and 18: paths that match nothing, untracked files, outside git -----------------------------


@pytest.mark.parametrize("path", ["skils/", "nonexist.yaml", "skills/b/nope.yaml"])
def test_17_a_path_that_names_nothing_is_a_usage_error(cli: Cli, tmp_path: Path, path: str) -> None:
    repo = make_repo(tmp_path / "repo", {"skills/b/skill.yaml": GOOD})

    run = cli(repo, "check", path)

    assert run.rc == 2
    assert run.err == f"packwarden: error: {path}: no such file or directory\n"


def test_17_the_api_takes_one_path_and_refuses_a_missing_folder(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {"skills/b/skill.yaml": BAD})

    result = packwarden.check("skills/b/skill.yaml", cwd=repo)

    assert [(f.path, f.rule) for f in result.findings] == [("skills/b/skill.yaml", "skill.name-format")]
    with pytest.raises(UsageError, match="no such directory"):
        packwarden.check(cwd=tmp_path / "no" / "such" / "dir")


def test_17_check_without_paths_includes_new_files_not_yet_added(cli: Cli, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {"skills/a/skill.yaml": GOOD, ".gitignore": "ignored/\n"})
    write_files(repo, {"skills/b/skill.yaml": BAD, "ignored/skill.yaml": BAD})

    run = cli(repo, "check")

    assert run.prefixes() == ["skills/b/skill.yaml:1:7: error skill.name-format"]
    assert cli(repo, "check", "--all-files").prefixes() == []  # tracked files, as pre-commit's --all-files


def test_18_outside_git_a_whole_tree_walk_skips_environments(cli: Cli, tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    write_files(
        tree,
        {
            "skills/b/skill.yaml": BAD,
            ".venv/lib/skill.yaml": BAD,
            "node_modules/x/skill.yaml": BAD,
            "__pycache__/skill.yaml": BAD,
        },
    )

    run = cli(tree, "check", "--all-files")

    assert run.prefixes() == ["skills/b/skill.yaml:1:7: error skill.name-format"]


def test_18_outside_git_a_folder_that_cannot_be_listed_is_reported(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Running as root, no folder is unreadable for real: os.scandir fails for that one folder."""
    tree = tmp_path / "tree"
    write_files(tree, {"skills/b/skill.yaml": GOOD, "locked/skill.yaml": BAD})
    real_scandir = os.scandir

    def scandir(path: str | os.PathLike[str] = ".") -> object:
        if os.fspath(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    run = cli(tree, "check", "--all-files")

    assert run.prefixes() == ["locked:1:1: error path.unreadable"]


# --- 20: an unknown pack in extends is located -----------------------------------------------------


def test_20_an_unknown_pack_in_extends_names_its_line(cli: Cli, tmp_path: Path) -> None:
    repo = make_repo(
        tmp_path / "repo",
        {".packwarden/policy.yml": "pack: packs/team.yaml\n", "packs/team.yaml": pack("team", ["nope@9"])},
    )

    run = cli(repo, "check", "--all-files")

    assert run.rc == 2
    assert "packs/team.yaml:2:11: no built-in pack 'nope@9'" in run.err


# --- 6, 12, 13, 15, 20: packs as the user writes them, through the CLI ----------------------------


def check_with_pack(cli: Cli, tmp_path: Path, pack_text: str, manifest: str, *args: str) -> Run:
    """``check --all-files --pack pack.yaml`` in a repository of that pack and one skill manifest."""
    repo = make_repo(tmp_path / "repo", {"pack.yaml": pack_text, "skills/b/skill.yaml": manifest})
    return cli(repo, "check", "--all-files", "--pack", "pack.yaml", *args)


def test_6_a_rule_that_can_never_find_anything_is_said_not_silent(cli: Cli, tmp_path: Path) -> None:
    profile = "policy:\n  name: team\n  version: '1'\n  rules:\n    - {field: name, required: false}\n"
    run = check_with_pack(cli, tmp_path, profile, GOOD)

    assert run.rc == 0
    assert run.prefixes() == ["pack.yaml:5:7: warning pack.meaningless"]
    assert "checks nothing" in run.out


def test_12_a_backtracking_pattern_gets_one_timeout_per_rule_and_file(cli: Cli, tmp_path: Path) -> None:
    slow = "meta: {key: slow, version: '1'}\nrules:\n  - {id: slow.tags, field: 'tags[*]', pattern: '^(a|aa)+\\1c$'}\n"
    tags = "".join(f"  - {'a' * 28}\n" for _ in range(300))
    run = check_with_pack(cli, tmp_path, slow, f"name: b\ntags:\n{tags}")

    assert run.rc == 2  # the pack is at fault
    assert [p for p in run.prefixes() if "regex-timeout" in p] == ["pack.yaml:3:5: error pack.regex-timeout"]


def test_13_findings_per_rule_and_file_are_capped(cli: Cli, tmp_path: Path) -> None:
    tags = "".join(f"  - Bad Tag {i}\n" for i in range(3000))
    rules = "meta: {key: t, version: '1'}\nrules:\n  - {id: t.tag, field: 'tags[*]', pattern: '^[a-z]+$'}\n"
    run = check_with_pack(cli, tmp_path, rules, f"name: b\ntags:\n{tags}", "--format", "json")

    found = [f for f in run.data()["findings"] if f["rule"] == "t.tag"]
    assert len(found) == 51
    assert found[-1]["message"].startswith("and 2950 more findings of this rule in this file")
    assert (found[-1]["line"], found[-1]["severity"]) == (53, "error")


@pytest.mark.parametrize(
    ("pack_text", "where"),
    [
        # 6: a Betty profile whose rules are a mapping checks nothing: an error, not a silent pass
        ("policy:\n  name: team\n  version: '1'\n  rules:\n    name_format: {field: name, pattern: '^x'}\n", "5:5"),
        # 15: a pack's own rule in packwarden's namespace would pass for packwarden's (exit 2)
        ("meta: {key: own, version: '1'}\nrules:\n  - {id: pack.name-format, field: name, pattern: '^x'}\n", "3:10"),
    ],
    ids=["6-betty-rules-mapping", "15-reserved-namespace"],
)
def test_a_broken_pack_is_a_located_input_error(cli: Cli, tmp_path: Path, pack_text: str, where: str) -> None:
    run = check_with_pack(cli, tmp_path, pack_text, BAD)

    assert run.rc == 2
    assert run.prefixes() == [f"pack.yaml:{where}: error pack.invalid"]


def test_20_applies_to_one_kind_and_strict_as_a_mode_are_accepted(cli: Cli, tmp_path: Path) -> None:
    rules = (
        "meta: {key: t, version: '1'}\nrules:\n  - {id: t.name, applies_to: skill, field: name, pattern: '^[a-z.]+$'}\n"
    )
    repo = make_repo(
        tmp_path / "repo",
        {"t.yaml": rules, ".packwarden/policy.yml": "pack: t.yaml\nmode: strict\n", "skills/b/skill.yaml": BAD},
    )

    run = cli(repo, "check", "--all-files")

    assert run.rc == 1
    assert run.prefixes() == ["skills/b/skill.yaml:1:7: error t.name"]
    assert run.out.splitlines()[-1].endswith("(strict mode)")


def test_20_an_unknown_kind_is_an_error_with_a_suggestion(cli: Cli, tmp_path: Path) -> None:
    rules = "meta: {key: t, version: '1'}\nrules:\n  - {id: t.name, applies_to: [skil], field: name, required: true}\n"
    run = check_with_pack(cli, tmp_path, rules, GOOD)

    assert run.rc == 2
    assert "skill" in run.out
    assert run.prefixes()[0].startswith("pack.yaml:3:")


# --- the red-team review of this work: the gate memo against a fresh gate ---------------------------


def gate_agrees(cli: Cli, repo: Path, *args: str) -> int:
    """The gate's answer (from its memo where it can) equals a fresh gate's; returns it."""
    cached = cli(repo, "gate", *args, ".git/COMMIT_EDITMSG")
    home = os.environ["PACKWARDEN_HOME"]
    os.environ["PACKWARDEN_HOME"] = str(Path(home).parent / "fresh-home")
    try:
        fresh = cli(repo, "gate", "--no-cache", *args, ".git/COMMIT_EDITMSG")
    finally:
        os.environ["PACKWARDEN_HOME"] = home
    assert (cached.rc, cached.out) == (fresh.rc, fresh.out)
    return cached.rc


def test_a_link_inside_a_links_target_is_a_policy_input(cli: Cli, tmp_path: Path) -> None:
    lenient = pack("team", ["default@1.0"])
    strict = pack("team", ["default@1.0"]) + "enforcement: {mode: block}\n"
    repo = make_repo(
        tmp_path / "repo",
        {
            ".packwarden/policy.yml": "pack: .packwarden/team.yaml\n",
            ".packwarden/lenient.yaml": lenient,
            ".packwarden/strict.yaml": strict,
            "s/skill.yaml": BAD,
        },
        commit=False,
    )
    (repo / ".packwarden" / "team.yaml").symlink_to("hop.yaml")
    (repo / ".packwarden" / "hop.yaml").symlink_to("lenient.yaml")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "initial")
    stage(repo, {"s2/skill.yaml": GOOD})
    assert cli(repo, "check", "s2/skill.yaml").rc == 0  # leaves the memo

    (repo / ".packwarden" / "hop.yaml").unlink()
    (repo / ".packwarden" / "hop.yaml").symlink_to("strict.yaml")
    git(repo, "add", ".packwarden/hop.yaml")

    assert gate_agrees(cli, repo) == 1


def test_a_glob_question_mark_is_one_character_not_one_byte(cli: Cli, tmp_path: Path) -> None:
    team = pack("team", ["default@1.0"]) + "enforcement: {mode: block}\nartifacts: {skill: ['s/?/skill.yaml']}\n"
    repo = make_repo(
        tmp_path / "repo",
        {
            ".packwarden/policy.yml": "pack: .packwarden/team.yaml\n",
            ".packwarden/team.yaml": team,
            "s/a/skill.yaml": GOOD,
        },
    )
    stage(repo, {"s/a/skill.yaml": GOOD + "# staged\n"})
    assert cli(repo, "check", "s/a/skill.yaml").rc == 0
    stage(repo, {"s/é/skill.yaml": BAD})

    assert gate_agrees(cli, repo) == 1


def test_a_config_folder_staged_as_a_link_is_refused_as_on_disk(cli: Cli, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {"conf/policy.yml": "mode: block\n", "s/skill.yaml": BAD}, commit=False)
    (repo / ".packwarden").symlink_to("conf")
    git(repo, "add", "-A")

    on_disk, staged = cli(repo, "check", "s/skill.yaml"), cli(repo, "check", "--staged")

    assert (on_disk.rc, staged.rc) == (2, 2)
    assert "config.invalid" in staged.out
    assert gate_agrees(cli, repo) == 2


def test_a_pack_outside_the_repository_whose_link_moved_is_not_answered_from_the_memo(cli: Cli, tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    write_files(
        shared,
        {
            "v1/team.yaml": pack("team", ["default@1.0"]),
            "v2/team.yaml": pack("team", ["default@1.0"]) + "enforcement: {mode: block}\n",
        },
    )
    (shared / "current").symlink_to("v1")
    named = str(shared / "current" / "team.yaml")
    repo = make_repo(tmp_path / "repo", {"s/a/skill.yaml": GOOD})
    stage(repo, {"s/b/skill.yaml": BAD})
    assert cli(repo, "check", "--pack", named, "s/b/skill.yaml").rc == 0

    (shared / "current").unlink()
    (shared / "current").symlink_to("v2")

    assert gate_agrees(cli, repo, "--pack", named) == 1


def test_a_bare_built_in_key_leaves_no_gate_memo(cli: Cli, tmp_path: Path) -> None:
    from packwarden.cache import gate

    repo = make_repo(tmp_path / "repo", {".packwarden/policy.yml": "pack: default\n", "s/a/skill.yaml": GOOD})
    stage(repo, {"s/b/skill.yaml": GOOD.replace("good", "b")})
    assert cli(repo, "check", "s/b/skill.yaml").rc == 0

    assert not os.path.exists(gate.memo_path(os.path.realpath(repo), None, False))


def test_the_memo_of_a_staged_run_records_the_config_it_read(cli: Cli, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {"README.md": "x\n"})
    stage(repo, {".packwarden/policy.yml": "overrides:\n  disable: [skill.name-format]\n", "s/skill.yaml": BAD})
    assert cli(repo, "gate", "--strict", ".git/COMMIT_EDITMSG").rc == 0
    git(repo, "rm", "-q", "--cached", ".packwarden/policy.yml")

    assert gate_agrees(cli, repo, "--strict") == 1


def test_a_link_to_a_folder_named_like_an_option_is_a_path(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {"skills/bad/skill.yaml": BAD, ".packwarden/policy.yml": "mode: block\n"})
    (repo / "--help").symlink_to("skills")

    done = _policy_check(repo, "skills/bad/skill.yaml", "--help")

    assert done.returncode == 2  # --help names a link in the repository: refused, not obeyed
    assert "--help is both a file in the repository and an option" in done.stderr


@pytest.mark.slow
def test_a_commit_that_only_retargets_a_pack_link_is_checked(
    tmp_path: Path, hook_repo: tuple[Path, str], pre_commit_home: Path
) -> None:
    """pre-commit passes links to the hook (``types: []``, ``types_or: [file, symlink]``)."""
    files = {
        ".packwarden/policy.yml": "pack: packs/current/team.yaml\n",
        "packs/v1/team.yaml": pack("team", ["default@1.0"], WARN_NAMES),
        "packs/v2/team.yaml": pack("team", ["default@1.0"], BLOCK_NAMES),
        "skills/b/skill.yaml": BAD,
    }
    repo = configured_repo(tmp_path / "repo", hook_repo, files, commit=False)
    (repo / "packs" / "current").symlink_to("v1")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "v1")
    assert pre_commit(repo, pre_commit_home, "install").code == 0
    (repo / "packs" / "current").unlink()
    (repo / "packs" / "current").symlink_to("v2")
    git(repo, "add", "packs/current")

    done = subprocess.run(
        ["git", "commit", "-m", "v2"], cwd=repo, env=_env(pre_commit_home), capture_output=True, text=True, check=False
    )

    assert done.returncode != 0, done.stdout + done.stderr
    assert "skills/b/skill.yaml:1:7: block team.name" in done.stdout + done.stderr


@pytest.mark.parametrize(
    ("policy", "rc"),
    [
        ("  enforcement: {a: 1}\n  rules: [{field: name, pattern: '^x'}]\n", 2),
        ("  scope: {x: 1}\n  rules: [{field: name, pattern: '^x'}]\n", 0),
        ("  rules: [{field: name, pattern: '^x', scope: [1, [2]]}]\n", 0),
    ],
    ids=["enforcement-mapping", "scope-mapping", "scope-nested"],
)
def test_14_odd_betty_shapes_are_located_never_internal_errors(cli: Cli, tmp_path: Path, policy: str, rc: int) -> None:
    profile = f"policy:\n  name: team\n  version: '1'\n{policy}"
    run = check_with_pack(cli, tmp_path, profile, GOOD)

    run.assert_no_crash()
    assert run.rc == rc
    assert run.prefixes(), run.out  # an error (exit 2) or a warning, each located in pack.yaml
    assert all(prefix.startswith("pack.yaml:") for prefix in run.prefixes() if "pack." in prefix)
