"""The caches never change an answer: invalidation, concurrent writers, bounds."""

from __future__ import annotations

import contextlib
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from packwarden.api import check
from packwarden.artifacts.units import Unit
from packwarden.cache import policy as policy_cache
from packwarden.cache.location import cache_dir
from packwarden.cache.results import FILE_NAME, TOUCH_AFTER_SECONDS, ResultCache, result_key
from packwarden.model import code_id as code_id_module
from packwarden.model.finding import Finding, Severity
from packwarden.packs.inputs import PolicyInputs
from tests.support.gitrepo import make_repo, write_files

GOOD = "name: good.skill\nversion: 1.0.0\nstatus: draft\n"
BAD = "name: Bad Name\nversion: 1.0.0\nstatus: draft\n"


def rules_found(repo: Path) -> list[tuple[str, str]]:
    return [(f.path, f.rule) for f in check(cwd=repo, all_files=True).findings]


def test_a_changed_file_is_checked_again(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {"skills/x/skill.yaml": GOOD})
    assert rules_found(repo) == []
    write_files(repo, {"skills/x/skill.yaml": BAD})
    assert rules_found(repo) == [("skills/x/skill.yaml", "skill.name-format")]


def test_a_changed_config_changes_the_policy_and_the_results(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {"skills/x/skill.yaml": BAD})
    assert check(cwd=repo, all_files=True).exit_code == 0
    write_files(repo, {".packwarden/policy.yml": "overrides: {severities: {skill.name-format: block}}\n"})
    result = check(cwd=repo, all_files=True)
    assert [f.severity for f in result.findings] == [Severity.BLOCK]
    assert result.exit_code == 1


def test_other_code_uses_neither_cached_policies_nor_cached_results(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keys hold the code id: another version, or an edited module of an editable install."""
    inputs = PolicyInputs(config=b"mode: warn\n")
    policy_before = policy_cache.entry_path(inputs)
    unit = Unit("skill", "p", ("p",))
    result_before = result_key("digest", unit, [("p", b"x")])
    monkeypatch.setattr(code_id_module, "_known", ["another build"])
    assert policy_cache.entry_path(inputs) != policy_before
    assert result_key("digest", unit, [("p", b"x")]) != result_before


def test_the_code_id_follows_every_module(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    (package / "checks").mkdir(parents=True)
    (package / "a.py").write_text("x = 1\n")
    (package / "checks" / "b.py").write_text("y = 1\n")
    before = code_id_module._python_files(str(package), "")
    (package / "checks" / "b.py").write_text("y = 22\n")  # a changed check
    assert code_id_module._python_files(str(package), "") != before
    assert sorted(line.split()[0] for line in before) == ["a.py", "checks/b.py"]


def test_concurrent_processes_share_the_cache_and_agree(tmp_path: Path) -> None:
    files = {f"skills/s{i}/skill.yaml": BAD if i % 3 == 0 else GOOD for i in range(60)}
    repo = make_repo(tmp_path / "repo", files)
    command = [sys.executable, "-m", "packwarden", "check", "--all-files", "--format", "json", "--jobs", "1"]
    processes = [
        subprocess.Popen(command, cwd=repo, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(4)
    ]
    outputs = [process.communicate(timeout=120) for process in processes]
    assert [process.returncode for process in processes] == [0, 0, 0, 0], [err for _, err in outputs]
    assert len({out for out, _ in outputs}) == 1
    assert outputs[0][0].count('"skill.name-format"') == 20


def test_the_result_cache_is_bounded(tmp_path: Path) -> None:
    cache = ResultCache(tmp_path, max_entries=5)
    finding = Finding("r", Severity.ERROR, "m", "p")
    for batch in range(4):
        cache.put_many({f"key-{batch}-{i}": [finding] for i in range(3)})
    kept = cache.get_many([f"key-{b}-{i}" for b in range(4) for i in range(3)])
    cache.close()
    assert len(kept) == 5
    assert all(key.startswith("key-3-") for key in sorted(kept)[-3:])


def test_the_least_recently_used_entries_go_first(tmp_path: Path) -> None:
    """An entry inserted long ago but still hit outlives newer entries that nobody uses."""
    cache = ResultCache(tmp_path, max_entries=3)
    finding = Finding("r", Severity.ERROR, "m", "p")
    cache.put_many({"popular": [finding]})
    database = tmp_path / FILE_NAME
    with contextlib.closing(sqlite3.connect(database)) as db, db:
        db.execute("UPDATE results SET used = used - ?", (2 * TOUCH_AFTER_SECONDS,))
    cache.put_many({"new-1": []})
    assert cache.get_many(["popular", "unknown"]) == {"popular": [finding]}
    assert cache.stale == ["popular"]
    cache.put_many({"new-2": []}, cache.stale)
    cache.get_many(["popular"])
    assert cache.stale == []  # its use was recorded
    cache.put_many({"new-3": []})
    kept = cache.get_many(["popular", "new-1", "new-2", "new-3"])
    cache.close()
    assert sorted(kept) == ["new-2", "new-3", "popular"]  # new-1 was used least recently


def test_a_run_that_only_hits_records_old_uses(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {"skills/a/skill.yaml": BAD})
    check(["skills/a/skill.yaml"], cwd=repo)
    database = Path(cache_dir()) / FILE_NAME
    with contextlib.closing(sqlite3.connect(database)) as db, db:
        db.execute("UPDATE results SET used = 1")
    check(["skills/a/skill.yaml"], cwd=repo)
    with contextlib.closing(sqlite3.connect(database)) as db:
        (used,) = db.execute("SELECT used FROM results").fetchone()
    assert used > time.time() - TOUCH_AFTER_SECONDS


def test_the_size_estimate_never_skips_a_needed_prune(tmp_path: Path) -> None:
    """Counting waits for the file to be large enough to be over the bound; real entries (a
    64-character key, stored twice) are never smaller than the estimate assumes."""
    cache = ResultCache(tmp_path, max_entries=1_000)
    paths = [f"skills/{i}/skill.yaml" for i in range(1_001)]
    keys = [result_key("p", Unit("skill", path, (path,)), [(path, b"x")]) for path in paths]
    cache.put_many({key: [] for key in keys[:1_000]})
    cache.put_many({keys[1_000]: []})
    kept = cache.get_many(keys)
    cache.close()
    assert len(kept) == 1_000


@pytest.mark.parametrize("count", [2, 210])  # 210: forked workers, each with its own share
def test_a_run_served_from_the_cache_imports_neither_the_engine_nor_the_yaml_reader(tmp_path: Path, count: int) -> None:
    files = {f"skills/s{i:03}/skill.yaml": BAD if i == 0 else GOOD for i in range(count)}
    repo = make_repo(tmp_path / "repo", files)
    script = (
        "import sys\n"
        "from packwarden.api import check\n"
        "result = check(['skills'], jobs=2)\n"  # explicit paths: no run memo, only the result cache
        "print(len(result.findings), sorted(m for m in ('packwarden.engine', 'packwarden.load.yaml', 'yaml')"
        " if m in sys.modules))\n"
    )

    def run() -> str:
        done = subprocess.run([sys.executable, "-c", script], cwd=repo, capture_output=True, text=True, check=True)
        return done.stdout.strip()

    assert run() == "1 ['packwarden.engine', 'packwarden.load.yaml', 'yaml']"
    assert run() == "1 []"


_MEMBERS = st.lists(st.tuples(st.sampled_from(["a", "a/b", "b", "ab"]), st.binary(max_size=4)), max_size=3)


@given(first=_MEMBERS, second=_MEMBERS)
def test_a_unit_key_changes_with_any_member_or_its_content(
    first: list[tuple[str, bytes]], second: list[tuple[str, bytes]]
) -> None:
    """Members are framed by path and length: bytes moved between files, a file renamed, added
    or removed never give the key of another set of members."""
    unit = Unit("protocol", "r", ())
    assert (result_key("d", unit, first) == result_key("d", unit, second)) == (first == second)
