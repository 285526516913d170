"""Generate a git repository of N skill manifests (~30 lines each), a share of them bad.

    python bench/generate.py OUT_DIR N [--bad-share 0.1] [--seed 1]

The same arguments always produce the same repository.
"""

from __future__ import annotations

import argparse
import random
import subprocess
from pathlib import Path

WORDS = ["data", "api", "file", "docs", "git", "plugin", "agent", "registry", "test", "code", "build", "hook"]
VERBS = ["transform", "validate", "compose", "sync", "define", "lint", "publish", "query", "diff", "run"]
PERMISSIONS = ["filesystem:read", "filesystem:write", "network:read", "read", "write"]


def manifest(index: int, bad: bool, rng: random.Random) -> str:
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
    return f"""name: {name}
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
"""


def generate(out: Path, count: int, bad_share: float = 0.1, seed: int = 1) -> Path:
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    for index in range(count):
        path = out / "skills" / f"skill{index:05d}" / "skill.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(manifest(index, rng.random() < bad_share, rng), encoding="utf-8")
    env = {
        "GIT_AUTHOR_NAME": "bench",
        "GIT_AUTHOR_EMAIL": "bench@example.invalid",
        "GIT_COMMITTER_NAME": "bench",
        "GIT_COMMITTER_EMAIL": "bench@example.invalid",
        "PATH": "/usr/bin:/bin",
    }
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "bench"]):
        subprocess.run(["git", *args], cwd=out, env=env, check=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", type=Path)
    parser.add_argument("count", type=int)
    parser.add_argument("--bad-share", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    generate(args.out, args.count, args.bad_share, args.seed)


if __name__ == "__main__":
    main()
