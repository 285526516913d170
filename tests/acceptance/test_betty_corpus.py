"""Betty's own profiles over Betty's own manifests (corpus/betty, data written outside this project)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.acceptance.conftest import Run, run_tool
from tests.support.gitrepo import BETTY_PROFILES, CORPUS, copy_tree_repo, corpus

Cli = Callable[..., Run]
BETTY = CORPUS / "betty"
PROFILES = BETTY_PROFILES
CORE = "registry/policies/betty-core.yaml"


@pytest.fixture(autouse=True)
def _needs_the_corpus() -> None:
    corpus("betty")  # skipped in a user's clone, a failure in CI (PACKWARDEN_REQUIRE_CORPUS)


# (path, rule, field, line, the text on that line): read off the files, see test_expected_lines_are_real
STATUS = "allowed_status_values"
AGENT_PERMISSION = "agent_allowed_permissions"
SKILL_PERMISSION = "skill_allowed_permissions"
EXPECTED = {
    ("agents/ai.orchestrator/agent.yaml", STATUS, "status", 55, "status: generated"),
    ("agents/api.orchestrator/agent.yaml", STATUS, "status", 53, "status: generated"),
    ("agents/data.orchestrator/agent.yaml", STATUS, "status", 52, "status: generated"),
    ("agents/operations.orchestrator/agent.yaml", STATUS, "status", 56, "status: generated"),
    ("agents/security.orchestrator/agent.yaml", STATUS, "status", 53, "status: generated"),
    ("agents/testing.orchestrator/agent.yaml", STATUS, "status", 52, "status: generated"),
    ("agents/meta.create/agent.yaml", AGENT_PERMISSION, "permissions[2]", 32, "- registry:read"),
    ("agents/meta.create/agent.yaml", AGENT_PERMISSION, "permissions[3]", 33, "- registry:write"),
    ("skills/agent.run/skill.yaml", SKILL_PERMISSION, "entrypoints[0].permissions[2]", 76, "- network:http"),
    ("skills/api.validate/skill.yaml", SKILL_PERMISSION, "entrypoints[0].permissions[1]", 45, "- network:http"),
    ("skills/plugin.publish/skill.yaml", SKILL_PERMISSION, "entrypoints[0].permissions[2]", 79, "- network:http"),
}


@pytest.fixture
def betty(tmp_path: Path) -> Path:
    return copy_tree_repo(BETTY, tmp_path / "betty")


def test_expected_lines_are_real() -> None:
    """The expectations above are the corpus, not packwarden's output copied back."""
    for path, _, _, line, text in EXPECTED:
        lines = (BETTY / path).read_text(encoding="utf-8").splitlines()
        assert lines[line - 1].strip() == text, (path, line)
    statuses = {
        str(p.relative_to(BETTY))
        for p in BETTY.glob("*/*/*.yaml")
        if "\nstatus: generated\n" in p.read_text(encoding="utf-8")
    }
    assert statuses == {path for path, rule, *_ in EXPECTED if rule == STATUS}


def test_betty_core_finds_exactly_what_a_betty_user_would(cli: Cli, betty: Path) -> None:
    run = cli(betty, "check", "--all-files", "--pack", CORE, "--format", "json")

    assert run.rc == 1  # `enforcement: blocking`
    data = run.data()
    errors = {
        (f["path"], f["rule"], f["metadata"].get("field"), f["line"])
        for f in data["findings"]
        if f["severity"] in ("error", "block")
    }
    assert errors == {(path, rule, field, line) for path, rule, field, line, _ in EXPECTED}
    assert len([f for f in data["findings"] if f["severity"] in ("error", "block")]) == len(EXPECTED)
    for finding in data["findings"]:
        if finding["severity"] == "error":
            assert finding["pack"] == "betty-core@0.1.0"
            assert finding["column"] > 1
            assert finding["scope"] == finding["path"].split("/")[0].rstrip("s")
    others = [f for f in data["findings"] if f["severity"] not in ("error", "block")]
    assert [(f["path"], f["severity"], f["rule"]) for f in others] == [(CORE, "warning", "pack.meaningless")]
    assert "'config'" in others[0]["message"]
    assert others[0]["line"] == 120  # `  config:` in betty-core.yaml
    summary = data["summary"]
    assert summary["files"] == 82  # 54 skills, 27 agents, 1 example
    assert (summary["mode"], summary["blocking"], summary["exit_code"]) == ("block", len(EXPECTED), 1)
    assert data["policy"]["packs"] == ["betty-core@0.1.0"]


def test_betty_core_text_output(cli: Cli, betty: Path) -> None:
    run = cli(betty, "check", "--all-files", "--pack", CORE)

    assert run.rc == 1
    assert "agents/meta.create/agent.yaml:33:5: error agent_allowed_permissions" in run.prefixes()
    assert "skills/api.validate/skill.yaml:45:9: error skill_allowed_permissions" in run.prefixes()
    assert f"{CORE}:120:3: warning pack.meaningless" in run.prefixes()
    assert run.out.rstrip().splitlines()[-1].endswith(f"blocked by {len(EXPECTED)} finding(s) (strict mode)")


def test_betty_core_in_a_subdirectory_run(cli: Cli, betty: Path) -> None:
    run = cli(betty / "agents", "check", "meta.create", "--pack", f"../{CORE}", "--format", "json")

    assert run.rc == 1
    assert [(f["path"], f["line"]) for f in run.data()["findings"] if f["severity"] == "error"] == [
        ("agents/meta.create/agent.yaml", 32),
        ("agents/meta.create/agent.yaml", 33),
    ]


@pytest.mark.parametrize("profile", PROFILES)
def test_every_profile_loads(cli: Cli, betty: Path, profile: str) -> None:
    run = cli(betty, "packs", "show", f"registry/policies/{profile}")

    assert run.rc == 0, run.text
    run.assert_no_crash()
    assert run.out.strip()


@pytest.mark.parametrize("profile", PROFILES)
def test_every_profile_runs_over_the_corpus(cli: Cli, betty: Path, profile: str) -> None:
    run = cli(betty, "check", "--all-files", "--pack", f"registry/policies/{profile}", "--format", "json")

    run.assert_no_crash()
    assert run.rc in (0, 1)
    data = run.data()
    assert data["summary"]["files"] == 82
    assert data["summary"]["exit_code"] == run.rc
    for finding in data["findings"]:
        assert finding["line"] >= 1
        assert finding["column"] >= 1
        if finding["rule"].startswith(("pack.", "config.")):
            assert finding["severity"] == "warning"  # an error here would have been exit 2
            assert finding["path"] == f"registry/policies/{profile}"


@pytest.mark.parametrize("profile", ["betty-core.yaml", "skill-naming.yaml"])
def test_profile_from_the_console_script(betty: Path, profile: str) -> None:
    pack = f"registry/policies/{profile}"
    done = run_tool(betty, "packwarden", "check", "--all-files", "--pack", pack, "--color", "never")

    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    assert done.stdout.rstrip().splitlines()[-1].startswith("82 files · ")
