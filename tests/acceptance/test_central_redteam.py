"""Central packs against a hostile repository and a damaged cache: every way found to weaken a
locked rule without a finding, or to get an answer a fresh check would not give.

Each test pulls from a real local folder and runs `packwarden` as a real process.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.acceptance.conftest import run_tool
from tests.support.central import config_text, consumer_repo, dir_source
from tests.support.gitrepo import git, write_files

LOCK = ".packwarden/lock.yml"
REFUSED = "config.override-refused"

PACK = """\
meta: {{key: acme-standard, version: "1.2"}}
extends: [default@1.0{extends}]
rules:
  - id: acme.owner-required
    applies_to: [{kind}]
    field: owner
    required: true
    severity: error
    message: every {kind} names its owning team
"""

PROJECT = """\
pack: acme-standard@1.2
mode: block
locked: [{locked}]
"""

AGENT_WITHOUT_OWNER = "name: code.review\nversion: 1.0.0\ndescription: Reviews code.\nstatus: active\n"


@pytest.fixture
def home(tmp_path: Path) -> dict[str, str]:
    return {"PACKWARDEN_HOME": str(tmp_path / "pw-home")}


def tool(repo: Path, home: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    done = run_tool(repo, "packwarden", *args, **home)
    assert "Traceback" not in done.stdout + done.stderr, done.stdout + done.stderr
    return done


def findings(done: subprocess.CompletedProcess[str]) -> list[dict[str, object]]:
    found: list[dict[str, object]] = json.loads(done.stdout)["findings"]
    return found


def central(
    tmp_path: Path, *, kind: str = "skill", locked: str = "acme.owner-required", extra: dict[str, str] | None = None
) -> Path:
    source = tmp_path / "company-policies"
    write_files(
        source,
        {
            "acme-standard@1.2/pack.yaml": PACK.format(kind=kind, extends=""),
            "projects/payments-api.yml": PROJECT.format(locked=locked),
            **(extra or {}),
        },
    )
    return source


def pulled(tmp_path: Path, home: dict[str, str], source: Path, files: dict[str, str]) -> Path:
    """A repository using project payments-api from ``source``, its own pack selected, pulled."""
    config = config_text(dir_source(source), extra="pack: .packwarden/mine.yaml\n")
    repo = consumer_repo(tmp_path / "repo", config, files)
    done = tool(repo, home, "pull")
    assert done.returncode == 0, done.stdout + done.stderr
    return repo


def test_a_repository_pack_raising_fail_on_cannot_let_a_locked_rule_pass(tmp_path: Path, home: dict[str, str]) -> None:
    mine = 'meta: {key: mine, version: "1.0"}\nextends: [acme-standard@1.2]\nenforcement: {fail_on: block}\n'
    repo = pulled(tmp_path, home, central(tmp_path), {".packwarden/mine.yaml": mine})

    checked = tool(repo, home, "check", "--all-files", "--format", "json")

    found = findings(checked)
    assert any(f["rule"] == "acme.owner-required" and f["severity"] == "error" for f in found)
    refused = [f for f in found if f["rule"] == REFUSED]
    assert refused and "fail_on block" in str(refused[0]["message"])
    assert checked.returncode == 1  # the project's block mode blocks on the locked rule's error


def test_a_repository_pack_cannot_lower_a_locked_builtin_rule(tmp_path: Path, home: dict[str, str]) -> None:
    mine = (
        'meta: {key: mine, version: "1.0"}\nextends: [acme-standard@1.2]\n'
        "enforcement: {severities: {parse.syntax: info}}\n"
    )
    files = {".packwarden/mine.yaml": mine, "skills/b/skill.yaml": "name: [unclosed\n"}
    repo = pulled(tmp_path, home, central(tmp_path, locked='acme.owner-required, "parse.*"'), files)

    checked = tool(repo, home, "check", "--all-files", "--format", "json")

    found = findings(checked)
    assert [f["severity"] for f in found if f["rule"] == "parse.syntax"] == ["error"]
    assert any(f["rule"] == REFUSED and "parse.syntax is lowered to info" in str(f["message"]) for f in found)


def test_a_repository_pack_cannot_widen_an_earlier_kind_to_take_a_locked_kinds_files(
    tmp_path: Path, home: dict[str, str]
) -> None:
    # The first kind whose globs match a file takes it: skill.yaml globs come before agent's.
    mine = (
        'meta: {key: mine, version: "1.0"}\nextends: [acme-standard@1.2]\n'
        'artifacts:\n  skill: ["**/skill.yaml", "**/skill.yml", "**/agent.yaml"]\n'
    )
    files = {".packwarden/mine.yaml": mine, "agents/x/agent.yaml": AGENT_WITHOUT_OWNER}
    repo = pulled(tmp_path, home, central(tmp_path, kind="agent"), files)

    checked = tool(repo, home, "check", "--all-files", "--format", "json")

    found = findings(checked)
    assert any(f["rule"] == "acme.owner-required" and f["path"] == "agents/x/agent.yaml" for f in found)
    assert any(f["rule"] == REFUSED and "**/agent.yaml" in str(f["message"]) for f in found)
    assert checked.returncode == 1


def test_a_lock_pinning_another_projects_file_is_refused(tmp_path: Path, home: dict[str, str]) -> None:
    """The store holds the sandbox project's file from an earlier pull; a lock that pins
    payments-api to it would read the sandbox's governance (no locks) as payments-api's."""
    source = central(tmp_path, extra={"projects/sandbox.yml": "pack: acme-standard@1.2\n"})
    config = config_text(dir_source(source), extra="overrides:\n  disable: [acme.owner-required]\n")
    repo = consumer_repo(tmp_path / "repo", config.replace("payments-api", "sandbox"))
    assert tool(repo, home, "pull").returncode == 0
    sandbox = (repo / LOCK).read_text().split("sandbox: {source: shared, sha256: ")[1].split("}")[0]
    write_files(repo, {".packwarden/policy.yml": config})
    assert tool(repo, home, "pull").returncode == 0
    lock = (repo / LOCK).read_text()
    pinned = lock.split("payments-api: {source: shared, sha256: ")[1].split("}")[0]
    (repo / LOCK).write_text(lock.replace(pinned, sandbox))

    checked = tool(repo, home, "check", "--all-files")

    assert checked.returncode == 2, checked.stdout
    assert "project payments-api" in checked.stdout + checked.stderr


def test_a_central_pack_extending_an_unknown_pack_is_located_at_its_extends_line(
    tmp_path: Path, home: dict[str, str]
) -> None:
    source = central(tmp_path)
    (source / "acme-standard@1.2/pack.yaml").write_text(PACK.format(kind="skill", extends=", nothere@1.0"))
    repo = consumer_repo(tmp_path / "repo", config_text(dir_source(source)))
    assert tool(repo, home, "pull").returncode == 0

    checked = tool(repo, home, "check", "--all-files")

    assert checked.returncode == 2
    text = checked.stdout + checked.stderr
    assert "shared:acme-standard@1.2/pack.yaml:2:" in text  # the extends line, not the project's pack line
    assert "nothere@1.0 is neither built in nor pinned" in text
    assert "the repository is not pinned" not in text


def test_a_file_planted_in_a_cached_pack_is_seen_by_a_cached_check_too(tmp_path: Path, home: dict[str, str]) -> None:
    source = central(tmp_path)
    repo = consumer_repo(tmp_path / "repo", config_text(dir_source(source)))
    assert tool(repo, home, "pull").returncode == 0
    assert tool(repo, home, "check", "--all-files").returncode == 1  # compiles and caches the policy
    pinned = (repo / LOCK).read_text().split("acme-standard@1.2: {source: shared, sha256: ")[1].split("}")[0]
    (Path(home["PACKWARDEN_HOME"]) / "cache" / "central" / "objects" / pinned / "planted.yaml").write_text("x\n")

    fresh = tool(repo, home, "check", "--all-files", "--no-cache")
    cached = tool(repo, home, "check", "--all-files")

    assert fresh.returncode == 2
    assert cached.returncode == fresh.returncode


def test_a_file_planted_in_a_cached_pack_is_seen_by_the_gate_memo(tmp_path: Path, home: dict[str, str]) -> None:
    source = central(tmp_path)
    owner = {
        "skills/a/skill.yaml": "name: code.format\nversion: 1.0.0\nstatus: draft\ndescription: Formats.\nowner: a\n"
    }
    repo = consumer_repo(tmp_path / "repo", config_text(dir_source(source)), owner)
    assert tool(repo, home, "pull").returncode == 0
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "pin the central packs")  # the gate answers commits that change no policy input
    write_files(repo, {"skills/a/skill.yaml": owner["skills/a/skill.yaml"] + "license: MIT\n"})
    git(repo, "add", "-A")
    message = repo / ".git" / "COMMIT_EDITMSG"
    message.write_text("change\n")
    assert tool(repo, home, "check", "--staged").returncode == 0  # a passing memo for the gate
    assert tool(repo, home, "gate", str(message)).returncode == 0
    pinned = (repo / LOCK).read_text().split("acme-standard@1.2: {source: shared, sha256: ")[1].split("}")[0]
    (Path(home["PACKWARDEN_HOME"]) / "cache" / "central" / "objects" / pinned / "planted.yaml").write_text("x\n")

    gate = tool(repo, home, "gate", str(message))
    fresh = tool(repo, home, "gate", "--no-cache", str(message))

    assert fresh.returncode == 2
    assert gate.returncode == fresh.returncode
