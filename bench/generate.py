"""Generate a git repository of N skill manifests (~30 lines each), a share of them bad, or
with ``--mixed`` a repository of N artifacts of every unit kind.

    python bench/generate.py OUT_DIR N [--mixed] [--bad-share 0.1] [--seed 1]

The same arguments always produce the same repository.

The mixed repository counts as an **artifact** every file that belongs to an artifact unit,
which is every file a check of the repository reads: skill and agent manifests, the markdown
files of protocol runs, and the registry index. Of N: 55 % skill manifests, 25 % agent
manifests, one registry index (``registry/skills.json``, listing the skills), and the rest
markdown files of protocol runs (``.protocols/run-NNNN/``: plan.md, context.md, log.md and
step files, 4-6 files of 1-4 KB each). The repository selects its own pack
(``.packwarden/policy.yml``), which extends team-standard@1.0 with the default protocol
requirements and the registry. About ``--bad-share`` of the manifests and runs have a fault
(a bad name or version, an unknown status or permission; a missing file or step section, a
misspelt heading), and the registry has a few deliberate mismatches, so every kind has findings.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
from pathlib import Path
from typing import NamedTuple

WORDS = ["data", "api", "file", "docs", "git", "plugin", "agent", "registry", "test", "code", "build", "hook"]
VERBS = ["transform", "validate", "compose", "sync", "define", "lint", "publish", "query", "diff", "run"]
PERMISSIONS = ["filesystem:read", "filesystem:write", "network:read", "read", "write"]
ROLES = ["reviewer", "planner", "designer", "migrator", "triager", "writer", "auditor", "releaser"]
TEXT = (  # protocol files are made of its words, from a random start
    "the run keeps every change small enough to review in one sitting and records what it touched so "
    "that a reviewer can follow each decision back to the constraint that forced it while the "
    "registry stays the single source of truth for versions and the manifests only describe what a "
    "skill does for whom with which permissions and the agent that calls it must never guess a name"
)
PROSE = TEXT.split()
SHARES = {"skill": 0.55, "agent": 0.25}  # of the mixed repository's artifacts; one registry index, the rest runs
STEP_SECTIONS = ("Sub-tasks", "Verification", "Rollback", "Definition of Done")
PACK = """\
# The bench's repository pack: team-standard@1.0, the default protocol requirements
# (plan.md, context.md, log.md; four sections in every step-*.md) and the skills registry.
meta: {key: bench, version: "1.0", name: Bench}
extends: [team-standard@1.0]
requirements:
  registry:
    - path: registry/skills.json
      list: skills
      key: name
      kind: skill
      match: [version, status]
      manifests: ["skills/*/skill.yaml"]
"""


class Skill(NamedTuple):
    name: str
    version: str
    status: str
    text: str


def skill(index: int, bad: bool, rng: random.Random) -> Skill:
    name = f"{rng.choice(WORDS)}.{rng.choice(VERBS)}{index}"
    version = f"{rng.randint(0, 3)}.{rng.randint(0, 9)}.{rng.randint(0, 20)}"
    status = rng.choice(["draft", "active", "deprecated"])
    permissions = rng.sample(PERMISSIONS, 2)
    if bad:
        fault = rng.randrange(4)
        if fault == 0:
            name = f"Bad Name {index}"
        elif fault == 1:
            version = "1.0"
        elif fault == 2:
            status = "generated"
        else:
            permissions = ["network:http", "read"]
    return Skill(
        name,
        version,
        status,
        f"""name: {name}
version: {version}
description: >
  Generated skill number {index} for benchmarks. It reads inputs, does one
  thing well, and writes a report describing what it did.
inputs:
  - name: source
    type: string
    required: true
    description: Path to the input file
  - name: strict
    type: boolean
    required: false
    default: false
outputs:
  - name: report
    type: object
    description: What the skill did
dependencies:
  - context.schema
status: {status}
entrypoints:
  - command: /{name.replace(".", "/").replace(" ", "-").lower()}
    handler: handler_{index}.py
    runtime: python
    description: Run the skill
    permissions:
      - {permissions[0]}
      - {permissions[1]}
tags:
  - generated
  - bench
""",
    )


def manifest(index: int, bad: bool, rng: random.Random) -> str:
    return skill(index, bad, rng).text


def agent(index: int, bad: bool, skills: list[str], rng: random.Random) -> str:
    """An agent manifest (~35 lines) that refers to three of the skills."""
    name = f"{rng.choice(WORDS)}.{rng.choice(ROLES)}{index}"
    version = f"{rng.randint(0, 3)}.{rng.randint(0, 9)}.{rng.randint(0, 20)}"
    status = rng.choice(["draft", "active", "deprecated", "archived"])
    permissions = rng.sample(PERMISSIONS, 2)
    available = rng.sample(skills, 3) if len(skills) >= 3 else ["data.transform"] * 3
    if bad:
        fault = rng.randrange(4)
        if fault == 0:
            name = f"Bad Agent {index}"
        elif fault == 1:
            version = "1.0"
        elif fault == 2:
            available[0] = "Data Transform"
        else:
            permissions = ["registry:write", "read"]
    items = "\n".join(f"  - {skill}" for skill in available)
    return f"""name: {name}
version: {version}
description: >
  Generated agent number {index} for benchmarks. It plans the work, calls the
  skills it is given in order, and reports what each of them changed.
status: {status}
model: general
reasoning_mode: iterative
permissions:
  - {permissions[0]}
  - {permissions[1]}
skills_available:
{items}
capabilities:
  - name: plan
    description: Break the request into steps the skills can run
  - name: review
    description: Read each skill's report and decide whether to go on
context_requirements:
  - repository
  - registry
workflow_pattern: |
  1. Read the request and the repository's context.
  2. Choose the skills that apply and run them one at a time.
  3. Stop at the first report that fails and explain why.
tags:
  - generated
  - bench
"""


def _words(rng: random.Random, count: int) -> str:
    start = rng.randrange(len(PROSE))
    return " ".join(PROSE[(start + offset) % len(PROSE)] for offset in range(count))


def _paragraph(rng: random.Random, sentences: int) -> str:
    """Prose with some inline markup, wrapped at ~90 columns, as people write markdown."""
    parts = []
    for _ in range(sentences):
        text = _words(rng, rng.randint(10, 22))
        mark = rng.randrange(5)
        if mark == 0:
            text = text.replace(" the ", " the `registry` ", 1)
        elif mark == 1:
            text = text.replace(" every ", " **every** ", 1)
        elif mark == 2:
            text += " (see [the docs](https://example.invalid/docs))"
        parts.append(text[0].upper() + text[1:] + ".")
    words, lines, line = " ".join(parts).split(" "), [], ""
    for word in words:
        if line and len(line) + len(word) > 88:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return "\n".join([*lines, line])


def _bullets(rng: random.Random, count: int) -> str:
    return "\n".join(f"- {_words(rng, rng.randint(6, 14))}" for _ in range(count))


def plan(run: int, steps: int, rng: random.Random) -> str:
    listed = "\n".join(
        f"{number}. {_words(rng, rng.randint(6, 12))} (step-{number}.md)" for number in range(1, steps + 1)
    )
    return f"""---
run: run-{run:04d}
status: {rng.choice(["planned", "in-progress", "done"])}
owner: bench
---
# Plan: run {run}

## Goal

{_paragraph(rng, 6)}

## Approach

{_paragraph(rng, 5)}

## Steps

{listed}

## Out of scope

{_bullets(rng, 4)}

## Risks

{_paragraph(rng, 4)}

{_bullets(rng, 4)}
"""


def context(run: int, rng: random.Random) -> str:
    return f"""# Context for run {run}

## Repository

{_paragraph(rng, 7)}

```text
skills/        one folder per skill, each with skill.yaml
agents/        one folder per agent, each with agent.yaml
registry/      skills.json, generated from the manifests
## Rollback    (a line inside a code block is not a heading)
```

## Constraints

{_bullets(rng, 8)}

## Decisions already made

{_paragraph(rng, 6)}

{_bullets(rng, 5)}

## Open questions

{_paragraph(rng, 4)}
"""


def log(run: int, steps: int, rng: random.Random) -> str:
    entries = [
        f"## 2026-11-{1 + number % 28:02d} {9 + number}:{rng.randrange(60):02d} step-{number} {what}\n\n"
        f"{_paragraph(rng, 4)}\n\n{_bullets(rng, 3)}\n"
        for number in range(1, steps + 1)
        for what in ("started", "finished")
    ]
    return f"# Log of run {run}\n\n{_paragraph(rng, 4)}\n\n" + "\n".join(entries)


def step(run: int, number: int, fault: str | None, rng: random.Random) -> str:
    """A step file with the four sections; ``fault``: a section left out or misspelt."""
    bodies = {
        "Sub-tasks": _bullets(rng, 7),
        "Verification": f"{_paragraph(rng, 4)}\n\n```sh\npackwarden check --all-files\npytest -q tests/\n```",
        "Rollback": _paragraph(rng, 5),
        "Definition of Done": _bullets(rng, 4),
    }
    sections = []
    for section, body in bodies.items():
        if fault == section:
            continue
        heading = "Rolback" if fault == "misspelt" and section == "Rollback" else section
        sections.append(f"## {heading}\n\n{body}\n")
    return f"# Step {number} of run {run}\n\n{_paragraph(rng, 5)}\n\n" + "\n".join(sections)


def run_sizes(files: int, rng: random.Random) -> list[int]:
    """Files per protocol run, 4-6 each, adding up to ``files`` (below 8 in all, one or two runs
    may be smaller)."""
    sizes = []
    while files > 12:
        size = rng.randint(4, 6)
        if files - size == 7:  # seven files cannot be one or two runs of 4-6
            size = 4 if size != 4 else 5
        sizes.append(size)
        files -= size
    if files > 6:
        sizes += [files // 2, files - files // 2]
    elif files > 0:
        sizes.append(files)
    return sizes


def protocol_run(run: int, size: int, bad: bool, rng: random.Random) -> dict[str, str]:
    """The files of one run: plan, context, log and step files, ``size`` in all."""
    missing = rng.choice(["context.md", "log.md"]) if bad and rng.random() < 0.5 else None
    base = [name for name in ("plan.md", "context.md", "log.md") if name != missing][:size]
    steps = max(size - len(base), 0)
    faulty = rng.randrange(steps) if bad and missing is None and steps else -1
    writers = {
        "plan.md": lambda: plan(run, steps, rng),
        "context.md": lambda: context(run, rng),
        "log.md": lambda: log(run, steps, rng),
    }
    files = {name: writers[name]() for name in base}
    for number in range(1, steps + 1):
        fault = rng.choice([*STEP_SECTIONS, "misspelt"]) if number - 1 == faulty else None
        files[f"step-{number}.md"] = step(run, number, fault, rng)
    return files


def _registry_entry(found: Skill) -> dict[str, object]:
    # A version YAML reads as a number is one in the index too, so only the planted mismatches differ.
    version: object = float(found.version) if found.version.count(".") == 1 else found.version
    return {"name": found.name, "version": version, "status": found.status, "description": "Generated skill"}


def registry(skills: list[Skill], rng: random.Random) -> str:
    """The index of the skills, with a few deliberate mismatches, omissions and strays."""
    entries = [_registry_entry(found) for found in skills]
    planted = max(1, len(skills) // 200)
    for index in rng.sample(range(len(entries)), min(len(entries), 3 * planted)):
        fault = index % 3
        if fault == 0:
            entries[index]["version"] = "9.9.9"
        elif fault == 1:
            entries[index]["status"] = "active" if entries[index]["status"] != "active" else "draft"
        else:
            entries[index] = {}  # left out: the skill is missing from the index
    entries = [entry for entry in entries if entry]
    entries += [{"name": f"gone.skill{number}", "version": "1.0.0", "status": "active"} for number in range(planted)]
    return json.dumps({"version": 1, "skills": entries}, indent=2) + "\n"


def mixed_counts(count: int) -> dict[str, int]:
    """How many artifacts of each kind a mixed repository of ``count`` artifacts holds."""
    skills = round(count * SHARES["skill"])
    agents = round(count * SHARES["agent"])
    return {"skill": skills, "agent": agents, "registry": 1, "protocol": max(count - skills - agents - 1, 0)}


def mixed_artifacts(root: Path) -> list[Path]:
    """Every artifact of a mixed repository (every file that belongs to a unit), sorted."""
    globs = ("skills/*/skill.yaml", "agents/*/agent.yaml", ".protocols/*/*.md", "registry/skills.json")
    return sorted(path for glob in globs for path in root.glob(glob))


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _commit(out: Path) -> None:
    env = {
        "GIT_AUTHOR_NAME": "bench",
        "GIT_AUTHOR_EMAIL": "bench@example.invalid",
        "GIT_COMMITTER_NAME": "bench",
        "GIT_COMMITTER_EMAIL": "bench@example.invalid",
        "PATH": "/usr/bin:/bin",
    }
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "bench"]):
        subprocess.run(["git", *args], cwd=out, env=env, check=True)


def generate(out: Path, count: int, bad_share: float = 0.1, seed: int = 1) -> Path:
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    for index in range(count):
        _write(out / "skills" / f"skill{index:05d}" / "skill.yaml", manifest(index, rng.random() < bad_share, rng))
    _commit(out)
    return out


def generate_mixed(out: Path, count: int, bad_share: float = 0.1, seed: int = 1) -> Path:
    """A repository of ``count`` artifacts of every unit kind (see the module's docstring)."""
    rng = random.Random(seed)
    counts = mixed_counts(count)
    skills = [skill(index, rng.random() < bad_share, rng) for index in range(counts["skill"])]
    for index, found in enumerate(skills):
        _write(out / "skills" / f"skill{index:05d}" / "skill.yaml", found.text)
    names = [found.name for found in skills if found.name.islower()]
    for index in range(counts["agent"]):
        _write(out / "agents" / f"agent{index:05d}" / "agent.yaml", agent(index, rng.random() < bad_share, names, rng))
    for run, size in enumerate(run_sizes(counts["protocol"], rng)):
        for name, text in protocol_run(run, size, rng.random() < bad_share, rng).items():
            _write(out / ".protocols" / f"run-{run:04d}" / name, text)
    _write(out / "registry" / "skills.json", registry(skills, rng))
    _write(out / ".packwarden" / "policy.yml", "pack: .packwarden/packs/bench.yaml\n")
    _write(out / ".packwarden" / "packs" / "bench.yaml", PACK)
    found = len(mixed_artifacts(out))
    if found != count:  # the count is what every table reports: it must be exact
        raise SystemExit(f"generated {found} artifacts, not {count}")
    _commit(out)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("count", type=int)
    parser.add_argument("--mixed", action="store_true", help="skills, agents, protocol runs and a registry")
    parser.add_argument("--bad-share", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    (generate_mixed if args.mixed else generate)(args.out, args.count, args.bad_share, args.seed)


if __name__ == "__main__":
    main()
