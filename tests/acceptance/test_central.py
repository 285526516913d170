"""Central packs end to end: `packwarden pull` from a folder, a real bare git repository and a real
HTTP server; then `check`, the hooks and the gate offline, against the verified cache."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.acceptance.conftest import BIN, run_tool, tool_env
from tests.support.central import (
    EXTRA_RULE,
    Orchestrator,
    bare_source,
    central_files,
    config_text,
    consumer_repo,
    dir_source,
    git_source,
    http_source,
    network_guard,
    pack_text,
    publish,
    serving,
)
from tests.support.gitrepo import git, make_repo, write_files

LOCK = ".packwarden/lock.yml"


@pytest.fixture
def home(tmp_path: Path) -> dict[str, str]:
    """Every process of a test shares one packwarden home: the cache `pull` fills."""
    return {"PACKWARDEN_HOME": str(tmp_path / "pw-home")}


def tool(
    repo: Path, home: dict[str, str], *args: str, name: str = "packwarden", **env: str
) -> subprocess.CompletedProcess[str]:
    done = run_tool(repo, name, *args, **home, **env)
    assert "Traceback" not in done.stdout + done.stderr, done.stdout + done.stderr
    return done


def rules_of(done: subprocess.CompletedProcess[str]) -> list[str]:
    return [finding["rule"] for finding in json.loads(done.stdout)["findings"]]


def pulled_dir_repo(tmp_path: Path, home: dict[str, str], **central: str) -> Path:
    source = tmp_path / "company-policies"
    write_files(source, central_files(**central))
    repo = consumer_repo(tmp_path / "repo", config_text(dir_source(source)))
    done = tool(repo, home, "pull")
    assert done.returncode == 0, done.stdout + done.stderr
    return repo


# --- pull, lock, check -------------------------------------------------------------------------


def test_pull_from_a_folder_pins_the_packs_and_check_applies_them(tmp_path: Path, home: dict[str, str]) -> None:
    repo = pulled_dir_repo(tmp_path, home)

    lock = (repo / LOCK).read_text()
    assert "acme-standard@1.2: {source: shared, sha256: " in lock
    assert "payments-api: {source: shared, sha256: " in lock
    checked = tool(repo, home, "check", "--all-files", "--format", "json")
    assert "acme.owner-required" in rules_of(checked)
    assert checked.returncode == 0  # error, warn mode: reported, not blocking
    again = tool(repo, home, "pull")
    assert again.returncode == 0 and "is current" in again.stdout
    assert (repo / LOCK).read_text() == lock


def test_effective_explain_names_the_central_layer_and_a_sha256(tmp_path: Path, home: dict[str, str]) -> None:
    repo = pulled_dir_repo(tmp_path, home)

    shown = tool(repo, home, "effective", "--explain", "--color", "never")

    assert shown.returncode == 0, shown.stderr
    assert "pack acme-standard@1.2 (central shared, sha256:" in shown.stdout
    assert (
        "acme.owner-required: locked by project payments-api (central shared, projects/payments-api.yml)"
        in shown.stdout
    )
    assert "hash: sha256:" in shown.stdout


def test_a_locked_rule_the_config_disables_still_fires_with_a_refusal(tmp_path: Path, home: dict[str, str]) -> None:
    source = tmp_path / "company-policies"
    write_files(source, central_files())
    config = config_text(
        dir_source(source),
        extra="overrides:\n  disable: [acme.owner-required]\n  severities: {acme.owner-required: info}\n",
    )
    repo = consumer_repo(tmp_path / "repo", config)
    assert tool(repo, home, "pull").returncode == 0

    checked = tool(repo, home, "check", "--all-files", "--format", "json")

    findings = json.loads(checked.stdout)["findings"]
    fired = [f for f in findings if f["rule"] == "acme.owner-required"]
    refused = [f for f in findings if f["rule"] == "config.override-refused"]
    assert fired and fired[0]["severity"] == "error"
    assert len(refused) == 2
    assert all("locked by project payments-api" in f["message"] for f in refused)
    assert {f["path"] for f in refused} == {".packwarden/policy.yml"}
    assert sorted(f["line"] for f in refused) == [6, 7]  # the disable entry, the severity entry


def test_tighten_only_refuses_any_loosening_and_allows_tightening(tmp_path: Path, home: dict[str, str]) -> None:
    source = tmp_path / "company-policies"
    write_files(source, central_files(repo_overrides="tighten-only", extra=EXTRA_RULE))
    extra = "overrides:\n  severities: {acme.team-prefix: info, acme.owner-required: block}\n"
    repo = consumer_repo(tmp_path / "repo", config_text(dir_source(source), extra=extra))
    assert tool(repo, home, "pull").returncode == 0

    checked = tool(repo, home, "check", "--all-files", "--format", "json")

    findings = {f["rule"]: f for f in json.loads(checked.stdout)["findings"]}
    assert findings["acme.team-prefix"]["severity"] == "warning"  # the lowering was refused
    assert findings["acme.owner-required"]["severity"] == "block"  # the raise applies
    assert "tighten only" in findings["config.override-refused"]["message"]
    assert checked.returncode == 1


def test_a_deprecated_pack_warns_and_names_its_successor(tmp_path: Path, home: dict[str, str]) -> None:
    repo = pulled_dir_repo(tmp_path, home, status=", status: deprecated, successor: acme-standard@1.3")

    checked = tool(repo, home, "check", "--all-files", "--format", "json")

    deprecated = [f for f in json.loads(checked.stdout)["findings"] if f["rule"] == "pack.deprecated"]
    assert deprecated and "acme-standard@1.3" in deprecated[0]["message"]


# --- the cache: missing, tampered, half-written --------------------------------------------------


def test_a_missing_cache_is_a_finding_in_warn_mode_and_exit_2_in_strict_mode(
    tmp_path: Path, home: dict[str, str]
) -> None:
    repo = pulled_dir_repo(tmp_path, home)
    assert tool(repo, home, "cache", "clear").returncode == 0

    warn = tool(repo, home, "check", "--all-files", "--format", "json")
    strict = tool(repo, home, "check", "--all-files", "--strict")

    assert warn.returncode == 0
    unavailable = [f for f in json.loads(warn.stdout)["findings"] if f["rule"] == "pack.unavailable"]
    assert unavailable and "packwarden pull" in unavailable[0]["message"]
    assert strict.returncode == 2
    assert "packwarden pull" in strict.stdout + strict.stderr
    assert tool(repo, home, "pull").returncode == 0
    healed = tool(repo, home, "check", "--all-files", "--format", "json")
    assert "pack.unavailable" not in rules_of(healed) and "acme.owner-required" in rules_of(healed)


def _objects(home: dict[str, str]) -> list[Path]:
    return sorted(path for path in (Path(home["PACKWARDEN_HOME"]) / "cache" / "central" / "objects").iterdir())


def test_a_tampered_cached_pack_exits_2_naming_the_pack(tmp_path: Path, home: dict[str, str]) -> None:
    repo = pulled_dir_repo(tmp_path, home)
    first = tool(repo, home, "check", "--all-files")  # leaves a compiled policy in the cache too
    assert first.returncode == 0
    pack = next(path / "pack.yaml" for path in _objects(home) if (path / "pack.yaml").exists())
    pack.chmod(0o644)
    pack.write_text(pack.read_text().replace("severity: error", "severity: info"))

    tampered = tool(repo, home, "check", "--all-files")

    assert tampered.returncode == 2
    assert "acme-standard@1.2" in tampered.stdout + tampered.stderr
    assert "packwarden pull" in tampered.stdout + tampered.stderr
    assert tool(repo, home, "pull").returncode == 0  # fetched again
    assert tool(repo, home, "check", "--all-files").returncode == 0


def test_a_half_written_cache_object_is_never_used(tmp_path: Path, home: dict[str, str]) -> None:
    repo = pulled_dir_repo(tmp_path, home)
    objects = _objects(home)[0].parent
    (objects / ".tmp-99999999-half").mkdir()
    (objects / ".tmp-99999999-half" / "pack.yaml").write_text("meta: {key: acme-standard")

    checked = tool(repo, home, "check", "--all-files", "--format", "json")

    assert checked.returncode == 0 and "acme.owner-required" in rules_of(checked)
    assert tool(repo, home, "pull").returncode == 0


def test_an_edited_lock_is_a_clear_error(tmp_path: Path, home: dict[str, str]) -> None:
    repo = pulled_dir_repo(tmp_path, home)
    lock = repo / LOCK
    lock.write_text(lock.read_text().replace("sha256: ", "sha256: x", 1))

    checked = tool(repo, home, "check", "--all-files")

    assert checked.returncode == 2
    assert ".packwarden/lock.yml:" in checked.stdout + checked.stderr


# --- git sources -------------------------------------------------------------------------------


def test_a_git_source_is_pinned_to_its_commit_and_check_reports_when_the_tag_moves(
    tmp_path: Path, home: dict[str, str]
) -> None:
    work, bare = bare_source(tmp_path, central_files())
    repo = consumer_repo(tmp_path / "repo", config_text(git_source(f"file://{bare}", "v1.2.0")))
    assert tool(repo, home, "pull").returncode == 0
    pinned = (repo / LOCK).read_text()
    publish(work, bare, {"acme-standard@1.2/pack.yaml": pack_text(extra=EXTRA_RULE)}, "add a rule", tag="v1.2.0")

    behind = tool(repo, home, "pull", "--check")
    refill = tool(repo, home, "pull")
    update = tool(repo, home, "pull", "--update", "--color", "never")

    assert behind.returncode == 1 and "behind" in behind.stdout
    assert refill.returncode == 0 and "at its pin" in refill.stdout
    assert update.returncode == 0
    assert "+ acme.team-prefix" in update.stdout
    assert (repo / LOCK).read_text() != pinned
    assert tool(repo, home, "pull", "--check").returncode == 0


def test_a_lock_naming_a_commit_the_source_no_longer_has_fails_pull_clearly(
    tmp_path: Path, home: dict[str, str]
) -> None:
    work, bare = bare_source(tmp_path, central_files(), tag=None)
    repo = consumer_repo(tmp_path / "repo", config_text(git_source(f"file://{bare}", "main")))
    assert tool(repo, home, "pull").returncode == 0
    old = git(work, "rev-parse", "HEAD").strip()
    git(work, "commit", "-q", "--amend", "-m", "rewritten")
    git(work, "push", "-q", "-f", str(bare), "main")
    git(bare, "reflog", "expire", "--expire=now", "--all")
    git(bare, "gc", "-q", "--prune=now")
    assert tool(repo, home, "cache", "clear").returncode == 0

    done = tool(repo, home, "pull")

    assert done.returncode == 2
    assert old[:12] in done.stdout + done.stderr


def test_pull_inside_a_hook_of_a_linked_worktree_leaves_the_index_byte_identical(
    tmp_path: Path, home: dict[str, str]
) -> None:
    _, bare = bare_source(tmp_path, central_files())
    main = consumer_repo(tmp_path / "repo", config_text(git_source(f"file://{bare}", "v1.2.0")))
    linked = tmp_path / "linked"
    git(main, "worktree", "add", "-q", "-b", "feature", str(linked))
    hooks = Path(git(main, "rev-parse", "--git-common-dir").strip())
    hooks = (hooks if hooks.is_absolute() else main / hooks) / "hooks"
    hooks.mkdir(exist_ok=True)
    before = tmp_path / "index-before"
    hook = hooks / "pre-commit"
    hook.write_text(
        "#!/bin/sh\nset -e\n"
        f'cp "$GIT_INDEX_FILE" {before}\n'
        f"{BIN / 'packwarden'} pull\n"
        f'cmp "$GIT_INDEX_FILE" {before}\n'
        f'echo "hook env: $GIT_INDEX_FILE" >&2\n'
    )
    hook.chmod(0o755)
    (linked / "skills/b").mkdir(parents=True)
    (linked / "skills/b/skill.yaml").write_text("name: b.skill\n")
    git(linked, "add", "skills/b/skill.yaml")

    done = subprocess.run(
        ["git", "commit", "-q", "-m", "with the hook"],
        cwd=linked,
        env=tool_env(**home),
        capture_output=True,
        text=True,
        check=False,
    )

    assert done.returncode == 0, done.stdout + done.stderr
    assert "hook env: " in done.stderr  # the hook ran with git's index variable set
    assert (linked / LOCK).exists()
    assert git(linked, "status", "--porcelain", "--", "skills").strip() == ""


# --- HTTP, offline -----------------------------------------------------------------------------


def _orchestrator() -> Orchestrator:
    import yaml

    api = Orchestrator()
    api.add_pack(yaml.safe_load(pack_text()))
    api.projects["payments-api"] = {
        "policy_pack_key": "acme-standard",
        "policy_pack_version": "1.2",
        "policy_overrides": {},
        "policy_repo_local_enabled": True,
    }
    return api


def test_after_pull_check_the_hooks_and_the_gate_work_with_no_network(tmp_path: Path, home: dict[str, str]) -> None:
    api = _orchestrator()
    with serving(api) as url:
        repo = consumer_repo(tmp_path / "repo", config_text(http_source(url)))
        pulled = tool(repo, home, "pull")
        assert pulled.returncode == 0, pulled.stdout + pulled.stderr
    guard = network_guard(tmp_path)
    probe = subprocess.run(
        [str(BIN / "python"), "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:9', timeout=2)"],
        env=tool_env(**guard),
        capture_output=True,
        text=True,
        check=False,
    )
    assert probe.returncode != 0 and "the test's guard" in probe.stderr  # the guard works

    checked = tool(repo, home, "check", "--all-files", "--format", "json", **guard)
    hooked = tool(repo, home, "skills/a/skill.yaml", name="policy-check", **guard)
    git(repo, "add", "-A")
    message = tmp_path / "msg"
    message.write_text("a change\n")
    gated = tool(repo, home, str(message), name="policy-commit-msg", **guard)
    offline_pull = tool(repo, home, "pull", "--check", **guard)

    assert checked.returncode == 0 and "acme.owner-required" in rules_of(checked)
    assert "pack.unavailable" not in rules_of(checked)
    assert hooked.returncode == 0 and "acme.owner-required" in hooked.stdout
    assert gated.returncode == 0
    assert offline_pull.returncode == 2  # pull needs the network, and says so


def test_eight_checks_and_two_pulls_at_once_leave_a_valid_cache(tmp_path: Path, home: dict[str, str]) -> None:
    _, bare = bare_source(tmp_path, central_files())
    repo = consumer_repo(tmp_path / "repo", config_text(git_source(f"file://{bare}", "v1.2.0")))
    assert tool(repo, home, "pull").returncode == 0
    assert tool(repo, home, "cache", "clear").returncode == 0
    env = tool_env(**home)
    runs = [
        subprocess.Popen(
            [str(BIN / "packwarden"), "pull"],
            cwd=repo,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ] + [
        subprocess.Popen(
            [str(BIN / "packwarden"), "check", "--all-files", "--format", "json"],
            cwd=repo,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(8)
    ]
    results = [(run.args, run.wait(timeout=300), *run.communicate()) for run in runs]

    for args, code, out, err in results:
        assert "Traceback" not in out + err
        if "pull" in args:
            assert code == 0, out + err
        else:
            assert code in (0, 2), out + err  # before the pulls finish: unavailable, said; never a wrong pass
            if code == 0:
                found = [f["rule"] for f in json.loads(out)["findings"]]
                assert "acme.owner-required" in found or "pack.unavailable" in found
    from packwarden.packs.lock import read_lock
    from packwarden.packs.store import PackStore

    store = PackStore(os.path.join(home["PACKWARDEN_HOME"], "cache", "central"))
    lock = read_lock((repo / LOCK).read_bytes())
    for pinned in [*lock.packs.values(), *lock.projects.values()]:
        assert store.get(pinned.sha256)  # verified against its digest
    final = tool(repo, home, "check", "--all-files", "--format", "json")
    assert "acme.owner-required" in rules_of(final)


def test_a_repository_without_sources_never_reads_a_lock(tmp_path: Path, home: dict[str, str]) -> None:
    repo = make_repo(tmp_path / "repo", {"skills/a/skill.yaml": "name: a.b\n", LOCK: "not: [a lock"})

    checked = tool(repo, home, "check", "--all-files")

    assert checked.returncode in (0, 1)


def test_git_commit_is_not_blocked_by_a_missing_cache_in_warn_mode(tmp_path: Path, home: dict[str, str]) -> None:
    from tests.acceptance.conftest import install_hook

    repo = pulled_dir_repo(tmp_path, home)
    install_hook(repo, "commit-msg")
    assert tool(repo, home, "cache", "clear").returncode == 0
    write_files(repo, {"skills/b/skill.yaml": "name: b.skill\n"})
    git(repo, "add", "-A")

    done = subprocess.run(
        ["git", "commit", "-q", "-m", "offline and unpulled"],
        cwd=repo,
        env=tool_env(**home),
        capture_output=True,
        text=True,
        check=False,
    )

    assert done.returncode == 0, done.stdout + done.stderr


REPO_PACK = """\
meta: {key: ours, version: "1.0"}
extends: [acme-standard@1.2]
artifacts:
  skill: ["nothing/*/skill.yaml"]
rules:
  - id: acme.owner-required
    applies_to: [agent]
    field: owner
    required: true
    severity: info
"""


def test_a_repository_pack_cannot_weaken_a_locked_rule_in_any_way(tmp_path: Path, home: dict[str, str]) -> None:
    """Redefining the locked rule narrower and lower, and narrowing the globs it applies to, from
    a pack of the repository that extends the central one: each is undone and said."""
    source = tmp_path / "company-policies"
    write_files(source, central_files())
    config = config_text(dir_source(source)).replace(
        "project: payments-api\n", "project: payments-api\npack: packs/ours.yaml\n"
    )
    repo = consumer_repo(tmp_path / "repo", config, {"packs/ours.yaml": REPO_PACK})
    assert tool(repo, home, "pull").returncode == 0

    checked = tool(repo, home, "check", "--all-files", "--format", "json")

    findings = json.loads(checked.stdout)["findings"]
    fired = [f for f in findings if f["rule"] == "acme.owner-required"]
    messages = [f["message"] for f in findings if f["rule"] == "config.override-refused"]
    assert fired and fired[0]["severity"] == "error" and fired[0]["path"] == "skills/a/skill.yaml"
    assert any("acme.owner-required is redefined by pack ours@1.0 (repository, packs/ours.yaml)" in m for m in messages)
    assert any("the skill globs are narrowed by pack ours@1.0" in m for m in messages)
    assert all(f["line"] == 2 for f in findings if f["rule"] == "config.override-refused")  # the config's pack line


def test_choosing_another_central_pack_does_not_drop_a_locked_rule(tmp_path: Path, home: dict[str, str]) -> None:
    source = tmp_path / "company-policies"
    write_files(source, {**central_files(), "lenient@1.0/pack.yaml": "meta: {key: lenient, version: '1.0'}\n"})
    config = config_text(dir_source(source)).replace(
        "project: payments-api\n", "project: payments-api\npack: lenient@1.0\n"
    )
    repo = consumer_repo(tmp_path / "repo", config)
    assert tool(repo, home, "pull").returncode == 0

    checked = tool(repo, home, "check", "--all-files", "--format", "json")

    assert "acme.owner-required" in rules_of(checked)
    refused = [f["message"] for f in json.loads(checked.stdout)["findings"] if f["rule"] == "config.override-refused"]
    assert any("acme.owner-required is missing from the selected packs" in m for m in refused)
    assert json.loads(tool(repo, home, "effective", "--json").stdout)["packs"] == ["lenient@1.0"]
