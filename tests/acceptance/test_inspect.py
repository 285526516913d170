"""``packwarden inspect``: what packwarden reads from a file, with every value's location."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.acceptance.conftest import Run
from tests.support.gitrepo import corpus, make_repo

Cli = Callable[..., Run]

MANIFEST = """\
name: demo.skill
version: 1.0.0
entrypoints:
  - command: /demo/run
    permissions: [filesystem, read]
  - command: /demo/other
    permissions:
      - network
tags: {a: 1, "2": true}
empty: []
"""


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(
        tmp_path / "repo",
        {
            "skills/demo/skill.yaml": MANIFEST,
            "skills/bad/skill.yaml": 'name: "demo"# glued\n',
            "registry/skills.json": '{"skills": [{"name": "demo.skill"}]}\n',
        },
    )


def lines_of(run: Run) -> list[dict[str, Any]]:
    return [json.loads(line) for line in run.out.splitlines()]


def test_inspect_shows_every_value_with_its_location(cli: Cli, repo: Path) -> None:
    run = cli(repo, "inspect", "skills/demo/skill.yaml")
    assert run.rc == 0, run.text
    path = "skills/demo/skill.yaml"
    assert run.out.splitlines() == [
        f'{path}:1:7: name = "demo.skill"',
        f'{path}:2:10: version = "1.0.0"',
        f'{path}:4:14: entrypoints[0].command = "/demo/run"',
        f'{path}:5:19: entrypoints[0].permissions[0] = "filesystem"',
        f'{path}:5:31: entrypoints[0].permissions[1] = "read"',
        f'{path}:6:14: entrypoints[1].command = "/demo/other"',
        f'{path}:8:9: entrypoints[1].permissions[0] = "network"',
        f"{path}:9:11: tags.a = 1",
        f"{path}:9:19: tags.2 = true",
        f"{path}:10:8: empty = []",
    ]


def test_field_lists_what_a_rule_reaches(cli: Cli, repo: Path) -> None:
    run = cli(repo, "inspect", "skills/demo/skill.yaml", "--field", "entrypoints[*].permissions[*]")
    assert run.rc == 0, run.text
    assert run.out.splitlines() == [
        'skills/demo/skill.yaml:5:19: entrypoints[0].permissions[0] = "filesystem"',
        'skills/demo/skill.yaml:5:31: entrypoints[0].permissions[1] = "read"',
        'skills/demo/skill.yaml:8:9: entrypoints[1].permissions[0] = "network"',
    ]


def test_field_shows_where_a_named_key_is_missing(cli: Cli, repo: Path) -> None:
    run = cli(repo, "inspect", "skills/demo/skill.yaml", "--field", "entrypoints[0].handler")
    assert run.rc == 0
    assert run.out.splitlines() == ["skills/demo/skill.yaml:4:5: entrypoints[0].handler is missing"]
    every = cli(repo, "inspect", "skills/demo/skill.yaml", "--field", "entrypoints[*].handler")
    assert every.out.splitlines() == [
        "skills/demo/skill.yaml:4:5: entrypoints[0].handler is missing",
        "skills/demo/skill.yaml:6:5: entrypoints[1].handler is missing",
    ]
    # a key missing before a wildcard is not reported, as a rule does not report it
    nothing = cli(repo, "inspect", "skills/demo/skill.yaml", "--field", "handlers[*].name")
    assert nothing.out.splitlines() == ["skills/demo/skill.yaml: nothing matches"]


def test_json_is_one_object_per_file(cli: Cli, repo: Path) -> None:
    run = cli(repo, "inspect", "--json", "skills/demo/skill.yaml", "skills/bad/skill.yaml", "registry/skills.json")
    assert run.rc == 1  # one file was refused
    good, bad, index = lines_of(run)
    assert good == {
        "path": "skills/demo/skill.yaml",
        "data": {
            "name": "demo.skill",
            "version": "1.0.0",
            "entrypoints": [
                {"command": "/demo/run", "permissions": ["filesystem", "read"]},
                {"command": "/demo/other", "permissions": ["network"]},
            ],
            "tags": {"a": 1, "2": True},
            "empty": [],
        },
        "findings": [],
    }
    assert bad["path"] == "skills/bad/skill.yaml"
    assert bad["data"] is None
    [finding] = bad["findings"]
    assert (finding["rule"], finding["line"], finding["column"]) == ("parse.yaml12", 1, 13)
    assert finding["fix"] == "put a space before '#'"
    assert index == {"path": "registry/skills.json", "data": {"skills": [{"name": "demo.skill"}]}, "findings": []}


def test_json_with_field_adds_matches_and_missing(cli: Cli, repo: Path) -> None:
    run = cli(repo, "inspect", "--json", "skills/demo/skill.yaml", "--field", "entrypoints[*].permissions")
    [shown] = lines_of(run)
    assert set(shown) == {"path", "data", "findings", "matches", "missing"}
    assert shown["matches"] == [
        {"field": "entrypoints[0].permissions", "line": 5, "column": 18, "value": ["filesystem", "read"]},
        {"field": "entrypoints[1].permissions", "line": 8, "column": 7, "value": ["network"]},
    ]
    assert shown["missing"] == []


def test_a_refused_file_shows_the_findings_that_stopped_it(cli: Cli, repo: Path) -> None:
    run = cli(repo, "inspect", "skills/bad/skill.yaml", "missing.yaml")
    assert run.rc == 1
    assert run.prefixes() == [
        "skills/bad/skill.yaml:1:13: error parse.yaml12",
        "missing.yaml:1:1: error path.unreadable",
    ]
    assert "fix: put a space before '#'" in run.out


@pytest.mark.parametrize("field", ["a[", "", "a..b"])
def test_a_bad_field_path_is_a_usage_error(cli: Cli, repo: Path, field: str) -> None:
    run = cli(repo, "inspect", "skills/demo/skill.yaml", "--field", field)
    assert run.rc == 2
    assert "field path" in run.err


def test_inspect_reads_as_check_reads(cli: Cli, repo: Path) -> None:
    # the same refusal, the same place, from both commands
    shown = cli(repo, "inspect", "skills/bad/skill.yaml")
    checked = cli(repo, "check", "skills/bad/skill.yaml", "--color", "never")
    assert shown.prefixes()[0] in checked.prefixes()


def _ruamel_positions(path: Path) -> list[tuple[str, int, int, Any]]:
    """entrypoints[*].permissions[*] by a second reader: ruamel.yaml's round-trip loader, which
    records where each item stood (0-based)."""
    from ruamel.yaml import YAML

    data = YAML().load(path.read_text(encoding="utf-8"))
    found = []
    for i, entry in enumerate(data.get("entrypoints") or []):
        permissions = entry.get("permissions") if hasattr(entry, "get") else None
        for j, permission in enumerate(permissions or []):
            line, column = permissions.lc.item(j)
            found.append((f"entrypoints[{i}].permissions[{j}]", line + 1, column + 1, permission))
    return found


def test_inspect_on_the_betty_corpus(cli: Cli) -> None:
    betty = corpus("betty")
    manifests = sorted(p.relative_to(betty).as_posix() for p in betty.glob("skills/*/skill.yaml"))
    with_permissions = [m for m in manifests if _ruamel_positions(betty / m)]
    assert len(with_permissions) >= 5
    path = "skills/policy.enforce/skill.yaml"
    shown = cli(betty, "inspect", path)
    assert shown.rc == 0, shown.text
    assert f'{path}:1:7: name = "policy.enforce"' in shown.out.splitlines()
    assert f'{path}:70:9: entrypoints[0].permissions[0] = "filesystem"' in shown.out.splitlines()
    run = cli(betty, "inspect", "--json", "--field", "entrypoints[*].permissions[*]", *with_permissions)
    assert run.rc == 0, run.text
    for manifest, shown_file in zip(with_permissions, lines_of(run), strict=True):
        assert shown_file["path"] == manifest
        listed = [(m["field"], m["line"], m["column"], m["value"]) for m in shown_file["matches"]]
        assert listed == _ruamel_positions(betty / manifest)


def test_json_refuses_keys_that_json_would_merge(cli: Cli, tmp_path: Path) -> None:
    """``1`` and ``"1"`` are two keys in YAML and one in JSON: --json says so rather than drop one."""
    (tmp_path / "k.yaml").write_text('1: a\n"1": b\n', encoding="utf-8")

    run = cli(tmp_path, "inspect", "--json", "k.yaml")

    (shown,) = [json.loads(line) for line in run.out.splitlines()]
    assert run.rc == 1
    assert shown["data"] is None
    assert [(f["rule"], f["line"], f["column"]) for f in shown["findings"]] == [("parse.duplicate-key", 2, 1)]
    assert cli(tmp_path, "inspect", "k.yaml").rc == 0  # the text output shows both
