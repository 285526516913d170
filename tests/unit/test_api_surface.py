"""The importable API: cheap and silent to import, returns data, raises typed errors."""

from __future__ import annotations

import ast
import contextlib
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

import packwarden
from packwarden.cache.results import FILE_NAME
from packwarden.model.errors import GitError, PolicyError, PolicyNotFoundError, PolicyValidationError, UsageError
from packwarden.model.finding import Finding, Severity
from tests.support.gitrepo import git, make_repo

GOOD = "name: data.transform\nversion: 1.0.0\nstatus: active\n"
BAD = "name: Data Transform\nversion: '1.0'\nstatus: active\n"


def python(code: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True, check=False, timeout=120
    )


# --- importing ------------------------------------------------------------------------------------


def test_import_does_not_load_heavy_dependencies(tmp_path: Path) -> None:
    done = python(
        "import packwarden, sys; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pydantic','rich','yaml','git')))",
        tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "[]\n"


def test_import_loads_neither_the_engine_nor_the_packs(tmp_path: Path) -> None:
    done = python(
        "import packwarden, sys; print(sorted(m for m in sys.modules if m.startswith('packwarden')))", tmp_path
    )
    loaded = set(ast.literal_eval(done.stdout))
    assert loaded == {"packwarden", "packwarden.model", "packwarden.model.version"}  # the rest on first use


def test_import_has_no_side_effects(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    work = tmp_path / "work"
    work.mkdir()
    env = {**os.environ, "PACKWARDEN_HOME": str(home / "pw"), "HOME": str(home), "XDG_CACHE_HOME": str(home / "c")}
    done = python("import packwarden", work, env)
    assert done.returncode == 0
    assert (done.stdout, done.stderr) == ("", "")
    assert list(home.iterdir()) == []
    assert list(work.iterdir()) == []


def test_first_use_loads_the_api_lazily(tmp_path: Path) -> None:
    done = python(
        "import packwarden, sys; packwarden.check; print('packwarden.api' in sys.modules, 'pydantic' in sys.modules)",
        tmp_path,
    )
    assert done.stdout == "True False\n"


def test_public_names() -> None:
    from packwarden import api
    from packwarden.model.policy import EffectivePolicy

    assert packwarden.check is api.check
    assert packwarden.resolve is api.resolve
    assert packwarden.CheckResult is api.CheckResult
    assert packwarden.EffectivePolicy is EffectivePolicy
    assert packwarden.Finding is Finding
    assert packwarden.Severity is Severity
    assert sorted(packwarden.__all__) == sorted(packwarden._EXPORTS)
    for name in packwarden.__all__:
        assert getattr(packwarden, name) is not None
        assert name in dir(packwarden)
    assert packwarden.PolicyError is PolicyError
    assert isinstance(packwarden.__version__, str)


def test_an_unknown_attribute_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="module 'packwarden' has no attribute 'nosuch'"):
        packwarden.nosuch  # noqa: B018


# --- errors -------------------------------------------------------------------------------------------


def test_error_hierarchy() -> None:
    for error in (PolicyNotFoundError, PolicyValidationError, UsageError, GitError):
        assert issubclass(error, PolicyError)
    assert issubclass(PolicyError, Exception)


def test_policy_validation_error_carries_errors_and_warnings() -> None:
    error = Finding("pack.invalid", Severity.ERROR, "bad", "p.yaml", 3, 4)
    other = Finding("pack.invalid", Severity.ERROR, "worse", "p.yaml", 5, 1)
    warning = Finding("pack.meaningless", Severity.WARNING, "hm", "p.yaml", 1, 1)
    exc = PolicyValidationError([error, other], [warning])
    assert exc.errors == (error, other)
    assert exc.warnings == (warning,)
    assert str(exc) == "invalid policy: p.yaml:3:4: bad (and 1 more)"
    single = PolicyValidationError([error])
    assert single.warnings == ()
    assert str(single) == "invalid policy: p.yaml:3:4: bad"
    assert str(PolicyValidationError([])) == "invalid policy: "


# --- findings and severities ------------------------------------------------------------------------------


def test_severity_parse_and_rank() -> None:
    assert Severity.parse(" Error ") is Severity.ERROR
    with pytest.raises(ValueError):
        Severity.parse("fatal")
    assert [s.rank for s in (Severity.INFO, Severity.WARNING, Severity.ERROR, Severity.BLOCK)] == [0, 1, 2, 3]


def test_finding_round_trips_through_plain_data() -> None:
    finding = Finding("r", Severity.BLOCK, "m", "p", 2, 3, "k@1", "fix", "skill", {"field": "name"})
    data = finding.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert Finding.from_dict(data) == finding
    assert Finding.from_dict(data).metadata == {"field": "name"}
    assert finding.sort_key == ("p", 2, 3, "r", "m")


def test_effective_policy_round_trips_through_plain_data() -> None:
    from packwarden.model.policy import EffectivePolicy
    from packwarden.packs.inputs import PolicyInputs
    from packwarden.packs.resolve import build_policy

    policy = build_policy(PolicyInputs(b"overrides: {severities: {parse.syntax: warning}}\n"))
    again = EffectivePolicy.from_data(json.loads(json.dumps(policy.to_data())))
    assert again.digest == policy.digest
    assert again.origins == policy.origins
    assert {r.id: r.doc for r in again.rules} == {r.id: r.doc for r in policy.rules}
    assert {r.id: (r.source, r.line) for r in again.rules} == {r.id: (r.source, r.line) for r in policy.rules}


# --- check and resolve ----------------------------------------------------------------------------------------


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = make_repo(tmp_path / "repo", {"skills/a/skill.yaml": GOOD, "skills/b/skill.yaml": BAD, "x.txt": "x"})
    monkeypatch.chdir(root)
    return root


def test_check_returns_structured_data(repo: Path) -> None:
    result = packwarden.check()
    assert isinstance(result, packwarden.CheckResult)
    assert result.files == 2
    assert result.exit_code == 0
    assert all(isinstance(f, Finding) for f in result.findings)
    assert [(f.rule, f.path, f.line) for f in result.findings] == [
        ("skill.name-format", "skills/b/skill.yaml", 1),
        ("skill.version-semver", "skills/b/skill.yaml", 2),
    ]
    assert result.policy.packs == ("default@1.0",)
    assert result.verdict.counts[Severity.ERROR] == 2


def test_check_strict_and_paths(repo: Path) -> None:
    result = packwarden.check(["skills/b"], strict=True)
    assert result.exit_code == 1
    assert len(result.verdict.blocking) == 2
    assert packwarden.check(["skills/a/skill.yaml"], strict=True).exit_code == 0


def test_check_from_a_subdirectory_with_cwd(repo: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    result = packwarden.check(["skill.yaml"], cwd=repo / "skills" / "b")
    assert {f.path for f in result.findings} == {"skills/b/skill.yaml"}


def test_check_gives_the_same_findings_with_and_without_the_cache(repo: Path) -> None:
    fresh = packwarden.check(use_cache=False)
    first = packwarden.check()
    cached = packwarden.check()
    assert fresh.findings == first.findings == cached.findings
    assert (Path(os.environ["PACKWARDEN_HOME"]) / "cache").is_dir()


def test_check_in_parallel_gives_the_same_findings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = {f"skills/s{i:03}/skill.yaml": BAD if i % 7 == 0 else GOOD for i in range(210)}
    root = make_repo(tmp_path / "big", files)
    monkeypatch.chdir(root)
    serial = packwarden.check(use_cache=False, jobs=1)
    parallel = packwarden.check(use_cache=False, jobs=2)
    assert parallel.files == serial.files == 210
    assert parallel.findings == serial.findings
    assert len(serial.findings) == 2 * 30


def test_forked_workers_fill_and_use_the_result_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = {f"skills/s{i:03}/skill.yaml": BAD if i % 7 == 0 else GOOD for i in range(210)}
    root = make_repo(tmp_path / "big", files)
    (root / "skills/linked").mkdir()  # read problems, one in each share, are never cached
    (root / "skills/linked/skill.yaml").symlink_to("../s000/skill.yaml")
    (root / "skills/s200/agent.yaml").symlink_to("/etc/passwd")
    git(root, "add", "skills")
    monkeypatch.chdir(root)
    serial = packwarden.check(use_cache=False, jobs=1)
    filled = packwarden.check(paths=["skills"], jobs=2)  # explicit paths: no run memo, only results
    database = Path(os.environ["PACKWARDEN_HOME"]) / "cache" / FILE_NAME
    with contextlib.closing(sqlite3.connect(database)) as db:
        (rows,) = db.execute("SELECT count(*) FROM results").fetchone()
    assert rows == 210  # every share's results, written once by this process
    served = packwarden.check(paths=["skills"], jobs=2)
    assert serial.findings == filled.findings == served.findings
    problems = {(f.path, f.rule) for f in served.findings if f.rule.startswith("path.")}
    assert problems == {("skills/linked/skill.yaml", "path.symlink"), ("skills/s200/agent.yaml", "path.outside-repo")}


def test_check_with_an_unknown_pack_raises_not_found(repo: Path) -> None:
    with pytest.raises(PolicyNotFoundError):
        packwarden.check(pack="nosuch@1")


def test_check_with_an_invalid_config_raises_with_located_errors(repo: Path) -> None:
    (repo / ".packwarden").mkdir()
    (repo / ".packwarden" / "policy.yml").write_text("mode: strict-ish\n")
    with pytest.raises(PolicyValidationError) as info:
        packwarden.check()
    assert [(e.rule, e.path, e.line) for e in info.value.errors] == [("config.invalid", ".packwarden/policy.yml", 1)]


def test_a_config_too_large_to_read_is_a_config_error(repo: Path) -> None:
    (repo / ".packwarden").mkdir()
    (repo / ".packwarden" / "policy.yml").write_text("# " + "x" * 70_000 + "\n")
    with pytest.raises(PolicyValidationError) as info:
        packwarden.resolve()
    (error,) = info.value.errors
    assert (error.rule, error.path) == ("config.invalid", ".packwarden/policy.yml")
    assert "the limit is 65536" in error.message


def test_resolve_reads_the_repository_config(repo: Path) -> None:
    (repo / ".packwarden").mkdir()
    (repo / ".packwarden" / "policy.yml").write_text("mode: block\noverrides: {disable: [skill.name-format]}\n")
    policy = packwarden.resolve()
    assert isinstance(policy, packwarden.EffectivePolicy)
    assert policy.mode == "block"
    assert "skill.name-format" not in {r.id for r in policy.rules}
    assert packwarden.resolve(strict=True).origins["mode"] == "command line --strict"
    assert packwarden.resolve(cwd=repo / "skills").digest == policy.digest


def test_checking_the_config_file_checks_everything(repo: Path) -> None:
    (repo / ".packwarden").mkdir()
    (repo / ".packwarden" / "policy.yml").write_text("mode: warn\n")
    assert packwarden.check([".packwarden/policy.yml"]).files == 2


def test_all_files_in_the_index(repo: Path) -> None:
    (repo / "skills" / "c").mkdir()
    (repo / "skills" / "c" / "skill.yaml").write_text(BAD)  # not added: not in the index
    result = packwarden.check(staged=True, all_files=True)
    assert result.files == 2
    assert {f.path for f in result.findings} == {"skills/b/skill.yaml"}


# --- files that cannot be read safely -------------------------------------------------------------------------


def test_links_and_special_files_are_reported_not_read(repo: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.yaml"
    outside.write_text(BAD)
    (repo / "skills" / "inner").mkdir()
    (repo / "skills" / "inner" / "skill.yaml").symlink_to("../b/skill.yaml")
    (repo / "skills" / "outer").mkdir()
    (repo / "skills" / "outer" / "skill.yaml").symlink_to(outside)
    (repo / "skills" / "pipe").mkdir()
    os.mkfifo(repo / "skills" / "pipe" / "skill.yaml")
    paths = ["skills/inner/skill.yaml", "skills/outer/skill.yaml", "skills/pipe/skill.yaml"]
    result = packwarden.check(paths)
    assert result.files == 3
    assert [(f.rule, f.severity, f.path) for f in result.findings] == [
        ("path.symlink", Severity.WARNING, "skills/inner/skill.yaml"),
        ("path.outside-repo", Severity.ERROR, "skills/outer/skill.yaml"),
        ("path.unreadable", Severity.ERROR, "skills/pipe/skill.yaml"),
    ]
    assert result.findings[2].message.startswith("is not a regular file")
    with pytest.raises(UsageError, match=r"skills/gone/skill\.yaml: no such file or directory"):
        packwarden.check([*paths, "skills/gone/skill.yaml"])


def test_a_directory_reached_through_a_link_is_not_followed(repo: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "skill.yaml").write_text(BAD)
    (repo / "linked").symlink_to(elsewhere)
    (finding,) = packwarden.check(["linked/skill.yaml"]).findings
    assert (finding.rule, finding.path) == ("path.outside-repo", "linked/skill.yaml")


def test_an_oversized_manifest_is_not_parsed(repo: Path) -> None:
    (repo / "skills" / "a" / "skill.yaml").write_text("name: x\n# " + "y" * 1_100_000 + "\n")
    (finding,) = packwarden.check(["skills/a/skill.yaml"]).findings
    assert finding.rule == "parse.too-large"
    assert finding.message.endswith("the limit is 1048576")


def test_json_members_of_a_folder_kind_are_read_as_json(repo: Path) -> None:
    (repo / "pack.yaml").write_text(
        "meta: {key: j, version: '1'}\nartifacts: {plugin: ['plugins/*/']}\n"
        "rules:\n  - {id: plugin.name, applies_to: [plugin], field: name, pattern: '^[a-z]+$'}\n"
    )
    (repo / "plugins" / "p").mkdir(parents=True)
    (repo / "plugins" / "p" / "plugin.spec.json").write_text('{\n  "name": "Bad Name"\n}\n')
    result = packwarden.check(["plugins/p/plugin.spec.json"], pack="pack.yaml")
    assert [(f.rule, f.path, f.line, f.column, f.scope) for f in result.findings] == [
        ("plugin.name", "plugins/p/plugin.spec.json", 2, 11, "plugin")
    ]


# --- the caches ------------------------------------------------------------------------------------------------


def test_a_changed_pack_file_is_never_served_from_the_policy_cache(repo: Path) -> None:
    pack = repo / "team.yaml"
    pack.write_text("meta: {key: team, version: '1'}\nrules:\n  - {id: t.name, field: name, pattern: '^zzz$'}\n")
    assert {f.rule for f in packwarden.check(pack="team.yaml").findings} == {"t.name"}
    pack.write_text("meta: {key: team, version: '1'}\nrules:\n  - {id: t.status, field: status, pattern: '^z$'}\n")
    assert {f.rule for f in packwarden.check(pack="team.yaml").findings} == {"t.status"}
    pack.unlink()
    with pytest.raises(PolicyNotFoundError):
        packwarden.check(pack="team.yaml")


def test_a_corrupt_policy_cache_entry_is_rebuilt(repo: Path) -> None:
    first = packwarden.resolve()
    entries = list((Path(os.environ["PACKWARDEN_HOME"]) / "cache" / "policies").glob("*.json"))
    assert len(entries) == 1
    entries[0].write_text("{not json")
    assert packwarden.resolve().digest == first.digest
    seal, _, body = entries[0].read_bytes().partition(b"\n")  # rebuilt, and sealed again
    assert json.loads(body)["policy"]["packs"] == ["default@1.0"]
    assert len(seal) == 64


def test_a_cache_folder_that_cannot_be_written_only_costs_speed(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = repo.parent / "blocked-home"
    home.mkdir()
    (home / "cache").write_text("a file where the cache folder should be")
    monkeypatch.setenv("PACKWARDEN_HOME", str(home))
    result = packwarden.check()
    assert {f.rule for f in result.findings} == {"skill.name-format", "skill.version-semver"}


def test_a_corrupt_result_cache_is_discarded(repo: Path) -> None:
    expected = packwarden.check().findings
    from packwarden.cache.results import FILE_NAME

    database = Path(os.environ["PACKWARDEN_HOME"]) / "cache" / FILE_NAME
    assert database.is_file()
    database.write_bytes(b"this is not a database" * 100)
    assert packwarden.check().findings == expected
    assert packwarden.check().findings == expected
