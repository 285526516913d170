"""Benchmarks: packwarden against the parsing floor and peer tools, side by side in one run.

    python bench/run.py [--sizes 10,1000,10000] [--mixed 1000,10000] [--repeat 5] [--no-peers] [--instructions]

Each size has packwarden in three states of its cache (``$PACKWARDEN_HOME``):

- cold, with a compiled policy: the cache has the compiled policy from an earlier run but no
  per-file results and no run memo (at 10 files: the results are forgotten, as for files just
  changed);
- empty cache: every run gets a fresh, empty ``$PACKWARDEN_HOME``, as on a first run, a CI
  runner without a kept cache, or (for the policy) the run after a pack or config edit, so the
  run validates and compiles the packs (pydantic) before checking;
- warm: a repeated ``check --all-files`` (sizes above 10).

``--mixed`` adds repositories of every artifact kind (``bench/generate.py --mixed``: skill and
agent manifests, protocol runs, a registry; its size counts **artifacts**, every file that
belongs to an artifact unit). Their floor parses every artifact with the libraries a parser of
each format would use: CSafeLoader for YAML (a protocol file's front matter too), ``json`` for
the registry, markdown-it-py's CommonMark block parser for markdown. Each size has the same
three states, and the hook: ``policy-check`` on 10 changed files (skill and agent manifests, two
step files of one run, the plan of another) against the floor of the same 10 files, and, for
reading, the floor of every file of the units they belong to (a changed skill manifest is a
member of the registry's unit, which holds every skill manifest). The peers check only YAML,
so they run on the skill and agent manifests and compare with a floor of those alone; nothing
else checks protocol runs or registries.

After the sizes, the commit-msg gate: its run right after policy-check on 10 staged manifests,
against its own floor, ``python -c pass`` plus the git calls it makes (``--sizes ''`` runs
only this).

For each workload every tool runs once per round, in turn (pair by pair), for ``--repeat``
rounds; the table shows medians and ratios to the floor. The floor is Python parsing the same
files with PyYAML's CSafeLoader and doing nothing else. Peers (check-jsonschema with a JSON
schema derived from default@1.0's own rules, yamllint) are installed into their own virtual environment under
bench/out/. Nothing here asserts: the numbers are for reading.

``--instructions`` runs every workload once under valgrind's callgrind instead and counts the
instructions of all its processes: a measure that repeats exactly where wall times drift (as on
shared virtual machines). It leaves out what the kernel does (system calls, page faults), and
skips the 2-job run: instructions cannot show parallel speed-up, and a forked child's count
starts from its parent's.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, NamedTuple

sys.path.insert(0, str(Path(__file__).parent))
from generate import generate, generate_mixed, mixed_artifacts

OUT = Path(__file__).parent / "out"
HOME = OUT / "home"  # the kept cache
EMPTY_HOME = OUT / "home-empty"  # removed before every run of an empty-cache workload
PEERS = {"check-jsonschema": "check-jsonschema==0.39.0", "yamllint": "yamllint==1.38.0"}
FLOOR = (
    "import sys, yaml\n"
    "for path in open(sys.argv[1]).read().split('\\n'):\n"
    "    yaml.load(open(path, 'rb'), Loader=yaml.CSafeLoader)\n"
)
# The mixed repository's floor. Markdown: the block parser, as packwarden's reader (headings are
# all a check needs; the inline pass adds ~25 % to a whole-repository floor); front matter: YAML.
FLOOR_MIXED = """\
import json, sys, yaml
from markdown_it import MarkdownIt
markdown = MarkdownIt("commonmark").disable("inline")
for path in open(sys.argv[1]).read().split("\\n"):
    if path.endswith(".md"):
        text = open(path, encoding="utf-8").read()
        if text.startswith("---\\n") and (end := text.find("\\n---\\n", 3)) != -1:
            yaml.load(text[4 : end + 1], Loader=yaml.CSafeLoader)
            text = text[end + 5 :]
        markdown.parse(text)
    elif path.endswith(".json"):
        json.load(open(path, "rb"))
    else:
        yaml.load(open(path, "rb"), Loader=yaml.CSafeLoader)
"""
# check-jsonschema takes one schema per run: the skill manifests, then the agent manifests.
# Exit 0 or 1 (findings) from both, or 3.
TWO_SCHEMAS = (
    '"$0" --schemafile "$1" $(cat "$3"); a=$?; "$0" --schemafile "$2" $(cat "$4"); b=$?;'
    " [ $a -le 1 ] && [ $b -le 1 ] && exit $((a | b)); exit 3"
)


def peer_schema(kind: str = "skill") -> dict[str, object]:
    """A JSON schema for check-jsonschema equivalent to default@1.0's rules for ``kind`` (skill or
    agent), read from the pack."""
    from packwarden.checks.semver import SEMVER
    from packwarden.packs.builtin import read_builtin
    from packwarden.packs.reader import read_pack

    rules = {rule.id: rule.params for rule in read_pack(read_builtin("default@1.0")[1], "default@1.0").rules}
    permissions = {"type": "array", "items": {"enum": rules[f"{kind}.permissions"]["allowed_values"]}}
    properties: dict[str, object] = {
        "name": {"type": "string", "pattern": rules[f"{kind}.name-format"]["pattern"]},
        "version": {"type": "string", "pattern": "^" + SEMVER.pattern.removesuffix(r"\Z") + "$"},
        "status": {"enum": rules[f"{kind}.status-values"]["allowed_values"]},
    }
    if kind == "skill":
        items = {"type": "object", "properties": {"permissions": permissions}}
        properties["entrypoints"] = {"type": "array", "items": items}
    else:
        properties["permissions"] = permissions
    return {"type": "object", "required": ["name", "version", "status"], "properties": properties}


class Run(NamedTuple):
    """One workload: its command line, what to do before each run (untimed), its cache folder,
    and the workload it is compared with (the size's floor unless it names another)."""

    argv: list[str]
    prepare: Callable[[], None] = lambda: None
    home: Path = HOME
    floor: str = "floor"


def env(home: Path = HOME) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    clean["PACKWARDEN_HOME"] = str(home)
    clean["NO_COLOR"] = "1"
    return clean


def timed(argv: list[str], cwd: Path, home: Path = HOME) -> tuple[float, int]:
    """Wall seconds and peak RSS in MiB of one run (the process and its waited-for children)."""
    start = time.perf_counter()
    process = subprocess.Popen(argv, cwd=cwd, env=env(home), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode not in (0, 1):
        raise SystemExit(f"{argv[:3]} exited {process.returncode} in {cwd}")
    return elapsed, usage.ru_maxrss // 1024


def counted(argv: list[str], cwd: Path, home: Path = HOME) -> float:
    """Millions of instructions one run executes, in all its processes (callgrind).

    Each process logs to its own file: a child whose error output its parent captures (git run
    by packwarden) would otherwise report its count into that pipe, and go uncounted.
    """
    logs = OUT / "callgrind-logs"
    shutil.rmtree(logs, ignore_errors=True)
    logs.mkdir(parents=True)
    valgrind = ["valgrind", "--tool=callgrind", "--trace-children=yes", "--callgrind-out-file=/dev/null"]
    done = subprocess.run(
        [*valgrind, f"--log-file={logs}/%p.log", *argv], cwd=cwd, env=env(home), stdout=subprocess.DEVNULL, check=False
    )
    if done.returncode not in (0, 1):
        raise SystemExit(f"{argv[:3]} exited {done.returncode} in {cwd}")
    text = "".join(log.read_text() for log in logs.glob("*.log"))
    return sum(int(count) for count in re.findall(r"Collected : (\d+)", text)) / 1e6


def peers_venv() -> Path:
    venv = OUT / "peers"
    if not (venv / "bin" / "yamllint").exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", *PEERS.values()], check=True)
    return venv / "bin"


def repo(size: int) -> Path:
    path = OUT / f"repo-{size}"
    if not path.exists():
        generate(path, size)
    (path / "files.txt").write_text("\n".join(sorted(str(p) for p in path.glob("skills/*/skill.yaml"))))
    return path


def forget_results() -> None:
    """A hook run on changed files: the cache exists, as after any earlier commit, but knows none of them."""
    for database in (HOME / "cache").glob("results*.sqlite3"):
        with contextlib.closing(sqlite3.connect(database)) as db, db:
            db.execute("DELETE FROM results")


def clear_results() -> None:
    """Cold: no per-file results and no run memo (the compiled policy stays, as after any first run)."""
    cache = HOME / "cache"
    for stale in [*cache.glob("results*.sqlite3*"), *cache.glob("runs/*")]:
        stale.unlink(missing_ok=True)


def empty_home() -> None:
    """Empty cache: no compiled policy, no results, no memo (a first run, a CI runner)."""
    shutil.rmtree(EMPTY_HOME, ignore_errors=True)


def whole_repository(packwarden: str) -> dict[str, Run]:
    """``check --all-files``: cold and with an empty cache on one and two cores, then warm."""
    return {
        "packwarden cold, 1 job": Run([packwarden, "check", "--all-files", "--jobs", "1"], clear_results),
        "packwarden cold, 2 jobs": Run([packwarden, "check", "--all-files", "--jobs", "2"], clear_results),
        "packwarden empty cache, 1 job": Run(
            [packwarden, "check", "--all-files", "--jobs", "1"], empty_home, EMPTY_HOME
        ),
        "packwarden empty cache, 2 jobs": Run(
            [packwarden, "check", "--all-files", "--jobs", "2"], empty_home, EMPTY_HOME
        ),
        "packwarden warm": Run([packwarden, "check", "--all-files"]),
    }


def write_schemas() -> None:
    """The peers' JSON schemas, written by a child process: importing packwarden here would grow
    this process, and every child forked from it would start with (and report as its peak RSS)
    this process's memory."""
    subprocess.run([sys.executable, __file__, "--write-schemas", str(OUT)], check=True)


def workloads(size: int, peers: Path | None) -> dict[str, Run]:
    root = repo(size)
    files = (root / "files.txt").read_text().split("\n")
    bindir = Path(sys.executable).parent
    packwarden = str(bindir / "packwarden")
    runs: dict[str, Run] = {"floor": Run([sys.executable, "-c", FLOOR, str(root / "files.txt")])}
    if size <= 10:
        runs["packwarden"] = Run([str(bindir / "policy-check"), *files], forget_results)
        runs["packwarden empty cache"] = Run([str(bindir / "policy-check"), *files], empty_home, EMPTY_HOME)
    else:
        runs.update(whole_repository(packwarden))
    if peers is not None:
        write_schemas()
        runs["check-jsonschema"] = Run(
            [str(peers / "check-jsonschema"), "--schemafile", str(OUT / "skill.schema.json"), *files]
        )
        runs["yamllint"] = Run([str(peers / "yamllint"), "-d", "relaxed", *files])
    return runs


def hook_files(artifacts: list[str]) -> list[str]:
    """The 10 changed files of the mixed repository's hook run: five skill and two agent
    manifests, two step files of one protocol run and the plan of another."""
    skills = [path for path in artifacts if path.endswith("/skill.yaml")]
    agents = [path for path in artifacts if path.endswith("/agent.yaml")]
    steps = [path for path in artifacts if path.endswith("/step-2.md")][:1]
    steps = [step.replace("step-2.md", "step-1.md") for step in steps] + steps
    runs = sorted({path.rsplit("/", 1)[0] for path in artifacts if path.startswith(".protocols/")})
    plan = [f"{run}/plan.md" for run in runs[len(runs) // 2 :] if f"{run}/plan.md" in artifacts][:1]
    return [*skills[:: -(-len(skills) // 5)][:5], *agents[:: -(-len(agents) // 2)][:2], *steps, *plan]


def unit_files(changed: list[str], artifacts: list[str]) -> list[str]:
    """Every artifact of the units ``changed`` belongs to: a run's folder, the registry's index and
    every skill manifest (the registry's members) for a skill, the manifest itself for an agent."""
    runs = {path.rsplit("/", 1)[0] + "/" for path in changed if path.startswith(".protocols/")}
    registry = any(path.endswith("/skill.yaml") for path in changed)
    return [
        path
        for path in artifacts
        if path in changed
        or path.startswith(tuple(runs))
        or (registry and (path == "registry/skills.json" or path.endswith("/skill.yaml")))
    ]


def mixed_repo(size: int) -> Path:
    """The mixed repository of ``size`` artifacts, with the file lists its workloads read."""
    path = OUT / f"mixed-{size}"
    if not path.exists():
        generate_mixed(path, size)
    artifacts = [str(found.relative_to(path)) for found in mixed_artifacts(path)]
    changed = hook_files(artifacts)
    lists = {
        "files.txt": artifacts,
        "yaml.txt": [p for p in artifacts if p.endswith(".yaml")],
        "skills.txt": [p for p in artifacts if p.endswith("/skill.yaml")],
        "agents.txt": [p for p in artifacts if p.endswith("/agent.yaml")],
        "hook.txt": changed,
        "hook-units.txt": unit_files(changed, artifacts),
    }
    for name, paths in lists.items():
        (path / name).write_text("\n".join(paths))
    return path


def mixed_workloads(size: int, peers: Path | None) -> dict[str, Run]:
    root = mixed_repo(size)
    bindir = Path(sys.executable).parent
    changed = (root / "hook.txt").read_text().split("\n")
    floor = [sys.executable, "-c", FLOOR_MIXED]
    hook = "hook floor: the 10 changed files"
    runs = {
        "floor": Run([*floor, "files.txt"]),
        **whole_repository(str(bindir / "packwarden")),
        hook: Run([*floor, "hook.txt"], floor=hook),
        "hook: packwarden (`policy-check`, 10 changed files)": Run(
            [str(bindir / "policy-check"), *changed], forget_results, floor=hook
        ),
        "hook: floor of every file of their units": Run([*floor, "hook-units.txt"], floor=hook),
    }
    if peers is not None:
        write_schemas()
        yaml_floor = "floor: the YAML manifests only"
        runs[yaml_floor] = Run([sys.executable, "-c", FLOOR, "yaml.txt"], floor=yaml_floor)
        schemas = [str(OUT / "skill.schema.json"), str(OUT / "agent.schema.json"), "skills.txt", "agents.txt"]
        runs["check-jsonschema (YAML manifests)"] = Run(
            ["sh", "-c", TWO_SCHEMAS, str(peers / "check-jsonschema"), *schemas], floor=yaml_floor
        )
        yamls = (root / "yaml.txt").read_text().split("\n")
        runs["yamllint (YAML manifests)"] = Run([str(peers / "yamllint"), "-d", "relaxed", *yamls], floor=yaml_floor)
    return runs


GATE = "from packwarden.cli.gate import main; raise SystemExit(main())"  # the hook's entry
GATE_COMMANDS = (  # the git calls the gate makes, from the memo policy-check left (run in the repository)
    "import json, marshal, os; from packwarden.cache.gate import git_commands, memo_path;"
    "from packwarden.cache.location import read_sealed;"
    "root = os.path.realpath('.'); entry = marshal.loads(read_sealed(memo_path(root, None, False)));"
    "listed = [spec for unit in entry['units'] for spec in unit[2]];"
    "print(json.dumps(git_commands(root, entry['specs'], list(entry['inputs']), listed)))"
)


def gate_workloads() -> tuple[dict[str, Run], Path]:
    """The commit-msg gate right after policy-check, on 10 staged manifests, and its floor's parts:
    ``python -c pass`` and each git call the gate makes (the gate makes them side by side)."""
    root = OUT / "repo-gate"
    if not root.exists():
        generate(root, 10)
        for manifest in root.glob("skills/*/skill.yaml"):
            manifest.write_text(manifest.read_text() + "# changed\n")
        subprocess.run(["git", "add", "-A"], cwd=root, check=True)
    files = sorted(str(path.relative_to(root)) for path in root.glob("skills/*/skill.yaml"))
    bindir = Path(sys.executable).parent
    subprocess.run([str(bindir / "policy-check"), *files], cwd=root, env=env(), stdout=subprocess.DEVNULL, check=False)
    listed = subprocess.run(
        [sys.executable, "-c", GATE_COMMANDS], cwd=root, env=env(), capture_output=True, text=True, check=True
    )
    diff, ls_files = json.loads(listed.stdout)
    message = root / ".git" / "COMMIT_EDITMSG"
    message.write_text("Change every skill\n")
    return {
        "python -c pass": Run([sys.executable, "-c", "pass"]),
        "git diff --cached (staged artifacts)": Run(diff),
        "git ls-files (staged config, members)": Run(ls_files),
        "packwarden gate (answered from the memo)": Run([sys.executable, "-c", GATE, str(message)]),
    }, root


def print_gate(values: dict[str, float], unit: str) -> None:
    """The gate's rows: its floor is python -c pass plus its git calls, one after the other."""
    floor = sum(value for name, value in values.items() if "gate" not in name)
    for name, value in [*values.items(), ("floor: python -c pass + the git calls", floor)]:
        print(f"| gate | {name} | {value:,.1f} {unit} | {value / floor:.2f} |")


def prepared(runs: dict[str, Run], cwd: Path) -> None:
    """Warm the page cache and build the compiled policy once."""
    subprocess.run(runs["floor"].argv, cwd=cwd, env=env(), check=True)  # warm the page cache
    subprocess.run(
        [str(Path(sys.executable).parent / "packwarden"), "check", "--all-files"],
        cwd=cwd,
        env=env(),
        stdout=subprocess.DEVNULL,
        check=False,
    )


def measure(runs: dict[str, Run], cwd: Path, repeat: int) -> list[tuple[str, float, float, int]]:
    """Per workload: its median wall seconds, that over its floor's median, its peak RSS in MiB."""
    prepared(runs, cwd)
    samples: dict[str, list[tuple[float, int]]] = {name: [] for name in runs}
    for _ in range(repeat):
        for name, run in runs.items():
            run.prepare()
            samples[name].append(timed(run.argv, cwd, run.home))
    walls = {name: statistics.median(s[0] for s in got) for name, got in samples.items()}
    return [
        (name, walls[name], walls[name] / walls[runs[name].floor], max(s[1] for s in samples[name])) for name in runs
    ]


def count(runs: dict[str, Run], cwd: Path) -> list[tuple[str, float, float]]:
    """Per workload but the 2-job runs: millions of instructions, and that over its floor's."""
    prepared(runs, cwd)
    counts = {}
    for name, run in runs.items():
        if "2 jobs" not in name:
            run.prepare()
            counts[name] = counted(run.argv, cwd, run.home)
    return [(name, millions, millions / counts[runs[name].floor]) for name, millions in counts.items()]


ARTIFACTS = (
    "artifacts: every file that belongs to an artifact unit (55 % skill manifests, 25 % agent manifests,"
    " one registry index, the rest protocol-run markdown); hook rows compare with the floor of the 10"
    " changed files, peers with the floor of the YAML manifests they read"
)


def sizes(text: str) -> list[int]:
    return [int(size) for size in text.split(",") if size]


def print_tables(repositories: list[Any], columns: str, rows: Callable[[Any, Path], Iterable[str]]) -> None:
    """One table per kind of repository (files, artifacts): ``columns`` after the first two, and
    a row per run, printed as each repository is done."""
    unit = None
    for unit_name, size, runs, cwd in repositories:
        if unit_name != unit:
            unit = unit_name
            print(f"\n{ARTIFACTS}" if unit == "artifacts" else "")
            print(f"| {unit} | tool | {columns}")
        for row in rows(runs, cwd):
            print(f"| {size} | {row} |")
        sys.stdout.flush()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10,1000,10000", help="repositories of N skill manifests")
    parser.add_argument(
        "--mixed", default="", metavar="SIZES", help="mixed repositories of N artifacts, e.g. 1000,10000"
    )
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-peers", action="store_true")
    parser.add_argument("--instructions", action="store_true", help="count instructions (valgrind) instead of timing")
    parser.add_argument("--write-schemas", metavar="DIR", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.write_schemas:
        for kind in ("skill", "agent"):
            (Path(args.write_schemas) / f"{kind}.schema.json").write_text(json.dumps(peer_schema(kind)))
        return
    OUT.mkdir(exist_ok=True)
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(Path(__file__).parents[1] / "src")], check=False)
    peers = None if args.no_peers else peers_venv()
    repositories = [
        *(("files", size, workloads(size, peers), repo(size)) for size in sizes(args.sizes)),
        *(("artifacts", size, mixed_workloads(size, peers), mixed_repo(size)) for size in sizes(args.mixed)),
    ]
    if args.instructions:
        print(f"python {sys.version.split()[0]}, instructions of one run (callgrind), all processes")
        print_tables(
            repositories,
            "instructions | x floor |\n|---:|---|---:|---:|",
            lambda runs, cwd: (
                f"{name} | {millions:,.0f} M | {ratio:.2f}" for name, millions, ratio in count(runs, cwd)
            ),
        )
        runs, cwd = gate_workloads()
        print("\n| workload | run | instructions | x floor |\n|---|---|---:|---:|")
        print_gate({name: counted(run.argv, cwd) for name, run in runs.items()}, "M")
        return
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, {args.repeat} rounds, medians")
    print_tables(
        repositories,
        "wall | x floor | peak RSS |\n|---:|---|---:|---:|---:|",
        lambda runs, cwd: (
            f"{name} | {wall * 1000:.0f} ms | {ratio:.2f} | {rss} MiB"
            for name, wall, ratio, rss in measure(runs, cwd, args.repeat)
        ),
    )
    runs, cwd = gate_workloads()
    samples: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(args.repeat * 4):  # short runs: more rounds for a steady median
        for name, run in runs.items():
            samples[name].append(timed(run.argv, cwd)[0] * 1000)
    print("\n| workload | run | wall | x floor |\n|---|---|---:|---:|")
    print_gate({name: statistics.median(values) for name, values in samples.items()}, "ms")


if __name__ == "__main__":
    main()
