from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _isolated(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No test sees the developer's git config, colour settings or crash-log folder."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("PACKWARDEN_TEST_HOME", str(home))
    monkeypatch.setenv("PACKWARDEN_HOME", str(home / "packwarden"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    for name in ("NO_COLOR", "FORCE_COLOR", "GIT_INDEX_FILE", "GIT_DIR", "GIT_WORK_TREE"):
        monkeypatch.delenv(name, raising=False)
    before = set(threading.enumerate())
    yield
    leaked = [t for t in threading.enumerate() if t not in before and t.is_alive()]
    assert not leaked, f"test leaked threads: {leaked}"


@pytest.fixture
def chdir(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    def go(path: Path) -> Path:
        monkeypatch.chdir(path)
        return path

    return go
