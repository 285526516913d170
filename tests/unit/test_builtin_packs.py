"""Every built-in pack ships examples: ``examples/pass`` is clean, ``examples/fail`` trips
every rule the pack itself defines (inherited rules are covered by their own pack), including
the rules its ``requirements`` compile into (protocol runs under ``.protocols/<run>/``) and its
``plugin_contract`` compiles into (plugins under ``plugins/<name>/``). They are judged by
``packwarden.pack_examples``, as ``packwarden packs verify`` judges a central repository's packs.

A pack may add fail trees ``examples/fail-<what>/`` for what cannot stand beside the others:
every plugin of a tree reads the one operating contract, so the broken contract that trips
``plugin.contract-invalid`` lives in ``examples/fail-contract/`` (next to it, every rule that
needs a readable contract would go quiet). The fail trees together trip every rule.

The tests of particular findings copy the examples out of this repository first: inside it,
``check()`` would find the git top level and only see tracked files.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from packwarden.api import CheckResult, check
from packwarden.model.finding import Severity
from packwarden.pack_examples import verify_pack
from packwarden.packs.builtin import builtin_refs, pack_dir, policies_root, read_builtin
from packwarden.packs.folder import FolderPacks
from packwarden.packs.reader import read_pack

REFS = builtin_refs()


def _copy(ref: str, which: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, list[str]]:
    """The pack's ``examples/<which>`` as a plain folder (no git above it), and its files."""
    source = Path(str(pack_dir(ref) / "examples" / which))
    assert source.is_dir(), f"{ref} has no examples/{which}/"
    target = tmp_path / which
    shutil.copytree(source, target)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    files = sorted(p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file())
    assert files, f"{ref}: examples/{which}/ is empty"
    return target, files


def _run(ref: str, which: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[CheckResult, list[str]]:
    root, files = _copy(ref, which, tmp_path, monkeypatch)
    result = check(files, cwd=root, pack=ref)
    assert result.files == len(files), f"{ref}: not every example file is a checked artifact"
    return result, files


def test_the_builtin_packs_are_found() -> None:
    assert set(REFS) >= {
        "default@1.0",
        "beginner-guided@1.0",
        "startup-fast@1.0",
        "team-standard@1.0",
        "enterprise-compliance@1.0",
        "plugin-contract@1.0",
    }


@pytest.mark.parametrize("ref", REFS)
def test_every_pack_passes_its_own_examples(ref: str) -> None:
    """``packs verify``'s judgement (``pack_examples``): pass trees without any finding, fail
    trees with a finding at every file and every rule of the pack tripped, and each rule a fail
    example names in its first comment found at it."""
    verdict = verify_pack(FolderPacks(str(policies_root())), ref)
    assert [failure.text() for failure in verdict.failures] == []
    assert verdict.trees[:2] == ("pass", "fail")


@pytest.mark.parametrize("ref", REFS)
def test_every_rule_is_documented(ref: str) -> None:
    resolved, raw = read_builtin(ref)
    pack = read_pack(raw, resolved)
    assert pack.warnings == ()
    assert pack.spec.meta.description
    for spec in pack.spec.rules:
        assert spec.message and spec.fix and spec.summary and spec.why, spec.id
        assert spec.example is not None and spec.example.bad and spec.example.good, spec.id
        if spec.field is None:  # text rules scan for secrets: never echo what matched
            assert "{value}" not in spec.message, spec.id


def test_enterprise_secrets_are_not_echoed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result, _ = _run("enterprise-compliance@1.0", "fail", tmp_path, monkeypatch)
    secrets = [f for f in result.findings if f.rule.startswith("secrets.")]
    assert secrets
    for finding in secrets:
        assert finding.severity is Severity.BLOCK
        for leaked in ("AKIAIOSFODNN7EXAMPLE", "example-password", "example-not-a-real-password", "BEGIN RSA"):
            assert leaked not in finding.message


def test_enterprise_escalates_parse_rules_to_block(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result, _ = _run("enterprise-compliance@1.0", "fail", tmp_path, monkeypatch)
    duplicate = [f for f in result.findings if f.rule == "parse.duplicate-key"]
    assert [f.severity for f in duplicate] == [Severity.BLOCK]
    assert result.exit_code == 1


def test_startup_fast_lowers_status_rules_to_warnings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result, _ = _run("startup-fast@1.0", "fail", tmp_path, monkeypatch)
    status = [f for f in result.findings if f.rule == "agent.status-required"]
    assert [f.severity for f in status] == [Severity.WARNING]


def _protocol_findings(result: CheckResult) -> list[tuple[str, str, Severity]]:
    return sorted((f.path, f.rule, f.severity) for f in result.findings if f.rule.startswith("protocol."))


def test_team_standard_finds_what_protocol_runs_lack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result, _ = _run("team-standard@1.0", "fail", tmp_path, monkeypatch)
    rename, retire = ".protocols/2026-03-04-rename-export-skill", ".protocols/2026-03-05-retire-helper-agent"
    error = Severity.ERROR
    assert _protocol_findings(result) == [
        (rename, "protocol.missing-file.log.md", error),
        (f"{rename}/step-1.md", "protocol.missing-step-section.rollback", error),  # only in a fence
        (f"{rename}/step-2.md", "protocol.missing-step-section.rollback", error),  # '## Rolback'
        (retire, "protocol.missing-file.context.md", error),
        (retire, "protocol.missing-file.plan.md", error),
        (f"{retire}/step-1.md", "protocol.missing-step-section.definition-of-done", error),  # in a comment
        (f"{retire}/steps/remove.md", "protocol.missing-step-section.sub-tasks", error),
        (f"{retire}/steps/remove.md", "protocol.missing-step-section.verification", error),
    ]
    (misspelt,) = [f for f in result.findings if f.path == f"{rename}/step-2.md"]
    assert misspelt.fix == "rename '## Rolback' to '## Rollback'"
    assert (misspelt.line, misspelt.column) == (12, 1)


def test_enterprise_blocks_a_step_without_rollback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result, _ = _run("enterprise-compliance@1.0", "fail", tmp_path, monkeypatch)
    run = ".protocols/2026-03-20-move-warehouse-sync"
    assert _protocol_findings(result) == [
        (run, "protocol.missing-file.log.md", Severity.ERROR),  # inherited from team-standard as it is
        (f"{run}/step-1.md", "protocol.missing-step-section.rollback", Severity.BLOCK),
    ]


def test_beginner_guided_only_warns_about_protocol_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result, _ = _run("beginner-guided@1.0", "fail", tmp_path, monkeypatch)
    found = _protocol_findings(result)
    assert len(found) == 8
    assert {severity for _, _, severity in found} == {Severity.WARNING}
    assert result.exit_code == 0


def test_startup_fast_asks_runs_for_a_plan_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result, _ = _run("startup-fast@1.0", "fail", tmp_path, monkeypatch)
    assert _protocol_findings(result) == [
        (".protocols/2026-03-06-header-hotfix", "protocol.missing-file.plan.md", Severity.WARNING)
    ]


def _plugin_findings(result: CheckResult) -> list[tuple[str, str, Severity]]:
    """The plugin findings but the missing generated files (one per file, at the plugin's folder)."""
    return sorted(
        (f.path, f.rule, f.severity)
        for f in result.findings
        if f.rule.startswith("plugin.") and f.rule != "plugin.generated.missing"
    )


def test_plugin_contract_finds_what_each_plugin_breaks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result, _ = _run("plugin-contract@1.0", "fail", tmp_path, monkeypatch)
    error = Severity.ERROR
    stale = [
        f"plugins/stale-router/{name}" for name in ("ledger_contract.json", "manifest.json", "policy_snapshot.json")
    ]
    assert _plugin_findings(result) == [
        ("plugins/lost-markers/handler.py", "plugin.handler.markers", error),  # no BEGIN line
        ("plugins/lost-markers/handler.py", "plugin.handler.markers", error),  # no END line
        ("plugins/misnamed/plugin.spec.json", "plugin.spec.name-format", error),
        ("plugins/misnamed/plugin.spec.json", "plugin.spec.version-format", error),
        ("plugins/no-entry/handler.py", "plugin.handler.entry", error),
        ("plugins/no-spec", "plugin.spec.invalid", error),
        ("plugins/off-contract/plugin.spec.json", "plugin.spec.handles-event", error),
        ("plugins/off-contract/plugin.spec.json", "plugin.spec.outputs-allowed", error),
        ("plugins/off-contract/plugin.spec.json", "plugin.spec.rule-actions-allowed", error),
        ("plugins/rules-out-of-order/plugin.spec.json", "plugin.spec.else-last", error),
        *[("plugins/shell-out/handler.py", "plugin.handler.forbidden", error)] * 4,  # 2 imports, 2 uses
        *[(path, "plugin.generated.stale", error) for path in stale],
        ("plugins/syntax-error/handler.py", "plugin.handler.syntax", error),
    ]
    # The comment and the string in shell-out's handler that name subprocess and eval are not uses.
    forbidden = [f.message for f in result.findings if f.rule == "plugin.handler.forbidden"]
    assert not [message for message in forbidden if "subprocess" in message or "eval" in message]
    (version,) = [f for f in result.findings if f.path == "plugins/stale-router/manifest.json"]
    assert "version is '1.0.0'" in version.message and "'1.1.0'" in version.message
    assert version.fix == "regenerate: packwarden plugin scaffold plugins/stale-router/plugin.spec.json"


def test_a_broken_contract_blocks_in_warn_mode(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result, _ = _run("plugin-contract@1.0", "fail-contract", tmp_path, monkeypatch)
    contract = [f for f in result.findings if f.rule == "plugin.contract-invalid"]
    assert {(f.path, f.severity) for f in contract} == {("core/OPERATING_CONTRACT.md", Severity.BLOCK)}
    assert len(contract) == 3  # unquoted version, an event without a name, no actions block
    # Nothing is judged against a contract that cannot be read: only the missing files are said.
    assert {f.rule for f in result.findings} == {"plugin.contract-invalid", "plugin.generated.missing"}
    assert result.exit_code == 1


@pytest.mark.parametrize("ref", ["team-standard@1.0", "enterprise-compliance@1.0"])
def test_team_and_enterprise_check_plugins_as_plugin_contract_does(
    ref: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, files = _copy("plugin-contract@1.0", "fail", tmp_path, monkeypatch)
    expected = check(files, cwd=root, pack="plugin-contract@1.0")
    result = check(files, cwd=root, pack=ref)
    assert _plugin_findings(result) == _plugin_findings(expected)
    assert {f.pack for f in result.findings} == {"plugin-contract@1.0"}
    assert expected.exit_code == 0  # plugin-contract on its own: warn mode
    assert result.exit_code == 1  # block mode: every error blocks
