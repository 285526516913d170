"""Waivers in real git repositories: check in every mode, check --staged, the gate (memo and full),
real commits through the plain hooks, JSON and text output, and ``waivers list``."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from packwarden.cache import gate
from tests.acceptance.conftest import Run, install_hook, run_git
from tests.support.gitrepo import git, make_repo, stage, write_files

Cli = Callable[..., Run]

BAD = "name: Bad Name\nversion: 1.0.0\nstatus: draft\n"  # skill.name-format: an error
GOOD = "name: good.skill\nversion: 1.0.0\nstatus: draft\n"
STRICT = {".packwarden/policy.yml": "mode: block\n"}
WAIVERS = ".packwarden/waivers.yml"
BAD_PREFIX = "skills/legacy/skill.yaml:1:7: error skill.name-format"


def waivers(rule: str = "skill.name-format", paths: str = "skills/legacy/**", expires: str = "2026-03-01") -> str:
    return (
        "waivers:\n"
        f"  - rule: {rule}\n"
        f"    paths: ['{paths}']\n"
        "    reason: legacy names stay until the registry migration\n"
        "    owner: data-platform\n"
        f"    expires: {expires}\n"
        "    ticket: DP-1423\n"
    )


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PACKWARDEN_TODAY", "2026-02-01")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """Strict mode, a good skill committed, the waiver committed; the legacy skill staged, bad."""
    repo = make_repo(tmp_path / "repo", {"skills/ok/skill.yaml": GOOD, WAIVERS: waivers(), **STRICT})
    stage(repo, {"skills/legacy/skill.yaml": BAD})
    return repo


def memo_answers(repo: Path, strict: bool = False) -> bool:
    return gate.recall(os.path.realpath(repo), None, strict) is not None


def test_a_waived_error_passes_check_strict_and_the_strict_gate(cli: Cli, repo: Path) -> None:
    hook = cli(repo, "check", "--strict", "skills/legacy/skill.yaml")  # as policy-check runs
    assert hook.rc == 0, hook.out
    assert BAD_PREFIX not in hook.out
    assert "1 waived" in hook.out and "--show-waived lists them" in hook.out

    assert memo_answers(repo, strict=True)
    assert cli(repo, "gate", "--strict", ".git/COMMIT_EDITMSG").rc == 0  # from the memo
    assert cli(repo, "gate", "--strict", "--no-cache", ".git/COMMIT_EDITMSG").rc == 0  # checked in full
    assert cli(repo, "check", "--staged").rc == 0
    shown = cli(repo, "check", "--show-waived", "skills/legacy/skill.yaml")
    assert BAD_PREFIX in shown.out
    assert "waived by .packwarden/waivers.yml:2 (owner data-platform until 2026-03-01)" in shown.out


def test_json_carries_the_waiver_that_covered_each_finding(cli: Cli, repo: Path) -> None:
    data = cli(repo, "check", "--format", "json", "--all-files").data()

    (waived,) = [f for f in data["findings"] if "waived_by" in f]
    assert (waived["path"], waived["rule"]) == ("skills/legacy/skill.yaml", "skill.name-format")
    assert waived["waived_by"] == {
        "rule": "skill.name-format",
        "paths": ["skills/legacy/**"],
        "owner": "data-platform",
        "expires": "2026-03-01",
        "reason": "legacy names stay until the registry migration",
        "source": WAIVERS,
        "line": 2,
        "ticket": "DP-1423",
    }
    assert len(waived["fingerprint"]) == 16
    assert (data["summary"]["waived"], data["summary"]["error"], data["summary"]["exit_code"]) == (1, 0, 0)


def test_a_fingerprint_waiver_covers_that_one_finding(cli: Cli, repo: Path) -> None:
    stage(repo, {"skills/legacy/b/skill.yaml": BAD})
    found = cli(repo, "check", "--format", "json", "--all-files", "--no-cache").data()["findings"]
    first = next(f for f in found if f["path"] == "skills/legacy/skill.yaml")
    text = waivers(paths="skills/**") + f"    fingerprint: {first['fingerprint']}\n"
    write_files(repo, {WAIVERS: text})

    run = cli(repo, "check", "--all-files")

    assert run.rc == 1
    assert run.prefixes() == ["skills/legacy/b/skill.yaml:1:7: error skill.name-format"]
    assert "1 waived" in run.out


def test_an_expired_waiver_brings_its_finding_back_with_waiver_expired(
    cli: Cli, repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert cli(repo, "check", "skills/legacy/skill.yaml").rc == 0
    assert memo_answers(repo)

    monkeypatch.setenv("PACKWARDEN_TODAY", "2026-03-02")
    assert not memo_answers(repo)  # decided on another day: the gate checks again
    run = cli(repo, "gate", ".git/COMMIT_EDITMSG")
    assert run.rc == 1
    assert BAD_PREFIX in run.out
    assert f"{WAIVERS}:2:5: warning waiver.expired" in run.out
    assert "expired on 2026-03-01; the 1 finding it covered count again" in run.out
    check = cli(repo, "check", "skills/legacy/skill.yaml")
    assert check.rc == 1 and check.prefixes() == [f"{WAIVERS}:2:5: warning waiver.expired", BAD_PREFIX]


def test_a_waiver_close_to_its_end_is_announced(cli: Cli, repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PACKWARDEN_TODAY", "2026-02-20")
    run = cli(repo, "check", "skills/legacy/skill.yaml")
    assert run.rc == 0
    assert f"{WAIVERS}:2:5: info waiver.expiring" in run.out
    assert "ends on 2026-03-01 (in 9 days)" in run.out


def test_a_staged_change_to_the_waivers_is_what_the_gate_honours(cli: Cli, repo: Path) -> None:
    stage(repo, {WAIVERS: waivers(rule="agent.*")})  # the waiver no longer covers the skill...
    write_files(repo, {WAIVERS: waivers()})  # ...though the working tree still has it

    assert cli(repo, "check", "skills/legacy/skill.yaml").rc == 0  # the working tree's waivers
    assert not memo_answers(repo)  # a policy input is staged: the memo does not answer
    staged = cli(repo, "check", "--staged")
    gate_run = cli(repo, "gate", ".git/COMMIT_EDITMSG")
    assert staged.rc == gate_run.rc == 1
    assert BAD_PREFIX in gate_run.out

    stage(repo, {WAIVERS: waivers()})
    write_files(repo, {WAIVERS: "waivers: []\n"})  # now the other way round
    assert cli(repo, "check", "skills/legacy/skill.yaml").rc == 1
    assert cli(repo, "check", "--staged").rc == 0
    assert cli(repo, "gate", ".git/COMMIT_EDITMSG").rc == 0


def test_a_staged_waivers_file_rechecks_the_whole_index(cli: Cli, repo: Path) -> None:
    git(repo, "commit", "-q", "--no-verify", "-m", "legacy")
    stage(repo, {WAIVERS: waivers(paths="nowhere/**")})

    hook = cli(repo, "check", WAIVERS)  # pre-commit passes only the waivers file

    assert hook.rc == 1
    assert BAD_PREFIX in hook.out  # the committed skill it no longer covers
    assert f"{WAIVERS}:2:5: warning waiver.unused" in hook.out  # a run over every file may say so


def test_unused_is_only_said_by_a_run_over_every_file(cli: Cli, repo: Path) -> None:
    write_files(repo, {WAIVERS: waivers() + waivers(rule="agent.*").replace("waivers:\n", "")})
    some = cli(repo, "check", "skills/ok/skill.yaml")
    every = cli(repo, "check", "--all-files")
    assert "waiver.unused" not in some.out
    assert every.prefixes() == [f"{WAIVERS}:8:5: warning waiver.unused"]
    assert "waiver of agent.* for skills/legacy/** (owner data-platform) covers no finding" in every.out


def test_a_malformed_waiver_is_an_error_at_its_line_that_blocks_in_strict_mode(cli: Cli, repo: Path) -> None:
    write_files(repo, {WAIVERS: waivers().replace("legacy names stay until the registry migration", "TODO")})
    run = cli(repo, "check", "skills/ok/skill.yaml")
    assert run.rc == 1
    assert run.prefixes() == [f"{WAIVERS}:4:13: error waiver.invalid"]
    write_files(repo, {WAIVERS: "waivers: [\n"})
    assert cli(repo, "check", "skills/ok/skill.yaml").prefixes() == [f"{WAIVERS}:2:1: error waiver.invalid"]
    write_files(repo, {".packwarden/policy.yml": "mode: warn\n"})
    assert cli(repo, "check", "skills/ok/skill.yaml").rc == 0  # warn mode: shown, not blocking


def test_the_file_may_waive_a_block_finding(cli: Cli, tmp_path: Path) -> None:
    pack = (
        "meta: {key: p, version: '1'}\nextends: [default@1.0]\nenforcement: {severities: {skill.name-format: block}}\n"
    )
    repo = make_repo(
        tmp_path / "repo",
        {"packs/p.yaml": pack, ".packwarden/policy.yml": "pack: packs/p.yaml\n", "skills/legacy/skill.yaml": BAD},
    )
    assert cli(repo, "check", "--all-files").rc == 1  # block blocks in warn mode
    write_files(repo, {WAIVERS: waivers()})
    run = cli(repo, "check", "--all-files")
    assert run.rc == 0, run.out
    assert "0 block" in run.out and "1 waived" in run.out


def test_waivers_list_shows_owner_expiry_state_and_coverage(cli: Cli, repo: Path) -> None:
    write_files(
        repo,
        {
            WAIVERS: waivers()
            + waivers(rule="agent.*", expires="2026-01-15").replace("waivers:\n", "")
            + "  - {rule: x.y, paths: ['**'], reason: nope, owner: me, expires: 2026-02-10}\n"
        },
    )
    listed = cli(repo, "waivers", "list", "--json")
    assert listed.rc == 0
    rows = [(w["line"], w["state"], w["covers"], w.get("owner"), w.get("expires")) for w in listed.data()["waivers"]]
    assert rows == [
        (2, "active", 1, "data-platform", "2026-03-01"),
        (8, "expired", 0, "data-platform", "2026-01-15"),
        (14, "invalid", 0, None, None),
    ]
    text = cli(repo, "waivers", "list")
    assert f"{WAIVERS}:2:5: active skill.name-format skills/legacy/**" in text.out
    assert "owner data-platform · expires 2026-03-01 · covers 1 finding · DP-1423" in text.out
    assert "1 active · 1 expired · 1 invalid" in text.out


def test_explain_documents_the_waiver_rules(cli: Cli, repo: Path) -> None:
    for rule in ("waiver.expired", "waiver.invalid", "waiver.unused", "waiver.expiring", "waiver.refused"):
        run = cli(repo, "explain", rule)
        assert run.rc == 0 and run.out.startswith(rule), run.text


def test_real_commits_through_the_plain_hooks_honour_the_waiver(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    install_hook(repo)
    install_hook(repo, "commit-msg")

    waived = run_git(repo, "commit", "-q", "-m", "legacy skill, waived")
    assert waived.returncode == 0, waived.stdout + waived.stderr
    assert "1 waived" in waived.stdout + waived.stderr

    monkeypatch.setenv("PACKWARDEN_TODAY", "2026-03-02")
    stage(repo, {"skills/legacy/skill.yaml": BAD + "# touched\n"})
    expired = run_git(repo, "commit", "-q", "-m", "after the waiver ended")
    assert expired.returncode == 1
    assert "waiver.expired" in expired.stdout + expired.stderr
    assert BAD_PREFIX in expired.stdout + expired.stderr


@pytest.mark.parametrize(
    ("trailer_rules", "expected"),
    [(["skill.name-format"], 0), (["skill.*"], 0), (["agent.*"], 1), ([], 1)],
)
def test_the_gate_memo_and_the_full_check_agree_with_trailer_waivers(
    cli: Cli, repo: Path, trailer_rules: list[str], expected: int
) -> None:
    """What the main gate will do with ``Policy-Waiver:`` trailers: on the memo's plain values
    (``decision.trailer_waives``), and through ``check(extra_waivers=...)``; the same verdict."""
    from packwarden.api import check
    from packwarden.model.decision import exit_code, trailer_waives
    from packwarden.model.waiver import TRAILER, Waiver

    stage(repo, {"skills/new/skill.yaml": BAD})  # not covered by the waivers file
    assert cli(repo, "check", "skills/legacy/skill.yaml", "skills/new/skill.yaml").rc == 1
    recalled = gate.recall(os.path.realpath(repo), None, False)
    assert recalled is not None
    mode, fail_on, raw, locked = recalled
    decided = [(s, i, w or trailer_waives(s, d["rule"], able, locked, trailer_rules)) for s, i, d, w, able in raw]
    trailers = [Waiver(rule, ("**",), "acknowledged in review", "", "", source=TRAILER) for rule in trailer_rules]
    full = check(cwd=repo, staged=True, use_cache=False, extra_waivers=trailers)

    assert exit_code(decided, mode, fail_on) == full.exit_code == expected
    assert len(full.verdict.waived) == 1 + (expected == 0)
    check(cwd=repo, staged=True, extra_waivers=trailers)  # leaves the memo, as the gate's full check would
    again = gate.recall(os.path.realpath(repo), None, False)  # a trailer of one commit never goes into it
    assert again is not None and [w for *_, w, _ in again[2]].count(True) == 1
