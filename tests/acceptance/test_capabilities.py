"""Capability decisions through the command line, as a user runs them: ``check`` in warn mode,
``packs test``, ``explain`` and ``capabilities [--json]``, in a real repository, with the
enterprise pack and with a repository pack that extends it; and Betty's own agents, whose
``capabilities`` are prose, under the enterprise pack."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.acceptance.conftest import FINDING_LINE, run_tool
from tests.support.gitrepo import copy_tree_repo, corpus, make_repo

SHELL = "name: build.runner\nversion: 1.0.0\ndescription: Runs the build and reports failures.\nstatus: active\n"
OURS = """\
meta: {key: ours, version: '1.0'}
extends: [enterprise-compliance@1.0]
capabilities:
  acme.ledger.read: {risk: medium, covers: ["ledger:read"]}
decisions:
  - {id: ledger-for-reports, when: {capability: acme.ledger.read, kind: skill}, decision: allow}
  - {id: no-ledger, when: {capability: "acme.ledger.*"}, decision: deny, reason: ledgers are for report skills}
"""


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(
        tmp_path / "repo",
        {
            ".packwarden/policy.yml": "pack: .packwarden/packs/ours.yaml\nmode: warn\n",
            ".packwarden/packs/ours.yaml": OURS,
            "skills/build.runner/skill.yaml": SHELL + "capabilities: [io.exec.shell]\n",
            "skills/ledger.report/skill.yaml": SHELL.replace("build.runner", "ledger.report")
            + "capabilities: [acme.ledger.read]\npermissions: ['ledger:read']\n",
            "agents/ledger.bot/agent.yaml": "name: ledger.bot\nversion: 1.0.0\ndescription: Answers questions about "
            "the ledger.\nstatus: draft\ncapabilities: [acme.ledger.read]\n",
        },
    )


def _rules(out: str) -> list[str]:
    return [
        f"{m['where']}:{m['line']}:{m['col']}: {m['sev']} {m['rule']}"
        for m in map(FINDING_LINE.match, out.splitlines())
        if m
    ]


def test_a_denied_capability_blocks_the_check_in_warn_mode(repo: Path) -> None:
    done = run_tool(repo, "packwarden", "check", "--all-files")
    assert done.returncode == 1, done.stdout + done.stderr
    assert _rules(done.stdout) == [
        "agents/ledger.bot/agent.yaml:5:16: block capability.decision.no-ledger",  # the skill's allow is for skills
        "skills/build.runner/skill.yaml:5:16: block capability.decision.deny-critical",
        "skills/build.runner/skill.yaml:5:16: error capability.uncompensated",
    ]
    assert "blocked by 2 finding(s) (warn mode)" in done.stdout
    assert "ledgers are for report skills" in done.stdout


def test_packs_test_says_which_decision_matched_and_why(repo: Path) -> None:
    done = run_tool(repo, "packwarden", "packs", "test", ".packwarden/packs/ours.yaml", "agents/ledger.bot/agent.yaml")
    assert done.returncode == 1
    (line,) = [line for line in done.stdout.splitlines() if "capability.decision" in line]
    assert (
        "capability acme.ledger.read, risk medium, is denied by decision no-ledger "
        "(#2 of 4, when capability acme.ledger.*): ledgers are for report skills (ours@1.0)"
    ) in line
    assert "in warn mode: exit 1 (1 blocking)" in done.stdout


def test_the_json_output_carries_the_decision(repo: Path) -> None:
    done = run_tool(repo, "packwarden", "check", "--format", "json", "agents/ledger.bot/agent.yaml")
    (finding,) = json.loads(done.stdout)["findings"]
    assert finding["metadata"] == {
        "field": "capabilities[0]",
        "decision": "no-ledger",
        "decision_index": "2",
        "decision_pack": "ours@1.0",
        "condition": "capability acme.ledger.*",
        "outcome": "deny",
        "approver": "",
        "capability": "acme.ledger.read",
        "risk": "medium",
    }


def test_explain_shows_the_decision_and_the_order(repo: Path) -> None:
    done = run_tool(repo, "packwarden", "explain", "capability.decision.deny-critical")
    assert done.returncode == 0, done.stderr
    assert (
        "capability.decision.deny-critical  block · enterprise-compliance@1.0 · applies to skill, agent" in done.stdout
    )
    assert "Decision deny-critical, #3 of 4 (first match wins)" in done.stdout
    assert (
        "1. ledger-for-reports (when capability acme.ledger.read, kind skill): allow; "
        "2. no-ledger (when capability acme.ledger.*): deny; 3. deny-critical"
    ) in done.stdout


def test_capabilities_lists_the_registry_and_its_uses(repo: Path) -> None:
    done = run_tool(repo, "packwarden", "capabilities", "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert list(data) == ["packs", "default_risk", "free_permissions", "capabilities", "unknown"]
    assert data["packs"][-2:] == ["enterprise-compliance@1.0", "ours@1.0"]
    assert data["default_risk"] == "high"
    entries = {entry["id"]: entry for entry in data["capabilities"]}
    assert list(entries)[-1] == "acme.ledger.read"  # the child's entry after the inherited ones
    assert entries["acme.ledger.read"]["pack"] == "ours@1.0"
    assert [(use["path"], use["risk"]) for use in entries["acme.ledger.read"]["used_by"]] == [
        ("agents/ledger.bot/agent.yaml", "medium"),
        ("skills/ledger.report/skill.yaml", "medium"),
    ]
    assert [use["capability"] for use in entries["io.exec.*"]["used_by"]] == ["io.exec.shell"]
    assert data["unknown"] == []
    text = run_tool(repo, "packwarden", "capabilities")
    assert "  acme.ledger.read         medium    covers ledger:read; no compensation" in text.stdout
    assert "      skills/build.runner/skill.yaml:5:16  io.exec.shell  judged critical" in text.stdout


def test_a_broken_capability_section_exits_2_at_its_line(repo: Path) -> None:
    (repo / ".packwarden/packs/ours.yaml").write_text(OURS + "  - {when: {}, decision: deny}\n")
    for args in (["check", "--all-files"], ["capabilities"]):
        done = run_tool(repo, "packwarden", *args)
        assert done.returncode == 2
        assert ".packwarden/packs/ours.yaml:8:12: error pack.invalid decisions[2]: when has no condition" in (
            done.stdout + done.stderr
        )


def test_betty_agents_with_prose_capabilities_under_the_enterprise_pack(tmp_path: Path) -> None:
    repo = copy_tree_repo(corpus("betty"), tmp_path / "betty")
    done = run_tool(repo, "packwarden", "check", "--all-files", "--pack", "enterprise-compliance@1.0")
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    rules = _rules(done.stdout)
    malformed = [line for line in rules if line.endswith("capability.malformed")]
    assert malformed and all(line.startswith("agents/") for line in malformed)
    listing = json.loads(
        run_tool(repo, "packwarden", "capabilities", "--json", "--pack", "enterprise-compliance@1.0").stdout
    )
    prose = [use for use in listing["unknown"] if use["capability"] is None]
    assert len(prose) == len(malformed)
    assert all(use["risk"] == "high" and use["written"] for use in prose)
