"""The compiled forms of the built-in policies shipped in policies/compiled.json."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from packwarden.cache import shipped
from packwarden.packs import builtin
from packwarden.packs.files import PackFiles
from packwarden.packs.inputs import PolicyInputs
from packwarden.packs.resolve import build_policy
from tests.support.gitrepo import load_script, make_repo


def _script() -> ModuleType:
    return load_script("compile_builtin")


def test_the_shipped_file_is_current() -> None:
    assert _script().main(["--check"]) == 0


@pytest.mark.parametrize("pack", [None, *builtin.builtin_refs(), "team-standard"])
@pytest.mark.parametrize("strict", [False, True])
def test_every_shipped_policy_equals_a_fresh_compile(pack: str | None, strict: bool) -> None:
    inputs = PolicyInputs(pack=pack, strict=strict)
    files = PackFiles(".")
    found = shipped.shipped_policy(inputs, files)
    if pack == "team-standard":  # a bare key is not shipped: it may name another version later
        assert found is None
        return
    fresh_files = PackFiles(".")
    assert found == build_policy(inputs, fresh_files)
    assert files.read == fresh_files.read  # the same pack files, so the cache entry records them


def test_a_repository_config_or_a_pack_file_is_never_answered_from_it() -> None:
    assert shipped.shipped_policy(PolicyInputs(config=b"mode: warn\n"), PackFiles(".")) is None
    assert shipped.shipped_policy(PolicyInputs(pack="packs/team.yaml"), PackFiles(".")) is None


@pytest.fixture
def copied(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The built-in policies folder, copied where a test may change it."""
    copy = tmp_path / "policies"
    shutil.copytree(Path(str(builtin.policies_root())), copy)
    monkeypatch.setattr(shipped, "_policies_folder", lambda: str(copy))
    return copy


def test_the_policies_folder_is_the_one_the_built_in_packs_are_read_from() -> None:
    assert Path(shipped._policies_folder()).resolve() == Path(str(builtin.policies_root())).resolve()


def test_a_changed_built_in_pack_is_not_answered_from_it(copied: Path) -> None:
    pack = copied / "default@1.0" / "pack.yaml"
    pack.write_bytes(pack.read_bytes() + b"# changed\n")
    assert shipped.shipped_policy(PolicyInputs(), PackFiles(".")) is None


def test_a_changed_compiler_is_not_answered_from_it(copied: Path) -> None:
    data = json.loads((copied / shipped.FILE_NAME).read_text(encoding="utf-8"))
    first = sorted(data["compiler"])[0]
    data["compiler"][first] = "0" * 64  # as if that module had been edited since
    (copied / shipped.FILE_NAME).write_text(json.dumps(data), encoding="utf-8")
    assert shipped.shipped_policy(PolicyInputs(), PackFiles(".")) is None


def test_a_damaged_file_is_not_answered_from_it(copied: Path) -> None:
    (copied / shipped.FILE_NAME).write_bytes(b"{not json")
    assert shipped.shipped_policy(PolicyInputs(), PackFiles(".")) is None


def test_a_first_run_with_the_built_in_packs_does_not_import_pydantic(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {"skills/a/skill.yaml": "name: Bad Name\n"})
    probe = (
        "import sys; from packwarden.api import check; r = check(all_files=True); "
        "print(r.exit_code, [f.rule for f in r.findings], 'pydantic' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=repo,
        env={"PACKWARDEN_HOME": str(tmp_path / "empty-home"), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.split(" ", 1)[0] == "0"
    assert done.stdout.rstrip().endswith("False"), done.stdout
    assert "skill.name-format" in done.stdout
