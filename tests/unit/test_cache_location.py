"""The cache folder: platformdirs' answer, computed without importing it where that is safe."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from platformdirs import user_cache_dir as platformdirs_user_cache_dir

from packwarden.cache.location import cache_dir, user_cache_dir, write_atomic

ENVIRONMENTS = [
    {"XDG_CACHE_HOME": None, "HOME": "/home/ada"},
    {"XDG_CACHE_HOME": "/var/tmp/xdg-cache", "HOME": "/home/ada"},
    {"XDG_CACHE_HOME": "", "HOME": "/home/ada"},
    {"XDG_CACHE_HOME": "relative/cache", "HOME": "/home/ada"},
    {"XDG_CACHE_HOME": "/var/tmp/xdg-cache", "HOME": None},
    {"XDG_CACHE_HOME": None, "HOME": "relative-home"},
    {"XDG_CACHE_HOME": None, "HOME": ""},
]


@pytest.mark.parametrize("environment", ENVIRONMENTS, ids=lambda e: ",".join(f"{k}={v}" for k, v in e.items()))
def test_user_cache_dir_is_what_platformdirs_says(
    environment: dict[str, str | None], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in environment.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    assert user_cache_dir() == platformdirs_user_cache_dir("packwarden")


def test_packwarden_home_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PACKWARDEN_HOME", str(tmp_path))
    assert cache_dir() == str(tmp_path / "cache")
    monkeypatch.setenv("PACKWARDEN_HOME", "")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == platformdirs_user_cache_dir("packwarden")


@pytest.mark.skipif(sys.platform != "linux", reason="the fast path is Linux's")
def test_the_hook_path_does_not_import_platformdirs(tmp_path: Path) -> None:
    environment = {k: v for k, v in os.environ.items() if k != "PACKWARDEN_HOME"}
    environment["XDG_CACHE_HOME"] = str(tmp_path / "xdg")
    probe = (
        "import sys; from packwarden.cache.location import cache_dir; print(cache_dir(), 'platformdirs' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", probe], env=environment, capture_output=True, text=True, check=True)
    assert done.stdout.split() == [str(tmp_path / "xdg" / "packwarden"), "False"]


def test_write_atomic_creates_the_folder_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "folder" / "entry.json"
    write_atomic(str(target), b"one")
    write_atomic(str(target), b"two")
    assert target.read_bytes() == b"two"
    assert [p.name for p in target.parent.iterdir()] == ["entry.json"]


def test_write_atomic_removes_its_temporary_when_the_rename_fails(tmp_path: Path) -> None:
    target = tmp_path / "entry.json"
    target.mkdir()  # a folder where the file should go: the rename fails for real
    with pytest.raises(OSError):
        write_atomic(str(target), b"data")
    assert [p.name for p in tmp_path.iterdir()] == ["entry.json"]
