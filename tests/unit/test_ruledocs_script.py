"""The rule reference is written by a maintainer's script that only ever writes packwarden's tree."""

from __future__ import annotations

import shutil
from pathlib import Path
from types import ModuleType

import pytest

from packwarden.report.ruledocs import all_pages
from tests.support.gitrepo import REPO_ROOT, load_script


def _script() -> ModuleType:
    return load_script("ruledocs")


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A copy of packwarden's tree: its pyproject.toml and its current docs/rules/."""
    copy = tmp_path / "packwarden"
    (copy / "docs").mkdir(parents=True)
    shutil.copy(REPO_ROOT / "pyproject.toml", copy / "pyproject.toml")
    shutil.copytree(REPO_ROOT / "docs" / "rules", copy / "docs" / "rules")
    return copy


def test_the_committed_rule_reference_is_current() -> None:
    assert _script().main(["--check"]) == 0


def test_check_names_a_stale_page_and_writes_nothing(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stale = tree / "docs" / "rules" / "checks.md"
    stale.write_text("old\n", encoding="utf-8")
    assert _script().main(["--check"], tree) == 1
    assert capsys.readouterr().err == "docs/rules/checks.md: stale; run `python scripts/ruledocs.py`\n"
    assert stale.read_text(encoding="utf-8") == "old\n"


def test_writing_mends_stale_pages_and_removes_pages_of_no_rule(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rules = tree / "docs" / "rules"
    (rules / "checks.md").write_text("old\n", encoding="utf-8")
    (rules / "old-pack@0.1.md").write_text("gone\n", encoding="utf-8")
    assert _script().main([], tree) == 0
    assert capsys.readouterr().out.splitlines() == ["wrote docs/rules/checks.md", "removed docs/rules/old-pack@0.1.md"]
    assert sorted(p.name for p in rules.iterdir()) == sorted(all_pages())
    assert _script().main(["--check"], tree) == 0


def test_it_refuses_a_tree_that_is_not_packwardens(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A user's repository with docs/rules of its own is never touched."""
    user = tmp_path / "user"
    (user / "docs" / "rules").mkdir(parents=True)
    (user / "pyproject.toml").write_text('[project]\nname = "their-app"\n', encoding="utf-8")
    own = user / "docs" / "rules" / "style.md"
    own.write_text("their rules\n", encoding="utf-8")
    assert _script().main([], user) == 2
    assert "not packwarden's source tree" in capsys.readouterr().err
    assert own.read_text(encoding="utf-8") == "their rules\n"
    assert [p.name for p in (user / "docs" / "rules").iterdir()] == ["style.md"]


def test_packwarden_has_no_docs_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Item 8: ``packwarden docs`` deleted a repository's own docs/rules/*.md."""
    from packwarden.cli.main import COMMANDS, main

    own = tmp_path / "docs" / "rules" / "style.md"
    own.parent.mkdir(parents=True)
    own.write_text("their rules\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert "docs" not in COMMANDS
    assert main(["docs"]) == 2
    assert [p.name for p in own.parent.iterdir()] == ["style.md"]
