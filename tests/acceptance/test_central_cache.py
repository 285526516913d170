"""Central packs under the cache promise: with central packs, lock edits, pulls, a damaged or
emptied pack store and changed governance, every entry point decides exactly what a fresh run
with ``--no-cache`` decides.

The fresh run gets its own PACKWARDEN_HOME holding a copy of the pack store as it is at that
moment (damage included): the store is what `pull` fetched, an input like the repository's
files, while the compiled policies, results and memos are the caches under test.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.acceptance.conftest import Run
from tests.support.central import EXTRA_RULE, central_files, config_text, consumer_repo, dir_source, pack_text
from tests.support.gitrepo import git, write_files

Cli = Callable[..., Run]
LOCK = ".packwarden/lock.yml"
CONFIG_EXTRAS = {
    "plain": "",
    "disable-locked": "overrides:\n  disable: [acme.owner-required]\n",
    "lower-locked": "overrides:\n  severities: {acme.owner-required: info}\n",
    "strict": "mode: block\n",
}
Step = tuple[str, ...]
steps = st.one_of(
    st.tuples(st.just("central"), st.sampled_from(["error", "block", "warning"]), st.booleans()),
    st.tuples(st.just("governance"), st.sampled_from(["allowed", "tighten-only", "disabled"])),
    st.tuples(st.just("config"), st.sampled_from(sorted(CONFIG_EXTRAS))),
    st.tuples(st.just("pull"), st.sampled_from(["fill", "update"])),
    st.tuples(st.just("lock"), st.sampled_from(["corrupt", "other-digest", "remove"])),
    st.tuples(st.just("store"), st.sampled_from(["tamper", "delete-object", "clear"])),
    st.tuples(st.just("skill"), st.sampled_from(["owner", "no-owner"])),
    st.just(("stage-all",)),
)


def _apply(cli: Cli, repo: Path, source: Path, home: Path, step: Step) -> None:
    kind = step[0]
    if kind == "central":
        write_files(
            source, {"acme-standard@1.2/pack.yaml": pack_text(severity=step[1], extra=EXTRA_RULE if step[2] else "")}
        )
    elif kind == "governance":
        write_files(
            source, {"projects/payments-api.yml": central_files(repo_overrides=step[1])["projects/payments-api.yml"]}
        )
    elif kind == "config":
        write_files(repo, {".packwarden/policy.yml": config_text(dir_source(source), extra=CONFIG_EXTRAS[step[1]])})
    elif kind == "pull":
        cli(repo, "pull", *(["--update"] if step[1] == "update" else []))
    elif kind == "lock" and (repo / LOCK).exists():
        text = (repo / LOCK).read_text()
        if step[1] == "remove":
            (repo / LOCK).unlink()
        elif step[1] == "corrupt":
            (repo / LOCK).write_text(text.replace("sha256: ", "sha256: [", 1))
        else:  # a well-formed pin of content the store does not hold
            (repo / LOCK).write_text(
                re.sub(r"sha256: ([0-9a-f])", lambda m: "sha256: " + "0f"[m[1] == "0"], text, count=1)
            )
    elif kind == "store":
        objects = home / "cache" / "central" / "objects"
        found = sorted(objects.glob("*/*.y*ml")) if objects.is_dir() else []
        if step[1] == "clear":
            shutil.rmtree(home / "cache" / "central", ignore_errors=True, onerror=None)
            _force_remove(home / "cache" / "central")
        elif found and step[1] == "tamper":
            found[0].chmod(0o644)
            found[0].write_text(found[0].read_text().replace("error", "info"))
        elif found:
            _force_remove(found[0].parent)
    elif kind == "skill":
        owner = "owner: team-a\n" if step[1] == "owner" else ""
        write_files(repo, {"skills/a/skill.yaml": f"name: code.format\nversion: 1.0.0\ndescription: Formats.\n{owner}"})
    elif kind == "stage-all":
        git(repo, "add", "-A")


def _force_remove(path: Path) -> None:
    for folder in [path, *path.rglob("*")] if path.exists() else []:
        if folder.is_dir():
            folder.chmod(0o700)
    shutil.rmtree(path, ignore_errors=True)


def _observe(cli: Cli, repo: Path, *, fresh: bool) -> dict[str, tuple[int, str, str]]:
    no_cache = ["--no-cache"] if fresh else []
    found = {
        "policy-check": cli(repo, "check", *no_cache, "skills/a/skill.yaml"),
        "gate": cli(repo, "gate", *no_cache, ".git/COMMIT_EDITMSG"),
        "check --all-files": cli(repo, "check", "--all-files", *no_cache),
        "check --staged": cli(repo, "check", "--staged", *no_cache),
        "gate again": cli(repo, "gate", *no_cache, ".git/COMMIT_EDITMSG"),
    }
    return {name: (run.rc, run.out, run.err) for name, run in found.items()}


@pytest.mark.slow
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)
@given(sequence=st.lists(steps, min_size=1, max_size=7))
def test_central_packs_decide_as_a_fresh_uncached_run(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, sequence: list[Step]
) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        base = Path(scratch)
        source = base / "company-policies"
        write_files(source, central_files())
        repo = consumer_repo(base / "repo", config_text(dir_source(source)))
        (repo / ".git" / "COMMIT_EDITMSG").write_text("step\n", encoding="utf-8")
        home = base / "home"
        monkeypatch.setenv("PACKWARDEN_HOME", str(home))
        assert cli(repo, "pull").rc == 0
        for number, step in enumerate(sequence):
            monkeypatch.setenv("PACKWARDEN_HOME", str(home))
            _apply(cli, repo, source, home, step)
            cached = _observe(cli, repo, fresh=False)
            fresh_home = base / f"fresh-{number}"
            if (home / "cache" / "central").exists():
                shutil.copytree(home / "cache" / "central", fresh_home / "cache" / "central", symlinks=True)
            monkeypatch.setenv("PACKWARDEN_HOME", str(fresh_home))
            fresh = _observe(cli, repo, fresh=True)
            _force_remove(fresh_home)
            for name, outcome in fresh.items():
                assert cached[name] == outcome, f"{name} after {sequence[: number + 1]}"
