"""Clarifications in real git repositories: findings where their stage is touched, answers in
``.packwarden/answers.yml`` through ``packwarden clarify``, read from the index with
``--staged``, and ``clarify`` driven on a real pseudo-terminal."""

from __future__ import annotations

import json
import os
import select
import stat
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.acceptance.conftest import BIN, Run, tool_env
from tests.support.gitrepo import git, make_repo

Cli = Callable[..., Run]

PACK = """\
meta: {key: asks, version: '1'}
extends: [default@1.0]
defaults: {ci: {provider: none}}
clarifications:
  - {key: ci_provider, question: Which CI runs the checks?, options: [github, gitlab, none],
     recommended: github, default_path: ci.provider}
  - {key: plan_review, question: Who reviews a plan?, options: [one, two], recommended: one,
     blocking: true, applies_to: planning}
  - {key: rollout, question: How do steps roll out?, options: [canary, all], recommended: canary,
     applies_to: execution}
  - {key: log_detail, question: How much goes in the log?, options: [steps, commands], recommended: steps,
     applies_to: qa}
"""
RUN = ".protocols/run1"
FILES = {
    "packs/asks.yaml": PACK,
    ".packwarden/policy.yml": "pack: packs/asks.yaml\n",
    "skills/a/skill.yaml": "name: a.skill\nversion: 1.0.0\nstatus: draft\n",
    f"{RUN}/plan.md": "# Plan\n",
    f"{RUN}/context.md": "# Context\n",
    f"{RUN}/log.md": "# Log\n",
    f"{RUN}/step-1.md": "# Step\n\n## Sub-tasks\n\n## Verification\n\n## Rollback\n\n## Definition of Done\n",
}
ANSWERS = ".packwarden/answers.yml"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "repo", FILES)


def _asked(run: Run) -> list[str]:
    return [prefix for prefix in run.prefixes() if "clarification." in prefix]


def test_an_unanswered_onboarding_question_is_answered_by_clarify(repo: Path, cli: Cli) -> None:
    before = cli(repo, "check", "skills/a/skill.yaml")
    assert ".packwarden/policy.yml:1:1: warning clarification.unanswered.ci_provider" in before.prefixes()
    assert before.rc == 0
    written = cli(repo, "clarify", "ci_provider", "gitlab")
    assert (written.rc, written.out) == (0, f"wrote {ANSWERS}: ci_provider: gitlab\n")
    after = cli(repo, "check", "skills/a/skill.yaml")
    assert _asked(after) == []
    effective = cli(repo, "effective", "--explain")
    assert "  ci.provider: gitlab  (set by .packwarden/answers.yml)" in effective.out
    data = cli(repo, "effective", "--json").data()
    assert data["defaults"] == {"ci": {"provider": "gitlab"}}
    assert data["origins"]["defaults:ci.provider"] == ANSWERS


def test_each_run_stage_is_asked_only_where_its_file_is_checked(repo: Path, cli: Cli) -> None:
    cli(repo, "clarify", "ci_provider", "github")
    assert _asked(cli(repo, "check", "skills/a/skill.yaml")) == []
    assert _asked(cli(repo, "check", "--all-files")) == [
        f"{RUN}/log.md:1:1: warning clarification.unanswered.log_detail",
        f"{RUN}/plan.md:1:1: error clarification.unanswered.plan_review",
        f"{RUN}/step-1.md:1:1: warning clarification.unanswered.rollout",
    ]
    # a run without a plan has no planning stage to ask about; its step still asks
    (repo / RUN / "plan.md").unlink()
    (repo / RUN / "log.md").unlink()
    assert _asked(cli(repo, "check", f"{RUN}/step-1.md")) == [
        f"{RUN}/step-1.md:1:1: warning clarification.unanswered.rollout"
    ]


def test_a_blocking_question_blocks_in_strict_mode_until_answered(repo: Path, cli: Cli) -> None:
    for key, value in (("ci_provider", "none"), ("rollout", "all"), ("log_detail", "steps")):
        cli(repo, "clarify", key, value)
    strict = cli(repo, "check", "--strict", f"{RUN}/plan.md")
    assert strict.rc == 1
    assert _asked(strict) == [f"{RUN}/plan.md:1:1: error clarification.unanswered.plan_review"]
    assert cli(repo, "check", f"{RUN}/plan.md").rc == 0  # warn mode: shown, not blocking
    cli(repo, "clarify", "plan_review", "two")
    assert cli(repo, "check", "--strict", f"{RUN}/plan.md").rc == 0


def test_an_answer_outside_the_options_is_an_error_at_its_line(repo: Path, cli: Cli) -> None:
    (repo / ANSWERS).write_text("answers:\n  ci_provider: github\n  plan_review: three\n  revew: x\n", "utf-8")
    run = cli(repo, "check", "--strict", "skills/a/skill.yaml")
    assert run.rc == 1
    assert f"{ANSWERS}:3:16: error clarification.invalid" in run.prefixes()
    assert f"{ANSWERS}:4:3: warning clarification.unknown" in run.prefixes()
    assert "did you mean 'rollout'" not in run.out and "answer 'three' to plan_review" in run.out
    listed = cli(repo, "clarify", "--list", "--json").data()
    states = {q["key"]: (q["state"], q["value"]) for q in listed["questions"]}
    assert states["plan_review"] == ("invalid", "three")
    assert states["ci_provider"] == ("answered", "github")
    assert states["rollout"] == ("unanswered", None)
    assert listed["unknown"] == [{"key": "revew", "value": "x", "line": 4}]
    # the invalid answer is no answer: the planning stage still asks
    assert f"{RUN}/plan.md:1:1: error clarification.unanswered.plan_review" in cli(repo, "check", RUN).prefixes()


def test_clarify_keeps_the_other_answers_and_the_files_mode(repo: Path, cli: Cli) -> None:
    (repo / ANSWERS).write_text("# ours\nanswers:\n  rollout: all\n  odd: 'yes'\n", "utf-8")
    (repo / ANSWERS).chmod(0o640)
    assert cli(repo, "clarify", "plan_review", "two").rc == 0
    assert (repo / ANSWERS).read_text("utf-8") == '# ours\nanswers:\n  rollout: all\n  odd: "yes"\n  plan_review: two\n'
    assert stat.S_IMODE((repo / ANSWERS).stat().st_mode) == 0o640
    assert sorted(p.name for p in (repo / ".packwarden").iterdir()) == ["answers.yml", "policy.yml"]


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("clarify", "ci_provider", "jenkins"), "its options are: github, gitlab, none"),
        (("clarify", "ci_provder", "github"), "did you mean ci_provider?"),
        (("clarify", "--json"), "--json goes with --list"),
    ],
)
def test_clarify_refuses_what_is_no_answer(repo: Path, cli: Cli, args: tuple[str, ...], says: str) -> None:
    run = cli(repo, *args)
    assert run.rc == 2 and says in run.err
    assert not (repo / ANSWERS).exists()


def test_clarify_never_writes_over_a_file_that_is_no_answers_file(repo: Path, cli: Cli) -> None:
    (repo / ANSWERS).write_text("answers: [ci_provider]\n", "utf-8")
    run = cli(repo, "clarify", "ci_provider", "github")
    assert run.rc == 2 and "fix the file first. Nothing written" in run.err
    assert (repo / ANSWERS).read_text("utf-8") == "answers: [ci_provider]\n"
    listed = cli(repo, "clarify", "--list")
    assert listed.rc == 0 and ".packwarden/answers.yml:1:10: 'answers' must be a mapping" in listed.out
    (repo / ANSWERS).unlink()
    (repo / "elsewhere.yml").write_text("answers: {}\n", "utf-8")
    (repo / ANSWERS).symlink_to("../elsewhere.yml")
    linked = cli(repo, "clarify", "ci_provider", "github")
    assert linked.rc == 2 and "symbolic link" in linked.err
    assert (repo / "elsewhere.yml").read_text("utf-8") == "answers: {}\n"


def test_staged_runs_read_the_answers_from_the_index(repo: Path, cli: Cli) -> None:
    cli(repo, "clarify", "ci_provider", "github")
    git(repo, "add", ANSWERS)
    (repo / ANSWERS).write_text("answers: {}\n", "utf-8")  # on disk: unanswered again, not staged
    staged = cli(repo, "check", "--staged")  # a staged input: every run is checked again
    assert [prefix for prefix in _asked(staged) if "ci_provider" in prefix] == []
    assert (
        ".packwarden/answers.yml:1:1: warning clarification.unanswered.ci_provider"
        in cli(repo, "check", "skills/a/skill.yaml").prefixes()
    )
    git(repo, "add", ANSWERS)  # the disk's version staged: the index asks again
    assert _asked(cli(repo, "check", "--staged"))[:1] == [
        ".packwarden/answers.yml:1:1: warning clarification.unanswered.ci_provider"
    ]


def test_a_staged_answers_file_rechecks_the_runs_it_governs(repo: Path, cli: Cli) -> None:
    """pre-commit hands ``policy-check`` only the answers file: the runs are checked again."""
    for key, value in (("ci_provider", "none"), ("rollout", "all"), ("log_detail", "steps")):
        cli(repo, "clarify", key, value)
    git(repo, "add", ANSWERS)
    run = cli(repo, "check", "--staged", ANSWERS)
    assert _asked(run) == [f"{RUN}/plan.md:1:1: error clarification.unanswered.plan_review"]


def test_clarify_without_a_terminal_exits_2_and_names_the_way_without_one(repo: Path) -> None:
    done = subprocess.run(
        [str(BIN / "packwarden"), "clarify"],
        cwd=repo,
        env=tool_env(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "packwarden clarify KEY VALUE" in done.stderr
    assert not (repo / ANSWERS).exists()


class Terminal:
    """A process on a real pseudo-terminal: what it printed, and a way to type."""

    def __init__(self, argv: list[str], cwd: Path) -> None:
        self.master, slave = os.openpty()
        env = tool_env(TERM="dumb", COLUMNS="200", NO_COLOR="1")
        self.process = subprocess.Popen(argv, cwd=cwd, env=env, stdin=slave, stdout=slave, stderr=slave)
        os.close(slave)
        self.seen = b""

    def expect(self, text: bytes, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while text not in self.seen:
            ready, _, _ = select.select([self.master], [], [], max(0.0, deadline - time.monotonic()))
            assert ready, f"waited for {text!r}; the terminal shows {self.seen!r}"
            try:
                chunk = os.read(self.master, 4096)
            except OSError:  # the process ended and closed its side
                chunk = b""
            assert chunk, f"the process ended before {text!r}; the terminal shows {self.seen!r}"
            self.seen += chunk

    def type(self, line: str) -> None:
        os.write(self.master, line.encode() + b"\r")

    def close(self) -> int:
        code = self.process.wait(timeout=60)
        os.close(self.master)
        return code


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")
def test_clarify_on_a_terminal_answers_and_the_finding_goes_away(repo: Path, cli: Cli) -> None:
    cli(repo, "clarify", "rollout", "all")
    cli(repo, "clarify", "log_detail", "steps")
    terminal = Terminal([str(BIN / "packwarden"), "clarify"], repo)
    try:
        terminal.expect(b"Which CI runs the checks? [github/gitlab/none] (github): ")
        terminal.type("")  # Enter takes the recommended answer
        terminal.expect(b"wrote .packwarden/answers.yml: ci_provider: github")
        terminal.expect(b"Who reviews a plan? [one/two] (one): ")
        terminal.type("three")  # not an option: asked again
        terminal.expect(b"Please select one of the available options")
        terminal.type("two")
        terminal.expect(b"wrote .packwarden/answers.yml: plan_review: two")
    finally:
        code = terminal.close()
    assert code == 0
    assert _asked(cli(repo, "check", "--all-files")) == []
    listed = json.loads(cli(repo, "clarify", "--list", "--json").out)
    assert {q["key"]: q["value"] for q in listed["questions"]} == {
        "ci_provider": "github",
        "plan_review": "two",
        "rollout": "all",
        "log_detail": "steps",
    }


def test_explain_shows_a_questions_rule(repo: Path, cli: Cli) -> None:
    run = cli(repo, "explain", "clarification.unanswered.plan_review")
    assert run.rc == 0
    assert "The pack asks: Who reviews a plan? (one, two; recommended: one)" in run.out
    assert "packwarden clarify plan_review one" in run.out
    assert cli(repo, "explain", "clarification.invalid").rc == 0
