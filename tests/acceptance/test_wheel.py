"""The wheel carries the built-in packs: a user who `pip install`s gets the same policies."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from packwarden.packs import builtin
from tests.support.gitrepo import REPO_ROOT


@pytest.mark.slow
def test_the_wheel_contains_every_builtin_pack_and_its_examples(tmp_path: Path) -> None:
    built = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(tmp_path), str(REPO_ROOT)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert built.returncode == 0, built.stderr[-2000:]
    (wheel,) = tmp_path.glob("packwarden-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    refs = builtin.builtin_refs()
    assert "default@1.0" in refs and len(refs) >= 5
    for ref in refs:
        assert f"packwarden/policies/{ref}/pack.yaml" in names
        assert any(name.startswith(f"packwarden/policies/{ref}/examples/pass/") for name in names)
        assert any(name.startswith(f"packwarden/policies/{ref}/examples/fail/") for name in names)
    # Every example file, dot-folders included: protocol runs live in examples/*/.protocols/.
    examples = sorted(
        path.relative_to(REPO_ROOT).as_posix()
        for path in (REPO_ROOT / "policies").glob("*/examples/**/*")
        if path.is_file()
    )
    assert any("/.protocols/" in path for path in examples)
    assert [path for path in examples if f"packwarden/{path}" not in names] == []
    assert "packwarden/py.typed" in names
    assert not any(name.startswith(("tests/", "bench/", "examples/")) for name in names)
