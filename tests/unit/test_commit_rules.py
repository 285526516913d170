"""``requirements.commit_message`` compiled into ``commit.*`` rules, run through the engine by
``message_check.check_message`` as the commit-msg gate will call it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from packwarden.api import resolve
from packwarden.message_check import check_message
from packwarden.model.policy import EffectivePolicy
from tests.support.packs import pack_errors, read_text

PACK = """\
meta: {key: msg, version: '1'}
extends: [default@1.0]
requirements:
  commit_message:
    subject_pattern: '^[A-Z][a-z]+ '
    subject_max_length: 30
    body_max_line_length: 40
    signoff: true
    trailers_required: [Ticket]
    trailers_forbidden: [Change-Id]
    trailer_values: {Assisted-by: [none, claude]}
    trailers_when_touched:
      - {trailer: Assisted-by, kinds: [skill, agent, plugin]}
    agents_as_co_authors: {names: [claude, copilot]}
rules:
  - id: team.no-wip
    applies_to: commit
    field: subject
    forbidden_pattern: '(?i)\\bwip\\b'
    message: no work in progress
    fix: finish it first
    summary: No WIP commits.
    why: They break bisecting.
  - id: team.name-everywhere
    field: name
    required: true
    message: x
    fix: x
    summary: x
    why: x
"""
GOOD = "Add the csv skill\n\nIt converts files.\n\nTicket: OPS-1\nAssisted-by: claude\nSigned-off-by: Ada <a@b>\n"
MESSAGE_PATH = ".git/COMMIT_EDITMSG"


@pytest.fixture
def policy(tmp_path: Path) -> EffectivePolicy:
    (tmp_path / "msg.yaml").write_text(PACK, encoding="utf-8")
    return resolve(cwd=tmp_path, pack=str(tmp_path / "msg.yaml"), use_cache=False)


def found(policy: EffectivePolicy, text: str, touched: tuple[str, ...] = ("skill",)) -> list[tuple[str, int]]:
    return sorted((f.rule, f.line) for f in check_message(policy, MESSAGE_PATH, text, touched_kinds=touched))


def test_the_section_compiles_into_rules_with_stable_ids(policy: EffectivePolicy) -> None:
    ids = {rule.id for rule in policy.rules if rule.id.startswith("commit.")}
    assert ids == {
        "commit.subject-pattern",
        "commit.subject-length",
        "commit.body-line-length",
        "commit.signoff",
        "commit.trailer-required.ticket",
        "commit.trailer-forbidden.change-id",
        "commit.trailer-values.assisted-by",
        "commit.trailer-when-touched.assisted-by",
        "commit.agent-co-author",
    }
    assert all(
        rule.doc.summary and rule.doc.why and rule.doc.bad and rule.doc.good and rule.fix
        for rule in policy.rules
        if rule.id.startswith("commit.")
    )


def test_a_good_message_passes(policy: EffectivePolicy) -> None:
    assert found(policy, GOOD) == []


def test_each_rule_at_its_line_in_the_file(policy: EffectivePolicy) -> None:
    text = (
        "# a comment git drops\n"  # 1
        "add a wip csv skill that does a great many things\n"  # 2
        "\n"  # 3
        "This body line is much longer than forty characters.\n"  # 4
        "\n"  # 5
        "Assisted-by: chatgpt\n"  # 6
        "Change-Id: I123\n"  # 7
        "Co-authored-by: GitHub Copilot <copilot@github.com>\n"  # 8
    )
    assert found(policy, text) == [
        ("commit.agent-co-author", 8),
        ("commit.body-line-length", 4),
        ("commit.signoff", 6),
        ("commit.subject-length", 2),
        ("commit.subject-pattern", 2),
        ("commit.trailer-forbidden.change-id", 7),
        ("commit.trailer-required.ticket", 6),
        ("commit.trailer-values.assisted-by", 6),
        ("team.no-wip", 2),
    ]


def test_the_agent_fix_names_the_trailer_to_write(policy: EffectivePolicy) -> None:
    text = GOOD + "Co-authored-by: Claude <noreply@anthropic.com>\n"
    (finding,) = check_message(policy, MESSAGE_PATH, text, touched_kinds=["skill"])
    assert finding.rule == "commit.agent-co-author"
    assert finding.fix.startswith("replace the line with 'Assisted-by: claude'")
    assert (finding.path, finding.line, finding.column, finding.scope) == (MESSAGE_PATH, 8, 17, "commit")


def test_a_trailer_is_asked_for_only_when_the_commit_touches_its_kinds(policy: EffectivePolicy) -> None:
    text = GOOD.replace("Assisted-by: claude\n", "")
    assert found(policy, text, ("protocol",)) == []
    assert found(policy, text, ("agent", "protocol")) == [("commit.trailer-when-touched.assisted-by", 5)]


@pytest.mark.parametrize("subject", ["Merge branch 'main'", 'Revert "x"', "fixup! x", "squash! x", "amend! x"])
def test_skipped_kinds_pass(policy: EffectivePolicy, subject: str) -> None:
    assert found(policy, f"{subject}\n") == []


def test_an_empty_message_passes(policy: EffectivePolicy) -> None:
    assert found(policy, "# nothing but comments\n\n") == []


def test_skip_can_be_emptied(tmp_path: Path) -> None:
    pack = "meta: {key: m, version: '1'}\nrequirements:\n  commit_message: {skip: [], signoff: true}\n"
    (tmp_path / "m.yaml").write_text(pack, encoding="utf-8")
    policy = resolve(cwd=tmp_path, pack=str(tmp_path / "m.yaml"), use_cache=False)
    assert found(policy, "Merge branch 'main'\n") == [("commit.signoff", 1)]


def test_a_section_about_messages_asks_nothing_of_protocol_runs() -> None:
    pack = read_text("meta: {key: m, version: '1'}\nrequirements:\n  commit_message: {signoff: true}\n", "m.yaml")
    assert [rule.id for rule in pack.rules] == ["commit.signoff"]


@pytest.mark.parametrize(
    ("section", "words"),
    [
        ("{skip: [merges]}", "skip"),
        ("{trailers_required: ['Bad key:']}", "trailers_required"),
        ("{subject_max_length: 0}", "subject_max_length"),
        ("{trailers_when_touched: [{trailer: Assisted-by, kinds: []}]}", "kinds"),
        ("{subject_pattern: '(unclosed'}", "regular expression"),
        ("{colour: blue}", "colour"),
    ],
)
def test_a_malformed_section_is_an_error_at_its_line(section: str, words: str) -> None:
    errors = pack_errors(f"meta: {{key: m, version: '1'}}\nrequirements:\n  commit_message: {section}\n", "m.yaml")
    assert errors and all(line == 3 for _, line, _, _ in errors), errors
    assert any(words in message for *_, message in errors), errors


def test_packs_cannot_define_commit_rules_themselves() -> None:
    rule = "{id: commit.mine, applies_to: commit, field: subject, required: true}"
    pack = f"meta: {{key: m, version: '1'}}\nrules:\n  - {rule}\n"
    assert any("belong to packwarden" in message for *_, message in pack_errors(pack, "m.yaml"))


def test_explain_prints_every_commit_rule_of_the_shipped_pack() -> None:
    for rule in (
        "commit.trailer-when-touched.assisted-by",
        "commit.trailer-values.assisted-by",
        "commit.agent-co-author",
    ):
        done = subprocess.run(
            [sys.executable, "-m", "packwarden", "explain", rule, "--pack", "ai-provenance@1.0"],
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        assert "why it matters" in done.stdout and "bad:" in done.stdout and "good:" in done.stdout


def test_a_message_file_checked_as_an_artifact_runs_the_same_rules(tmp_path: Path) -> None:
    """``packwarden check`` on a file the pack names a ``commit`` (as a pack's examples are):
    the same rules through the same engine; such a file alone touches nothing."""
    from packwarden.api import check_against

    (tmp_path / "COMMIT_EDITMSG").write_text(
        "# git drops this\nAdd x\n\nAssisted-by: chatgpt\nCo-authored-by: Cursor Agent <cursoragent@cursor.com>\n",
        encoding="utf-8",
    )
    policy = resolve(cwd=tmp_path, pack="ai-provenance@1.0", use_cache=False)
    result = check_against(policy, ["COMMIT_EDITMSG"], cwd=tmp_path, alone=True)
    assert sorted((f.rule, f.path, f.line) for f in result.findings) == [
        ("commit.agent-co-author", "COMMIT_EDITMSG", 5),
        ("commit.trailer-values.assisted-by", "COMMIT_EDITMSG", 4),
    ]
