"""The promise behind every cache: packwarden's verdict is the verdict of a fresh, uncached check.

Hypothesis plays random sequences of what happens to a repository: manifests edited on disk or
staged, packs edited directly, through ``extends`` and through a linked folder, the config
changed, commits, and cache files damaged. After every step, each entry point a user meets
(``policy-check`` on the files the step changed, ``check --all-files``, ``check --staged`` and
the commit-msg gate) runs with the caches this sequence built, and must print and decide exactly
what the same command prints and decides with ``--no-cache`` in a new, empty PACKWARDEN_HOME.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from packwarden.cache import runs
from tests.acceptance.conftest import Run
from tests.support.gitrepo import git, make_repo, write_files

Cli = Callable[..., Run]

MANIFESTS = ("skills/a/skill.yaml", "agents/b/agent.yaml")
CONTENTS = {
    "good": "name: good.skill\nversion: 1.0.0\nstatus: draft\ndescription: a skill that is fine\n",
    "bad": "name: Bad Name\nversion: 1.0\nstatus: draft\n",
    "broken": "name: [unclosed\n",
    "other": "name: other.skill\nversion: 2.0.0\nstatus: active\n",
}


def _pack(key: str, extends: list[str], severity: str = "warning", mode: str | None = None) -> str:
    enforcement = f"enforcement: {{mode: {mode}}}\n" if mode else ""
    return (
        f"meta: {{key: {key}, version: '1'}}\nextends: [{', '.join(extends)}]\n{enforcement}"
        f"rules:\n  - {{id: {key}.status, field: status, allowed_values: [active], severity: {severity}}}\n"
    )


PACKS = {
    "packs/team.yaml": {
        "warn": _pack("team", ["base.yaml", "linked/extra.yaml"]),
        "block": _pack("team", ["base.yaml", "linked/extra.yaml"], "block"),
        "strict": _pack("team", ["base.yaml", "linked/extra.yaml"], "error", "block"),
    },
    "packs/base.yaml": {
        "warn": _pack("base", ["default@1.0"]),
        "block": _pack("base", ["default@1.0"], "block"),
        "broken": "meta: {key: base\n",
    },
}
CONFIGS = {
    "team": "pack: packs/team.yaml\n",
    "team-strict": "pack: packs/team.yaml\nmode: block\n",
    "default": "pack: default@1.0\n",
    "none": None,
}

Step = tuple[str, ...]
steps = st.one_of(
    st.tuples(st.just("manifest"), st.sampled_from(MANIFESTS), st.sampled_from(sorted(CONTENTS)), st.booleans()),
    st.tuples(
        st.just("pack"),
        st.sampled_from(sorted(PACKS)),
        st.sampled_from(["warn", "block", "strict", "broken"]),
        st.booleans(),
    ),
    st.tuples(st.just("link"), st.sampled_from(["v1", "v2"]), st.booleans()),
    st.tuples(st.just("config"), st.sampled_from(sorted(CONFIGS)), st.booleans()),
    st.tuples(st.just("stage-all")),
    st.tuples(st.just("commit")),
    st.tuples(st.just("tamper"), st.sampled_from(["policies", "results", "runs", "gate"])),
)


def _initial(root: Path) -> Path:
    files: dict[str, str] = dict.fromkeys(MANIFESTS, CONTENTS["good"])
    files.update({name: variants["warn"] for name, variants in PACKS.items()})
    files["packs/v1/extra.yaml"] = _pack("extra", [], "warning")
    files["packs/v2/extra.yaml"] = _pack("extra", [], "block")
    files[".packwarden/policy.yml"] = CONFIGS["team"] or ""
    repo = make_repo(root, files, commit=False)
    (repo / "packs" / "linked").symlink_to("v1")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "initial")
    return repo


def _apply(repo: Path, step: Step, home: Path) -> list[str]:
    """Do ``step``; the paths it changed (what pre-commit would pass to policy-check)."""
    kind = step[0]
    if kind == "manifest":
        _, name, content, staged = step
        write_files(repo, {name: CONTENTS[content]})
        if staged:
            git(repo, "add", "--", name)
        return [name]
    if kind == "pack":
        _, name, variant, staged = step
        write_files(repo, {name: PACKS[name].get(variant, PACKS[name]["warn"])})
        if staged:
            git(repo, "add", "--", name)
        return [name]
    if kind == "link":
        link = repo / "packs" / "linked"
        link.unlink()
        link.symlink_to(step[1])
        if step[2]:
            git(repo, "add", "--", "packs/linked")
        return ["packs/linked"]
    if kind == "config":
        _, choice, staged = step
        config = repo / ".packwarden" / "policy.yml"
        text = CONFIGS[choice]
        if text is None:
            config.unlink(missing_ok=True)
        else:
            config.write_text(text, encoding="utf-8")
        if staged:
            git(repo, "add", "-A", "--", ".packwarden")
        return [] if text is None else [".packwarden/policy.yml"]
    if kind == "stage-all":
        git(repo, "add", "-A")
        return []
    if kind == "commit":
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "--allow-empty", "-m", "step")
        return []
    _tamper(home / "cache", step[1])
    return []


def _tamper(cache: Path, what: str) -> None:
    """Damage cache entries as a bad disk or a careless edit would: never resealed."""
    if what == "results":
        for database in cache.glob("results-*.sqlite3"):
            with sqlite3.connect(database) as db:
                db.execute("UPDATE results SET findings = '[]'")
        return
    for entry in (cache / what).glob("*") if (cache / what).is_dir() else []:
        data = entry.read_bytes()
        for old, new in ((b"block", b"warn_"), (b"skill.yaml", b"skill.nope"), (b"error", b"info_")):
            data = data.replace(old, new)
        entry.write_bytes(data if data != entry.read_bytes() else data[: len(data) // 2])


def _observe(cli: Cli, repo: Path, changed: list[str], *, fresh: bool) -> dict[str, tuple[int, str, str]]:
    """What every entry point prints and decides: cached, or fresh (--no-cache)."""
    no_cache = ["--no-cache"] if fresh else []
    present = [path for path in changed if os.path.lexists(repo / path)]
    runs_by_name = {
        "policy-check": cli(repo, "check", *no_cache, *present) if present else None,
        "check --all-files": cli(repo, "check", "--all-files", *no_cache),
        "check --staged": cli(repo, "check", "--staged", *no_cache),
        "gate": cli(repo, "gate", *no_cache, ".git/COMMIT_EDITMSG"),
    }
    return {name: (run.rc, run.out, run.err) for name, run in runs_by_name.items() if run is not None}


@pytest.mark.slow
@settings(
    max_examples=int(os.environ.get("PACKWARDEN_EQUIVALENCE_EXAMPLES", "40")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)
@given(sequence=st.lists(steps, min_size=1, max_size=7))
def test_cached_verdicts_equal_a_fresh_uncached_run(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, sequence: list[Step]
) -> None:
    # The run memo trusts stats older than its racy horizon; steps here are tens of milliseconds
    # apart, more than the file system's timestamp tick, so a short horizon lets the memo serve
    # runs within one sequence (at its default of two seconds it never would, and go untested).
    monkeypatch.setattr(runs, "RACY_NANOSECONDS", 20_000_000)
    with tempfile.TemporaryDirectory() as scratch:
        base = Path(scratch)
        repo = _initial(base / "repo")
        (repo / ".git" / "COMMIT_EDITMSG").write_text("step\n", encoding="utf-8")
        home = base / "home"
        for number, step in enumerate(sequence):
            changed = _apply(repo, step, home)
            monkeypatch.setenv("PACKWARDEN_HOME", str(home))
            cached = _observe(cli, repo, changed, fresh=False)
            fresh_home = base / f"fresh-{number}"
            monkeypatch.setenv("PACKWARDEN_HOME", str(fresh_home))
            fresh = _observe(cli, repo, changed, fresh=True)
            assert not fresh_home.exists() or not any(p.is_file() for p in fresh_home.rglob("*")), "--no-cache wrote"
            shutil.rmtree(fresh_home, ignore_errors=True)
            for name, outcome in fresh.items():
                assert cached[name] == outcome, f"{name} after {sequence[: number + 1]}"
