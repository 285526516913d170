"""The plugin check kinds on a plugin folder, through ``check()``: what each says, and what would
otherwise pass silently (a contract that cannot be loaded, a spec nothing can be generated from).

The folders are plain (no git above them), as in test_builtin_packs, checked with the built-in
``plugin-contract@1.0``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from packwarden.api import CheckResult, check
from packwarden.model.finding import Severity
from packwarden.plugin.contract import read_contract
from packwarden.plugin.generate import generate
from tests.support.gitrepo import write_files
from tests.support.plugins import CONTRACT_PATH, plugin_spec

# One block for both keys, and no payloads: a contract as short as the plugin rules allow.
CONTRACT = """\
---
contract_version: "1.0"
---
```yaml
lifecycle_events:
  - name: ticket.created
allowed_actions_contract:
  route_ticket: {queue: str}
  notify: {channel: str}
  noop: {}
```
"""
SPEC: dict[str, object] = plugin_spec("router", description="Routes tickets.")
FOLDER = "plugins/router"


def _write(root: Path, files: dict[str, str | bytes]) -> list[str]:
    write_files(root, files)
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def _plugin(spec: dict[str, object], contract: str = CONTRACT) -> dict[str, str | bytes]:
    """A plugin generated from ``spec`` and ``contract``, with both."""
    files = generate(spec, read_contract(contract), generated_at="2026-01-01T00:00:00+00:00")
    generated = {f"{FOLDER}/{name}": text for name, text in files.items()}
    return {CONTRACT_PATH: contract, f"{FOLDER}/plugin.spec.json": json.dumps(spec, indent=2), **generated}


def _check(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, files: dict[str, str | bytes]) -> CheckResult:
    root = tmp_path / "repo"
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    paths = _write(root, files)
    return check(paths, cwd=root, pack="plugin-contract@1.0", use_cache=False)


def _shown(result: CheckResult) -> list[tuple[str, int, str, str]]:
    return sorted((f.path, f.line, f.rule, f.message) for f in result.findings)


def test_a_generated_plugin_is_clean(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = _check(tmp_path, monkeypatch, _plugin(SPEC))
    assert _shown(result) == []
    assert result.files == 8  # the plugin's seven files and the contract it reads


# --- a contract that cannot be loaded blocks; it never leaves the plugin rules quiet -------------


@pytest.mark.parametrize(
    ("contract", "line", "says"),
    [
        (CONTRACT.encode() + b"\xff\xfe\n", 12, "not UTF-8"),
        (CONTRACT + "x" * (1 << 20), 1, "the limit is"),
        (CONTRACT.replace("---\n```", 'contract_version: "2.0"\n---\n```', 1), 3, "duplicate key 'contract_version'"),
    ],
    ids=["not-utf8", "too-large", "front-matter-duplicate-key"],
)
def test_a_contract_the_loader_refuses_is_contract_invalid(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, contract: str | bytes, line: int, says: str
) -> None:
    files = _plugin(SPEC)
    files[CONTRACT_PATH] = contract
    result = _check(tmp_path, monkeypatch, files)
    (finding,) = result.findings
    assert (finding.rule, finding.path, finding.line, finding.severity) == (
        "plugin.contract-invalid",
        CONTRACT_PATH,
        line,
        Severity.BLOCK,
    )
    assert finding.message.startswith("operating contract: ") and says in finding.message
    assert result.exit_code == 1  # block: in warn mode too


def test_a_missing_contract_is_contract_invalid(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = _plugin(SPEC)
    del files[CONTRACT_PATH]
    result = _check(tmp_path, monkeypatch, files)
    assert [(f.rule, f.path, f.message) for f in result.findings] == [
        ("plugin.contract-invalid", CONTRACT_PATH, f"the operating contract {CONTRACT_PATH} does not exist")
    ]


# --- a spec nothing can be generated from is plugin.spec.invalid, even with its files there -------


@pytest.mark.parametrize(
    ("change", "line", "message"),
    [
        ({"outputs": "route_ticket"}, 6, "outputs must be a list of action names, not 'route_ticket'"),
        ({"outputs": None}, 1, "plugin.spec.json has no outputs: list the actions handle() may return"),
        ({"description": 5}, 4, "description must be a string, not 5"),
        ({"policy": []}, 10, "policy must be an object holding a rules list, not a list"),
        ({"policy": {"rules": {"a": 1}}}, 11, "policy.rules must be a list of objects, not a mapping"),
        (
            {"policy": {"rules": [{"else": True, "action": "notify"}, 3]}},
            16,
            "a rule of policy.rules must be an object, not 3",
        ),
    ],
    ids=["outputs-a-string", "no-outputs", "description-a-number", "policy-a-list", "rules-a-mapping", "rule-a-number"],
)
def test_a_spec_of_the_wrong_shape_is_invalid_although_its_generated_files_exist(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: dict[str, object], line: int, message: str
) -> None:
    files = _plugin(SPEC)  # generated from the good spec, then the spec is edited
    spec = {**SPEC, **change}
    if change.get("outputs", "") is None:
        del spec["outputs"]
    files[f"{FOLDER}/plugin.spec.json"] = json.dumps(spec, indent=2)
    result = _check(tmp_path, monkeypatch, files)
    invalid = [(f.path, f.line, f.message) for f in result.findings if f.rule == "plugin.spec.invalid"]
    assert invalid == [(f"{FOLDER}/plugin.spec.json", line, message)]
    assert result.exit_code == 0  # warn mode; an error all the same
    assert {f.severity for f in result.findings} == {Severity.ERROR}


# --- stale files: each message says what differs --------------------------------------------------


def test_stale_messages_name_what_differs_in_words(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = _plugin(SPEC)
    spec = {**SPEC, "outputs": ["route_ticket", "noop"], "policy": {}}
    files[f"{FOLDER}/plugin.spec.json"] = json.dumps(spec, indent=2)
    result = _check(tmp_path, monkeypatch, files)
    stale = sorted((f.path.rsplit("/", 1)[1], f.message) for f in result.findings if f.rule == "plugin.generated.stale")
    source = f"{FOLDER}/plugin.spec.json and the contract"
    assert stale == [
        ("ledger_contract.json", f"ledger_contract.json has no actions.noop; {source} make it a mapping"),
        (
            "ledger_contract.json",
            f"ledger_contract.json: actions.notify is there, but {source} make no actions.notify",
        ),
        ("manifest.json", f"manifest.json: outputs is not what {source} make it"),
        ("policy_snapshot.json", f"policy_snapshot.json has no allowed_actions.noop; {source} make it a mapping"),
        (
            "policy_snapshot.json",
            f"policy_snapshot.json: allowed_actions.notify is there, but {source} make no allowed_actions.notify",
        ),
        ("policy_snapshot.json", f"policy_snapshot.json: rules is not what {source} make it"),
    ]
    assert all("<missing>" not in message for _, message in stale)
