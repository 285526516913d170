"""Artifact units through the real ``git commit``, with pre-commit's hooks installed.

A protocol run (``.protocols/<run>/``) and a registry (an index and the manifests it lists) are
each one unit: a commit that changes one member is judged on the whole unit, at ``policy-check``
(pre-commit stage) and at the ``policy-commit-msg`` gate (commit-msg stage), and a commit that
changes only a policy input (a repository pack, any file of its ``extends`` chain) re-checks
everything at both.

The repository pack extends team-standard@1.0 (block mode) and names its ``requirements``
itself, so these tests do not depend on what the built-in packs require.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from packwarden.api import check
from tests.acceptance.conftest import Run, _env, configured_repo, pre_commit, run_tool
from tests.support.gitrepo import git, make_repo, stage, write_files
from tests.support.packs import REGISTRY_INDEX, REGISTRY_PACK
from tests.unit.test_gate_memo import answer

Cli = Callable[..., Run]
RUN = ".protocols/run1"
SECTIONS = ("Sub-tasks", "Verification", "Rollback", "Definition of Done")
TEAM = (  # pack A: the one the config selects
    "meta: {key: team, version: '1'}\n"
    "extends: [base.yaml]\n"
    "requirements: {protocol_files: [plan.md, context.md, log.md]}\n"
)
BASE = "meta: {key: base, version: '1'}\nextends: [team-standard@1.0]\n"  # pack B, in A's extends chain
OWNER_RULE = "rules:\n  - {id: team.owner, applies_to: [skill], field: owner, required: true, severity: error}\n"
SKILL = (  # passes team-standard@1.0; has no owner
    "name: data.transform\n"
    "version: 1.0.0\n"
    "status: draft\n"
    "description: Converts CSV files to JSON, one object per row.\n"
    "entrypoints:\n"
    "  - {command: /data/transform, handler: data_transform.py}\n"
)
MISSING_LOG = f"{RUN}:1:1: error protocol.missing-file.log.md"
CHECK_HOOK = "policy-check"
GATE_HOOK = "policy-commit-msg"
GATE_BLOCKED = "packwarden gate: commit blocked by 1 finding(s) in the staged files (strict mode)"


def step(number: int, sections: tuple[str, ...] = SECTIONS) -> str:
    return f"# Step {number}\n" + "".join(f"\n## {section}\n- done\n" for section in sections)


def project(mode: str = "block", log: bool = False) -> dict[str, str]:
    """The repository: config, packs A and B, a good skill and run1 (with log.md or without)."""
    config = "pack: packs/team.yaml\n" + ("mode: warn\n" if mode == "warn" else "")
    run = {f"{RUN}/plan.md": "# Plan\n", f"{RUN}/context.md": "# Context\n", f"{RUN}/step-1.md": step(1)}
    if log:
        run[f"{RUN}/log.md"] = "# Log\n"
    return {
        ".packwarden/policy.yml": config,
        "packs/team.yaml": TEAM,
        "packs/base.yaml": BASE,
        "skills/data/skill.yaml": SKILL,
        **run,
    }


@dataclass(frozen=True)
class Hooked:
    """A repository with pre-commit's pre-commit and commit-msg hooks installed."""

    repo: Path
    home: Path
    names: dict[str, str]  # hook id -> the name pre-commit prints

    def commit(self, *args: str, **extra: str) -> tuple[bool, str]:
        """``git commit``: whether it made a commit, and everything it printed."""
        before = self.head()
        done = subprocess.run(
            ["git", "commit", *args],
            cwd=self.repo,
            env={**_env(self.home), **extra},
            capture_output=True,
            text=True,
            check=False,
            timeout=600,
        )
        made = self.head() != before
        assert made == (done.returncode == 0), done.stdout + done.stderr
        return made, done.stdout + done.stderr

    def head(self) -> str:
        return git(self.repo, "rev-parse", "HEAD").strip()

    def status(self, output: str, hook_id: str) -> str:
        """pre-commit's status line of one hook (``name....Passed``)."""
        lines = [line for line in output.splitlines() if line.startswith(self.names[hook_id] + ".")]
        assert len(lines) == 1, output
        return lines[0]

    def ran(self, output: str, hook_id: str) -> bool:
        return self.names[hook_id] in output


@pytest.fixture
def hooked(tmp_path: Path, hook_repo: tuple[Path, str], pre_commit_home: Path) -> Callable[..., Hooked]:
    """``hooked(files)``: a committed repository of ``files`` with both hooks installed."""
    manifest = yaml.safe_load((hook_repo[0] / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    names = {hook["id"]: hook["name"] for hook in manifest}

    def build(files: dict[str, str]) -> Hooked:
        repo = configured_repo(tmp_path / "repo", hook_repo, files, CHECK_HOOK, GATE_HOOK)
        installed = pre_commit(repo, pre_commit_home, "install", "-t", "pre-commit", "-t", "commit-msg")
        assert installed.code == 0, installed.output
        return Hooked(repo, pre_commit_home, names)

    return build


# --- 1 and 2: a commit that changes only one member re-checks its whole run -----------------------


@pytest.mark.slow
def test_1_a_commit_of_one_step_reports_its_runs_missing_log_and_the_gate_blocks_it(
    hooked: Callable[..., Hooked],
) -> None:
    """Strict mode: policy-check reports the run's missing log.md (an error finding) and, as the
    commit-msg gate is installed, leaves it to the gate, which blocks the commit."""
    project_repo = hooked(project())
    stage(project_repo.repo, {f"{RUN}/step-2.md": step(2)})

    made, output = project_repo.commit("-m", "step 2")

    assert not made
    assert project_repo.status(output, CHECK_HOOK).endswith("Passed")
    assert "left to the commit-msg gate" in output
    assert MISSING_LOG in output
    assert "step-2.md" not in output  # the new step itself is good
    assert project_repo.status(output, GATE_HOOK).endswith("Failed")


@pytest.mark.slow
def test_1_in_warn_mode_the_commit_of_one_step_passes_and_shows_the_runs_finding(
    hooked: Callable[..., Hooked],
) -> None:
    project_repo = hooked(project(mode="warn"))
    stage(project_repo.repo, {f"{RUN}/step-2.md": step(2)})

    made, output = project_repo.commit("-m", "step 2")

    assert made, output
    assert project_repo.status(output, CHECK_HOOK).endswith("Passed")
    assert project_repo.status(output, GATE_HOOK).endswith("Passed")
    assert MISSING_LOG in output  # policy-check is verbose: warn mode is seen


@pytest.mark.slow
@pytest.mark.parametrize(("mode", "blocked"), [("block", True), ("warn", False)])
def test_2_with_policy_check_skipped_the_gate_judges_the_whole_run(
    hooked: Callable[..., Hooked], mode: str, blocked: bool
) -> None:
    project_repo = hooked(project(mode=mode))
    stage(project_repo.repo, {f"{RUN}/step-2.md": step(2)})

    made, output = project_repo.commit("-m", "step 2", SKIP=CHECK_HOOK)

    assert project_repo.status(output, CHECK_HOOK).endswith("Skipped")
    assert made is not blocked, output
    if blocked:
        assert project_repo.status(output, GATE_HOOK).endswith("Failed")
        assert MISSING_LOG in output
        assert GATE_BLOCKED in output
    else:
        assert project_repo.status(output, GATE_HOOK).endswith("Passed")


# --- 3: a commit that changes only a policy input re-checks everything at both hooks --------------


@pytest.mark.slow
@pytest.mark.parametrize(
    ("changed", "text"),
    [("packs/team.yaml", TEAM + OWNER_RULE), ("packs/base.yaml", BASE + OWNER_RULE)],
    ids=["the-selected-pack", "a-pack-of-its-extends-chain"],
)
def test_3_a_commit_of_only_a_pack_file_rechecks_the_committed_manifests(
    hooked: Callable[..., Hooked], changed: str, text: str
) -> None:
    project_repo = hooked(project(log=True))
    repo = project_repo.repo
    assert run_tool(repo, "packwarden", "check", "--all-files").returncode == 0  # clean before the new rule
    stage(repo, {changed: text})
    finding = "skills/data/skill.yaml:1:1: error team.owner"

    # the gate first, with no policy-check run (and so no memo) for this index
    made, output = project_repo.commit("-m", "owner", SKIP=CHECK_HOOK)
    assert not made
    assert project_repo.status(output, GATE_HOOK).endswith("Failed")
    assert finding in output

    # policy-check is given the pack file alone: it reports the finding and leaves the error
    # to the installed gate (strict mode), which blocks
    made, output = project_repo.commit("-m", "owner")
    assert not made
    assert project_repo.status(output, CHECK_HOOK).endswith("Passed")
    assert "left to the commit-msg gate" in output
    assert project_repo.status(output, GATE_HOOK).endswith("Failed")
    assert finding in output

    # the gate again, now that policy-check left a memo for this index
    made, output = project_repo.commit("-m", "owner", SKIP=CHECK_HOOK)
    assert not made
    assert project_repo.status(output, GATE_HOOK).endswith("Failed")
    assert finding in output


# --- 4: a staged deletion re-checks its unit --------------------------------------------------


@pytest.mark.slow
def test_4_a_commit_that_only_deletes_the_runs_log_is_blocked_at_the_gate(hooked: Callable[..., Hooked]) -> None:
    project_repo = hooked(project(log=True))
    git(project_repo.repo, "rm", "-q", f"{RUN}/log.md")

    made, output = project_repo.commit("-m", "drop the log")

    assert not made
    # pre-commit hands a hook only the staged files that exist (``git diff --staged
    # --diff-filter=ACMRTUXB``: everything but D), so with nothing but a deletion staged it does
    # not run policy-check at all; the commit-msg gate, which reads the index itself, blocks it.
    assert project_repo.status(output, CHECK_HOOK).endswith("(no files to check)Skipped")
    assert project_repo.status(output, GATE_HOOK).endswith("Failed")
    assert MISSING_LOG in output
    assert GATE_BLOCKED in output


# --- 5: the gate's answer right after policy-check equals a fresh check of the index ---------------


def fresh(repo: Path) -> tuple[int, list[str]]:
    """``check --staged --no-cache`` as a new process: exit code and the blocking findings."""
    done = run_tool(repo, "packwarden", "check", "--staged", "--no-cache", "--format", "json")
    found = Run(done.returncode, done.stdout, done.stderr).data()["findings"]
    blocks = sorted(f"{f['path']}:{f['line']}:{f['column']}: {f['severity']} {f['rule']}" for f in found)
    return done.returncode, blocks if done.returncode == 1 else []


def in_process(repo: Path) -> tuple[int, list[dict[str, object]]]:
    """The full re-evaluation of the index, as the memo's ``answer`` says it."""
    result = check(cwd=repo, staged=True, use_cache=False)
    return result.exit_code, [finding.to_dict() for finding in result.verdict.blocking]


def gate_says(ran: subprocess.CompletedProcess[str] | tuple[int, str]) -> tuple[int, list[str]]:
    """A gate's exit code and the findings it printed (it prints only blocking ones)."""
    code, output = (ran.returncode, ran.stdout + ran.stderr) if isinstance(ran, subprocess.CompletedProcess) else ran
    return code, sorted(Run(code, output, "").prefixes())


@pytest.mark.slow
@pytest.mark.parametrize("log", [False, True], ids=["run-without-log", "complete-run"])
def test_5_right_after_policy_check_the_gate_says_what_a_fresh_check_of_the_index_says(
    hooked: Callable[..., Hooked], log: bool
) -> None:
    project_repo = hooked(project(log=log))
    repo, home = project_repo.repo, project_repo.home
    stage(repo, {f"{RUN}/step-2.md": step(2)})
    (repo / ".git" / "COMMIT_EDITMSG").write_text("step 2\n", encoding="utf-8")
    message = ("--commit-msg-filename", ".git/COMMIT_EDITMSG")
    expected = fresh(repo)
    assert expected == ((0, []) if log else (1, [MISSING_LOG]))

    def gates() -> list[tuple[int, list[str]]]:
        """The hook's gate in pre-commit's environment (answering from the memo policy-check left
        there) and this checkout's ``packwarden gate`` (from the memo of its policy-check).

        Not ``gate --strict``: the memo is keyed on the gate's arguments, and pre-commit gives
        both hooks none (the pack's own mode is block). A gate whose memo blocks checks the
        index in full and leaves its own memo, so each call follows a fresh policy-check."""
        hook = pre_commit(repo, home, "run", GATE_HOOK, "--hook-stage", "commit-msg", *message)
        return [gate_says(hook), gate_says(run_tool(repo, "packwarden", "gate", ".git/COMMIT_EDITMSG"))]

    def policy_check() -> tuple[int, list[dict[str, object]]] | None:
        """Both policy-checks, given step-2.md alone; the memo's answer that this checkout's left."""
        ran = pre_commit(repo, home, "run", CHECK_HOOK, "--files", f"{RUN}/step-2.md")
        # strict mode, the gate installed: policy-check reports error findings and leaves them to it
        assert ran.code == 0, ran.output
        assert ("left to the commit-msg gate" in ran.output) is (expected[0] == 1)
        assert run_tool(repo, "policy-check", f"{RUN}/step-2.md").returncode == 0
        return answer(repo)

    memo = policy_check()
    assert memo is not None  # the index holds exactly the members the check read
    assert memo == in_process(repo)
    assert gates() == [expected, expected]

    # the working tree moves on, the index does not: plan.md edited, then deleted, neither staged
    assert policy_check() == memo
    write_files(repo, {f"{RUN}/plan.md": "# Plan, rewritten\n"})
    assert answer(repo) == memo
    (repo / RUN / "plan.md").unlink()
    assert answer(repo) == memo
    # (pre-commit stashes what is not staged while its gate runs; packwarden gate does not)
    assert gates() == [expected, expected]
    assert fresh(repo) == expected
    on_disk = run_tool(repo, "packwarden", "check", f"{RUN}/step-2.md")
    assert f"{RUN}:1:1: error protocol.missing-file.plan.md" in on_disk.stdout  # the disk is not the index


# --- 6: a unit's findings do not depend on which of its members a run was given --------------------


def unit_findings(
    cli: Cli, repo: Path, *args: str, under: tuple[str, ...] = (), rules: str = ""
) -> set[tuple[str, int, int, str, str]]:
    """The findings (path, line, column, severity, rule) at or below ``under`` or of rules
    starting with ``rules``, of ``check --format json *args``."""
    run = cli(repo, "check", "--format", "json", *args)
    run.assert_no_crash()
    return {
        found
        for found in run.findings()
        if (under and (found[0] in under or found[0].startswith(tuple(f"{u}/" for u in under))))
        or (rules and found[4].startswith(rules))
    }


def test_6_a_runs_findings_are_the_same_whichever_member_a_run_was_given(cli: Cli, tmp_path: Path) -> None:
    """pre-commit hands files to a hook in chunks (xargs): one process may get plan.md, another
    step-2.md; each must judge the whole run alike."""
    repo = make_repo(tmp_path / "repo", project())
    stage(repo, {f"{RUN}/step-2.md": step(2, ("Sub-tasks", "Verification", "Definition of Done"))})
    expected = {
        (RUN, 1, 1, "error", "protocol.missing-file.log.md"),
        (f"{RUN}/step-2.md", 1, 1, "error", "protocol.missing-step-section.rollback"),
    }
    runs = [
        (f"{RUN}/plan.md",),
        (f"{RUN}/step-2.md",),
        (f"{RUN}/step-1.md", f"{RUN}/context.md"),
        (RUN,),
        ("--staged",),
        ("--staged", f"{RUN}/step-2.md"),
        ("--staged", RUN),
        ("--all-files",),
        ("--no-cache", f"{RUN}/plan.md"),
        ("--no-cache", "--staged"),
    ]

    found = {args: unit_findings(cli, repo, *args, under=(RUN,)) for args in runs}

    assert found == dict.fromkeys(runs, expected)


INDEX = REGISTRY_INDEX
LISTED = (
    '{"skills": [\n'
    '  {"name": "a.skill", "status": "draft"},\n'
    '  {"name": "b.skill", "status": "active"},\n'
    '  {"name": "gone.skill", "status": "draft"}\n'
    "]}\n"
)


def test_6_a_registrys_findings_are_the_same_whichever_member_a_run_was_given(cli: Cli, tmp_path: Path) -> None:
    skills = {f"skills/{x}/skill.yaml": f"name: {x}.skill\nversion: 1.0.0\nstatus: draft\n" for x in "abc"}
    repo = make_repo(
        tmp_path / "repo",
        {".packwarden/policy.yml": "pack: packs/reg.yaml\n", "packs/reg.yaml": REGISTRY_PACK, INDEX: LISTED, **skills},
    )
    stage(repo, {"skills/a/skill.yaml": skills["skills/a/skill.yaml"] + "# staged\n"})
    expected = {
        (INDEX, 4, 12, "error", "registry.skills.missing-manifest"),
        ("skills/b/skill.yaml", 3, 9, "error", "registry.skills.mismatch.status"),
        ("skills/c/skill.yaml", 1, 7, "error", "registry.skills.missing-entry"),
    }
    runs = [
        (INDEX,),
        ("skills/a/skill.yaml",),
        ("skills/c/skill.yaml",),
        (INDEX, *skills),
        ("--all-files",),
        ("--staged",),
        ("--no-cache", "skills/b/skill.yaml"),
    ]

    found = {args: unit_findings(cli, repo, *args, rules="registry.") for args in runs}

    assert found == dict.fromkeys(runs, expected)
