"""Where an empty-cache run's extra time goes: importing pydantic, building the pack models,
compiling the policy, against loading the compiled policy from JSON.

    python bench/policy_build.py [--instructions] [--repeat 4]

Each step runs in a fresh process on top of the steps before it; a step's cost is the
difference from the run before. Wall times (``time.perf_counter`` around each step in one
process) drift on a shared machine; ``--instructions`` counts them with callgrind instead
(needs valgrind), which repeats. See docs/performance.md, "Empty cache".
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from run import counted

HOT_PATH = (
    "import packwarden.cli.policy_check, packwarden.cli.hookargs, packwarden.cli.check, packwarden.api,"
    " packwarden.workspace, packwarden.runner, packwarden.cache.policy, packwarden.engine, packwarden.load.yaml"
)
BUILD = (
    "from packwarden.packs.resolve import build_policy; from packwarden.packs.inputs import PolicyInputs;"
    " policy = build_policy(PolicyInputs())"
)
STEPS = [
    ("python -c pass", "pass"),
    ("what a run with a compiled policy imports", HOT_PATH),
    ("import pydantic_core", "import pydantic_core"),
    ("from pydantic import BaseModel", "from pydantic import BaseModel"),
    (
        "pydantic's lazy internals and plugin scan (first model)",
        "from pydantic.plugin import _loader; list(_loader.get_plugins())",
    ),
    ("build the models of packs/schema.py", "import packwarden.packs.schema"),
    ("import packs.resolve (reader, betty)", "import packwarden.packs.resolve"),
    ("build_policy(default@1.0)", BUILD),
]


def timed_steps(repeat: int) -> list[tuple[str, float]]:
    """Milliseconds per step, median over ``repeat`` fresh processes."""
    lines = ["import time", "t = time.perf_counter()"]
    for index, (_, code) in enumerate(STEPS[1:]):
        lines += [code, f"print({index}, time.perf_counter() - t)", "t = time.perf_counter()"]
    samples: list[list[float]] = [[] for _ in STEPS[1:]]
    for _ in range(repeat):
        out = subprocess.run([sys.executable, "-c", "\n".join(lines)], capture_output=True, text=True, check=True)
        for line in out.stdout.splitlines():
            step, seconds = line.split()
            samples[int(step)].append(float(seconds) * 1000)
    return [(name, statistics.median(got)) for (name, _), got in zip(STEPS[1:], samples, strict=True)]


def counted_steps(cwd: Path) -> list[tuple[str, float]]:
    """Millions of instructions per step: each run does the steps so far, minus the run before."""
    rows, code, before = [], [], 0.0
    for name, statement in STEPS:
        code.append(statement)
        total = counted([sys.executable, "-c", "\n".join(code)], cwd)
        rows.append((name, total - before))
        before = total
    return rows


def from_json_cost(cwd: Path, instructions: bool) -> float:
    """json.loads + EffectivePolicy.from_data of the compiled default policy, on top of the hot path."""
    saved = cwd / "policy.json"
    subprocess.run(
        [sys.executable, "-c", f"{BUILD}\nopen({str(saved)!r}, 'w').write(__import__('json').dumps(policy.to_data()))"],
        check=True,
    )
    base = f"{HOT_PATH}\nfrom packwarden.model.policy import EffectivePolicy\nimport json, time"
    load = f"EffectivePolicy.from_data(json.loads(open({str(saved)!r}, 'rb').read()))"
    if instructions:
        return counted([sys.executable, "-c", f"{base}\n{load}"], cwd) - counted([sys.executable, "-c", base], cwd)
    probe = f"{base}\nt = time.perf_counter()\n{load}\nprint(time.perf_counter() - t)"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return float(out.stdout) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--instructions", action="store_true", help="count instructions (valgrind) instead of timing")
    parser.add_argument("--repeat", type=int, default=4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        cwd = Path(scratch)
        rows = counted_steps(cwd) if args.instructions else timed_steps(args.repeat)
        unit = "M" if args.instructions else "ms"
        rows.append(("for comparison: json.loads + EffectivePolicy.from_data", from_json_cost(cwd, args.instructions)))
    print(f"python {sys.version.split()[0]}, {'instructions (callgrind)' if args.instructions else 'wall, medians'}")
    for name, value in rows:
        print(f"{value:9.1f} {unit}  {name}")


if __name__ == "__main__":
    main()
