"""The promise behind every cache: packwarden's verdict is the verdict of a fresh, uncached check.

Hypothesis plays random sequences of what happens to a repository: manifests edited on disk or
staged, or only their status changed; the members of a protocol run written, broken, added and
deleted (on disk or with ``git rm``); the skill registry edited; packs edited directly, through
``extends`` and through a linked folder, the pack's ``requirements`` changed, the config
changed; the answers to the pack's clarifications written, broken and deleted; the waivers file
edited (waivers that cover findings, a block finding, by fingerprint, by prefix, broken, expired)
and the day moved on; commits; cache files damaged; and ``policy-check`` handed only some members of a unit,
as pre-commit's chunks of a commit's files are. After every step, each entry point a user meets
(``policy-check`` on the files a pre-commit run would pass, the commit-msg gate right after it,
``check --all-files``, ``check --staged`` and the gate again) runs with the caches this sequence
built, and must print and decide exactly what the same command prints and decides with
``--no-cache`` in a new, empty PACKWARDEN_HOME.

Artifact units make a result depend on more than the file a run was given: a protocol run is
every file of its folder, and the registry unit is the index and every skill manifest, so a
manifest's status change alters the registry's result while the manifest's own result stays the
same (the packs here have no rule on a manifest's status beyond default@1.0's allowed values).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from packwarden.cache import runs
from tests.acceptance.conftest import Run
from tests.support.gitrepo import git, make_repo, write_files

Cli = Callable[..., Run]

SKILLS = ("skills/a/skill.yaml", "skills/c/skill.yaml")
MANIFESTS = (*SKILLS, "agents/b/agent.yaml")
NAMES = {"skills/a/skill.yaml": "a.skill", "skills/c/skill.yaml": "c.skill", "agents/b/agent.yaml": "b.agent"}
CONTENTS = {
    "good": "name: {name}\nversion: 1.0.0\nstatus: draft\ndescription: one that is fine\n",
    "bad": "name: Bad Name\nversion: 1.0\nstatus: draft\n",
    "broken": "name: [unclosed\n",
    "other": "name: other.skill\nversion: 2.0.0\nstatus: active\n",
}
STATUSES = ("draft", "active", "deprecated")  # all allowed by default@1.0: only the registry cares

RUN = ".protocols/run1"
STEP = "# Step\n\n## Sub-tasks\n- rename the table\n\n## Verification\n- the tests pass\n\n{rollback}"
PROTOCOL = {
    "good": STEP.format(rollback="## Rollback\n- rename it back\n"),
    "no-rollback": STEP.format(rollback="Nothing to undo.\n"),
    "rolback": STEP.format(rollback="## Rolback\n- rename it back\n"),
    "fenced": STEP.format(rollback="```\n## Rollback\n- rename it back\n```\n"),
    "notes": "# Notes\n\nwhat happened, in order\n",
}
# plan.md and log.md are required; step-*.md are step files; context.md is neither
MEMBERS = tuple(f"{RUN}/{name}" for name in ("plan.md", "log.md", "step-1.md", "step-2.md", "context.md"))

REGISTRY = "registry/skills.json"
ENTRIES = [{"name": NAMES[path], "version": "1.0.0", "status": "draft"} for path in SKILLS]
UNIT_PATHS = (*MEMBERS, REGISTRY, *MANIFESTS)  # every file some artifact unit reads


def _pack(key: str, extends: list[str], severity: str = "warning", mode: str | None = None) -> str:
    enforcement = f"enforcement: {{mode: {mode}}}\n" if mode else ""
    return (
        f"meta: {{key: {key}, version: '1'}}\nextends: [{', '.join(extends)}]\n{enforcement}"
        f"rules:\n  - {{id: {key}.described, applies_to: [skill, agent], field: description, required: true, "
        f"severity: {severity}}}\n"
    )


def _units(
    sections: tuple[str, ...] = ("Rollback", "Verification"),
    files: tuple[str, ...] = ("plan.md", "log.md"),
    match: tuple[str, ...] = ("version", "status"),
    mode: str = "warn",
) -> str:
    """The pack with ``requirements``: a missing plan or log, a missing Rollback section, a stale
    status and a skill's version that is not semantic block in every mode; the rest are errors."""
    blocking = ["skill.version-semver"]
    blocking += [f"protocol.missing-file.{name}" for name in files if name in ("plan.md", "log.md")]
    blocking += ["protocol.missing-step-section.rollback"] if "Rollback" in sections else []
    blocking += ["registry.skills.mismatch.status"] if "status" in match else []
    return (
        "meta: {key: units, version: '1'}\nextends: [team.yaml]\n"
        f"enforcement:\n  mode: {mode}\n  severities:\n"
        + "".join(f"    {rule}: block\n" for rule in blocking)
        + f"requirements:\n  protocol_files: [{', '.join(files)}]\n  step_sections: [{', '.join(sections)}]\n"
        f"  registry:\n    - {{path: {REGISTRY}, list: skills, kind: skill, match: [{', '.join(match)}]}}\n"
        + CLARIFICATIONS
    )


# One question per stage, the planning one blocking: each answers edit moves findings of the
# policy itself (onboarding), of the run's plan and of its step files.
CLARIFICATIONS = (
    "clarifications:\n"
    "  - {key: ci_provider, question: Which CI?, options: [github, none], recommended: github}\n"
    "  - {key: plan_review, question: Who reviews?, options: [one, two], recommended: one, blocking: true,"
    " applies_to: planning}\n"
    "  - {key: rollout, question: How?, options: [canary, all], recommended: canary, applies_to: execution}\n"
)
ANSWERS_PATH = ".packwarden/answers.yml"
ANSWERS = {
    "all": "answers:\n  ci_provider: github\n  plan_review: one\n  rollout: all\n",
    "some": "answers:\n  plan_review: two\n",
    "invalid": "answers:\n  plan_review: three\n  ci_provider: none\n",
    "unknown": "answers:\n  ci_provder: github\n",
    "broken": "answers: [\n",
    "deleted": None,
}


PACKS = {
    "packs/units.yaml": {
        "base": _units(),
        "sections": _units(sections=("Verification", "Definition of Done")),
        "one-section": _units(sections=("Rollback",)),
        "files": _units(files=("plan.md", "log.md", "context.md")),
        "match": _units(match=("version",)),
        "strict": _units(mode="block"),
        "broken": _units().replace("step_sections: [Rollback, Verification]", "step_sections: Rollback"),
    },
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
    "units": "pack: packs/units.yaml\n",
    "units-strict": "pack: packs/units.yaml\nmode: block\n",
    "team": "pack: packs/team.yaml\n",
    "team-strict": "pack: packs/team.yaml\nmode: block\n",
    "default": "pack: default@1.0\n",
    "none": None,
}


def _waiver(rule: str, paths: str, expires: str, fingerprint: str = "") -> str:
    pinned = f", fingerprint: {fingerprint}" if fingerprint else ""
    return (
        f"  - {{rule: {rule}, paths: ['{paths}'], reason: reviewed with the team lead, owner: platform,"
        f" expires: {expires}{pinned}}}\n"
    )


def _fingerprint(rule: str, path: str, field: str) -> str:
    from types import MappingProxyType

    from packwarden.model.finding import Finding, Severity

    return Finding(rule, Severity.ERROR, "", path, metadata=MappingProxyType({"field": field})).fingerprint


# The waivers file: each variant waives findings the steps above can make, and holds on some of
# the DAYS below and not on others (expired, expiring, further ahead than 90 days).
WAIVER_FILES = {
    "none": None,
    "names": "waivers:\n" + _waiver("skill.name-format", "skills/**", "2026-03-01"),
    "blocking": "waivers:\n" + _waiver("skill.version-semver", "skills/a/**", "2026-02-10"),
    "prefix": "waivers:\n"
    + _waiver("protocol.*", ".protocols/**", "2026-06-30")
    + _waiver("registry.", "**", "2026-02-05"),
    "one": "waivers:\n"
    + _waiver("skill.name-format", "**", "2026-03-01", _fingerprint("skill.name-format", SKILLS[1], "name")),
    "broken": "waivers:\n"
    + _waiver("skill.name-format", "skills/**", "2026-03-01").replace("reviewed with the team lead", "TODO"),
}
DAYS = ("2026-02-01", "2026-02-20", "2026-03-02", "2026-04-15")

Step = tuple[Any, ...]
Chunks = list[list[str]]  # the paths of each policy-check process, in order
VERSIONS = (*sorted(PROTOCOL), "deleted")  # what a protocol member can be, in the index or on disk
# Each event with its weight: the events on artifact units come more often than those on the
# policy or the caches, so that a sequence of a few steps often puts one unit in two states.
EVENTS: dict[str, tuple[int, st.SearchStrategy[Step]]] = {
    "manifest": (
        2,
        st.tuples(st.just("manifest"), st.sampled_from(MANIFESTS), st.sampled_from(sorted(CONTENTS)), st.booleans()),
    ),
    "status": (2, st.tuples(st.just("status"), st.sampled_from(SKILLS), st.sampled_from(STATUSES), st.booleans())),
    "protocol": (
        3,
        st.tuples(st.just("protocol"), st.sampled_from(MEMBERS), st.sampled_from(sorted(PROTOCOL)), st.booleans()),
    ),
    # one version staged and another left on disk: a fix (or a break) not staged yet
    "partly-staged": (
        4,
        st.tuples(
            st.just("partly-staged"), st.sampled_from(MEMBERS), st.sampled_from(VERSIONS), st.sampled_from(VERSIONS)
        ),
    ),
    "delete": (2, st.tuples(st.just("delete"), st.sampled_from(UNIT_PATHS), st.sampled_from(["disk", "git-rm"]))),
    "registry": (
        2,
        st.tuples(st.just("registry"), st.sampled_from(["add", "remove", "status", "reset", "broken"]), st.booleans()),
    ),
    "stage": (2, st.tuples(st.just("stage"), st.sampled_from(UNIT_PATHS))),
    "member": (2, st.tuples(st.just("member"), st.sampled_from(UNIT_PATHS))),
    "pre-commit": (1, st.tuples(st.just("pre-commit"), st.integers(min_value=1, max_value=2))),
    "pack": (
        2,
        st.sampled_from(
            [
                ("pack", name, variant, staged)
                for name in sorted(PACKS)
                for variant in PACKS[name]
                for staged in (False, True)
            ]
        ),
    ),
    "link": (1, st.tuples(st.just("link"), st.sampled_from(["v1", "v2"]), st.booleans())),
    "config": (1, st.tuples(st.just("config"), st.sampled_from(sorted(CONFIGS)), st.booleans())),
    "answers": (2, st.tuples(st.just("answers"), st.sampled_from(sorted(ANSWERS)), st.booleans())),
    "waivers": (2, st.tuples(st.just("waivers"), st.sampled_from(sorted(WAIVER_FILES)), st.booleans())),
    "day": (1, st.tuples(st.just("day"), st.sampled_from(DAYS))),
    "stage-all": (1, st.just(("stage-all",))),
    "commit": (1, st.just(("commit",))),
    "tamper": (1, st.tuples(st.just("tamper"), st.sampled_from(["policies", "results", "runs", "gate"]))),
}
steps = st.sampled_from([name for name, (weight, _) in EVENTS.items() for _ in range(weight)]).flatmap(
    lambda name: EVENTS[name][1]
)


def _manifest(path: str, content: str) -> str:
    return CONTENTS[content].format(name=NAMES[path])


def _registry(entries: list[dict[str, str]]) -> str:
    return json.dumps({"skills": entries}, indent=2) + "\n"


def _initial(root: Path) -> Path:
    files: dict[str, str] = {path: _manifest(path, "good") for path in MANIFESTS}
    files.update({name: next(iter(variants.values())) for name, variants in PACKS.items()})
    files["packs/v1/extra.yaml"] = _pack("extra", [], "warning")
    files["packs/v2/extra.yaml"] = _pack("extra", [], "block")
    files[".packwarden/policy.yml"] = CONFIGS["units"] or ""
    files[REGISTRY] = _registry(ENTRIES)
    files[f"{RUN}/plan.md"] = "# Plan\n\n1. rename the table\n"
    files[f"{RUN}/log.md"] = "# Log\n\n- step 1 done\n"
    files[f"{RUN}/step-1.md"] = PROTOCOL["good"]
    repo = make_repo(root, files, commit=False)
    (repo / "packs" / "linked").symlink_to("v1")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "initial")
    return repo


def _write(repo: Path, path: str, text: str, staged: bool) -> Chunks:
    write_files(repo, {path: text})
    if staged:
        git(repo, "add", "--", path)
    return [[path]]


def _edit_registry(repo: Path, op: str) -> str:
    """The registry after ``op``: an entry added or removed, the first entry's status flipped."""
    if op == "broken":
        return '{"skills": [\n'
    try:
        entries = json.loads((repo / REGISTRY).read_text(encoding="utf-8"))["skills"]
    except (OSError, ValueError, KeyError, TypeError):  # gone or broken: edit the first version
        entries = None
    if not isinstance(entries, list) or not all(isinstance(entry, dict) for entry in entries):
        entries = [dict(entry) for entry in ENTRIES]
    if op == "add":
        entries.append({"name": "new.skill", "version": "1.0.0", "status": "draft"})
    elif op == "remove":
        entries = entries[1:]
    elif op == "status" and entries:
        entries[0]["status"] = "active" if entries[0].get("status") == "draft" else "draft"
    elif op == "reset":
        entries = [dict(entry) for entry in ENTRIES]
    return _registry(entries)


def _staged_files(repo: Path) -> list[str]:
    """What pre-commit passes a hook: the staged paths that are added, copied, modified, ..."""
    listed = git(repo, "diff", "--cached", "--name-only", "-z", "--no-ext-diff", "--diff-filter=ACMRTUXB")
    return [path for path in listed.split("\0") if path]


def _apply(repo: Path, step: Step, home: Path) -> Chunks:
    """Do ``step``; the paths it changed (what pre-commit would pass to policy-check), in the
    chunks pre-commit would hand to separate processes."""
    kind = step[0]
    if kind == "manifest":
        _, name, content, staged = step
        return _write(repo, name, _manifest(name, content), staged)
    if kind == "status":
        _, name, status, staged = step
        if not (repo / name).is_file():
            return [[name]]
        edited = re.sub(r"(?m)^status: .*$", f"status: {status}", (repo / name).read_text(encoding="utf-8"))
        return _write(repo, name, edited, staged)
    if kind == "protocol":
        _, name, variant, staged = step
        return _write(repo, name, PROTOCOL[variant], staged)
    if kind == "partly-staged":
        _, name, in_index, on_disk = step
        for version, staged in ((in_index, True), (on_disk, False)):
            if version != "deleted":
                _write(repo, name, PROTOCOL[version], staged)
            elif staged:
                git(repo, "rm", "-q", "-f", "--ignore-unmatch", "--", name)
            else:
                (repo / name).unlink(missing_ok=True)
        return [[name]]
    if kind == "registry":
        _, op, staged = step
        return _write(repo, REGISTRY, _edit_registry(repo, op), staged)
    if kind == "delete":
        _, name, how = step
        if how == "git-rm":
            git(repo, "rm", "-q", "-f", "--ignore-unmatch", "--", name)
        (repo / name).unlink(missing_ok=True)
        return [[name]]
    if kind == "stage":  # its change or its deletion; a path never there matches nothing
        git(repo, "add", "-A", "--", step[1], check=False)
        return [[step[1]]]
    if kind == "member":  # policy-check handed one member of a unit, changed or not
        return [[step[1]]]
    if kind == "pre-commit":  # the staged files, split among processes as pre-commit's chunks are
        staged_files = _staged_files(repo)
        size = step[1]
        return [staged_files[start : start + size] for start in range(0, len(staged_files), size)]
    if kind == "pack":
        _, name, variant, staged = step
        return _write(repo, name, PACKS[name][variant], staged)
    if kind == "link":
        link = repo / "packs" / "linked"
        link.unlink()
        link.symlink_to(step[1])
        if step[2]:
            git(repo, "add", "--", "packs/linked")
        return [["packs/linked"]]
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
        return [] if text is None else [[".packwarden/policy.yml"]]
    if kind == "answers":
        _, choice, staged = step
        answers = repo / ANSWERS_PATH
        text = ANSWERS[choice]
        if text is None:
            answers.unlink(missing_ok=True)
        else:
            answers.write_text(text, encoding="utf-8")
        if staged:
            git(repo, "add", "-A", "--", ".packwarden")  # a deleted file that was never there: no pathspec error
        return [] if text is None else [[ANSWERS_PATH]]
    if kind == "waivers":
        _, choice, staged = step
        waivers = repo / ".packwarden" / "waivers.yml"
        text = WAIVER_FILES[choice]
        if text is None:
            waivers.unlink(missing_ok=True)
        else:
            waivers.write_text(text, encoding="utf-8")
        if staged:
            git(repo, "add", "-A", "--", ".packwarden")
        return [] if text is None else [[".packwarden/waivers.yml"]]
    if kind == "day":  # both the cached and the fresh runs see the new day
        os.environ["PACKWARDEN_TODAY"] = step[1]
        return []
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


def _observe(cli: Cli, repo: Path, chunks: Chunks, *, fresh: bool) -> dict[str, tuple[int, str, str]]:
    """What every entry point prints and decides: cached, or fresh (--no-cache).

    ``policy-check`` runs once per chunk, on the chunk's paths that exist (pre-commit passes no
    deleted file, and runs no hook without files); the gate runs right after it, as at a commit,
    and again after ``check --staged``.
    """
    no_cache = ["--no-cache"] if fresh else []
    message = ".git/COMMIT_EDITMSG"
    runs_by_name: dict[str, Run] = {}
    for number, chunk in enumerate(chunks):
        present = [path for path in chunk if os.path.lexists(repo / path)]
        if present:
            runs_by_name[f"policy-check #{number} {present}"] = cli(repo, "check", *no_cache, *present)
    runs_by_name["gate after policy-check"] = gate = cli(repo, "gate", *no_cache, message)
    # a strict gate answers from the memo a check without --strict left, in strict mode
    runs_by_name["gate --strict after policy-check"] = cli(repo, "gate", "--strict", *no_cache, message)
    runs_by_name["check --all-files"] = cli(repo, "check", "--all-files", *no_cache)
    runs_by_name["check --staged"] = cli(repo, "check", "--staged", *no_cache)
    # with --no-cache the gate checks the index again: the same run as the first one
    runs_by_name["gate"] = gate if fresh else cli(repo, "gate", message)
    return {name: (run.rc, run.out, run.err) for name, run in runs_by_name.items()}


@pytest.mark.slow
@settings(
    max_examples=int(os.environ.get("PACKWARDEN_EQUIVALENCE_EXAMPLES", "40")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)
@given(sequence=st.lists(steps, min_size=1, max_size=8))
# Sequences that have gone wrong, each kept so that it is tried on every run:
# a unit's result kept after a member other than the first changed (the registry reads skill c);
@example(sequence=[("manifest", SKILLS[0], "bad", False), ("manifest", SKILLS[0], "broken", False)])
# a gate memo of a run folder read on disk, with plan.md deleted from the index;
@example(sequence=[("partly-staged", MEMBERS[0], "deleted", "fenced")])
# a gate memo of a check of skill a: skill c, staged, was read by the registry but never checked.
@example(sequence=[("manifest", SKILLS[1], "bad", False), ("stage-all",), ("status", SKILLS[0], "draft", False)])
# an answers file deleted and staged that was never written;
@example(sequence=[("answers", "deleted", True)])
# answers written, staged, changed on disk only, broken and deleted: the policy, the plan and the step follow.
@example(
    sequence=[
        ("answers", "all", True),
        ("answers", "invalid", False),
        ("answers", "some", True),
        ("answers", "broken", False),
        ("answers", "deleted", True),
    ]
)
# a waived blocking finding (the waivers committed), answered by the gate's memo of the day before
# the waiver ended, after it ended;
@example(
    sequence=[("waivers", "blocking", True), ("commit",), ("manifest", SKILLS[0], "bad", True), ("day", "2026-02-20")]
)
# one finding waived by its fingerprint in strict mode, then the day moved past the waiver's end.
@example(
    sequence=[
        ("config", "units-strict", True),
        ("waivers", "one", True),
        ("commit",),
        ("manifest", SKILLS[1], "bad", True),
        ("day", "2026-03-02"),
    ]
)
def test_cached_verdicts_equal_a_fresh_uncached_run(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, sequence: list[Step]
) -> None:
    # The run memo trusts stats older than its racy horizon; steps here are tens of milliseconds
    # apart, more than the file system's timestamp tick, so a short horizon lets the memo serve
    # runs within one sequence (at its default of two seconds it never would, and go untested).
    monkeypatch.setattr(runs, "RACY_NANOSECONDS", 20_000_000)
    monkeypatch.setenv("PACKWARDEN_TODAY", DAYS[0])  # a "day" step moves it; monkeypatch restores it
    with tempfile.TemporaryDirectory() as scratch:
        base = Path(scratch)
        repo = _initial(base / "repo")
        (repo / ".git" / "COMMIT_EDITMSG").write_text("step\n", encoding="utf-8")
        home = base / "home"
        for number, step in enumerate(sequence):
            chunks = _apply(repo, step, home)
            monkeypatch.setenv("PACKWARDEN_HOME", str(home))
            cached = _observe(cli, repo, chunks, fresh=False)
            fresh_home = base / f"fresh-{number}"
            monkeypatch.setenv("PACKWARDEN_HOME", str(fresh_home))
            fresh = _observe(cli, repo, chunks, fresh=True)
            assert not fresh_home.exists() or not any(p.is_file() for p in fresh_home.rglob("*")), "--no-cache wrote"
            shutil.rmtree(fresh_home, ignore_errors=True)
            for name, outcome in fresh.items():
                assert cached[name] == outcome, f"{name} after {sequence[: number + 1]}"
