"""Docs that paste: every shell, console, YAML and Python example of the documentation runs.

Each example runs in its own scratch git repository under ``tmp_path`` (a real ``git init``,
real files, this venv's ``bin`` first on PATH, ``PACKWARDEN_HOME`` in the test's home):

- ``tmp_path/project``: a committed copy of ``examples/demo-repo`` (``repo=empty``: an empty
  repository; ``repo=betty``: the shared Betty corpus, skipped where it is missing), the folder
  the example runs in;
- ``tmp_path/packwarden``: a clone of ``hook_repo`` (this working tree, committed), where the docs
  say "a clone of packwarden at ``../packwarden``" (``repo=packwarden`` runs the example in it,
  with its ``.venv`` linked to this venv, as after the README's set-up command).

Shell blocks run with ``bash`` and ``set -e``; a command that must fail says so on its line
(``# exits 1``), and every other command must exit 0. Console blocks also show output: each
line shown must appear, in order, in what the command prints. YAML blocks must parse; one meant
as a file (a first line ``# .packwarden/policy.yml``, or ``<!-- docs-test: as=PATH -->``) must
load the way packwarden or pre-commit loads that file. Python blocks run with this venv's
python. ``<!-- docs-test: skip reason="..." -->`` skips a block with that reason;
``<!-- docs-test: needs=bwrap -->`` skips it where that tool is missing, as the tests of the same
command do, unless ``PACKWARDEN_REQUIRE_BWRAP`` is set (``.ci/run``): there it must run.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.acceptance.conftest import BIN, tool_env
from tests.support.gitrepo import REPO_ROOT, copy_tree_repo, corpus, make_repo
from tests.support.markdown_blocks import YAML_TARGET, AnnotationError, Block, commands, page_blocks, shell_script

PAGES = [
    "README.md",
    *sorted(str(path.relative_to(REPO_ROOT)) for path in (REPO_ROOT / "docs").glob("*.md")),
    "examples/demo-repo/README.md",
]
DEMO = REPO_ROOT / "examples" / "demo-repo"
TIMEOUT = 900  # pre-commit try-repo builds a hook environment with pip


def _collect() -> tuple[list[Block], list[str]]:
    blocks: list[Block] = []
    errors: list[str] = []
    for page in PAGES:
        try:
            blocks.extend(page_blocks(REPO_ROOT, page))
        except AnnotationError as exc:
            errors.append(str(exc))
    return blocks, errors


BLOCKS, ANNOTATION_ERRORS = _collect()


def _param(block: Block) -> object:
    marks = [pytest.mark.slow] if "slow" in block.options else []
    return pytest.param(block, id=block.id, marks=marks)


# --- the scratch repositories ---------------------------------------------------------------------


def _env(tmp_path: Path) -> dict[str, str]:
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    return tool_env(
        HOME=str(home),
        PACKWARDEN_HOME=str(home / "packwarden"),
        PRE_COMMIT_HOME=str(home / "pre-commit"),
        PRE_COMMIT_COLOR="never",
        NO_COLOR="1",
    )


def _scratch(block: Block, tmp_path: Path, snapshot: Path) -> Path:
    """The folder ``block`` runs in, with ``../packwarden`` (a clone of ``snapshot``) next to it."""
    clone = tmp_path / "packwarden"
    subprocess.run(["git", "clone", "-q", str(snapshot), str(clone)], env=_env(tmp_path), check=True)
    (clone / ".venv").symlink_to(BIN.parent, target_is_directory=True)
    if block.repo == "packwarden":
        return clone
    project = tmp_path / "project"
    if block.repo == "empty":
        return make_repo(project)
    if block.repo == "betty":
        return copy_tree_repo(corpus("betty"), project)
    return copy_tree_repo(DEMO, project)


def _run(args: list[str], cwd: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, cwd=cwd, env=_env(tmp_path), capture_output=True, text=True, check=False, timeout=TIMEOUT
    )


def _shown(done: subprocess.CompletedProcess[str]) -> str:
    return f"exit {done.returncode}\n--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}"


# --- the examples ---------------------------------------------------------------------------------


def test_annotations_are_well_formed() -> None:
    assert not ANNOTATION_ERRORS, "\n".join(ANNOTATION_ERRORS)


def test_every_page_is_read() -> None:
    assert {"README.md", "docs/pre-commit.md", "docs/cli.md", "docs/packs.md"} <= set(PAGES)
    assert {block.page for block in BLOCKS} >= {"README.md", "docs/pre-commit.md", "docs/cli.md"}
    assert {block.language for block in BLOCKS} == {"shell", "console", "yaml", "python"}


@pytest.mark.parametrize("block", [_param(block) for block in BLOCKS])
def test_example(block: Block, tmp_path: Path, hook_repo: tuple[Path, str]) -> None:
    if "skip" in block.options:
        pytest.skip(f"{block.page}:{block.line}: {block.options['reason']}")
    tool = block.options.get("needs")
    if tool and shutil.which(tool) is None and not os.environ.get(f"PACKWARDEN_REQUIRE_{tool.upper()}"):
        pytest.skip(f"{block.page}:{block.line}: needs {tool}, which is not installed")
    cwd = _scratch(block, tmp_path, hook_repo[0])
    run = {"shell": _shell, "console": _shell, "yaml": _yaml, "python": _python}[block.language]
    run(block, cwd, tmp_path)


def _shell(block: Block, cwd: Path, tmp_path: Path) -> None:
    outputs = tmp_path / "outputs"
    outputs.mkdir()
    script = tmp_path / "example.sh"
    script.write_text(shell_script(block, outputs), encoding="utf-8")

    done = _run(["bash", str(script)], cwd, tmp_path)

    assert done.returncode == 0, f"{block.page}:{block.line}: the example failed\n{block.text}\n{_shown(done)}"
    for command in commands(block):
        if not command.output:
            continue
        printed = (outputs / str(command.line)).read_text(encoding="utf-8").splitlines()
        missing = _missing_in_order(command.output, [line.rstrip() for line in printed])
        assert not missing, (
            f"{block.page}:{command.line}: `{command.text}` does not print the line the page shows:\n"
            f"  {missing}\n--- it printed\n" + "\n".join(printed)
        )


def _missing_in_order(shown: tuple[str, ...], printed: list[str]) -> str | None:
    """The first shown line that is not in ``printed`` after the lines before it."""
    at = 0
    for line in shown:
        try:
            at = printed.index(line, at) + 1
        except ValueError:
            return line
    return None


def _python(block: Block, cwd: Path, tmp_path: Path) -> None:
    script = tmp_path / "example.py"
    script.write_text(block.text, encoding="utf-8")

    done = _run([str(BIN / "python"), str(script)], cwd, tmp_path)

    assert done.returncode == 0, f"{block.page}:{block.line}: the example failed\n{_shown(done)}"


# --- YAML: parse, and load the way its file is loaded ----------------------------------------------

POLICY = ".packwarden/policy.yml"
ANSWERS = ".packwarden/answers.yml"
WAIVERS = ".packwarden/waivers.yml"
PRE_COMMIT_CONFIG = ".pre-commit-config.yaml"
# Top-level keys that say what a YAML example is, when it does not say where it goes.
LOOKS_LIKE = {
    POLICY: {"pack", "mode", "overrides"},
    "a pack": {"meta", "extends", "enforcement", "rules", "policy"},
    PRE_COMMIT_CONFIG: {"repos"},
}


def _yaml(block: Block, cwd: Path, tmp_path: Path) -> None:
    where = f"{block.page}:{block.line}"
    try:
        documents = [doc for doc in yaml.safe_load_all(block.text) if doc is not None]
    except yaml.YAMLError as exc:
        pytest.fail(f"{where}: the YAML example does not parse: {exc}")
    assert documents, f"{where}: the YAML example is empty"
    target = _yaml_target(block)
    keys = set(documents[0]) if isinstance(documents[0], dict) else set()
    if target is None:
        for kind, markers in LOOKS_LIKE.items():
            assert not keys & markers, (
                f"{where}: this looks like {kind}; say where it goes with a first line '# PATH' "
                "or <!-- docs-test: as=PATH --> so that the test loads it"
            )
        return
    path = cwd / target
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(block.text, encoding="utf-8")
    if path.name == PRE_COMMIT_CONFIG:
        _pre_commit_config(block, path, documents[0], cwd, tmp_path)
    elif target == POLICY:
        _loads(block, cwd, tmp_path, ["effective"], ["check", "--all-files"])
    elif target == ANSWERS:  # answers to the questions of the built-in pack that asks some
        _loads(block, cwd, tmp_path, ["clarify", "--list", "--pack", "beginner-guided@1.0"])
        checked = _run(
            [str(BIN / "packwarden"), "check", "--pack", "beginner-guided@1.0", "--all-files"], cwd, tmp_path
        )
        assert "clarification." not in checked.stdout, f"{where}: the answers are not all valid\n{_shown(checked)}"
    elif target == WAIVERS:  # every entry reads (an example's date may since have passed: not invalid)
        listed = _run([str(BIN / "packwarden"), "waivers", "list", "--json"], cwd, tmp_path)
        assert listed.returncode == 0, f"{where}: `packwarden waivers list --json`\n{_shown(listed)}"
        invalid = [row for row in json.loads(listed.stdout)["waivers"] if row["state"] == "invalid"]
        assert not invalid, f"{where}: entries packwarden refuses: {invalid}"
    elif keys & {"meta", "policy"}:
        _loads(block, cwd, tmp_path, ["packs", "show", target])
    elif target.startswith("projects/"):  # a central source's project file
        read = (
            "from packwarden.packs.project import read_project; "
            f"read_project(open({str(path)!r}, 'rb').read(), 'p', 'p')"
        )
        loaded = _run([str(BIN / "python"), "-c", read], cwd, tmp_path)
        assert loaded.returncode == 0, f"{where}: the project file does not load\n{_shown(loaded)}"
    else:
        pytest.fail(f"{where}: no way to load a YAML example meant as {target}")


def _yaml_target(block: Block) -> str | None:
    if "as" in block.options:
        return block.options["as"]
    first = block.text.splitlines()[0] if block.text else ""
    match = YAML_TARGET.match(first)
    return match["path"] if match else None


def _loads(block: Block, cwd: Path, tmp_path: Path, load: list[str], check: list[str] | None = None) -> None:
    """packwarden reads the file without an error (exit 0), and checks with it (0 or 1, never 2)."""
    packwarden = str(BIN / "packwarden")
    loaded = _run([packwarden, *load], cwd, tmp_path)
    assert loaded.returncode == 0, f"{block.page}:{block.line}: `packwarden {' '.join(load)}`\n{_shown(loaded)}"
    if check is None:
        return
    checked = _run([packwarden, *check], cwd, tmp_path)
    assert checked.returncode in (0, 1), (
        f"{block.page}:{block.line}: `packwarden {' '.join(check)}` with this file\n{_shown(checked)}"
    )


def _pre_commit_config(block: Block, path: Path, config: dict[str, object], cwd: Path, tmp_path: Path) -> None:
    """pre-commit accepts it, and a ``rev`` of this repository names a commit that has the hooks."""
    where = f"{block.page}:{block.line}"
    done = _run([str(BIN / "pre-commit"), "validate-config", str(path)], cwd, tmp_path)
    assert done.returncode == 0, f"{where}: pre-commit validate-config\n{_shown(done)}"
    assert "[WARNING]" not in done.stdout + done.stderr, f"{where}: pre-commit validate-config\n{_shown(done)}"
    shallow = subprocess.run(
        ["git", "rev-parse", "--is-shallow-repository"], cwd=REPO_ROOT, capture_output=True, text=True, check=False
    )
    if shallow.returncode != 0 or shallow.stdout.strip() != "false":
        return  # not a git work tree, or a shallow clone that may lack the pinned commit
    repos = config.get("repos")
    assert isinstance(repos, list)
    for repo in repos:
        if not str(repo.get("repo", "")).endswith("/packwarden.git"):
            continue
        rev = str(repo["rev"])
        found = subprocess.run(
            ["git", "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        assert found.returncode == 0, f"{where}: rev {rev} is neither a tag nor a commit of this repository"
        manifest = subprocess.run(
            ["git", "show", f"{rev}:.pre-commit-hooks.yaml"],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        ids = {hook["id"] for hook in yaml.safe_load(manifest)}
        wanted = {hook["id"] for hook in repo["hooks"]}
        assert wanted <= ids, f"{where}: rev {rev} has no hook {sorted(wanted - ids)}"


# --- the harness itself ---------------------------------------------------------------------------


def _synthetic(text: str, language: str = "shell") -> Block:
    return Block("page.md", 1, 10, language, text)  # the fence at line 10: the block starts at 11


def _bash(block: Block, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    script = tmp_path / "example.sh"
    script.write_text(shell_script(block, tmp_path), encoding="utf-8")
    return subprocess.run(["bash", str(script)], cwd=tmp_path, capture_output=True, text=True, check=False)


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("true\ntrue  # exits 1: a claim that is wrong\n", "docs-test: line 12: expected exit 1, got 0"),
        ("true\nfalse\ntrue\n", "docs-test: line 12 failed with exit 1"),
        ("echo 'a # not a comment' | grep -q nothing\n", "docs-test: line 11 failed with exit 1"),
    ],
)
def test_a_wrong_exit_code_fails_at_its_page_line(text: str, complaint: str, tmp_path: Path) -> None:
    done = _bash(_synthetic(text), tmp_path)

    assert done.returncode != 0
    assert complaint in done.stderr


def test_claimed_exit_codes_pass_and_state_carries_over(tmp_path: Path) -> None:
    text = 'mkdir sub && cd sub\n(exit 3)  # exits 3\ntest "$(basename "$PWD")" = sub\n'

    done = _bash(_synthetic(text), tmp_path)

    assert done.returncode == 0, done.stderr


def test_console_commands_and_their_output(tmp_path: Path) -> None:
    block = _synthetic("$ echo one; echo two   # prints two lines\none\ntwo\n$ false  # exits 1\n", "console")

    assert [(c.line, c.text, c.exit_code, c.output) for c in commands(block)] == [
        (11, "echo one; echo two", 0, ("one", "two")),
        (14, "false", 1, ()),
    ]
    done = _bash(block, tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "11").read_text() == "one\ntwo\n"
    assert _missing_in_order(("one", "two"), ["one", "x", "two"]) is None
    assert _missing_in_order(("two", "one"), ["one", "two"]) == "one"


@pytest.mark.parametrize(
    ("page", "complaint"),
    [
        ("<!-- docs-test: skip -->\n```sh\ntrue\n```\n", 'skip needs reason="..."'),
        ("<!-- docs-test: sikp -->\n```sh\ntrue\n```\n", "unknown docs-test option 'sikp'"),
        ("<!-- docs-test: repo=mine -->\n```sh\ntrue\n```\n", "repo must be one of"),
        ("<!-- docs-test: repo=empty -->\n\nA paragraph.\n\n```sh\ntrue\n```\n", "not followed by a fenced block"),
        ("<!-- docs-test: repo=empty -->\n```text\nx\n```\n", "on a block that is not tested"),
    ],
)
def test_a_malformed_annotation_is_an_error(page: str, complaint: str, tmp_path: Path) -> None:
    (tmp_path / "page.md").write_text(page, encoding="utf-8")

    with pytest.raises(AnnotationError, match=re.escape(complaint)):
        page_blocks(tmp_path, "page.md")


def test_annotations_reach_their_block(tmp_path: Path) -> None:
    page = (
        "# Title\n\n"
        '<!-- docs-test: skip reason="needs the network" -->\n'
        "```sh\ncurl https://example.invalid\n```\n\n"
        "```text\nnot tested\n```\n\n"
        "<!-- docs-test: as=packs/ours.yaml -->\n\n"
        "```yaml\nmeta: {key: ours}\n```\n"
    )
    (tmp_path / "page.md").write_text(page, encoding="utf-8")

    blocks = page_blocks(tmp_path, "page.md")

    assert [(b.index, b.line, b.language, b.options) for b in blocks] == [
        (1, 4, "shell", {"skip": "", "reason": "needs the network"}),
        (2, 14, "yaml", {"as": "packs/ours.yaml"}),
    ]
    assert blocks[0].id == "page.md#1:L4-shell"
